"""The public Python API: trace a program's text (sandboxed), or a live tensor / a block of code (trusted)."""
from __future__ import annotations

import logging
from typing import Any

import torch

from explorer.choices import DEFAULT_BACKWARD, DEFAULT_DIGITS
from explorer.config import DEFAULT_SEED, Limits
from explorer.errors import RECEIVING, ProgramError, from_exception
from explorer.recording.capture import Recorder
from explorer.recording.model import Trace
from explorer.recording.run import trace_in_process

log = logging.getLogger(__name__)


def trace(
    source: str,
    *,
    inputs: dict[str, Any] | None = None,
    output: str | None = None,
    backward: str = DEFAULT_BACKWARD,
    seed: int = DEFAULT_SEED,
    limits: Limits | dict | None = None,
    sandbox: bool = True,
    drop_unused_inputs: bool = False,
) -> Trace:
    """Run the program text `source` and return its Trace, or raise ProgramError saying what to fix.

    `inputs` sets values of free names (`{"y": 3.0}`); `output` names the variable to back-propagate from
    when the program runs no backward itself; `backward` is "auto" (only from a scalar), "none", "sum",
    "mean" or "ones" (for a non-scalar output). With `sandbox=True` (the default) the program runs in a
    separate, resource-limited worker process, so even a crash inside torch costs only that worker.
    `drop_unused_inputs=True` ignores values in `inputs` for names the program does not leave free (the app
    keeps the input boxes of the program run before); otherwise naming one is an error.
    """
    if not isinstance(source, str):
        hint = "decode it first: source.decode('utf-8')" if isinstance(source, (bytes, bytearray)) else None
        raise ProgramError("syntax", "the program must be text", hint=hint)
    limits = Limits.from_any(limits)
    if not sandbox:
        return trace_in_process(source, inputs=inputs, output=output, backward=backward, seed=seed, limits=limits,
                                drop_unused_inputs=drop_unused_inputs)
    from explorer.sandbox import default_pool

    request = {
        "source": source,
        "inputs": _plain_inputs(inputs),
        "output": output,
        "backward": backward,
        "seed": seed,
        "limits": limits.to_dict(),
        "drop_unused_inputs": bool(drop_unused_inputs),
    }
    reply = default_pool().run(request, limits)
    if not reply.get("ok"):
        raise ProgramError.from_dict(reply["error"])
    try:
        return Trace.from_dict(reply["trace"])
    except ValueError as exc:  # a packed trace that does not add up is as unreadable as broken JSON
        raise from_exception(exc, RECEIVING) from None


def _plain_inputs(inputs: dict[str, Any] | None) -> dict[str, Any] | None:
    if inputs is None:
        return None
    if not isinstance(inputs, dict):
        raise ProgramError("runtime", "inputs must be a dict like {'y': 3.0}")
    out = {}
    for k, v in inputs.items():
        out[str(k)] = v.detach().tolist() if isinstance(v, torch.Tensor) else v
    return out


def trace_tensor(tensor: torch.Tensor, params: dict[str, torch.Tensor] | None = None) -> Trace:
    """The graph behind a live tensor, as torchviz's make_dot draws it, with leaf names from `params`.

    For notebooks and trusted code: nothing is run, only `grad_fn` is walked (no backward, no side effects).
    """
    if not isinstance(tensor, torch.Tensor):
        raise TypeError("trace_tensor needs a torch.Tensor")
    rec = Recorder("", Limits(max_ops=10**6))
    params = dict(params or {})
    for name, p in params.items():
        rec.on_assign(name, p)
    rec.on_value(tensor, None)
    rec.on_assign("out", tensor)
    for name, p in params.items():  # name leaves discovered through the walk as well
        rec.on_assign(name, p)
    return rec.finish({**params, "out": tensor}, output="out", inputs={}, seed=0)


