"""One run, start to end, in this process: text -> checked AST -> interpreter + recorder -> Trace.

`run_request` is the same thing with plain JSON in and out: what a sandbox worker executes.
"""
from __future__ import annotations

import contextlib
import random
import sys
import time
import warnings
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import numpy as np
import torch

from explorer.choices import BACKWARD_MODES, DEFAULT_BACKWARD, MAX_INPUT_ELEMENTS
from explorer.config import DEFAULT_INPUT_VALUES, DEFAULT_SEED, Limits
from explorer.errors import RUN, ProgramError, from_exception
from explorer.gcpause import without_gc
from explorer.language.interpreter import Interpreter
from explorer.language.layers import module_tensors
from explorer.language.names import free_names
from explorer.language.parser import parse_program
from explorer.recording.capture import Recorder, Rerun
from explorer.recording.model import Trace

# Record the early iterations of a training loop lightly (see trace/capture.py, "Light stretches"): a loop of
# 500 optimizer steps costs about half as much. The trace is the same either way; False records everything.
LIGHT_LOOPS = True


# The cyclic collector is paused for the whole run (a run makes many small objects and few cycles; collecting
# mid-run doubled trace time) and resumes once this returns and the run's own objects are gone, so its
# catch-up walks only the Trace.
@without_gc
def trace_in_process(
    source: str,
    *,
    inputs: dict[str, Any] | None = None,
    output: str | None = None,
    backward: str = DEFAULT_BACKWARD,
    seed: int = DEFAULT_SEED,
    limits: Limits | dict | None = None,
    drop_unused_inputs: bool = False,
) -> Trace:
    """Run `source` here (no separate process) and return its Trace; ProgramError if it can't.
    `drop_unused_inputs`: values in `inputs` for names the program does not leave free are ignored, not refused
    (found here, where the program is parsed anyway, rather than by parsing it once more in the server)."""
    limits = Limits.from_any(limits)
    if backward not in BACKWARD_MODES:
        raise ProgramError("runtime", f"backward must be one of {', '.join(BACKWARD_MODES)}, not {backward!r}")
    if not isinstance(seed, int) or isinstance(seed, bool) or not 0 <= seed < 2**63:
        raise ProgramError("runtime", "seed must be a whole number from 0 to 2**63-1")
    tree = parse_program(source, limits)
    free = free_names(tree)
    if drop_unused_inputs and inputs:
        inputs = {name: value for name, value in inputs.items() if name in free}
    deadline = time.monotonic() + limits.time_seconds
    try:
        return _run(source, tree, limits, free, inputs, output, backward, seed, deadline, LIGHT_LOOPS)
    except Rerun:  # a loop's light iterations mattered after all: record everything (same deadline) ...
        pass
    # ... once the exception is gone: its traceback holds the first attempt's tensors
    return _run(source, tree, limits, free, inputs, output, backward, seed, deadline, False)


def _run(source: str, tree: Any, limits: Limits, free: list[str], inputs: dict[str, Any] | None,
         output: str | None, backward: str, seed: int, deadline: float, light_loops: bool) -> Trace:
    input_tensors, input_values = make_inputs(free, inputs)  # fresh: a first attempt may have changed them
    rec = Recorder(source, limits)
    interp = None
    try:
        with isolated_torch_state(seed), isolated_random_state(seed), warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            interp = Interpreter(tree, limits=limits, recorder=rec, inputs=input_tensors, deadline=deadline,
                                 light_loops=light_loops)
            for name, t in input_tensors.items():
                rec.on_value(t, None)
                rec.on_assign(name, t)
            interp.run()
            out_name = _backpropagate(interp, rec, output, backward)
            named = dict(interp.globals.vars)
            named.update(module_tensors(named))  # net -> net.fc1.weight, ... (as named_parameters() spells them)
            trace = rec.finish(named, output=out_name, inputs=input_values, seed=seed)
    finally:
        if interp is not None:
            interp.release()
        rec.release()
    for w in caught[:5]:
        rec.notice("torch-warning", str(w.message).splitlines()[0][:300], getattr(w, "lineno", None))
    return replace(trace, notices=tuple(rec.notices))


