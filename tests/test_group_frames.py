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


def _two_passes():
    """Two chains of 3 boxes, each in its own frame, sharing a source `w` and joined by no edge (two training
    steps of one model), and the frames' sequence."""
    import networkx as nx

    g = nx.MultiDiGraph()
    g.add_node("w", kind="leaf", label="w")
    for p in "ab":
        for i in range(3):
            g.add_node(f"{p}{i}", kind="op", label=f"{p}{i}")
        g.add_edge("w", f"{p}0", key=f"w{p}")
        g.add_edge(f"{p}0", f"{p}1", key=f"{p}01")
        g.add_edge(f"{p}1", f"{p}2", key=f"{p}12")
    around = {f"{p}{i}": (f"step {p}",) for p in "ab" for i in range(3)}
    return g, around


def test_frames_in_a_sequence_follow_each_other_along_the_layers():
    """Frames.sequence: the second step's layers all come after the first's, though no edge leads from one to the
    other (without it both sit side by side, in the same layers); the frame after takes no empty layer."""
    from explorer.drawing.layout import Frames, layered_layout

    g, around = _two_passes()
    size = lambda nid, attrs: (80.0, 30.0)  # noqa: E731
    side = layered_layout(g, direction="TB", node_size=size, frames=Frames(around))
    assert [side.layers[f"a{i}"] for i in range(3)] == [side.layers[f"b{i}"] for i in range(3)]
    one = layered_layout(g, direction="TB", node_size=size, frames=Frames(around, sequence=(("step a", "step b"),)))
    assert [one.layers[n] for n in ("w", "a0", "a1", "a2", "b0", "b1", "b2")] == [0, 1, 2, 3, 4, 5, 6]
    assert one.positions["a2"][1] < one.positions["b0"][1]
    assert one.width < side.width and one.height > side.height
    # the other way round: the second frame in the sequence is drawn first
    back = layered_layout(g, direction="TB", node_size=size, frames=Frames(around, sequence=(("step b", "step a"),)))
    assert back.layers["b2"] < back.layers["a0"]


def test_a_sequence_against_the_edges_is_ignored():
    """A frame fed by the one after it in the sequence (a cycle): the sequence is left out, the layout is as
    without it."""
    from explorer.drawing.layout import Frames, layered_layout

    g, around = _two_passes()
    g.add_edge("b2", "a1", key="back")
    size = lambda nid, attrs: (80.0, 30.0)  # noqa: E731
    plain = layered_layout(g, direction="TB", node_size=size, frames=Frames(around))
    seq = layered_layout(g, direction="TB", node_size=size, frames=Frames(around, sequence=(("step a", "step b"),)))
    assert seq.layers == plain.layers and seq.positions == plain.positions


def test_a_frame_is_as_wide_as_its_label_top_to_bottom():
    """Frames.least: a frame around one narrow box is widened to its label's width, and what stands beside it
    moves away, so the label does not run into the next frame."""
    from explorer.drawing.layout import Frames, layered_layout

    g, around = _two_passes()
    size = lambda nid, attrs: (60.0, 30.0)  # noqa: E731
    plain = layered_layout(g, direction="TB", node_size=size, frames=Frames(around))
    wide = layered_layout(g, direction="TB", node_size=size, frames=Frames(around, least={"step a": 200.0}))
    left = wide.positions["a0"][0] - 30 - Frames(around).before  # where frame a begins
    right_of_a = min(wide.positions[f"b{i}"][0] - 30 for i in range(3)) - Frames(around).gap  # frame b begins
    assert wide.positions["a0"][0] < wide.positions["b0"][0]
    assert right_of_a - left >= 200.0 - 1e-6 > plain.positions["b0"][0] - plain.positions["a0"][0]


def test_class_mlp_top_to_bottom_draws_its_training_steps_one_under_the_other():
    """The gallery's class-mlp at the app's canvas at 1280x720: the three training steps, independent passes of
    the same net, come one under the other, each frame at least as wide as its label, no two frames meeting."""
    from explorer.drawing.figure import frame_label_width
    from explorer.drawing.themes import get_theme

    ex = next(e for e in EXAMPLES if e.key == "class-mlp")
    tr = trace_in_process(ex.source)
    fig = figure_dict(tr, collapse="auto", direction="TB", canvas=(818, 430))
    meta = _meta(fig)
    view = group_view(tr, "auto")
    steps = sorted((g for g in view.boxes if view.groups[g].kind == "loop"), key=lambda g: view.groups[g].index)
    assert len(steps) == 3
    boxes = [meta["groups"][g]["box"] for g in steps]
    for above, below in zip(boxes, boxes[1:]):
        assert above[3] < below[1]  # y grows downward
    th = get_theme("light")
    for g in view.boxes:
        box = meta["groups"][g]["box"]
        assert box[2] - box[0] >= frame_label_width(view, g, th, "en") - 1e-6, view.groups[g].label


def test_a_loop_iterations_frame_is_named_by_its_variable_its_header_on_hover():
    """custom-function's `for t in range(50)`: each iteration's frame says `for t · iteration 48` (the whole
    header made the frame around one column of boxes wider than the boxes), its hover text the whole title."""
    ex = next(e for e in EXAMPLES if e.key == "custom-function")
    fig = figure_dict(trace_in_process(ex.source), collapse="auto")
    labels = next(t for t in fig["data"] if t.get("name") == GROUP_LABELS)
    assert labels["text"] == ["for t · iteration 48", "for t · iteration 49", "for t · iteration 50"]
    assert labels["hovertext"] == [f"for t in range(50) · iteration {k}" for k in (48, 49, 50)]


@pytest.mark.parametrize("direction", ["LR", "TB"])
@pytest.mark.parametrize("example", _examples())
def test_a_frames_label_fits_its_frame(example, direction):
    """No frame label runs past its frame's right side (into the next frame): left to right, a frame is as wide
    as its layers, and a long title (`while b.norm() < 1000 · iteration 3`) is shortened (`iteration 3`);
    its hover text keeps it whole."""
    from explorer.drawing.figure import GROUP_BOXES, LABEL_INSET, LABEL_MARKER_ROOM
    from explorer.drawing.text import text_width
    from explorer.drawing.themes import get_theme

    tr = trace_in_process(example.source, inputs=example.inputs) if example.inputs else \
        trace_in_process(example.source)
    fig = figure_dict(tr, collapse=[], direction=direction, canvas=(818, 430))
    if not any(t.get("name") == GROUP_BOXES for t in fig["data"]):
        return
    frames = {g: v["box"] for g, v in _meta(fig).get("groups", {}).items() if v.get("box")}
    labels = next(t for t in fig["data"] if t.get("name") == GROUP_LABELS)
    size = get_theme("light").small_font_size
    ends: dict[str, float] = {}  # frame box (as a key) -> where its strip's words end
    box = None
    for gid, words, hover in zip(labels["customdata"], labels["text"], labels["hovertext"]):
        box = frames.get(gid, box)  # a group sharing a frame (no box of its own) follows its owner on the strip
        key = json.dumps(box)
        start = ends.get(key, box[0] + LABEL_INSET)
        end = start + text_width(words.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&"), size)
        ends[key] = end + LABEL_MARKER_ROOM
        assert end <= box[2] + 0.5, f"{words!r} ends at {end:.0f}, past its frame ({box[2]:.0f})"
        assert words.rstrip(" ›").split(" · ")[-1] in hover  # the whole title is still there to read
