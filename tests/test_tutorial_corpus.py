"""Real tutorial programs, pasted unchanged, each compared with plain torch (issue 13's corpus).

tests/data/tutorial_corpus/ holds one program per file, as published (PyTorch tutorials and docs, d2l, micrograd's
torch checks, ...), each starting with a `# source:` and an `# edits:` line that say where it comes from and what was
changed to run offline in well under a second. Each program runs twice:

* in plain Python + torch (our own trusted test data, so `exec` is fine here), with torch.manual_seed(0) as the
  explorer seeds every run, and numpy's and Python's `random` generators seeded with 0 too (restored afterwards);
* through `explorer.trace(source, sandbox=False)`.

Every top-level tensor's value and .grad (leaves, and non-leaves that retain their grad) and every nn.Module's
parameter grads, named "<variable>.<parameter path>" as named_parameters() spells them, must agree within the
oracle's tolerance, and the program must print the same (object addresses left out, as the explorer leaves them
out). A few programs keep their results only in tuples (the jacobian/hessian docstrings, the gradcheck example):
for them the check is that the explorer runs them and prints the same.

What the explorer cannot run yet is listed in NOT_YET, with the reason its error gives. Those tests are strict
expected failures: when a feature lands and a program starts to match, its test reports XPASS and fails, which
says to delete the program's entry here.
"""
from __future__ import annotations

import contextlib
import functools
import io
import math
import random
import re
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import torch

import explorer

CORPUS = Path(__file__).resolve().parent / "data" / "tutorial_corpus"
PROGRAMS = sorted(p.name for p in CORPUS.glob("*.py"))
TOLERANCE = 1e-5  # relative and absolute, as ../shared/oracle.py
# torch prints `<AddBackward0 object at 0x7f...>`; the explorer prints `<AddBackward0 object>`
ADDRESS = re.compile(r" at 0x[0-9a-fA-F]+>")

# program -> why the explorer cannot run it (or match torch) today; taken from the error it gives.
NOT_YET: dict[str, str] = {
}


@pytest.fixture(scope="module", autouse=True)
def one_thread():
    """torch on one thread, as in a sandbox worker: on a busy 2-core machine torch's own threads fight the
    neighbours for the cores (examples_two_layer_net_autograd.py: 0.2 s on one thread, 5 s on two)."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def plain_torch(source: str, filename: str = "<tutorial>") -> tuple[dict, dict, str]:
    """Run `source` in plain Python with torch: its named tensors' values and grads, and what it printed."""
    ns: dict[str, Any] = {"__name__": "__main__"}  # as a pasted script runs
    out = io.StringIO()
    np_state, py_state = np.random.get_state(), random.getstate()
    try:
        with (
            torch.random.fork_rng(devices=[]),
            torch.enable_grad(),  # a program may switch grad mode off with torch.set_grad_enabled(False)
            warnings.catch_warnings(),
            contextlib.redirect_stdout(out),
        ):
            warnings.simplefilter("ignore")
            torch.manual_seed(0)
            np.random.seed(0)
            random.seed(0)
            exec(compile(source, filename, "exec"), ns)  # noqa: S102 - our own test data, trusted
    finally:
        np.random.set_state(np_state)
        random.setstate(py_state)
        torch.set_printoptions(profile="default", sci_mode=None)  # a program's set_printoptions is process-wide
    values: dict[str, torch.Tensor] = {}
    grads: dict[str, torch.Tensor] = {}
    for var, v in ns.items():
        if isinstance(v, torch.Tensor):
            values[var] = v.detach().clone()
            g = v.grad if (v.is_leaf or v.retains_grad) else None
            if g is not None:
                grads[var] = g.detach().clone()
        elif isinstance(v, torch.nn.Module):
            for path, p in v.named_parameters():
                if p.grad is not None:
                    grads[f"{var}.{path}"] = p.grad.detach().clone()
    return values, grads, out.getvalue()


@functools.cache
def run_plain(name: str) -> tuple[dict, dict, str]:
    return plain_torch((CORPUS / name).read_text(encoding="utf-8"), name)


