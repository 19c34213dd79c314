"""Groups in the picture (explorer/drawing/groups.py): collapse by depth, by path, repeated blocks, the
overview of a big graph, the animation over a collapsed group, and a layout that stays put when one group
opens."""
from __future__ import annotations

import json
import statistics

import plotly.graph_objects as go
import pytest
import torch
from torch import nn

import explorer
from explorer import examples
from explorer.choices import AUTO_LEGIBLE_PX
from explorer.drawing.figure import GROUP_LABELS, figure_dict, text_px
from explorer.drawing.groups import AUTO_COLLAPSE_NODES, group_view
from explorer.drawing.steps import step_caption
from explorer.recording.run import trace_in_process

MODEL = """
import torch
import torch.nn as nn

class Block(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(4, 4)
        self.norm = nn.LayerNorm(4)
    def forward(self, x):
        return x + torch.tanh(self.norm(self.fc(x)))

class Net(nn.Module):
    def __init__(self, n):
        super().__init__()
        self.inp = nn.Linear(3, 4)
        self.blocks = nn.ModuleList([Block() for _ in range(n)])
        self.out = nn.Linear(4, 1)
    def forward(self, x):
        x = self.inp(x)
        for b in self.blocks:
            x = b(x)
        return self.out(x)

net = Net(N)
loss = net(torch.ones(2, 3)).pow(2).mean()
loss.backward()
"""


