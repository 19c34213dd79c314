"""`torch.optim.lr_scheduler` for programs: the schedulers tutorials use, made by torch around a program's
optimizer, offering `step()` and `get_last_lr()` only.

Their arguments are numbers (step sizes, gammas, milestones) except LambdaLR's `lr_lambda`, a program function
that torch calls at each step: it is run by the interpreter, inside the run's limits, like a `key=` function.
"""
from __future__ import annotations

import ast
from typing import TYPE_CHECKING, Any

import torch

from explorer.errors import ProgramError
from explorer.language.objects import (
    OPTIMIZER_TYPES,
    BoundMethod,
    Fn,
    LazyMembers,
    Namespace,
    UserFunction,
    UserMethod,
    type_name,
)

if TYPE_CHECKING:
    from explorer.language.interpreter import Interpreter

SCHEDULERS = frozenset({"StepLR", "MultiStepLR", "ExponentialLR", "CosineAnnealingLR", "LambdaLR", "LinearLR",
                        "ConstantLR", "ReduceLROnPlateau"})
SCHEDULER_TYPES = (torch.optim.lr_scheduler.LRScheduler, torch.optim.lr_scheduler.ReduceLROnPlateau)
SCHEDULER_METHODS = frozenset({"step", "get_last_lr"})


def make_lr_scheduler(interp: Interpreter) -> Namespace:
    def scheduler(name: str) -> Fn:
        cls = getattr(torch.optim.lr_scheduler, name)

        def make(optimizer: Any, *args: Any, **kwargs: Any) -> Any:
            if not isinstance(optimizer, OPTIMIZER_TYPES):
                raise TypeError(f"{name} needs an optimizer first, like {name}(optimizer, ...)")
            if name == "LambdaLR":
                lr_lambda = kwargs.pop("lr_lambda", args[0] if args else None)
                args = args[1:]
                kwargs["lr_lambda"] = _program_function(interp, lr_lambda)
            for value in (*args, *kwargs.values()):
                if not (callable(value) and name == "LambdaLR") and not _plain(value):
                    raise TypeError(f"{name} takes numbers (and mode='min' or 'max'), not a {type_name(value)}")
            return cls(optimizer, *args, **kwargs)

        return Fn(f"torch.optim.lr_scheduler.{name}", make, torch_args=False)

    return Namespace("torch.optim.lr_scheduler", LazyMembers(SCHEDULERS, scheduler))


def _plain(value: Any) -> bool:
    if isinstance(value, (bool, int, float, str)) or value is None:
        return True
    return isinstance(value, (list, tuple)) and len(value) <= 1000 and all(isinstance(v, (int, float)) for v in value)


def _program_function(interp: Interpreter, fn: Any) -> Any:
    """A program's function (`lambda epoch: 0.95 ** epoch`) as torch calls it: through the interpreter."""
    if not isinstance(fn, (Fn, BoundMethod, UserFunction, UserMethod)):
        raise ProgramError("runtime", "LambdaLR needs a function of the epoch: lr_lambda=lambda epoch: 0.95 ** epoch")
    node = interp.current_call or ast.Pass()

    def run(epoch: int) -> Any:
        return interp.call(fn, [epoch], {}, node)

    return run


__all__ = ["SCHEDULERS", "SCHEDULER_METHODS", "SCHEDULER_TYPES", "make_lr_scheduler"]
