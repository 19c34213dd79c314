"""Each leaf's .grad, pass by pass (Trace.grad_history), against plain torch.

Every program runs twice: through `explorer.trace(..., sandbox=False)`, and as plain Python with torch (exec of
OUR OWN trusted test text, never user text) with Tensor.backward, torch.autograd.backward and
torch.autograd.grad wrapped so that each pass notes every named leaf's real .grad before and after it, and what
autograd.grad returned. At every shown pass the model's .grad must be torch's, what the pass added must be the
difference, and every change torch saw between two passes must be an event of the right kind.
"""
from __future__ import annotations

import contextlib
import io
import math
import random
from typing import NamedTuple

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from test_tutorial_corpus import CORPUS, NOT_YET
from test_tutorial_corpus import PROGRAMS as CORPUS_PROGRAMS

import explorer
from explorer import examples
from explorer.drawing.explain import explain_node
from explorer.recording.model import GradEvent, Trace


@pytest.fixture(scope="module", autouse=True)
def one_thread():
    """torch on one thread, as in a sandbox worker (and as tests/test_tutorial_corpus.py runs): on a busy 2-core
    machine torch's own threads fight the neighbours and a training loop can meet the run's time limit."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)

PROGRAMS = {
    "accumulate": examples.get("accumulate").source,
    "zero_ in place": examples.get("zero-grad").source,
    "SGD loop (gallery, 500 steps)": examples.get("sgd").source,
    "Adam (gallery, 200 steps)": examples.get("himmelblau-adam").source,
    "autograd.grad twice": examples.get("second-derivative").source,
    "autograd.grad, several outputs": examples.get("many-inputs").source,
    "w.grad = None": (
        "w = torch.ones(2, requires_grad=True)\n"
        "(w * 3).sum().backward()\n"
        "w.grad = None\n"
        "(w * 2).sum().backward()\n"
        "(w * 5).sum().backward()\n"),
    "opt.zero_grad() (set_to_none)": (
        "w = torch.tensor([1.0, -2.0], requires_grad=True)\n"
        "opt = torch.optim.SGD([w], lr=0.1)\n"
        "for i in range(5):\n"
        "    opt.zero_grad()\n"
        "    loss = (w * w).sum()\n"
        "    loss.backward()\n"
        "    opt.step()\n"),
    "zero_grad(set_to_none=False)": (
        "w = torch.tensor([1.0, -2.0], requires_grad=True)\n"
        "opt = torch.optim.SGD([w], lr=0.1, momentum=0.9)\n"
        "(w * 3).sum().backward()\n"
        "opt.step()\n"
        "opt.zero_grad(set_to_none=False)\n"
        "(w * w).sum().backward()\n"
        "opt.step()\n"),
    "zeroed at the end": (
        "w = torch.tensor([1.0, 2.0], requires_grad=True)\n"
        "for i in range(2):\n"
        "    (w * w).sum().backward()\n"
        "w.grad.zero_()\n"),
    "retain_graph": (
        "x = torch.tensor(2.0, requires_grad=True)\n"
        "y = x * x\n"
        "y.backward(retain_graph=True)\n"
        "y.backward()\n"),
    "autograd.grad(create_graph=True), then backward": (
        "x = torch.tensor(2.0, requires_grad=True)\n"
        "y = x ** 3\n"
        "g = torch.autograd.grad(y, x, create_graph=True)[0]\n"
        "g.backward()\n"),
    ".grad given a value, then a pass": (
        "w = torch.ones(2, requires_grad=True)\n"
        "w.grad = torch.tensor([5.0, -1.0])\n"
        "(w * 3).sum().backward()\n"),
    "backward(inputs=[a])": (
        "a = torch.tensor(1.5, requires_grad=True)\n"
        "b = torch.tensor(-2.0, requires_grad=True)\n"
        "y = a * b\n"
        "y.backward(inputs=[a], retain_graph=True)\n"
        "y.backward()\n"),
    "torch.autograd.backward, zeroed in between": (
        "a = torch.tensor([1.0, 2.0], requires_grad=True)\n"
        "torch.autograd.backward([(a * a).sum()])\n"
        "a.grad.zero_()\n"
        "torch.autograd.backward([(a * 4).sum()])\n"
        "torch.autograd.backward([(a * a * a).sum()])\n"),
}


def explorer_trace(source: str) -> Trace:
    return explorer.trace(source, sandbox=False)


def _clone(t: torch.Tensor | None) -> torch.Tensor | None:
    return None if t is None else t.detach().clone()


def torch_passes(source: str, monkeypatch) -> tuple[list[dict], dict]:
    """Run `source` with plain torch. Returns (one record per backward pass: the .grad of each leaf a name
    held, "before" and "after" it, by the leaf's id, and for autograd.grad the gradient "returned" per
    input; the namespace)."""
    ns: dict = {"torch": torch, "F": F, "math": math}
    log: list[dict] = []
    depth = [0]

    def leaves() -> dict[str, torch.Tensor]:
        return {k: v for k, v in ns.items() if isinstance(v, torch.Tensor) and v.is_leaf and v.requires_grad}

    def noted(real, is_grad: bool):
        def wrapper(*args, **kwargs):
            if depth[0]:  # Tensor.backward calls torch.autograd.backward: one pass
                return real(*args, **kwargs)
            depth[0] += 1
            try:
                held = list(leaves().values())  # held by the log: no later tensor can take one's id
                before = {id(v): _clone(v.grad) for v in held}
                result = real(*args, **kwargs)
                record = {"before": before, "after": {id(v): _clone(v.grad) for v in held}, "tensors": held}
                if is_grad:
                    inputs = kwargs.get("inputs", args[1] if len(args) > 1 else None)
                    inputs = [inputs] if isinstance(inputs, torch.Tensor) else list(inputs)
                    record["returned"] = {id(t): _clone(g) for t, g in zip(inputs, result)}
                    record["tensors"] += inputs
                log.append(record)
                return result
            finally:
                depth[0] -= 1
        return wrapper

    monkeypatch.setattr(torch.Tensor, "backward", noted(torch.Tensor.backward, False))
    monkeypatch.setattr(torch.autograd, "backward", noted(torch.autograd.backward, False))
    monkeypatch.setattr(torch.autograd, "grad", noted(torch.autograd.grad, True))

    def unlogged(real):  # gradcheck's own passes are not the program's (the explorer leaves them out too)
        def wrapper(*args, **kwargs):
            depth[0] += 1
            try:
                return real(*args, **kwargs)
            finally:
                depth[0] -= 1
        return wrapper

    monkeypatch.setattr(torch.autograd, "gradcheck", unlogged(torch.autograd.gradcheck))
    monkeypatch.setattr(torch.autograd, "gradgradcheck", unlogged(torch.autograd.gradgradcheck))
    for name in ("jacobian", "hessian", "vjp", "jvp", "vhp", "hvp"):  # so are the functional API's
        monkeypatch.setattr(torch.autograd.functional, name, unlogged(getattr(torch.autograd.functional, name)))
    np_state, py_state = np.random.get_state(), random.getstate()
    try:
        with torch.random.fork_rng(devices=[]), torch.enable_grad(), contextlib.redirect_stdout(io.StringIO()):
            torch.manual_seed(0)
            np.random.seed(0)
            random.seed(0)
            exec(compile(source, "<grad history test>", "exec"), ns)  # noqa: S102 - trusted text of ours only
    finally:
        np.random.set_state(np_state)
        random.setstate(py_state)
        monkeypatch.undo()
    return log, ns


class Summary(NamedTuple):
    """What a trace keeps of a tensor too big to keep whole."""

    shape: list
    numel: int
    min: float
    max: float
    mean: float

    def matches(self, t: torch.Tensor) -> bool:
        flat = t.detach().double().reshape(-1)
        ours = [flat.min().item(), flat.max().item(), flat.mean().item()]
        theirs = (self.min, self.max, self.mean)
        return (list(t.shape) == self.shape and flat.numel() == self.numel
                and all(math.isclose(a, b, rel_tol=1e-5, abs_tol=1e-6) for a, b in zip(theirs, ours)))


def value(v: dict | None) -> torch.Tensor | Summary | None:
    """A trace's encoded value as a tensor, or its summary (None stays None)."""
    if v is None:
        return None
    if "summary" in v:
        s = v["summary"]
        return Summary(v["shape"], s["numel"], s["min"], s["max"], s["mean"])
    return torch.tensor(v["data"], dtype=torch.float64).reshape(v["shape"])


