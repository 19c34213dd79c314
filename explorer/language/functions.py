"""The program's `torch.autograd.Function` subclasses, and the places where torch calls back into the program.

A `class LegendrePolynomial3(torch.autograd.Function):` statement makes a `FunctionClass` (a UserClass of ours).
On its first `.apply(...)` the explorer makes a real torch Function subclass with the same name (so torch's
node is `LegendrePolynomial3Backward`, recorded like any other), whose forward and backward call the program's
staticmethods in the interpreter. The program never reaches that class or torch's ctx: its forward and
backward get a `FunctionCtx` view offering only save_for_backward, saved_tensors, needs_input_grad,
mark_non_differentiable, mark_dirty, set_materialize_grads and attributes of the program's own.

The program's backward runs inside torch's engine. The run's limits still hold there (the interpreter counts
its steps, time and call depth as anywhere), callbacks nest at most ENGINE_NESTING deep (torch would move
deeper reentrant passes to threads of its own), and what the backward returns is checked here, so a wrong
number of gradients or a gradient of the wrong shape is a ProgramError at the backward's `return`, in words.

`torch.autograd.gradcheck` / `gradgradcheck` take the program's functions too (they call `.apply` many times):
the calls they make are not the program's graph, so they run with a recorder that keeps only printed output.
"""
from __future__ import annotations

import ast
import contextlib
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

import torch

from explorer.errors import ProgramError
from explorer.language.objects import (
    ClassMethod,
    Fn,
    Namespace,
    StaticMethod,
    TypeRef,
    UserClass,
    UserFunction,
    type_name,
)

if TYPE_CHECKING:
    from explorer.language.interpreter import Interpreter

FUNCTION_BASE = TypeRef("torch.autograd.Function", torch.autograd.Function)
ENGINE_NESTING = 16  # callbacks (a backward, a hook) running inside one another through torch's engine
_nesting = [0]  # callbacks running now, inside torch (one run per process at a time)


class FunctionClass(UserClass):
    """A class of the program deriving from torch.autograd.Function. `real` is the torch Function subclass made
    for it on first use; `made` the interpreter that made it (callbacks run there)."""

    real: Any = None


class View:
    """A stand-in the program holds for an object of torch's it may not reach (a ctx, a hook's handle, a
    saved-tensors-hooks context). The interpreter reads and writes its attributes only through attr/set."""

    __slots__ = ()

    def attr(self, interp: Interpreter, name: str, node: ast.AST) -> Any:
        raise ProgramError("not-allowed", f"a {type_name(self)} has no attribute `.{name}` here").at(node)

    def set(self, interp: Interpreter, name: str, value: Any, node: ast.AST) -> None:
        raise ProgramError("not-allowed", f"can't set `.{name}` on a {type_name(self)}").at(node)


# --- ctx ---------------------------------------------------------------------------------------------------

CTX_MEMBERS = frozenset({"save_for_backward", "saved_tensors", "needs_input_grad", "mark_non_differentiable",
                         "mark_dirty", "set_materialize_grads"})
CTX_REFUSED = {
    "saved_variables": "use ctx.saved_tensors",
    "to_save": "use ctx.saved_tensors",
    "apply": "call your Function as Name.apply(...), not through ctx",
    "register_hook": "hooks go on tensors: t.register_hook(fn)",
    "register_prehook": "hooks go on tensors: t.register_hook(fn)",
    "next_functions": "read y.grad_fn.next_functions on a tensor instead",
    "save_for_forward": "forward-mode AD is not available here",
}
_FORWARD_ONLY = frozenset({"save_for_backward", "mark_non_differentiable", "mark_dirty", "set_materialize_grads"})


