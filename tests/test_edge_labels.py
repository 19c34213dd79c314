"""Gradient labels on edges (issue 14): where they are drawn, and which pass's number they show.

- placed: no label covers a node's box or another label, or is cut off by the picture's edge, on every backward
  step of every gallery example, and on the "Show all" picture (figure.label_spot; assets/animation.js
  labelSpot draws the screen's the same way);
- per pass: with several backward passes, a label shows what its edge carried in the pass being shown, equal to
  plain torch's gradient for that pass (figure.edge_grads).
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
import torch

import explorer
from explorer.drawing import text
from explorer.drawing.figure import (
    edge_grads,
    edge_label_size,
    edge_labels,
    figure,
    figure_at_step,
    figure_meta,
    label_spot,
)
from explorer.drawing.html_player import player_config
from explorer.examples import EXAMPLES, get
from explorer.recording.values import encode


def traced(key):
    ex = get(key)
    return explorer.trace(ex.source, inputs=ex.inputs, backward=ex.backward, sandbox=False)


def overlap(a, b) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def label_rects(meta: dict, k: int, show_all: bool, bounds=None) -> list[tuple[str, tuple]]:
    out = []
    for ann in edge_labels(meta, k, "#fff", show_all, bounds):
        w, h = edge_label_size(ann["text"].replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&"))
        out.append((ann["text"], (ann["x"] - w / 2, ann["y"] - h / 2, ann["x"] + w / 2, ann["y"] + h / 2)))
    return out


@pytest.mark.parametrize("key", [ex.key for ex in EXAMPLES])
@pytest.mark.parametrize("canvas", [None, (818, 430)])  # the default picture, and the app's at 1280x720 (tight)
def test_no_edge_label_covers_a_node_or_another_label(key, canvas):
    fig = figure(traced(key), direction="auto", canvas=canvas)
    meta = figure_meta(fig)
    boxes = list(meta["boxes"].values())
    backward = range(meta["n_forward"], len(meta["steps"]))
    cases = [(k, False) for k in backward] + [(len(meta["steps"]) - 1, True)]
    xr, yr = fig.layout.xaxis.range, fig.layout.yaxis.range
    bounds = (xr[0], yr[0], xr[1], yr[1])  # what the picture shows
    for k, show_all in cases:
        rects = label_rects(meta, k, show_all, bounds)
        for i, (g, r) in enumerate(rects):
            assert (min(xr) <= r[0] and r[2] <= max(xr) and min(yr) <= r[1] and r[3] <= max(yr)), (
                f"{key} step {k}: label {g!r} at {r} is cut off by the picture's edge {xr}, {yr}")
            hit = [b for b in boxes if overlap(r, b)]
            assert not hit, f"{key} step {k}: label {g!r} at {r} covers a node box {hit[0]}"
            other = [o for o, q in rects[:i] if overlap(r, q)]
            assert not other, f"{key} step {k}: label {g!r} covers label {other[0]!r}"


def test_a_short_edge_puts_its_label_beside_it():
    """first-graph left to right: its edges are shorter than their numbers are wide, so the middle of an edge is
    no place for a label (it covered the boxes on either side): each goes beside its edge instead."""
    fig = figure(traced("first-graph"), direction="LR")
    meta = figure_meta(fig)
    moved = 0
    for k in range(meta["n_forward"], len(meta["steps"])):
        for ann, edge in zip(edge_labels(meta, k, "#fff"), edge_grads(meta, k)):
            route = meta["routes"][edge]
            mid_y = (route[0][1] + route[-1][1]) / 2
            moved += abs(ann["y"] - mid_y) > 1
    assert moved > 0


# --- several backward passes ------------------------------------------------------------------------------

PASSES = """
w = torch.tensor([1.0, -2.0], requires_grad=True)
m = w * w
y = (m * 3).sum()
for i in range(3):
    y.backward(torch.tensor(float(i + 1)), retain_graph=True)
"""


def torch_grads_into_m() -> list[torch.Tensor]:
    """What the edge from m to (m * 3) carries in each of the three passes, by plain torch: dy/dm times the
    pass's output gradient."""
    out = []
    for i in range(3):
        w = torch.tensor([1.0, -2.0], requires_grad=True)
        m = w * w
        y = (m * 3).sum()
        (g,) = torch.autograd.grad(y, m, grad_outputs=torch.tensor(float(i + 1)))
        out.append(g)
    return out


