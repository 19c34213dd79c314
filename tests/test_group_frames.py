"""Frames of open groups in the picture (explorer/drawing/layout/frames.py): measured on the figure, no two
frames that are not nested intersect, and each frame holds exactly its own nodes' boxes; a loop inside a
module's forward shows its iterations as frames inside the module's frame."""
from __future__ import annotations

import json

import pytest

from explorer.drawing.figure import figure_dict
from explorer.drawing.groups import group_view
from explorer.examples import EXAMPLES
from explorer.recording.run import trace_in_process
from tests.test_group_figure import MODEL

NESTED = """
import torch
import torch.nn as nn

class Inner(nn.Module):
    def __init__(self):
        super().__init__()
        self.a = nn.Linear(3, 3)
        self.b = nn.Linear(3, 3)
    def forward(self, x):
        return self.b(torch.relu(self.a(x)))

class Outer(nn.Module):
    def __init__(self):
        super().__init__()
        self.first = Inner()
        self.second = Inner()
        self.head = nn.Linear(3, 1)
    def forward(self, x):
        return self.head(self.second(self.first(x)) + x)

net = Outer()
x = torch.ones(2, 3)
total = net(x).sum()
for i in range(3):
    total = total + (net(x * (i + 1)) ** 2).mean()
total.backward()
"""


def _problems(tr, direction: str) -> tuple[list, dict]:
    fig = figure_dict(tr, collapse=[], direction=direction)
    meta = json.loads(fig["layout"]["meta"]["explorer"])
    view = group_view(tr, [])
    frames = {g: v["box"] for g, v in meta.get("groups", {}).items() if v.get("box")}
    boxes = meta["boxes"]

    def meet(a, b):
        return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]

    def within(a, b):
        return b[0] <= a[0] and b[1] <= a[1] and a[2] <= b[2] and a[3] <= b[3]

    def nested(inner, outer):
        gid = view.groups[inner].parent
        while gid is not None:
            if gid == outer:
                return True
            gid = view.groups[gid].parent
        return False

    bad = []
    ids = list(frames)
    for i, a in enumerate(ids):
        for b in ids[i + 1:]:
            if nested(a, b) or nested(b, a):
                inner, outer = (a, b) if nested(a, b) else (b, a)
                if not within(frames[inner], frames[outer]):
                    bad.append(("inner frame outside", inner, outer))
            elif meet(frames[a], frames[b]):
                bad.append(("frames meet", view.groups[a].label, view.groups[b].label))
        for n, box in boxes.items():
            if n in view.box_members[a]:
                if not within(box, frames[a]):
                    bad.append(("own box outside", view.groups[a].label, n))
            elif meet(box, frames[a]):
                bad.append(("other box inside", view.groups[a].label, n))
    return bad, frames


def _examples():
    return [pytest.param(ex, id=ex.key) for ex in EXAMPLES]


@pytest.mark.parametrize("direction", ["LR", "TB"])
@pytest.mark.parametrize("example", _examples())
def test_gallery_frames_keep_apart(example, direction):
    tr = trace_in_process(example.source, inputs=example.inputs) if example.inputs else \
        trace_in_process(example.source)
    bad, _ = _problems(tr, direction)
    assert not bad, bad[:5]


@pytest.mark.parametrize("direction", ["LR", "TB"])
@pytest.mark.parametrize("program", [NESTED, MODEL.replace("N)", "3)")], ids=["nested-and-loop", "modulelist"])
def test_models_fully_expanded_keep_their_frames_apart(program, direction):
    tr = trace_in_process(program)
    bad, frames = _problems(tr, direction)
    assert len(frames) >= 8
    assert not bad, bad[:5]


def test_a_loop_inside_a_module_shows_its_iterations_inside_the_module():
    """`for b in self.blocks: x = b(x)` in Net.forward: one frame per iteration, inside `net`'s frame, each
    around the block it ran."""
    tr = trace_in_process(MODEL.replace("N)", "3)"))
    bad, frames = _problems(tr, "LR")
    assert not bad, bad[:5]
    groups = tr.groups
    loops = [g for g in frames if groups[g].kind == "loop"]
    assert len(loops) == 3
    net = next(g for g in frames if groups[g].label == "net")
    for k, gid in enumerate(sorted(loops, key=lambda g: groups[g].index)):
        assert groups[gid].parent == net or groups[groups[gid].parent].label == "net"
        block = next(g for g in frames if groups[g].label == f"net.blocks.{k}")
        inside = block
        while inside is not None and inside != gid:
            inside = groups[inside].parent
        assert inside == gid, (k, groups[block].parent)
        f, b, n = frames[gid], frames[block], frames[net]
        assert n[0] <= f[0] <= b[0] and b[2] <= f[2] <= n[2]