class FunctionCtx(View):
    """What a Function's forward and backward get as `ctx`: torch's ctx stays inside; the program's own attributes
    (`ctx.constant = c`) live in a dict of ours kept with it."""

    __slots__ = ("_ctx", "_phase")

    def __init__(self, ctx: Any, phase: str) -> None:
        self._ctx = ctx
        self._phase = phase  # forward | backward

    def _own(self) -> dict[str, Any]:
        return self._ctx.__dict__.setdefault("_explorer_attrs", {})

    def attr(self, interp: Interpreter, name: str, node: ast.AST) -> Any:
        own = self._own()
        if name in own:
            return own[name]
        if name in CTX_MEMBERS:
            if name in _FORWARD_ONLY and self._phase != "forward":
                raise ProgramError("runtime", f"ctx.{name} works only in forward (or setup_context)").at(node)
            if name == "saved_tensors":
                if self._phase != "backward":
                    raise ProgramError("runtime", "ctx.saved_tensors can be read only in backward",
                                       hint="in forward, use the tensors themselves").at(node)
                return interp.guarded(lambda: tuple(self._ctx.saved_tensors), (), {}, node)
            if name == "needs_input_grad":
                return tuple(bool(b) for b in self._ctx.needs_input_grad)
            return Fn(f"ctx.{name}", self._method(name), False)
        if name in CTX_REFUSED:
            raise ProgramError("not-allowed", f"ctx.{name} is not available here: {CTX_REFUSED[name]}").at(node)
        raise ProgramError("runtime", f"ctx has no attribute '{name}'",
                           hint=f"give it a value in forward first: ctx.{name} = ...").at(node)

    def _method(self, name: str) -> Callable[..., Any]:
        ctx = self._ctx
        if name == "set_materialize_grads":
            def materialize(value: Any) -> None:
                if not isinstance(value, bool):
                    raise TypeError("ctx.set_materialize_grads takes True or False")
                ctx.set_materialize_grads(value)
            return materialize

        def tensors_only(*tensors: Any) -> None:
            for t in tensors:
                if not (isinstance(t, torch.Tensor) or (t is None and name == "save_for_backward")):
                    raise ProgramError("runtime", f"ctx.{name} takes tensors, not a {type_name(t)}",
                                       hint="keep other values as attributes: ctx.value = v")
            getattr(ctx, name)(*tensors)
        return tensors_only

    def set(self, interp: Interpreter, name: str, value: Any, node: ast.AST) -> None:
        if name in CTX_MEMBERS or name in CTX_REFUSED or name.startswith("_"):
            raise ProgramError("not-allowed", f"ctx.{name} can't be set",
                               hint="give your value another name: ctx.my_value = ...").at(node)
        self._own()[name] = value

    def __repr__(self) -> str:
        return "<ctx>"


# --- the real Function subclass ----------------------------------------------------------------------------

def define_check(cls: UserClass, node: ast.ClassDef) -> None:
    """What a Function class's body must hold: forward and backward as @staticmethod (torch refuses others)."""
    for name in ("forward", "backward", "setup_context"):
        found = cls.lookup(name)
        if found is None:
            continue
        if not isinstance(found[1], StaticMethod):
            what = "a @classmethod" if isinstance(found[1], ClassMethod) else "a plain method"
            raise ProgramError("not-allowed", f"{cls.name}.{name} is {what}; a torch.autograd.Function's {name} "
                               "must be a @staticmethod", hint=f"write @staticmethod on the line above def {name}"
                               ).at(node)


def apply_of(interp: Interpreter, cls: FunctionClass) -> Fn:
    """`Name.apply`: runs the real Function subclass (made on first use) with the program's arguments."""
    def apply(*args: Any, **kwargs: Any) -> Any:
        node = interp.current_call
        if kwargs:
            raise ProgramError("runtime", f"{cls.name}.apply takes its arguments by position, not by name")
        interp.check_data(list(args), node)
        if cls.real is None:
            cls.real = _real_class(interp, cls)
        return cls.real.apply(*args)

    return Fn(f"{cls.name}.apply", apply, False)


def _staticmethod(cls: UserClass, name: str) -> UserFunction | None:
    found = cls.lookup(name)
    return found[1].fn if found is not None and isinstance(found[1], StaticMethod) else None


