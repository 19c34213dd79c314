"""Autograd Explorer: see the autograd graph of a small PyTorch program, and how values and gradients flow.

    import explorer
    tr = explorer.trace("x = torch.tensor(2.0, requires_grad=True)\\ny = x * x")
    tr.grads["x"]        # 4.0, what plain torch gives
"""
from __future__ import annotations

from .api import record, trace, trace_tensor
from .config import Limits
from .errors import ProgramError
from .trace.model import Trace

__version__ = "0.1.0"
__all__ = ["Limits", "ProgramError", "Trace", "record", "trace", "trace_tensor", "__version__"]
