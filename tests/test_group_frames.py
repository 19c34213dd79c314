"""Frames of open groups in the picture (explorer/drawing/layout/frames.py): measured on the figure, no two
frames that are not nested intersect, and each frame holds exactly its own nodes' boxes; a loop inside a
module's forward shows its iterations as frames inside the module's frame."""
from __future__ import annotations

import json

import pytest

from explorer.drawing.figure import GROUP_LABELS, figure_dict
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


def _meta(fig: dict) -> dict:
    return json.loads(fig["layout"]["meta"]["explorer"])


def test_a_loop_iteration_holding_one_block_shares_its_frame_labelled_with_both():
    """`for b in self.blocks: x = b(x)`: each iteration holds one Block and nothing else: one frame, its strip
    naming the iteration and the Block, each name clickable (its group id in customdata)."""
    tr = trace_in_process(MODEL.replace("N)", "3)"))
    view = group_view(tr, [])
    groups = tr.groups
    for k in range(3):
        block = next(g for g in groups if groups[g].label == f"net.blocks.{k}")
        loop = groups[block].parent
        assert groups[loop].kind == "loop" and loop in view.boxes and block not in view.boxes
        assert view.shares[loop] == (block,)
    fig = figure_dict(tr, collapse=[])
    labels = next(t for t in fig["data"] if t.get("name") == GROUP_LABELS)
    shown = dict(zip(labels["customdata"], labels["text"]))
    block = next(g for g in groups if groups[g].label == "net.blocks.1")
    assert shown[groups[block].parent] == "for b · iteration 2 ›" and shown[block] == "net.blocks.1 · Block"
    meta = _meta(fig)
    assert meta["groups"][block]["box"] == meta["groups"][groups[block].parent]["box"]


def test_a_group_around_the_whole_picture_is_named_not_framed():
    ex = next(e for e in EXAMPLES if e.key == "dataloader")
    tr = trace_in_process(ex.source)
    fig = figure_dict(tr, collapse=[])
    meta = _meta(fig)
    epoch = next(g for g, v in meta["groups"].items() if v["path"] == "for epoch in range(2)")
    assert meta["groups"][epoch]["box"] is None
    assert [a["text"] for a in fig["layout"]["annotations"]] == ["for epoch in range(2) · iteration 2"]
    # each batch's iteration holds one call of the model (and the loss): one frame for both
    loops = [v for v in meta["groups"].values() if v["path"] == "for xb, yb in loader" and v["box"]]
    assert len(loops) == 3  # the loop's header, without the comment on its line


def test_weights_used_in_every_iteration_are_drawn_outside_the_iterations():
    ex = next(e for e in EXAMPLES if e.key == "class-mlp")
    tr = trace_in_process(ex.source)
    view = group_view(tr, [])
    weights = {n for n, node in view.trace.nodes.items()
               if node.kind == "leaf" and (node.name or "").startswith("net.")}
    assert len(weights) == 4
    assert not any(weights & view.box_members[g] for g in view.boxes)


def test_frames_take_room_along_the_layers_only_where_they_begin_and_end():
    """A chain of 6 boxes, the middle 4 in a frame: the gaps between the frame's own layers are those of the
    picture without frames; the frame's start and end add its room once each."""
    import networkx as nx

    from explorer.drawing.layout import Frames, layered_layout

    g = nx.MultiDiGraph()
    for i in range(6):
        g.add_node(f"n{i}", kind="op", label=f"n{i}")
    for i in range(5):
        g.add_edge(f"n{i}", f"n{i + 1}", key=f"e{i}")
    size = lambda nid, attrs: (100.0, 40.0)  # noqa: E731
    frames = Frames({f"n{i}": ("f",) for i in range(1, 5)}, start=30.0, end=10.0)
    for d, axis in (("TB", 1), ("LR", 0)):
        plain = layered_layout(g, direction=d, node_size=size)
        framed = layered_layout(g, direction=d, node_size=size, frames=frames)
        at = [framed.positions[f"n{i}"][axis] - plain.positions[f"n{i}"][axis] for i in range(6)]
        assert at[0] == 0 and at[1] == pytest.approx(30.0) and at[4] == pytest.approx(30.0)
        assert at[5] == pytest.approx(40.0)
