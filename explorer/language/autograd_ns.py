"""`torch.autograd` for programs: grad and backward, `torch.autograd.functional` (jacobian, hessian, vjp, jvp, vhp,
hvp), gradcheck and gradgradcheck; `torch.set_grad_enabled` / `torch.is_grad_enabled`; the saved values of a
`grad_fn` (`y.grad_fn._saved_self`).

The functional API and gradcheck take a function of the program (a `def`, a `lambda`, a module, an allowed torch
function). torch runs its own algorithm and calls back into the interpreter each time it needs the function's value
(`program_function`), so the run's step, time and depth limits hold inside. What torch then does without calling
back (one backward pass per row of a jacobian) is bounded before it starts: a jacobian or hessian of more than
`max_tensor_elements` numbers, or with more rows than a run may make backward passes, is refused as soon as the
sizes are known (the hessian's before anything runs, the jacobian's after its one forward call); each pass that
reaches the inputs checks the run's time.
"""
from __future__ import annotations

import ast
import inspect
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import torch
import torch.autograd.functional as AF

from explorer.errors import ProgramError
from explorer.language.functions import quiet_recorder
from explorer.language.objects import (
    BoundMethod,
    Fn,
    GradFnView,
    GradMode,
    Instance,
    Namespace,
    UserFunction,
    UserMethod,
    type_name,
)

if TYPE_CHECKING:
    from explorer.language.interpreter import Interpreter

FUNCTIONAL = ("jacobian", "hessian", "vjp", "jvp", "vhp", "hvp")
# gradcheck perturbs each input number twice and calls the function each time: inputs stay this small (the docs'
# example checks a linear function of 20x20 and 30x20 inputs: 1,000 numbers). Its jacobians are bounded as
# torch.autograd.functional.jacobian's (_check_jacobian_size).
GRADCHECK_MAX_ELEMENTS = 2048
# switches that need torch's vmap or forward-mode internals (batched tensors the interpreter does not show)
_BATCHED = "it needs torch's vmap internals, which are not available here"
GRADCHECK_REFUSED = {
    "check_batched_grad": _BATCHED,
    "check_batched_forward_grad": _BATCHED,
    "check_forward_ad": "forward-mode checks are not available here",
    "check_fwd_over_rev": "forward-mode checks are not available here",
}
TORCH_MEMBERS = frozenset({"set_grad_enabled", "is_grad_enabled"})


# --- torch.autograd --------------------------------------------------------------------------------------------

def make_autograd(interp: Interpreter, members: dict[str, Any]) -> Namespace:
    """`torch.autograd` of one run: `members` (grad, backward, and what else the caller adds) plus the
    functional API, gradcheck and gradgradcheck."""
    functional = Namespace("torch.autograd.functional",
                           {name: _functional(interp, name) for name in FUNCTIONAL})
    out = dict(members)
    out["functional"] = functional
    out["gradcheck"] = _gradcheck(interp, "gradcheck")
    out["gradgradcheck"] = _gradcheck(interp, "gradgradcheck")
    return Namespace("torch.autograd", out)


def _callable(func: Any, what: str) -> None:
    if not isinstance(func, (UserFunction, UserMethod, Fn, BoundMethod, Instance, torch.nn.Module)):
        raise ProgramError("runtime", f"{what} needs a function as its first argument (a def, a lambda or a "
                           f"module), not a {type_name(func)}")


def _tensors(value: Any, what: str, allow_numbers: bool = False) -> list[torch.Tensor]:
    """The tensors of a tensor or a tuple/list of them (numbers too, where torch takes them: gradcheck)."""
    items = list(value) if isinstance(value, (tuple, list)) else [value]
    if not items:
        raise ProgramError("runtime", f"{what} needs at least one tensor")
    ok = (torch.Tensor, int, float, bool) if allow_numbers else (torch.Tensor,)
    for item in items:
        if not isinstance(item, ok):
            raise ProgramError("runtime", f"{what} takes a tensor or a tuple of tensors, not a {type_name(item)}")
    return [t for t in items if isinstance(t, torch.Tensor)]


def _numel(tensors: list[torch.Tensor]) -> int:
    return sum(t.numel() for t in tensors)


