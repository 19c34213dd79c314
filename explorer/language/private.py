"""Which attribute names with a leading underscore a program may read or write, and on what.

The parser refuses every dunder (`__class__`, `__dict__`, ...). A single leading underscore is a convention a
tutorial uses on its own classes (`self._hidden = 32`, `def _helper(self)`), and on one read-only view of
torch's: the saved values of a `grad_fn` (`y.grad_fn._saved_self`, explorer/language/autograd_ns.py). Every other
`._name` stays refused, wherever it is read: on torch's objects such names are its internals (`torch._C`,
`x._version`, `net._modules`).

Why by object and not by name: the parser cannot know what `obj` is in `obj._x`; the interpreter asks here
before it looks the attribute up (Interpreter.get_attr / set_attr).
"""
from __future__ import annotations

import ast
from typing import Any

import torch

from explorer.errors import ProgramError
from explorer.language.classes import UserModule
from explorer.language.objects import GradFnView, Instance, Super, UserClass

# What nn.Module keeps on itself and its class (`_modules`, `_parameters`, `_forward_hooks`, `_apply`,
# `_call_impl`, ...): a program's own module never reads or writes these, even as its own attribute, so that
# nothing of it can shadow, replace or reach what torch reads when it runs the module.
_MODULE_INTERNALS = frozenset(vars(torch.nn.Module())) | frozenset(n for n in dir(torch.nn.Module) if n.startswith("_"))


def is_private(name: str) -> bool:
    """A single leading underscore; names with "__" (dunders) are the parser's to refuse or let through (the
    `super().__init__()` of a class body)."""
    return name.startswith("_") and "__" not in name


def _module_internal(name: str) -> bool:
    return name in _MODULE_INTERNALS or name.startswith("_explorer")


def _on_program_object(obj: Any, name: str) -> bool:
    """A private name the program's own object may carry: any, on a plain class or instance; on an nn.Module
    of the program, any but nn.Module's own."""
    if isinstance(obj, (Instance, UserClass)):
        return True
    if type(obj) is UserModule:  # torch may add more of its own later (a compiled call, hooks): never those
        return not _module_internal(name) and name not in obj.__dict__
    if isinstance(obj, Super):
        return not _module_internal(name)
    return False


def check_read(obj: Any, name: str, node: ast.AST) -> None:
    """Refuse reading `obj._name` unless it is the program's own attribute or a grad_fn's saved value."""
    if isinstance(obj, GradFnView):
        if name.startswith("_saved_"):
            return
        if name.startswith("_raw_saved_"):
            raise ProgramError("not-allowed", f"`grad_fn.{name}` is not available: raw saved variables and their "
                               "hooks reach inside torch's engine",
                               hint=f"read the saved value itself: grad_fn.{name.replace('_raw_saved_', '_saved_')}"
                               ).at(node)
    if _on_program_object(obj, name):
        return
    raise refusal(obj, name, node)


def check_write(obj: Any, name: str, node: ast.AST) -> None:
    """Refuse writing `obj._name = ...` unless obj is the program's own object (and the name not nn.Module's)."""
    if isinstance(obj, Super) or not _on_program_object(obj, name):
        raise refusal(obj, name, node)


def refusal(obj: Any, name: str, node: ast.AST) -> ProgramError:
    if type(obj) is UserModule or isinstance(obj, (Super, torch.nn.Module)):
        return ProgramError("not-allowed", f"the private attribute `.{name}` is not allowed: it belongs to "
                            "nn.Module's internals",
                            hint="give your own attribute another name, like self.hidden").at(node)
    return ProgramError("not-allowed", f"the private attribute `.{name}` is not allowed").at(node)
