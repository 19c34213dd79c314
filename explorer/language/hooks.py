"""Hooks of the program: `t.register_hook(fn)` and `torch.autograd.graph.saved_tensors_hooks(pack, unpack)`.

torch runs them inside its engine; here each one is a function of ours that calls the program's function in the
interpreter (functions.callback: the run's limits hold) and checks what it gives back before torch sees it:
a gradient hook returns None or a tensor of the gradient's shape and dtype; an unpack hook returns a tensor of
the packed one's shape and dtype (torch's kernels trust the sizes of what they saved). A hook that changes a
gradient tells the recorder the gradient before and after (`on_hook`), so the trace can show where it happened.

The program holds a `RemovableHandle` view (only `.remove()`), never torch's handle; at most MAX_HOOKS hooks are
registered in a run (a hook that registers hooks would otherwise grow without end).
"""
from __future__ import annotations

import ast
import weakref
from typing import TYPE_CHECKING, Any

import torch

from explorer.errors import ProgramError
from explorer.language.functions import View, callback
from explorer.language.objects import BoundMethod, Fn, UserFunction, UserMethod, type_name

if TYPE_CHECKING:
    from explorer.language.interpreter import Interpreter

MAX_HOOKS = 1_000
_CALLABLE = (UserFunction, UserMethod, Fn, BoundMethod)
_made: weakref.WeakKeyDictionary[Any, int] = weakref.WeakKeyDictionary()  # interpreter -> hooks registered
_peeking = [False]


class RemovableHandle(View):
    """What `t.register_hook(fn)` gives: `.remove()` takes the hook off again."""

    __slots__ = ("_handle",)

    def __init__(self, handle: Any) -> None:
        self._handle = handle

    def attr(self, interp: Interpreter, name: str, node: ast.AST) -> Any:
        if name == "remove":
            return Fn("handle.remove", self._handle.remove, False)
        return super().attr(interp, name, node)

    def __repr__(self) -> str:
        return "<RemovableHandle>"


def _count(interp: Interpreter, node: ast.AST | None) -> None:
    made = _made.get(interp, 0) + 1
    if made > MAX_HOOKS:
        raise ProgramError("limit", f"the program registered more than {MAX_HOOKS:,} hooks",
                           hint="register a hook once, outside loops and outside other hooks").at(node)
    _made[interp] = made


def register_hook_of(interp: Interpreter, t: torch.Tensor) -> Fn:
    """`t.register_hook`: torch gets a function of ours that runs the program's hook and checks its result."""
    tensor = weakref.ref(t)

    def register(fn: Any) -> RemovableHandle:
        node = interp.current_call
        if not isinstance(fn, _CALLABLE):
            raise ProgramError("runtime", f"register_hook needs a function (a def or a lambda), not a "
                               f"{type_name(fn)}").at(node)
        _count(interp, node)

        def hook(grad: torch.Tensor) -> torch.Tensor | None:
            result = callback(interp, fn, [grad], node)
            if result is None:
                return None
            if not isinstance(result, torch.Tensor):
                raise ProgramError("runtime", f"a gradient hook returned a {type_name(result)}",
                                   hint="return the new gradient (a tensor), or None to keep it").at(node)
            if result.shape != grad.shape or result.dtype != grad.dtype:
                raise ProgramError(
                    "runtime", f"a gradient hook returned a tensor of shape {list(result.shape)} and dtype "
                    f"{str(result.dtype).replace('torch.', '')}, but the gradient has shape {list(grad.shape)} "
                    f"and dtype {str(grad.dtype).replace('torch.', '')}",
                    hint="return a gradient like the one the hook got, e.g. grad * 2").at(node)
            owner = tensor()
            if owner is not None:
                interp.rec.on_hook(owner, grad, result)
            return result

        return RemovableHandle(interp.guarded(t.register_hook, (hook,), {}, node))

    return Fn("tensor.register_hook", register, False)


# --- saved tensors hooks -----------------------------------------------------------------------------------

class _Packed:
    """What torch keeps for a saved tensor while the program's hooks are on: the program's packed value, and
    what the unpacked tensor must look like (a detached alias, for the recorder's own reading: see peek)."""

    __slots__ = ("value", "alias")

    def __init__(self, value: Any, alias: torch.Tensor) -> None:
        self.value = value
        self.alias = alias


class SavedTensorsHooks(View):
    """What `torch.autograd.graph.saved_tensors_hooks(pack, unpack)` gives: usable only in a `with` statement."""

    __slots__ = ("_interp", "_pack", "_unpack", "_node")

    def __init__(self, interp: Interpreter, pack: Any, unpack: Any, node: ast.AST | None) -> None:
        self._interp, self._pack, self._unpack, self._node = interp, pack, unpack, node

    def context(self) -> Any:
        """torch's own context, with functions of ours around the program's pack and unpack."""
        interp, pack_fn, unpack_fn, node = self._interp, self._pack, self._unpack, self._node

        def pack(t: torch.Tensor) -> _Packed:
            return _Packed(callback(interp, pack_fn, [t], node), t.detach())

        def unpack(p: _Packed) -> torch.Tensor:
            if _peeking[0]:  # the recorder reading what a node saved: not the program's business
                return p.alias
            result = callback(interp, unpack_fn, [p.value], node)
            if not isinstance(result, torch.Tensor):
                raise ProgramError("runtime", f"the unpack hook returned a {type_name(result)}",
                                   hint="unpack must give back a tensor like the one pack got").at(node)
            if result.shape != p.alias.shape or result.dtype != p.alias.dtype:
                raise ProgramError(
                    "runtime", f"the unpack hook returned a tensor of shape {list(result.shape)} and dtype "
                    f"{str(result.dtype).replace('torch.', '')}; the saved tensor had shape {list(p.alias.shape)} "
                    f"and dtype {str(p.alias.dtype).replace('torch.', '')}",
                    hint="unpack must give back a tensor like the one pack got").at(node)
            return result

        return torch.autograd.graph.saved_tensors_hooks(pack, unpack)

    def __repr__(self) -> str:
        return "<saved_tensors_hooks>"


def saved_tensors_hooks_of(interp: Interpreter) -> Fn:
    def make(pack_hook: Any, unpack_hook: Any) -> SavedTensorsHooks:
        for what, fn in (("pack_hook", pack_hook), ("unpack_hook", unpack_hook)):
            if not isinstance(fn, _CALLABLE):
                raise ProgramError("runtime", f"saved_tensors_hooks needs a function as {what}, not a "
                                   f"{type_name(fn)}")
        return SavedTensorsHooks(interp, pack_hook, unpack_hook, interp.current_call)

    return Fn("torch.autograd.graph.saved_tensors_hooks", make, False)


class peek:
    """While the recorder reads what a node saved (`_saved_self`, ...), unpack hooks give torch's tensor without
    calling the program: the program's unpack runs only when torch itself needs the tensor, as in plain torch."""

    def __enter__(self) -> None:
        _peeking[0] = True

    def __exit__(self, *exc: Any) -> None:
        _peeking[0] = False


__all__ = ["MAX_HOOKS", "RemovableHandle", "SavedTensorsHooks", "peek", "register_hook_of", "saved_tensors_hooks_of"]