def _check_jacobian_size(what: str, n_in: int, n_out: int, interp: Interpreter) -> None:
    """A jacobian holds n_in × n_out numbers and takes n_out backward passes: both bounded before torch starts."""
    limits = interp.limits
    if n_in * n_out > limits.max_tensor_elements:
        raise ProgramError("limit", f"the {what} would hold {n_in:,} × {n_out:,} = {n_in * n_out:,} numbers; the limit "
                           f"is {limits.max_tensor_elements:,}",
                           hint="differentiate a smaller function, or use vjp/jvp for one product at a time")
    if n_out > limits.max_backward_passes:
        raise ProgramError("limit", f"the {what} would take {n_out:,} backward passes (one per output number); "
                           f"the limit is {limits.max_backward_passes:,}", hint="use vjp for one product at a time")


def program_function(interp: Interpreter, func: Any, what: str, on_outputs: Callable[[int], None] | None = None
                     ) -> Callable[..., Any]:
    """What torch calls in place of the program's function: the interpreter runs it (its limits hold), its result
    must be a tensor or a tuple of tensors, and `on_outputs(total numel)` checks sizes before torch goes on."""
    node = interp.current_call
    # gradcheck calls the function with the same input tensors each time: one budget hook on each is enough
    hooked: dict[int, weakref.ref] = {}

    def budget(_grad: torch.Tensor) -> None:  # a backward pass reached an input: time left?
        interp._check_budget()

    def call(*args: Any) -> Any:
        result = interp.call(func, list(args), {}, node)  # type: ignore[arg-type]
        outputs = list(result) if isinstance(result, tuple) else [result]
        if not outputs or not all(isinstance(t, torch.Tensor) for t in outputs):
            raise ProgramError("runtime", f"the function given to {what} must return a tensor or a tuple of tensors, "
                               f"not {type_name(result)}")
        if on_outputs is not None:
            on_outputs(sum(t.numel() for t in outputs))
        for a in args:
            if isinstance(a, torch.Tensor) and a.requires_grad:
                ref = hooked.get(id(a))
                if ref is None or ref() is not a:
                    a.register_hook(budget)
                    hooked[id(a)] = weakref.ref(a)
        return result

    return call


def _functional(interp: Interpreter, name: str) -> Fn:
    real = getattr(AF, name)
    signature = inspect.signature(real)
    qualname = f"torch.autograd.functional.{name}"

    def impl(*args: Any, **kwargs: Any) -> Any:
        try:
            bound = signature.bind(*args, **kwargs)
        except TypeError as e:
            raise ProgramError("runtime", f"{name}(): {e}") from None
        bound.apply_defaults()
        opts = dict(bound.arguments)
        func, inputs = opts.pop("func"), opts.pop("inputs")
        _callable(func, name)
        ins = _tensors(inputs, f"{name}'s inputs")
        if opts.get("v") is not None:
            _tensors(opts["v"], f"{name}'s v")
        for flag in ("create_graph", "strict", "vectorize"):
            if flag in opts and not isinstance(opts[flag], bool):
                raise ProgramError("runtime", f"{name}(): {flag} must be True or False")
        if opts.get("vectorize"):
            raise ProgramError("not-allowed", f"{name}(vectorize=True) is not available here: {_BATCHED}",
                               hint="leave vectorize=False (the default): the result is the same")
        for key in ("strategy", "outer_jacobian_strategy"):
            if key in opts and opts[key] != "reverse-mode":
                raise ProgramError("not-allowed", f"{name}(): only {key}='reverse-mode' is available here")
        n_in = _numel(ins)
        check: Callable[[int], None] | None = None
        if name == "jacobian":
            def check(n_out: int) -> None:
                _check_jacobian_size("jacobian", n_in, n_out, interp)
        elif name == "hessian":
            _check_jacobian_size("hessian", n_in, n_in, interp)
        with quiet_recorder(interp):  # the calls torch makes to build the matrices are not the program's graph
            return real(program_function(interp, func, name, check), inputs, **opts)

    return Fn(qualname, impl, False)