def make_inputs(free: list[str], given: dict[str, Any] | None) -> tuple[dict[str, torch.Tensor], dict[str, Any]]:
    """Leaf tensors (requires_grad) for the free names: the caller's values, else fixed defaults."""
    given = dict(given or {})
    unknown = sorted(set(given) - set(free))
    if unknown:
        have = ", ".join(free) if free else "none"
        raise ProgramError(
            "runtime",
            f"inputs= names {', '.join(unknown)}, which the program does not leave free (free names: {have})",
        )
    tensors, values = {}, {}
    for i, name in enumerate(free):
        value = given.get(name, DEFAULT_INPUT_VALUES[i % len(DEFAULT_INPUT_VALUES)])
        try:
            t = torch.tensor(value, dtype=torch.float32, requires_grad=True)
        except Exception as e:  # noqa: BLE001
            raise ProgramError(
                "runtime", f"the value for input {name} must be a number or a list of numbers ({e})") from None
        if t.numel() > MAX_INPUT_ELEMENTS:
            raise ProgramError("limit", f"the value for input {name} has more than {MAX_INPUT_ELEMENTS:,} numbers")
        tensors[name] = t
        values[name] = t.tolist()
    return tensors, values


def _backpropagate(interp: Interpreter, rec: Recorder, output: str | None, mode: str) -> str | None:
    """If the program ran no backward itself, run one from the output, unless that would invent a gradient."""
    names = interp.globals.vars
    name: str | None
    if output is not None:
        if not isinstance(names.get(output), torch.Tensor):
            raise ProgramError("runtime", f"output={output!r} is not a tensor variable of the program")
        name = output
    else:
        name = interp.lone_output or next(
            (n for n in reversed(interp.assigned) if isinstance(names.get(n), torch.Tensor)
             and names[n].grad_fn is not None), None)
    if interp.backward_calls or mode == "none":
        return name
    if name is None:
        rec.notice("no-output",
                   "no tensor computed from an input that requires grad, so there is nothing to back-propagate")
        return None
    t = names[name]
    if not t.requires_grad:
        rec.notice("no-grad-output",
                   f"{name} does not depend on any tensor with requires_grad=True, so it has no gradient")
        return name
    if mode == "auto" and t.numel() != 1:
        rec.notice(
            "non-scalar-output",
            f"{name} has {t.numel()} elements; torch says \"grad can be implicitly created only for scalar outputs\". "
            f"Choose how to reduce it: {name}.sum(), {name}.mean(), or a gradient of ones",
        )
        return name
    if mode == "sum":
        root, run = t.sum(), None
    elif mode == "mean":
        root, run = t.mean(), None
    else:
        root = t
    if mode == "ones":
        run = lambda: t.backward(torch.ones_like(t))  # noqa: E731
    else:
        run = lambda: root.backward()  # noqa: E731
    rec.run_pass("auto", None, [root], lambda: interp.guarded(run, (), {}, None))
    return name


@contextlib.contextmanager
def isolated_torch_state(seed: int) -> Iterator[None]:
    """Seed this run and put back every process-wide torch setting afterwards, whatever the program did."""
    grad_enabled = torch.is_grad_enabled()
    dtype = torch.get_default_dtype()
    recursion = sys.getrecursionlimit()
    sys.setrecursionlimit(max(recursion, 20_000))
    try:
        with torch.random.fork_rng(devices=[]):
            # the CPU generator only: torch.manual_seed would also queue a seed for CUDA, formatting the
            # whole Python stack (reading source files) on every run
            torch.random.default_generator.manual_seed(seed)
            yield
    finally:
        torch.set_grad_enabled(grad_enabled)
        torch.set_default_dtype(dtype)
        sys.setrecursionlimit(recursion)


@contextlib.contextmanager
def isolated_random_state(seed: int) -> Iterator[None]:
    """numpy's global random generator (np.random.seed / rand / randn ...) and Python's (random.shuffle ...) seeded
    for this run from the run's seed, and put back afterwards as they were."""
    np_state, py_state = np.random.get_state(), random.getstate()
    try:
        np.random.seed(seed % 2**32)
        random.seed(seed)
        yield
    finally:
        np.random.set_state(np_state)
        random.setstate(py_state)


def run_request(request: dict) -> dict:
    """JSON in, JSON out: what a sandbox worker runs. Never raises."""
    try:
        tr = trace_in_process(
            request["source"],
            inputs=request.get("inputs"),
            output=request.get("output"),
            backward=request.get("backward", DEFAULT_BACKWARD),
            seed=request.get("seed", DEFAULT_SEED),
            limits=request.get("limits"),
            drop_unused_inputs=request.get("drop_unused_inputs") is True,
        )
        return {"ok": True, "trace": tr.to_dict(packed=True)}
    except Exception as e:  # noqa: BLE001 - the program's error, or a bug of ours: reported, never a crash
        return {"ok": False, "error": from_exception(e, RUN).to_dict()}
