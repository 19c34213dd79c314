"""Autograd Explorer: see the autograd graph of a small PyTorch program, and how values and gradients flow.

    import explorer
    tr = explorer.trace("x = torch.tensor(2.0, requires_grad=True)\\ny = x * x")
    tr.grads["x"]        # 4.0, what plain torch gives

The names below are loaded on first use (PEP 562): `import explorer` costs nothing, and tracing a program
never imports plotly or Dash. Drawing (`figure`, `show`, `export`) loads them when first called.
"""
from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

# public name -> the module that defines it
_PUBLIC = {
    "trace": "explorer.api",
    "record": "explorer.api",
    "trace_tensor": "explorer.api",
    "figure": "explorer.api",
    "show": "explorer.api",
    "export": "explorer.api",
    "quiz": "explorer.api",
    "Limits": "explorer.config",
    "ProgramError": "explorer.errors",
    "Trace": "explorer.recording.model",
}

__all__ = ["Limits", "ProgramError", "Trace", "__version__", "export", "figure", "quiz", "record", "show",
           "trace", "trace_tensor"]

if TYPE_CHECKING:
    from explorer.api import export, figure, quiz, record, show, trace, trace_tensor
    from explorer.config import Limits
    from explorer.errors import ProgramError
    from explorer.recording.model import Trace


def __getattr__(name: str) -> Any:
    module = _PUBLIC.get(name)
    if module is None:
        raise AttributeError(f"module 'explorer' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value  # later lookups skip this function
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_PUBLIC))