def _real_class(interp: Interpreter, cls: FunctionClass) -> type:
    forward, backward = _staticmethod(cls, "forward"), _staticmethod(cls, "backward")
    setup = _staticmethod(cls, "setup_context")
    if forward is None:
        raise ProgramError("runtime", f"{cls.name} has no forward",
                           hint="define @staticmethod def forward(ctx, x): ... in the class")
    call_node = interp.current_call
    ns: dict[str, Any] = {"__module__": "explorer.program", "__qualname__": cls.name}

    def note_inputs(ctx: Any, args: tuple) -> None:
        ctx.__dict__["_explorer_inputs"] = tuple(
            tuple(a.shape) if isinstance(a, torch.Tensor) else None for a in args)

    if setup is None:
        def run_forward(ctx: Any, *args: Any) -> Any:
            note_inputs(ctx, args)
            return _checked_output(callback(interp, forward, [FunctionCtx(ctx, "forward"), *args], call_node),
                                   cls, call_node)
        ns["forward"] = staticmethod(run_forward)
    else:
        def run_plain_forward(*args: Any) -> Any:
            return _checked_output(callback(interp, forward, list(args), call_node), cls, call_node)

        def run_setup(ctx: Any, inputs: tuple, output: Any) -> None:
            note_inputs(ctx, inputs)
            callback(interp, setup, [FunctionCtx(ctx, "forward"), tuple(inputs), output], call_node)
        ns["forward"] = staticmethod(run_plain_forward)
        ns["setup_context"] = staticmethod(run_setup)

    def run_backward(ctx: Any, *grads: Any) -> Any:
        if backward is None:
            raise ProgramError("runtime", f"{cls.name} has no backward, and a backward pass reached it",
                               hint="define @staticmethod def backward(ctx, grad_output): ... in the class")
        outer, interp.rec = interp.rec, _Unnamed(interp.rec)
        try:
            result = callback(interp, backward, [FunctionCtx(ctx, "backward"), *grads], call_node)
        finally:
            interp.rec = outer
        return _checked_grads(result, ctx.__dict__.get("_explorer_inputs", ()), cls, backward)

    ns["backward"] = staticmethod(run_backward)
    return type(cls.name, (torch.autograd.Function,), ns)


def callback(interp: Interpreter, fn: Any, args: list, node: ast.AST | None) -> Any:
    """Call a function of the program from inside torch (a Function's forward or backward, a hook), counting how
    deeply such calls nest: torch runs a reentrant backward pass on threads of its own past some depth."""
    if _nesting[0] >= ENGINE_NESTING:
        raise ProgramError("limit", f"backward passes and hooks run inside one another more than {ENGINE_NESTING} "
                           "deep", hint="a backward or a hook that starts a backward pass needs a case that stops"
                           ).at(node)
    _nesting[0] += 1
    try:
        return interp.call(fn, args, {}, node if node is not None else interp.tree)
    finally:
        _nesting[0] -= 1


def _checked_output(result: Any, cls: UserClass, node: ast.AST | None) -> Any:
    items = result if isinstance(result, tuple) else (result,)
    for item in items:
        if not isinstance(item, (torch.Tensor, int, float, bool, type(None))):
            raise ProgramError("runtime", f"{cls.name}.forward returned a {type_name(item)}",
                               hint="return a tensor, or a tuple of tensors").at(node)
    return result


def _return_of(fn: UserFunction) -> ast.AST:
    """Where an error about what a backward returned points: its `return` if it has one, else its `def` (looked
    for only when there is an error to place)."""
    returns = [n for n in ast.walk(fn.node) if isinstance(n, ast.Return)]
    return returns[0] if len(returns) == 1 else fn.node