def same(a: torch.Tensor | Summary | None, b: torch.Tensor | None) -> bool:
    if a is None or b is None:
        return a is None and b is None
    if isinstance(a, Summary):
        return a.matches(b)
    return a.shape == b.shape and torch.allclose(a.double(), b.double(), rtol=1e-5, atol=1e-6)


def changed(a: torch.Tensor | None, b: torch.Tensor | None) -> bool:
    return not same(a, b)


@pytest.mark.parametrize("name", list(PROGRAMS))
def test_every_shown_pass_leaves_grad_as_torch_does(name, monkeypatch):
    same_as_torch(PROGRAMS[name], monkeypatch)


@pytest.mark.parametrize("name", [n for n in CORPUS_PROGRAMS if n not in NOT_YET])
def test_the_tutorial_corpus_too(name, monkeypatch):
    """The real tutorial programs the explorer runs (tests/test_tutorial_corpus.py): the same checks."""
    same_as_torch((CORPUS / name).read_text(encoding="utf-8"), monkeypatch, need_leaves=False)


def same_as_torch(source: str, monkeypatch, need_leaves: bool = True) -> None:
    """At every shown pass, each named leaf's .grad in the trace is torch's; see the module docstring."""
    tr = explorer_trace(source)
    log, ns = torch_passes(source, monkeypatch)
    assert tr.counts["passes_total"] == len(log)
    first = tr.first_pass_number
    leaves = {k for k, v in ns.items() if isinstance(v, torch.Tensor) and v.is_leaf and v.requires_grad}
    assert leaves or not need_leaves
    for leaf in leaves:  # a name may have held other leaves before: the trace's history is of its last one
        mine = id(ns[leaf])
        events = tr.grad_history(leaf)
        by_number = {e.number: e for e in events if e.kind in ("pass", "returned")}
        last_pass: GradEvent | None = None
        between: list[GradEvent] = []
        for e in events:
            if e.kind not in ("pass", "returned"):
                between.append(e)
                continue
            k = e.number
            rec = log[k - 1]
            assert mine in rec["before"] or mine in rec.get("returned", {}), (leaf, k)
            before, after = rec["before"].get(mine), rec["after"].get(mine)
            assert k >= first and tr.passes[e.pass_index] is not None
            assert same(value(e.after), after), (leaf, k, e.after, after)
            if e.kind == "returned":
                assert not changed(before, after), "autograd.grad changed .grad"
                assert same(value(e.grad), rec["returned"][mine])
            else:
                assert same(value(e.before), before)
                added = after - (before if before is not None else 0)
                assert same(value(e.grad), added), (leaf, k)
                assert e.accumulated == (before is not None and bool(before.any()))
            # every change torch saw since the leaf's previous pass is an event, the last of them the state
            # this pass started from
            if last_pass is not None:
                then = log[last_pass.number - 1]["after"][mine]
                assert bool(between) == changed(then, before), (leaf, k, between)
            if between:
                assert same(value(between[-1].after), before)
                kind = between[-1].kind
                if before is None:
                    assert kind == "none"
                elif not before.any():
                    assert kind == "zeroed"
                else:
                    assert kind == "set"
            last_pass, between = e, []
        # every shown pass that changed .grad, or returned a gradient for this leaf, has its event
        for k in range(first, len(log) + 1):
            rec = log[k - 1]
            if mine not in rec["before"] and mine not in rec.get("returned", {}):
                continue
            if changed(rec["before"].get(mine), rec["after"].get(mine)) or mine in rec.get("returned", {}):
                assert k in by_number, (leaf, k)
        final = ns[leaf].grad
        if events:
            assert same(value(events[-1].after), final)
        node = tr.by_name(leaf)
        assert node is not None and node.kind == "leaf" and same(value(node.grad), final)


