"""Reveal as it flows, and predict then reveal: the step data says when each number is known, a static export of
step k shows only those, and the quiz's questions hold torch's gradients. Every number is compared with plain
torch run here."""
from __future__ import annotations

import pytest
import torch

import explorer
from explorer.drawing.figure import NODE_HOVER, NODE_LABELS, figure, figure_at_step, figure_meta
from explorer.drawing.quiz import parse_answer, question_at, quiz
from explorer.drawing.steps import carried, label_at
from explorer.recording.run import trace_in_process

PROGRAM = "x = torch.tensor([2.0], requires_grad=True)\ny = x * 3\nz = y ** 2\nz.backward()"
TWO_USES = "x = torch.tensor([1.0, -2.0], requires_grad=True)\ny = x * x + x\nloss = y.sum()\nloss.backward()"


def torch_grads() -> dict[str, float]:
    """The gradients of PROGRAM by plain torch: dz/dz, dz/dy, dz/dx."""
    x = torch.tensor([2.0], requires_grad=True)
    y = x * 3
    y.retain_grad()
    z = y ** 2
    z.retain_grad()
    z.backward()
    return {"z": z.grad.item(), "y": y.grad.item(), "x": x.grad.item()}


@pytest.fixture(scope="module")
def first():
    tr = trace_in_process(PROGRAM)
    fig = figure(tr)
    return tr, fig, figure_meta(fig)


def labels_of(fig) -> dict[str, str]:
    ids = next(t.customdata for t in fig.data if t.name == NODE_HOVER)
    return dict(zip(ids, next(t.text for t in fig.data if t.name == NODE_LABELS)))


def node_of(tr, name: str) -> str:
    return next(n.id for n in tr.nodes.values() if n.name == name)


def test_values_and_gradients_appear_only_at_their_steps(first):
    tr, fig, meta = first
    labels, colors = labels_of(fig), meta["colors"]
    z, y, x = node_of(tr, "z"), node_of(tr, "y"), node_of(tr, "x")
    grad_mark, value_mark = f"color:{colors['grad']}", f"color:{colors['value']}"

    def at(nid: str, k: int) -> str:
        return label_at(labels[nid], meta["reveal"][nid], colors, k)

    # forward step 1 (k = 0): x's value is there, z's not, no gradient anywhere
    assert value_mark in at(x, 0) and value_mark not in at(z, 0)
    assert not any(grad_mark in at(nid, 0) for nid in labels)
    nf = meta["n_forward"]
    assert value_mark in at(z, nf - 1) and grad_mark not in at(z, nf - 1)
    # backward: z's gradient at the first backward step, y's at the second, x's at the third
    order = [s["n"] for s in meta["steps"][nf:]]
    assert order == [z, y, x]
    for i, nid in enumerate(order):
        assert grad_mark not in at(nid, nf + i - 1) and grad_mark in at(nid, nf + i)
    assert all(at(nid, len(meta["steps"]) - 1) == labels[nid] for nid in labels)  # the end: everything


def test_an_edge_carries_torchs_gradient_at_its_backward_step(first):
    tr, _, meta = first
    want = torch_grads()
    nf = meta["n_forward"]
    edge_zy = next(e.id for e in tr.edges if e.source == node_of(tr, "y") and e.target == node_of(tr, "z"))
    edge_yx = next(e.id for e in tr.edges if e.source == node_of(tr, "x") and e.target == node_of(tr, "y"))
    assert carried(meta, nf - 1) == {}
    assert set(carried(meta, nf)) == {edge_zy}
    assert float(carried(meta, nf)[edge_zy].strip("[]")) == pytest.approx(want["y"])  # 12
    assert float(carried(meta, nf + 1)[edge_yx].strip("[]")) == pytest.approx(want["x"])  # 36


def test_a_static_export_of_a_step_shows_only_what_is_known_then(first):
    tr, fig, meta = first
    want = torch_grads()
    nf = meta["n_forward"]
    frame = figure_at_step(fig, nf)  # the first backward step: z gets 1, sends 12 to y
    texts = labels_of(frame)
    grad_mark = f"color:{meta['colors']['grad']}"
    assert [nid for nid, t in texts.items() if grad_mark in t] == [node_of(tr, "z")]
    notes = [a.text for a in frame.layout.annotations]
    assert notes == [f"[{want['y']:g}]"]
    # the whole picture is what a plain figure shows; a forward step has no edge labels
    assert labels_of(figure_at_step(fig, len(meta["steps"]) - 1)) == labels_of(fig)
    assert not figure_at_step(fig, 0).layout.annotations