class Block(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(4, 4)
        self.norm = nn.LayerNorm(4)

    def forward(self, x):
        return x + torch.tanh(self.norm(self.fc(x)))


class Net(nn.Module):
    def __init__(self, n):
        super().__init__()
        self.inp = nn.Linear(3, 4)
        self.blocks = nn.ModuleList([Block() for _ in range(n)])
        self.out = nn.Linear(4, 1)

    def forward(self, x):
        x = self.inp(x)
        for b in self.blocks:
            x = b(x)
        return self.out(x)


@pytest.fixture(scope="module")
def model():
    return trace_in_process(MODEL.replace("N)", "4)"))


def meta_of(fig: dict) -> dict:
    return json.loads(fig["layout"]["meta"]["explorer"])


def test_collapse_to_a_depth_draws_each_module_as_one_node(model):
    fig = figure_dict(model, collapse=1)
    go.Figure(fig)  # plotly accepts it
    meta = meta_of(fig)
    by_path = {g["path"]: (gid, g) for gid, g in meta["groups"].items() if g["collapsed"]}
    assert sorted(by_path) == ["net.blocks.0", "net.blocks.1", "net.blocks.2", "net.blocks.3", "net.inp", "net.out"]
    gid, block = by_path["net.blocks.2"]
    assert meta["titles"][gid] == "net.blocks.2 · Block"
    assert gid in meta["boxes"] and block["hidden"] == len(
        [n for n in model.nodes.values() if any(g.label == "net.blocks.2" for g in _chain(model, n.group))])
    # the collapsed node shows its parameter count, torch's own
    label = next(t for t in fig["data"] if t.get("name") == "labels")
    at = list(json.loads(fig["layout"]["meta"]["explorer"])["boxes"]).index(gid)
    assert f"{sum(p.numel() for p in Block().parameters())} parameters" in label["text"][at]
    # `net` itself stays open: drawn as a box around the rest, with a frame for each iteration of its loop
    open_ = [g for g in meta["groups"].values() if not g["collapsed"]]
    assert [g["path"] for g in open_ if g["kind"] == "module"] == ["net"]
    assert [g["title"] for g in open_ if g["kind"] == "loop"] == [
        f"for b in self.blocks · iteration {k}" for k in range(1, 5)]
    assert meta["hidden"] > 0


def _chain(tr, gid):
    from explorer.recording.groups import chain

    return chain(tr.groups, gid)


def test_edges_cross_only_group_borders(model):
    view = group_view(model, 1)
    drawn = view.trace
    inside = {n for ids in view.members.values() for n in ids}
    assert not inside & set(drawn.nodes)
    for e in drawn.edges:
        assert e.source in drawn.nodes and e.target in drawn.nodes and e.source != e.target
    # a collapsed block takes the block before it as input, and gives the block after it
    ids = {model.groups[c].label: c for c in view.runs}
    assert any(e.source == ids["net.blocks.1"] and e.target == ids["net.blocks.2"] for e in drawn.edges)


def test_the_animation_runs_over_collapsed_groups(model):
    meta = meta_of(figure_dict(model, collapse=1))
    block = next(gid for gid, g in meta["groups"].items() if g["path"] == "net.blocks.1")
    # every step of the full graph is still a step: the collapsed node's for the nodes inside it
    full = meta_of(figure_dict(model))
    assert len(meta["steps"]) == len(full["steps"])
    lit = [k for k, s in enumerate(meta["steps"]) if s["n"] == block]
    inside = [n for n in model.nodes.values() if any(g.label == "net.blocks.1" for g in _chain(model, n.group))]
    assert len([k for k in lit if k < meta["n_forward"]]) == len([n for n in inside if n.kind != "constant"])
    # the caption names the module path; gradients sent are those torch computed (aligned with the edges)
    back = [k for k in lit if k >= meta["n_forward"]]
    assert back and all("net.blocks.1 · Block" in step_caption(meta, k) for k in lit)
    for k in back:
        s = meta["steps"][k]
        assert len(s.get("g", [])) == len(s["e"])
        for e in s["e"]:
            assert e in meta["routes"]
    assert any(meta["steps"][k]["e"] and meta["sources"][meta["steps"][k]["e"][0]] != block for k in back)


def test_collapse_by_path_collapses_every_call_of_it():
    tr = trace_in_process("import torch\nimport torch.nn as nn\n"
                          "class Twice(nn.Module):\n"
                          "    def __init__(self):\n"
                          "        super().__init__()\n"
                          "        self.fc = nn.Linear(2, 2)\n"
                          "    def forward(self, x):\n"
                          "        return self.fc(torch.relu(self.fc(x)))\n"
                          "net = Twice()\nloss = net(torch.ones(1, 2)).sum()\nloss.backward()\n")
    meta = meta_of(figure_dict(tr, collapse=["net.fc"]))
    collapsed = [g for g in meta["groups"].values() if g["collapsed"]]
    assert [g["path"] for g in collapsed] == ["net.fc", "net.fc"]
    assert [g["title"] for g in collapsed] == ["net.fc · Linear", "net.fc · Linear · call 2"]
    # the shared parameters are drawn once, in the first call
    assert all(n.kind != "leaf" for n in group_view(tr, ["net.fc"]).trace.nodes.values())


def test_repeated_blocks_are_drawn_once_with_their_count(model):
    fig = figure_dict(model, collapse="repeated")
    meta = meta_of(fig)
    runs = [g for g in meta["groups"].values() if g["collapsed"]]
    assert len(runs) == 1 and len(runs[0]["groups"]) == 4
    gid = next(gid for gid, g in meta["groups"].items() if g["collapsed"])
    assert meta["titles"][gid] == "for b in self.blocks · loop ×4"
    assert fig["layout"]["annotations"][0]["text"].startswith(f"{runs[0]['hidden']} nodes hidden in 1 collapsed")
    # the loop's four iterations each ran one Block: collapsed blocks of a ModuleList called in a loop
    view = group_view(model, "repeated")
    assert {model.groups[g].key for g in view.runs[gid]} == {"loop 21"}


def test_a_big_graph_opens_collapsed():
    tr = trace_in_process(MODEL.replace("N)", "40)"))
    assert len([n for n in tr.nodes.values() if n.kind != "constant"]) > AUTO_COLLAPSE_NODES
    fig = figure_dict(tr, collapse="auto")
    meta = meta_of(fig)
    assert 0 < len(meta["boxes"]) <= AUTO_COLLAPSE_NODES
    constants = [n for n in tr.nodes.values() if n.kind == "constant"]
    assert meta["hidden"] >= len(tr.nodes) - len(meta["boxes"]) - len(constants)
    assert "collapsed group" in fig["layout"]["annotations"][0]["text"]
    # a small one does not
    small = trace_in_process(MODEL.replace("N)", "2)"))
    assert not any(g["collapsed"] for g in meta_of(figure_dict(small, collapse="auto"))["groups"].values())


def test_without_collapse_the_figure_is_as_before(model):
    meta = meta_of(figure_dict(model))
    assert "groups" not in meta and "hidden" not in meta
    assert not any(t.get("name") == GROUP_LABELS for t in figure_dict(model)["data"])


def test_group_boxes_carry_their_group_for_clicks(model):
    fig = figure_dict(model, collapse=[])
    labels = next(t for t in fig["data"] if t.get("name") == GROUP_LABELS)
    assert {model.groups[g].label for g in labels["customdata"]} >= {"net", "net.blocks.0", "net.blocks.3.fc"}
    meta = meta_of(fig)
    for gid in labels["customdata"]:
        box = meta["groups"][gid]["box"]
        inner = [meta["boxes"][n] for n in group_view(model, []).box_members[gid] if n in meta["boxes"]]
        assert all(box[0] <= b[0] and box[1] <= b[1] and b[2] <= box[2] and b[3] <= box[3] for b in inner)


def test_expanding_one_group_keeps_the_rest_in_place(model):
    """Measured: the picture with every block collapsed, against the same with block k expanded. Nodes after
    the block keep their place (within 20 px along the layers: a node centred in a layer the block also
    reaches shifts by part of the width the block adds there; within a few px across); nodes before it all
    move together, back by the room the block now takes and, across, by as much as the block's frames move
    the main line (its residual edge runs beside the frame of the block's linear layer)."""
    blocks = [f"net.blocks.{i}" for i in range(4)]

    def centres(collapse):
        boxes = meta_of(figure_dict(model, collapse=collapse))["boxes"]
        return {n: ((b[0] + b[2]) / 2, (b[1] + b[3]) / 2) for n, b in boxes.items()}

    before = centres(blocks)
    for k in range(4):
        after = centres([b for b in blocks if b != blocks[k]])
        common = set(before) & set(after)
        assert len(common) == len(before) - 1
        along = {n: after[n][0] - before[n][0] for n in common}
        across = {n: after[n][1] - before[n][1] for n in common}
        stayed = [n for n in common if abs(along[n]) <= 20]
        moved = [n for n in common if abs(along[n]) > 20]
        assert stayed and sum(abs(along[n]) < 0.5 for n in stayed) >= len(stayed) / 2  # the output side, most exactly
        assert max(abs(across[n]) for n in stayed) <= 5, (k, [across[n] for n in stayed])
        if moved:  # the input side: back together, by about the same amount, and across all alike
            back = [along[n] for n in moved]
            assert max(back) < 0 and (max(back) - min(back)) <= 0.1 * abs(statistics.median(back)), (k, back)
            side = [across[n] for n in moved]
            assert max(side) - min(side) <= 5, (k, side)


def test_the_notebook_api_takes_collapse(model):
    fig = explorer.figure(model, collapse=1)
    assert json.loads(fig.layout.meta["explorer"])["groups"]


def test_bad_collapse_values_are_refused(model):
    for bad in (-1, True, 2.5, {"a": 1}):
        with pytest.raises(ValueError):
            figure_dict(model, collapse=bad)


def test_opening_a_collapsed_group_opens_one_level(model):
    """What the app's clicks make: {"base": ..., "open": [...], "closed": [...]}."""
    block = next(g.id for g in model.groups.values() if g.label == "net.blocks.1")
    fc = next(g.id for g in model.groups.values() if g.label == "net.blocks.1.fc")
    view = group_view(model, {"base": 1, "open": [block]})
    labels = {model.groups[c].label for c in view.runs}
    assert "net.blocks.1" not in labels and {"net.blocks.1.fc", "net.blocks.1.norm", "net.blocks.0"} <= labels
    # drawn as a frame: its own, or the one of its loop iteration, which holds the same nodes (merge_frames)
    assert block in view.boxes or any(block in shared for shared in view.shares.values())
    closed = group_view(model, {"base": None, "closed": [fc]})
    assert list(closed.runs) == [fc]
    # a notebook user names groups by path, as the list form of collapse takes them
    assert group_view(model, {"base": 1, "open": ["net.blocks.1"]}).runs == view.runs
    assert group_view(model, {"base": None, "closed": ["net.blocks.1.fc"]}).runs == closed.runs


def test_search_finds_nodes_by_name_op_path_and_source(model):
    meta = meta_of(figure_dict(model, collapse=1))
    words = meta["search"]
    assert set(words) == set(meta["boxes"])
    block = next(gid for gid, g in meta["groups"].items() if g["path"] == "net.blocks.2")
    for query in ("net.blocks.2", "block", "net.blocks.2.fc.weight", "nativelayernormbackward0", "tanh",
                  "self.norm(self.fc(x))"):
        assert query in words[block], query
    loss = next(nid for nid in words if "loss" in words[nid].split())
    assert "meanbackward0" in words[loss] and "mean" in words[loss]


def test_record_groups_a_live_model_by_its_modules():
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 1))
    with explorer.record() as rec:
        loss = model(torch.ones(2, 3)).pow(2).mean()
        loss.backward()
    tr = rec.trace()
    # no variable names the model here: paths start from its class, below it as named_modules() spells them
    assert {g.label for g in tr.groups.values()} == {"Sequential"} | {f"Sequential.{p}" for p, _ in
                                                                      model.named_children()}
    meta = json.loads(figure_dict(tr, collapse=0)["layout"]["meta"]["explorer"])
    assert [g["path"] for g in meta["groups"].values() if g["collapsed"]] == ["Sequential"]


