"""Autograd Explorer: see the autograd graph of a small PyTorch program, and how values and gradients flow.

    import explorer
    tr = explorer.trace("x = torch.tensor(2.0, requires_grad=True)\\ny = x * x")
    tr.grads["x"]        # 4.0, what plain torch gives
"""
from __future__ import annotations

from typing import Any

# The submodules named like the functions below are imported first: importing a submodule sets the
# package attribute of that name, so a later first import would replace explorer.figure() by the module.
from . import export as _export_module  # noqa: F401
from . import figure as _figure_module  # noqa: F401
from .api import record, trace, trace_tensor
from .config import Limits
from .errors import ProgramError
from .trace.model import Trace

__version__ = "0.1.0"
__all__ = ["Limits", "ProgramError", "Trace", "export", "figure", "record", "show", "trace", "trace_tensor",
           "__version__"]


def figure(trace: Trace, **options: Any):
    """A plotly Figure of the trace's graph (displays inline in Jupyter). See explorer.figure.figure."""
    return _figure_module.figure(trace, **options)


def show(tensor: Any, params: dict | None = None, **options: Any):
    """The graph behind a live tensor, as a Figure: `explorer.show(loss, params={"w": w})` in a notebook."""
    return figure(trace_tensor(tensor, params=params), **options)


def export(obj: Any, path: Any, **options: Any):
    """Write a Trace or Figure to .png, .svg, .pdf, .html or .json, by the file's extension."""
    return _export_module.export(obj, path, **options)