def test_the_quiz_asks_each_node_once_with_torchs_gradient():
    tr = trace_in_process(PROGRAM)
    want = torch_grads()
    questions = list(explorer.quiz(tr))
    assert [tr.nodes[q.node].name for q in questions] == ["z", "y", "x"]
    for q in questions:
        name = tr.nodes[q.node].name
        assert q.answer == [pytest.approx(want[name])]
        assert q.check(str(want[name])) and q.check([want[name]]) and q.check(f"[{want[name]}]")
        assert q.check(want[name] * (1 + 5e-4))  # within rel 1e-3
        assert not q.check(want[name] * 1.01) and not q.check(want[name] + 1)
        assert not q.check("") and not q.check("twelve") and not q.check([want[name], 0.0])
        assert name in q.prompt and q.explanation
    y = questions[1]
    assert any("dz/dy = dz/dz" in line and "12" in line for line in y.explanation)
    assert "dz/dy" in y.prompt


def test_quiz_a_tensor_used_three_times_against_torch():
    x = torch.tensor([1.0, -2.0], requires_grad=True)
    (x * x + x).sum().backward()
    tr = trace_in_process(TWO_USES)
    q = next(q for q in quiz(tr) if tr.nodes[q.node].name == "x")
    assert q.check(x.grad.tolist()) and q.check(", ".join(str(v) for v in x.grad.tolist()))
    assert not q.check(x.grad.tolist()[::-1])
    assert any("3" in line for line in q.explanation)  # its three uses add up
    assert q.shape == (2,)


def test_quiz_words_in_chinese():
    tr = trace_in_process(PROGRAM)
    q = next(iter(quiz(tr, "zh")))
    assert "梯度" in q.prompt and any("反向传播" in line for line in q.explanation)


def test_answers_are_read_never_evaluated():
    assert parse_answer("12") == 12.0 and parse_answer("1, 2") == [1.0, 2.0] and parse_answer(".5") == 0.5
    assert parse_answer("[[1, 2], [3, 4]]") == [[1.0, 2.0], [3.0, 4.0]]
    for bad in ("__import__('os')", "x", "True", "[1, 'a']", "1" * 3000, "[" * 500, "{1: 2}", None):
        assert parse_answer(bad) is None
    assert question_at(trace_in_process(PROGRAM), 99) is None


def test_export_of_a_step_draws_that_step(tmp_path):
    """explorer.export(..., step=k) and `explorer export --step k`: an SVG of the first backward step shows
    z's gradient and the number its edge carries, not y's or x's gradients; without a step, all of them."""
    want = torch_grads()
    tr = trace_in_process(PROGRAM)
    nf = figure_meta(figure(tr))["n_forward"]
    at_step = explorer.export(tr, tmp_path / "step.svg", step=nf).read_text(encoding="utf-8")
    everything = explorer.export(tr, tmp_path / "all.svg").read_text(encoding="utf-8")
    assert at_step.count("grad [") == 1 and f"[{want['y']:g}]" in at_step
    assert everything.count("grad [") == 3
    import subprocess
    import sys

    out = tmp_path / "cli.svg"
    r = subprocess.run([sys.executable, "-m", "explorer", "export", "-", "-o", str(out), "--step", str(nf),
                        "--no-sandbox"], input=PROGRAM, capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    assert out.read_text(encoding="utf-8").count("grad [") == 1


THIRDS = "x = torch.tensor([1.0, 2.0, 4.0], requires_grad=True)\ny = (x * x).mean()\ny.backward()"


@pytest.mark.parametrize("digits", [2, 3, 6])
def test_an_answer_read_off_the_page_at_its_digits_is_right(digits):
    """At 2 digits the page writes torch's 2/3 as 0.67: a learner who types what they read is right, and the
    explanation writes the numbers as the page does; a number off by more than that rounding is still wrong."""
    x = torch.tensor([1.0, 2.0, 4.0], requires_grad=True)
    (x * x).mean().backward()
    want = x.grad.tolist()  # 2x/3: 0.6667, 1.333, 2.667
    tr = trace_in_process(THIRDS)
    q = next(q for q in quiz(tr, digits=digits) if tr.nodes[q.node].name == "x")
    shown = [float(f"{v:.{digits}g}") for v in want]
    assert q.check(shown) and q.check(", ".join(f"{v:.{digits}g}" for v in want))
    assert any(f"{want[0]:.{digits}g}" in line for line in q.explanation)
    # wrong: further than half a unit in the last shown digit, and than torch's tolerance (rel 1e-3)
    off = [v * (1 + max(12 * 10.0 ** -digits, 2e-3)) for v in want]
    assert not q.check(off)


def test_the_default_digits_keep_torchs_tolerance():
    tr = trace_in_process(THIRDS)
    q4 = next(q for q in quiz(tr) if tr.nodes[q.node].name == "x")
    q2 = next(q for q in quiz(tr, digits=2) if tr.nodes[q.node].name == "x")
    assert q4.digits == 4 and not q4.check("0.67, 1.3, 2.7") and q2.check("0.67, 1.3, 2.7")
    with pytest.raises(explorer.ProgramError, match="digits"):
        explorer.quiz(tr, digits=0)