def _numbers(x: Any) -> Any:
    """A trace's plain value with JSON's stand-ins for nan and infinities turned back into floats."""
    if isinstance(x, list):
        return [_numbers(v) for v in x]
    if isinstance(x, str):
        return float(x)  # "nan", "inf", "-inf"
    return x


def difference(want: torch.Tensor, got: Any) -> str | None:
    """None when the explorer's value `got` (nested lists, a number, or a summary dict) matches torch's `want`."""
    if want.is_complex():
        return None  # traces keep complex tensors as text only
    if got is None:
        return "missing from the trace"
    want = want.to(torch.float64)
    if isinstance(got, dict):
        if "summary" not in got:
            return f"unexpected value {got!r}"
        s, flat = got["summary"], want.reshape(-1)
        theirs = [s["numel"], s["min"], s["max"], s["mean"]]
        ours = [flat.numel(), flat.min().item(), flat.max().item(), flat.mean().item()]
        if all(math.isclose(float(_numbers(a)), b, rel_tol=TOLERANCE, abs_tol=TOLERANCE) for a, b in zip(theirs, ours)):
            return None
        return f"summary (numel, min, max, mean) {theirs} vs torch {ours}"
    try:
        have = torch.tensor(_numbers(got), dtype=torch.float64)
    except (TypeError, ValueError) as e:
        return f"not numbers: {e}"
    if have.shape != want.shape:
        return f"shape {list(have.shape)} vs torch {list(want.shape)}"
    if torch.allclose(have, want, rtol=TOLERANCE, atol=TOLERANCE, equal_nan=True):
        return None
    worst = (have - want).abs().nan_to_num(nan=math.inf).max().item()
    head = f"explorer {have.reshape(-1)[:4].tolist()}... vs torch {want.reshape(-1)[:4].tolist()}..."
    return f"differs by up to {worst:.3g}: {head}"


def problems_with(plain: tuple[dict, dict, str], tr: explorer.Trace) -> list[str]:
    """How the explorer's trace `tr` differs from `plain` (what plain_torch gave); empty when they agree."""
    values, grads, stdout = plain
    problems = []
    if tr.stdout != ADDRESS.sub(">", stdout):
        problems.append(f"printed {tr.stdout[:300]!r}... vs torch {stdout[:300]!r}...")
    for var, want in values.items():
        if (why := difference(want, tr.values.get(var))) is not None:
            problems.append(f"value of {var}: {why}")
    for var, want in grads.items():
        if (why := difference(want, tr.grads.get(var))) is not None:
            problems.append(f"grad of {var}: {why}")
    return problems


def _param(name: str):
    if name in NOT_YET:
        return pytest.param(name, marks=pytest.mark.xfail(strict=True, reason=NOT_YET[name]))
    return name


@pytest.mark.parametrize("name", [_param(n) for n in PROGRAMS])
def test_program_matches_plain_torch(name):
    run_plain(name)  # plain torch first: a program that fails there is a broken corpus file, not an explorer gap
    tr = explorer.trace((CORPUS / name).read_text(encoding="utf-8"), sandbox=False)
    problems = problems_with(run_plain(name), tr)
    assert not problems, f"{name} does not match plain torch:\n" + "\n".join(problems[:10])


@pytest.mark.parametrize("name", PROGRAMS)
def test_program_runs_in_plain_torch(name):
    run_plain(name)  # raises if the corpus file itself is broken (kept apart from the expected failures above)


def test_corpus_is_large_and_every_program_says_where_it_is_from():
    assert len(PROGRAMS) >= 45
    for name in PROGRAMS:
        first, second = (CORPUS / name).read_text(encoding="utf-8").splitlines()[:2]
        assert first.startswith("# source: ") and len(first) > len("# source: ") + 10, name
        assert second.startswith("# edits: "), name


def test_not_yet_names_only_corpus_programs_with_a_reason():
    assert set(NOT_YET) <= set(PROGRAMS), set(NOT_YET) - set(PROGRAMS)
    assert all(reason.strip() for reason in NOT_YET.values())