def kinds(tr: Trace, leaf: str) -> list[str]:
    return [e.kind if e.kind not in ("pass", "returned") else f"{e.kind} {e.number}" for e in tr.grad_history(leaf)]


def test_zeroing_between_passes_is_logged_and_told():
    tr = explorer_trace(PROGRAMS["zero_ in place"])
    assert kinds(tr, "w") == ["pass 1", "zeroed", "pass 2", "zeroed", "pass 3"]
    info = explain_node(tr, tr.by_name("w").id)
    assert info["story"] == "3 passes, each zeroed before the next: .grad holds pass 3's gradient only"
    assert "uses" not in info  # not "used 3 times, so 3 gradients add up": each pass had one use
    assert [r["grad"] for r in info["passes"] if r["kind"] == "pass"] == ["[3, 3, 3, 3]"] * 3


def test_accumulation_is_told_as_a_sum_of_passes():
    tr = explorer_trace(PROGRAMS["accumulate"])
    assert kinds(tr, "w") == ["pass 1", "pass 2", "pass 3"]
    assert [e.accumulated for e in tr.grad_history("w")] == [False, True, True]
    info = explain_node(tr, tr.by_name("w").id)
    assert info["story"] == "3 passes without zeroing: .grad = pass 1 + pass 2 + pass 3"