COURSE_MNIST = """
import torch
from torch import nn
from torch.nn import functional as F
from torch import optim

torch.manual_seed(0)
train_loader = torch.utils.data.DataLoader(
    torch.utils.data.TensorDataset(torch.rand(64, 1, 28, 28), torch.randint(0, 10, (64,))), batch_size=16)
test_loader = torch.utils.data.DataLoader(
    torch.utils.data.TensorDataset(torch.rand(32, 1, 28, 28), torch.randint(0, 10, (32,))), batch_size=16)

class Net(nn.Module):
    def __init__(self):
        super(Net, self).__init__()
        self.fc1 = nn.Linear(28*28, 32)
        self.fc2 = nn.Linear(32, 16)
        self.fc3 = nn.Linear(16, 10)

    def forward(self, x):
        x = F.relu(self.fc1(x))
        x = F.relu(self.fc2(x))
        return self.fc3(x)

net = Net()
optimizer = optim.SGD(net.parameters(), lr=0.01, momentum=0.9)
for epoch in range(1):
    for batch_idx, (x, y) in enumerate(train_loader):
        x = x.view(x.size(0), 28*28)
        out = net(x)
        loss = F.mse_loss(out, F.one_hot(y, 10).float())
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
for x, y in test_loader:
    out = net(x.view(x.size(0), 28*28))
"""