def test_each_pass_shows_its_own_gradient_on_an_edge():
    tr = explorer.trace(PASSES, sandbox=False)
    meta = figure_meta(figure(tr))
    m_node = next(n.id for n in tr.nodes.values() if n.name == "m")
    edge = next(e for e, source in meta["sources"].items() if source == m_node)  # m -> m * 3
    steps = meta["steps"]
    expected = [text.value_short(encode(g)) for g in torch_grads_into_m()]
    assert len(set(expected)) == 3  # three different numbers: a pass mixed up would show
    seen = {}
    for k in range(meta["n_forward"], len(steps)):
        p = steps[k]["k"]
        # the step that sends it, and every step of that pass with "Show all", show that pass's number
        if edge in steps[k]["e"]:
            assert edge_grads(meta, k)[edge] == expected[p]
        assert edge_grads(meta, k, show_all=True)[edge] == expected[p], (k, p)
        seen[p] = True
    assert sorted(seen) == [0, 1, 2]
    # an exported picture at a step of the first pass, "Show all" on, carries the first pass's number
    k = next(k for k in range(meta["n_forward"], len(steps)) if steps[k]["k"] == 0)
    shown = [a.text for a in figure_at_step(figure(tr), k, show_all=True).layout.annotations]
    assert expected[0] in shown and expected[2] not in shown


# --- the page places them as Python does ------------------------------------------------------------------

NODE = shutil.which("node") or "/usr/bin/node"
NEEDS_NODE = pytest.mark.skipif(not Path(NODE).exists() and os.environ.get("EXPLORER_REQUIRE_BROWSER") != "1",
                                reason="needs node (apt-get install nodejs)")


@NEEDS_NODE
def test_the_page_places_labels_where_python_does():
    """assets/animation.js labelSpot (the screen) and figure.label_spot (exported pictures) pick the same place
    for every label of every gallery example's Show-all picture, crowded ones included (run by node)."""
    cases, expected = [], []
    for ex in EXAMPLES:
        for direction in ("LR", "TB"):
            fig = figure(traced(ex.key), direction=direction, canvas=(818, 430))
            meta = figure_meta(fig)
            xr, yr = fig.layout.xaxis.range, fig.layout.yaxis.range
            bounds = [xr[0], yr[0], xr[1], yr[1]]
            rects = [list(b) for b in meta["boxes"].values()]
            for edge, g in edge_grads(meta, len(meta["steps"]) - 1, True).items():
                w, h = edge_label_size(g)
                pts = meta["routes"].get(edge) or []
                x, y = label_spot(pts, (w, h), [tuple(r) for r in rects], tuple(bounds))
                cases.append({"pts": pts, "w": w, "h": h, "rects": [list(r) for r in rects], "bounds": bounds})
                expected.append((x, y))
                rects.append([x - w / 2, y - h / 2, x + w / 2, y + h / 2])
    payload = {"config": player_config(), "cases": cases}
    done = subprocess.run([NODE, str(Path(__file__).resolve().parent / "js" / "label_spot.js")],
                          input=json.dumps(payload), capture_output=True, text=True, check=False, timeout=120)
    assert done.returncode == 0, done.stderr
    got = json.loads(done.stdout)
    assert len(got) == len(expected) > 100
    for case, (x, y), (jx, jy) in zip(cases, expected, got):
        assert abs(x - jx) < 1e-6 and abs(y - jy) < 1e-6, f"python {(x, y)} page {(jx, jy)} for {case}"


def test_a_label_with_no_room_left_covers_least():
    """No free place inside the picture (boxes all round a 50-unit gap, the label 60 wide): the label goes where
    it covers least (10 units of box, 200 in area), not at the route's middle (x 140: 500)."""
    route = [(100.0, 100.0), (180.0, 100.0)]
    boxes = [(0.0, 0.0, 95.0, 200.0), (145.0, 0.0, 300.0, 200.0), (95.0, 0.0, 145.0, 90.0), (95.0, 110.0, 145.0, 200.0)]
    x, y = label_spot(route, (60.0, 20.0), boxes, (0.0, 0.0, 300.0, 200.0))
    r = (x - 30, y - 10, x + 30, y + 10)
    assert r[0] >= 0 and r[2] <= 300 and r[1] >= 0 and r[3] <= 200
    covered = sum(max(0.0, min(r[2], b[2]) - max(r[0], b[0])) * max(0.0, min(r[3], b[3]) - max(r[1], b[1]))
                  for b in boxes)
    assert covered == pytest.approx(200.0)