def test_set_to_none_and_the_sgd_loop():
    tr = explorer_trace(PROGRAMS["w.grad = None"])
    assert kinds(tr, "w") == ["pass 1", "none", "pass 2", "pass 3"]
    story = explain_node(tr, tr.by_name("w").id)["story"]
    assert story == ".grad was set to None before pass 2, so .grad = pass 2 + pass 3"
    tr = explorer_trace(PROGRAMS["SGD loop (gallery, 500 steps)"])
    assert tr.first_pass_number == 498
    assert kinds(tr, "x") == ["none", "pass 498", "none", "pass 499", "none", "pass 500"]
    story = explain_node(tr, tr.by_name("x").id)["story"]
    assert story.startswith("3 passes, each set to None before the next: .grad holds pass 500's gradient only")


def test_retain_graph_second_backward_accumulates_and_says_so():
    tr = explorer_trace(PROGRAMS["retain_graph"])
    assert kinds(tr, "x") == ["pass 1", "pass 2"]
    info = explain_node(tr, tr.by_name("x").id)
    assert info["story"].startswith("2 passes without zeroing: .grad = pass 1 + pass 2; pass 2 went through the "
                                    "graph again")
    assert "retain_graph=True" in info["passes"][1]["note"]
    assert info["passes"][0]["uses"] == "used 2 times in this pass: 2 + 2"  # y = x * x, at x = 2


def test_autograd_grad_returns_and_leaves_grad_alone():
    tr = explorer_trace(PROGRAMS["autograd.grad(create_graph=True), then backward"])
    assert kinds(tr, "x") == ["returned 1", "pass 2"]
    info = explain_node(tr, tr.by_name("x").id)
    assert info["grad_in"] == "12"
    assert info["passes"][0]["note"] == "returned by autograd.grad; .grad untouched"
    assert info["story"] == ("one pass added to .grad: it holds pass 2's gradient; autograd.grad (pass 1) returned a "
                             "gradient without touching .grad")
    tr = explorer_trace("x = torch.tensor(2.0, requires_grad=True)\ny = x ** 3\n"
                        "g, = torch.autograd.grad(y, x)\n")
    assert explain_node(tr, tr.by_name("x").id)["story"] == "autograd.grad returned this gradient; .grad is untouched"


def test_contributions_are_those_of_one_pass():
    """The op node and the leaf list only what arrived in the last pass that reached them."""
    tr = explorer_trace("x = torch.tensor(2.0, requires_grad=True)\ny = x * 3\n"
                        "z1 = y * 2\nz2 = y * 5\nz1.backward(retain_graph=True)\nz2.backward()\n")
    info = explain_node(tr, tr.by_name("y").id)
    assert info["contributions"] == ["5"] and info["grad_in"] == "5"
    assert info["uses"] == "2 passes went through this node; shown: pass 2's gradient"


def test_chinese_story():
    tr = explorer_trace(PROGRAMS["zero_ in place"])
    info = explain_node(tr, tr.by_name("w").id, lang="zh")
    assert info["story"] == "3 次反向传播，每次之前都被清零：.grad 只保存第 3 次的梯度"
    assert info["passes"][1]["label"] == ".grad 被清零"


def test_the_history_survives_json_and_is_the_api():
    tr = explorer_trace(PROGRAMS["zero_ in place"])
    again = Trace.from_dict(tr.to_dict())
    assert again == tr and again.grad_history("w") == tr.grad_history("w")
    with pytest.raises(KeyError):
        tr.grad_history("no_such_name")
    sandboxed = explorer.trace(PROGRAMS["retain_graph"])
    assert sandboxed.grad_history("x") == explorer_trace(PROGRAMS["retain_graph"]).grad_history("x")


def test_a_grad_given_by_hand_with_no_pass_says_so():
    tr = explorer_trace("w = torch.ones(2, requires_grad=True)\nw.grad = torch.tensor([1.0, 2.0])\nv = w * 2\n"
                        "w.grad.zero_()\n")
    assert kinds(tr, "w") == ["zeroed"]  # assigned, then zeroed: what was seen at the end
    story = explain_node(tr, tr.by_name("w").id)["story"]
    assert story == ".grad holds a value no recorded backward pass gave it: [0, 0]"