def _collapsed_groups(tr, collapse) -> set[str]:
    return {gid for run in group_view(tr, collapse).runs.values() for gid in run}


@pytest.mark.parametrize(("source", "training"), [(examples.get("himmelblau-adam").source, "for step"),
                                                  (COURSE_MNIST, "for batch_idx")],
                         ids=["himmelblau-adam", "course-mnist"])
def test_automatic_groups_collapse_an_unreadable_graph_until_it_reads(source, training):
    """40-70 nodes in loops are drawn at 3-4 px at 1280x720 with every group open: "Automatic" collapses the
    earlier iterations of each loop (and more, if that is not enough) until the text is AUTO_LEGIBLE_PX, and
    keeps the last training iteration open, where the ops are."""
    tr = trace_in_process(source)
    assert len([n for n in tr.nodes.values() if n.kind != "constant"]) <= AUTO_COLLAPSE_NODES
    assert text_px(tr, []) < AUTO_LEGIBLE_PX <= text_px(tr, "auto")
    collapsed = _collapsed_groups(tr, "auto")
    iterations = [g for g in tr.groups.values() if g.kind == "loop" and g.label.startswith(training)]
    assert len(iterations) >= 2 and iterations[0].id in collapsed and iterations[-1].id not in collapsed
    last_ops = [n for n in tr.nodes.values() if n.kind == "op" and n.group in _inside(tr, iterations[-1].id)]
    drawn = group_view(tr, "auto").trace.nodes
    assert last_ops and all(n.id in drawn or n.group in collapsed for n in last_ops)
    assert sum(n.id in drawn for n in last_ops) >= 3  # the step's own ops are there to read


def _inside(tr, gid: str) -> set[str]:
    """`gid` and every group inside it."""
    out, changed = {gid}, True
    while changed:
        more = {g.id for g in tr.groups.values() if g.parent in out} - out
        changed, out = bool(more), out | more
    return out


def test_automatic_groups_leave_a_readable_or_groupless_graph_open():
    small = trace_in_process(MODEL.replace("N)", "2)"))
    assert _collapsed_groups(small, "auto") == set()
    chain = "x = torch.tensor(0.5, requires_grad=True)\ny = x\n" + "".join(
        f"y = torch.sin(y) * {i + 2}\n" for i in range(30)) + "y.backward()"
    tr = trace_in_process(chain)  # 60 nodes, no loop or module: nothing to collapse, drawn open
    assert len(tr.nodes) > 30 and group_view(tr, "auto").hidden == 0
    assert figure_dict(tr, collapse="auto") == figure_dict(tr, collapse="auto")  # remembered, same answer