def _checked_grads(result: Any, inputs: tuple, cls: UserClass, backward: UserFunction) -> Any:
    """torch's own checks of what a backward returns, made first so that they read in plain words at its return."""
    grads = result if isinstance(result, tuple) else (result,)
    n = len(inputs)
    if len(grads) < n or any(g is not None for g in grads[n:]):
        raise ProgramError(
            "runtime", f"{cls.name}.backward must return one gradient per input of forward ({n}), not {len(grads)}",
            hint="return one gradient per input of forward, in order (None for one that needs none)"
        ).at(_return_of(backward))
    for i, (g, shape) in enumerate(zip(grads, inputs)):
        if g is None:
            continue
        if not isinstance(g, torch.Tensor):
            raise ProgramError("runtime", f"{cls.name}.backward returned a {type_name(g)} as the gradient of "
                               f"input {i + 1}", hint="return a tensor, or None").at(_return_of(backward))
        if shape is None:
            raise ProgramError("runtime", f"{cls.name}.backward returned a gradient for input {i + 1}, which is "
                               "not a tensor", hint="return None for inputs that are not tensors"
                               ).at(_return_of(backward))
        if not _expandable(shape, tuple(g.shape)):
            raise ProgramError(
                "runtime", f"{cls.name}.backward returned a gradient of shape {list(g.shape)} for input {i + 1}, "
                f"which has shape {list(shape)}", hint="a gradient has the shape of its input").at(_return_of(backward))
    return result


def _expandable(shape: tuple, target: tuple) -> bool:
    """Whether a tensor of `shape` broadcasts to `target` (torch sums such a gradient down to the input)."""
    if len(shape) > len(target):
        return False
    return all(s == t or s == 1 for s, t in zip(reversed(shape), reversed(target)))


# --- gradcheck ---------------------------------------------------------------------------------------------

class _Quiet:
    """The recorder while gradcheck calls the program's function: its calls are no part of the program's graph;
    what they print still is the program's output."""

    light = False

    def __init__(self, rec: Any) -> None:
        self.rec = rec

    def on_value(self, value: Any, node: Any, operands: Any = None) -> None:
        pass

    def on_assign(self, name: str, value: Any) -> None:
        pass

    def on_hook(self, t: Any, before: Any, after: Any) -> None:
        pass

    def enter(self, kind: str, what: Any, node: Any, index: Any = None) -> None:
        pass  # no groups either: nothing gradcheck runs is drawn

    def leave(self, result: Any = None, args: Any = (), node: Any = None) -> None:
        pass

    def run_pass(self, kind: str, node: Any, roots: Any, run: Callable[[], Any], **kw: Any) -> Any:
        return run()

    def write(self, text: str) -> None:
        self.rec.write(text)

    def notice(self, kind: str, message: str, line: int | None = None) -> None:
        self.rec.notice(kind, message, line)


@contextlib.contextmanager
def quiet_recorder(interp: Interpreter) -> Iterator[None]:
    """While gradcheck calls the program's function (explorer/language/autograd_ns.py): its calls are no part of
    the program's graph."""
    outer, interp.rec = interp.rec, _Quiet(interp.rec)
    try:
        yield
    finally:
        interp.rec = outer


class _Unnamed:
    """The recorder while a Function's backward runs: its local names (`x, = ctx.saved_tensors`) would otherwise name
    the forward's nodes, which the program calls by other names; everything else is recorded as usual."""

    def __init__(self, rec: Any) -> None:
        self.__dict__["rec"] = rec

    def on_assign(self, name: str, value: Any) -> None:
        pass

    def __getattr__(self, name: str) -> Any:
        return getattr(self.rec, name)

    def __setattr__(self, name: str, value: Any) -> None:
        setattr(self.rec, name, value)


# --- torch.autograd ----------------------------------------------------------------------------------------

def autograd_members(interp: Interpreter) -> dict[str, Any]:
    """What torch.autograd offers for Functions and hooks (beside grad and backward)."""
    from explorer.language import hooks

    return {
        "Function": FUNCTION_BASE,
        "graph": Namespace("torch.autograd.graph", {"saved_tensors_hooks": hooks.saved_tensors_hooks_of(interp)},
                           {"save_on_cpu": "there is only the CPU here",
                            "disable_saved_tensors_hooks": "not available here",
                            "register_multi_grad_hook": "register a hook on each tensor: t.register_hook(fn)"}),
    }


__all__ = ["ENGINE_NESTING", "FUNCTION_BASE", "FunctionClass", "FunctionCtx", "View", "apply_of", "autograd_members",
           "callback", "define_check"]