class record:
    """Record the ops of ordinary PyTorch code (nn.Module forward included), with values and backward passes.

        with explorer.record() as rec:
            loss = model(x).pow(2).mean()
            loss.backward()
        tr = rec.trace()
    """

    def __init__(self, limits: Limits | dict | None = None) -> None:
        self.limits = Limits.from_any(limits).replace(max_ops=10**6)
        self._rec = Recorder("", self.limits)
        self._mode: Any = None
        self._hooks: list[Any] = []
        self._last: torch.Tensor | None = None
        self._trace: Trace | None = None

    def __enter__(self) -> record:
        from torch.overrides import TorchFunctionMode

        owner = self

        class _Mode(TorchFunctionMode):
            def __torch_function__(self, func, types, args=(), kwargs=None):
                kwargs = kwargs or {}
                if func is torch.Tensor.backward:
                    return owner._rec.run_pass("backward", None, [args[0]], lambda: func(*args, **kwargs))
                result = func(*args, **kwargs)
                if isinstance(result, torch.Tensor) and result.grad_fn is not None:
                    owner._last = result
                operands = [(a, None) for a in args] if isinstance(result, torch.Tensor) else None
                owner._rec.on_value(result, None, operands)
                return result

        def name_parameters(module, inputs):
            owner._rec.enter("module", module, None)  # its nodes are in its group (recording/groups.py)
            for pname, p in module.named_parameters(recurse=False):
                owner._rec.on_value(p, None)
                owner._name_once(f"{type(module).__name__}.{pname}", p)

        def name_output(module, inputs, output):
            owner._rec.leave()
            if isinstance(output, torch.Tensor):
                owner._name_once(type(module).__name__, output)

        self._mode = _Mode()
        self._mode.__enter__()
        hooks = torch.nn.modules.module
        self._hooks = [hooks.register_module_forward_pre_hook(name_parameters),
                       hooks.register_module_forward_hook(name_output, always_call=True)]
        return self

    def __exit__(self, *exc: Any) -> None:
        self._mode.__exit__(*exc)
        for h in self._hooks:
            h.remove()
        named = {"out": self._last} if self._last is not None else {}
        try:
            self._trace = self._rec.finish(named, output="out" if named else None, inputs={}, seed=0)
        finally:
            self._rec.release()  # the user's tensors live on: take our hooks off their graph

    def _name_once(self, name: str, t: torch.Tensor) -> None:
        """The innermost module names a tensor: Linear's output stays `Linear`, not `Sequential`."""
        nid = self._rec._node_id_of(t)
        if nid is None or self._rec.nodes[nid].name is None:
            self._rec.on_assign(name, t)

    def trace(self) -> Trace:
        if self._trace is None:
            raise RuntimeError("the trace is ready when the `with explorer.record()` block has ended")
        return self._trace


# Drawing: plotly is imported only when a picture is asked for.

def _as_trace(obj: Any, what: str) -> Trace:
    """A Trace as given, or the trace of a program's text (sandboxed, as `trace` runs it): in a notebook,
    `explorer.figure("y = x * 2 ...")` is the obvious thing to try."""
    if isinstance(obj, Trace):
        return obj
    if isinstance(obj, str):
        return trace(obj)
    raise TypeError(f"explorer.{what}() takes a Trace (from explorer.trace(source)) or a program's text, "
                    f"not {type(obj).__name__}")


def figure(trace: Trace | str, **options: Any) -> Any:
    """A plotly Figure of the trace's graph (displays inline in Jupyter); a program's text is traced first.
    See explorer.drawing.figure.figure for the options (theme, direction, lang, collapse, digits:
    `explorer.figure(tr, digits=6)` writes every number with 6 significant digits; a bad option is a
    ProgramError saying what to give)."""
    from explorer.drawing.figure import figure as draw

    return draw(_as_trace(trace, "figure"), **options)


def show(tensor: torch.Tensor, params: dict[str, torch.Tensor] | None = None, **options: Any) -> Any:
    """The graph behind a live tensor, as a Figure: `explorer.show(loss, params={"w": w})` in a notebook."""
    return figure(trace_tensor(tensor, params=params), **options)


def export(obj: Any, path: Any, **options: Any) -> Any:
    """Write a Trace or Figure (or a program's text, traced first) to .png, .svg, .pdf, .gif, .html or .json,
    by the file's extension. A picture shows every value and gradient; `step=k` shows the graph as the player
    does at step k (0-based). A Trace is drawn with the options of `figure` (theme, direction, digits, ...)."""
    from plotly.graph_objects import Figure  # type: ignore[import-untyped]

    from explorer.drawing.export import export as write

    return write(obj if isinstance(obj, Figure) else _as_trace(obj, "export"), path, **options)


def quiz(trace: Trace | str, lang: str = "en", digits: int = DEFAULT_DIGITS) -> Any:
    """Questions on the gradients of `trace`'s backward passes, in the order the engine reaches the nodes: each
    has `prompt`, `node`, `answer` (torch's numbers), `explanation` (the chain-rule step, its numbers with
    `digits` significant digits) and `check(answer)` (right within 1e-3, or as written with `digits`).

        for q in explorer.quiz(tr):
            q.check(input(q.prompt))
    """
    from explorer.drawing.quiz import quiz as questions
    from explorer.drawing.text import checked_digits

    return questions(_as_trace(trace, "quiz"), lang, checked_digits(digits))