def test_the_hidden_count_speaks_english():
    """'38 nodes hidden in 1 collapsed group', not '1 collapsed groups'; a group of one node hides '1 node'."""
    tr = trace_in_process(examples.get("himmelblau-adam").source)
    fig = figure_dict(tr, collapse="auto")
    view = group_view(tr, "auto")
    assert len(view.runs) == 1
    assert f"{view.hidden} nodes hidden in 1 collapsed group" == fig["layout"]["annotations"][0]["text"]
    one = trace_in_process("def f(a):\n    return a * a\nx = torch.ones(2, requires_grad=True)\ny = f(x).sum()\n"
                           "y.backward()")
    gid = next(g.id for g in one.groups.values() if g.kind == "function")
    labels = next(t for t in figure_dict(one, collapse=[gid])["data"] if t.get("name") == "labels")
    assert any("1 node inside" in text for text in labels["text"])


def test_the_notes_are_written_above_the_picture_in_room_of_their_own():
    """The hidden count sat inside the picture's top left corner, over the label of a frame drawn there: it is
    above the plot area now, the top margin grown for it, and the page and the exports size the canvas with it."""
    from explorer.drawing.figure import MARGIN, canvas_fit, note_room
    from explorer.drawing.themes import get_theme

    tr = trace_in_process(examples.get("himmelblau-adam").source)
    fig = figure_dict(tr, collapse="auto")
    note = fig["layout"]["annotations"][0]
    assert "hidden" in note["text"] and note["yref"] == "paper" and note["y"] == 1 and note["yanchor"] == "bottom"
    room = note_room(1, get_theme("light"))
    assert room >= get_theme("light").small_font_size
    assert fig["layout"]["margin"]["t"] == MARGIN + room and fig["layout"]["margin"]["b"] == MARGIN
    assert meta_fit(fig)["top"] == room
    zoom, height = canvas_fit(400, 300, (850, 460), 40, 11, grow=False)
    zoom_top, height_top = canvas_fit(400, 300, (850, 460), 40, 11, grow=False, top=room)
    assert zoom_top < zoom and height_top == pytest.approx((300 + 64) * zoom_top + 2 * MARGIN + room)
    opened = figure_dict(tr, collapse=[])  # nothing hidden: no note, no room
    assert meta_fit(opened)["top"] == 0 and opened["layout"]["margin"]["t"] == MARGIN


def meta_fit(fig: dict) -> dict:
    return fig["layout"]["meta"]["fit"]


def test_a_collapsed_loop_is_named_in_the_pages_language():
    """In Chinese a collapsed loop said `loop ×2` under its header: it says 循环 ×2, on the node and in the
    titles the captions use; a module keeps its class's name, which is the program's."""
    tr = trace_in_process(examples.get("himmelblau-adam").source)
    for lang, word, other in (("en", "loop ×2", "循环"), ("zh", "循环 ×2", "loop ×2")):
        fig = figure_dict(tr, collapse="auto", lang=lang)
        labels = next(t for t in fig["data"] if t.get("name") == "labels")["text"]
        assert any(word in text for text in labels) and not any(other in text for text in labels)
        assert any(title.endswith(word) for title in meta_of(fig)["titles"].values())
    model = trace_in_process(MODEL.replace("N)", "3)"))
    zh = meta_of(figure_dict(model, collapse=1, lang="zh"))["titles"].values()
    assert any(title.endswith(" · Block") for title in zh) and not any("循环" in title for title in zh)


def test_frame_labels_are_drawn_over_the_edges():
    """An edge crossing a frame's top strip ran over its label's words: the labels come after every edge line
    (and the page gives their words a halo of the background, assets/animation.js fitText)."""
    tr = trace_in_process(examples.get("himmelblau-adam").source)
    data = figure_dict(tr, collapse="auto")["data"]
    names = [t.get("name") for t in data]
    lines = [i for i, t in enumerate(data) if t.get("mode") == "lines" and t.get("name") is None and "fill" not in t]
    assert lines and names.index(GROUP_LABELS) > max(lines) > names.index("group-boxes")