def _gradcheck(interp: Interpreter, name: str) -> Fn:
    real = getattr(torch.autograd, name)
    signature = inspect.signature(real)

    def impl(*args: Any, **kwargs: Any) -> Any:
        try:
            bound = signature.bind(*args, **kwargs)
        except TypeError as e:
            raise ProgramError("runtime", f"{name}(): {e}") from None
        opts = dict(bound.arguments)
        func, inputs = opts.pop("func"), opts.pop("inputs")
        _callable(func, name)
        for key, value in opts.items():
            if key in GRADCHECK_REFUSED and value:
                raise ProgramError("not-allowed", f"{name}({key}=True) is not available here: "
                                   f"{GRADCHECK_REFUSED[key]}")
            if key == "grad_outputs":
                if value is not None:
                    _tensors(value, f"{name}'s grad_outputs")
            elif not isinstance(value, (bool, int, float)) and not (key == "masked" and value is None):
                raise ProgramError("runtime", f"{name}(): {key} must be a number or True/False")
        ins = _tensors(inputs, f"{name}'s inputs", allow_numbers=True)
        n_in = _numel(ins)
        if n_in > GRADCHECK_MAX_ELEMENTS:
            raise ProgramError("limit", f"{name} perturbs every input number one by one: at most "
                               f"{GRADCHECK_MAX_ELEMENTS} input numbers here, and these have {n_in:,}",
                               hint="check the function on a small input, like torch.randn(4, 3, dtype=torch.double, "
                                    "requires_grad=True)")

        def check(n_out: int) -> None:
            _check_jacobian_size("jacobian", n_in, n_out, interp)  # the two it compares

        with quiet_recorder(interp):  # gradcheck's own calls and passes are not the program's graph
            return real(program_function(interp, func, name, check), inputs, **opts)

    return Fn(f"torch.autograd.{name}", impl, False)


# --- torch.set_grad_enabled ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class GradSwitch(GradMode):
    """What `torch.set_grad_enabled(mode)` gives. As in torch, the call itself switches grad mode (so a plain
    call `torch.set_grad_enabled(False)` holds for the rest of the run); used in a `with` statement, the mode
    goes back to what it was before the call when the block ends (the interpreter's with_mode calls `undo`
    and runs the block in `enabled`)."""

    previous: bool = True

    def __repr__(self) -> str:
        return "<torch.autograd.grad_mode.set_grad_enabled object>"


def undo(switch: GradSwitch) -> None:
    """Put back the grad mode from before `torch.set_grad_enabled(...)` was called (see GradSwitch)."""
    torch.set_grad_enabled(switch.previous)


def set_grad_enabled(mode: Any) -> GradSwitch:
    if not isinstance(mode, bool):
        raise ProgramError("runtime", f"torch.set_grad_enabled needs True or False, not {type_name(mode)}",
                           hint="write torch.set_grad_enabled(False), or `with torch.no_grad():`")
    switch = GradSwitch(mode, torch.is_grad_enabled())
    torch.set_grad_enabled(mode)
    return switch


def torch_member(name: str) -> Fn:
    """`torch.set_grad_enabled` and `torch.is_grad_enabled` (TORCH_MEMBERS)."""
    if name == "set_grad_enabled":
        return Fn("torch.set_grad_enabled", set_grad_enabled, False)
    assert name == "is_grad_enabled"
    return Fn("torch.is_grad_enabled", lambda: torch.is_grad_enabled(), False)


# --- grad_fn._saved_* ------------------------------------------------------------------------------------------

_SAVED_PLAIN = (torch.Tensor, bool, int, float, str, type(None), torch.dtype, torch.Size)


def _plain(value: Any, depth: int = 0) -> bool:
    if isinstance(value, _SAVED_PLAIN):
        return True
    if isinstance(value, (tuple, list)) and depth < 2 and len(value) <= 64:
        return all(_plain(v, depth + 1) for v in value)
    return False


def saved_value(interp: Interpreter, view: GradFnView, name: str, node: ast.AST) -> Any:
    """`y.grad_fn._saved_self`: what torch's node saved for its backward (a tensor, a number, sizes), read from
    the node; only plain values come back (never the node, a generator or anything else torch keeps there)."""
    fn = view._fn  # the view's own node
    if not name.startswith("_saved_") or not name[len("_saved_"):].isidentifier() or not hasattr(fn, name):
        raise ProgramError("runtime", f"'{view.name()}' object has no attribute '{name}'",
                           hint="print(y.grad_fn) shows the node's name; each node saves what its backward "
                                "needs (_saved_self, _saved_other, _saved_result, ...)").at(node)
    value = interp.guarded(getattr, (fn, name), {}, node)
    if not _plain(value):
        raise ProgramError("not-allowed", f"grad_fn.{name} holds a {type(value).__name__}, which programs here "
                           "can't use").at(node)
    return list(value) if isinstance(value, list) else value
