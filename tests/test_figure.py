"""The figure: every example draws, numbers on it are torch's, the animation data is complete and linear."""
import json
import math

import plotly.graph_objects as go
import pytest
import torch

import explorer
from explorer.drawing.figure import (
    HIGHLIGHT_EDGE,
    HIGHLIGHT_NODE,
    HIGHLIGHT_TEXT,
    NODE_HOVER,
    as_figure,
    figure,
    figure_dict,
    figure_meta,
)
from explorer.examples import EXAMPLES, get


def traced(key):
    ex = get(key)
    return explorer.trace(ex.source, inputs=ex.inputs, backward=ex.backward, sandbox=False)


@pytest.mark.parametrize("key", [ex.key for ex in EXAMPLES])
def test_every_example_draws_with_every_node_clickable(key):
    tr = traced(key)
    fig = figure(tr)
    hover = next(t for t in fig.data if t.name == NODE_HOVER)
    drawn = set(hover.customdata)
    assert drawn == {n.id for n in tr.nodes.values() if n.kind != "constant"}
    names = {t.name for t in fig.data}
    assert {HIGHLIGHT_NODE, HIGHLIGHT_EDGE, HIGHLIGHT_TEXT} <= names


@pytest.mark.parametrize("key", [ex.key for ex in EXAMPLES])
def test_the_dict_the_app_sends_passes_plotly_validation(key):
    """The app sends figure_dict's output without building plotly objects: plotly must accept every
    property of it, for every theme and direction (go.Figure raises ValueError on an invalid one)."""
    tr = traced(key)
    for theme, direction, constants, lang in (("light", "LR", False, "en"), ("dark", "TB", True, "zh"),
                                              ("projector", "LR", True, "en")):
        d = figure_dict(tr, theme=theme, direction=direction, show_constants=constants, lang=lang)
        validated = go.Figure(d)
        assert len(validated.data) == len(d["data"])
        assert validated.layout.paper_bgcolor == d["layout"]["paper_bgcolor"]


def test_invalid_properties_are_still_refused_after_the_fast_build():
    fig = as_figure(figure_dict(traced("first-graph")))
    with pytest.raises(ValueError):
        fig.update_layout(not_a_property=1)
    with pytest.raises(ValueError):
        fig.data[0].update(not_a_property=1)


def test_labels_carry_torch_numbers():
    tr = traced("first-graph")
    fig = figure(tr)
    labels = " ".join(next(t for t in fig.data if t.mode == "text" and t.text is not None and len(t.text)).text)
    x = torch.tensor([0.5, -1.0, 2.0], requires_grad=True)
    ((x + 2) * (x + 2) * 2).mean().backward()
    for g in x.grad.tolist():
        assert f"{g:.4g}" in labels
    assert "mul · MulBackward0" in labels and "z = y * y * 2" in labels


def test_constants_only_on_request():
    tr = traced("first-graph")
    hidden = next(t for t in figure(tr).data if t.name == NODE_HOVER)
    shown = next(t for t in figure(tr, show_constants=True).data if t.name == NODE_HOVER)
    constants = {n.id for n in tr.nodes.values() if n.kind == "constant"}
    assert constants and not constants & set(hidden.customdata) and constants <= set(shown.customdata)


def test_animation_steps_cover_forward_then_backward_with_routes():
    tr = traced("first-graph")
    meta = figure_meta(figure(tr))
    phases = [s["p"] for s in meta["steps"]]
    assert phases == ["f"] * meta["n_forward"] + ["b"] * (len(phases) - meta["n_forward"])
    assert len(phases) - meta["n_forward"] == len(tr.backward_steps)
    for s in meta["steps"]:
        assert s["n"] in meta["boxes"]
        assert all(e in meta["routes"] for e in s["e"])


def test_payload_grows_linearly_and_stays_under_budget():
    sizes = []
    for n in (20, 200):
        src = f"x = torch.tensor(0.5, requires_grad=True)\ny = x\nfor i in range({n}):\n    y = torch.sin(y) + x\n"
        tr = explorer.trace(src, sandbox=False)
        payload = len(figure(tr).to_json())
        sizes.append((len(tr.nodes), payload))
    (n1, b1), (n2, b2) = sizes
    assert b2 / n2 < 1500  # bytes of figure JSON per node
    assert (b2 - b1) / (n2 - n1) < 1500


@pytest.mark.parametrize("theme", ["light", "dark", "projector"])
@pytest.mark.parametrize("direction", ["LR", "TB"])
def test_themes_and_directions(theme, direction):
    """The theme's colours and type are the ones drawn, and the graph runs from its inputs to its output along
    the chosen direction (left to right, or top to bottom: the y axis points down)."""
    from explorer.drawing.themes import get_theme

    th = get_theme(theme)
    tr = traced("mlp")
    d = json.loads(figure(tr, theme=theme, direction=direction).to_json())
    assert d["layout"]["paper_bgcolor"] == d["layout"]["plot_bgcolor"] == th.background
    assert d["layout"]["font"]["color"] == th.text and d["layout"]["font"]["size"] == th.font_size
    borders = {t["line"]["color"] for t in d["data"] if t.get("fill") == "toself" and t.get("mode") == "lines"}
    assert borders == {th.leaf, th.op, th.output}  # parameters, ops, the loss; no constants asked for
    meta = json.loads(d["layout"]["meta"]["explorer"])
    assert meta["colors"] == {"value": th.value, "grad": th.grad}
    graph = tr.to_networkx()
    leaves = [n for n, kind in graph.nodes(data="kind") if kind == "leaf"]
    (out,) = [n for n, is_output in graph.nodes(data="is_output") if is_output]
    along = 0 if direction == "LR" else 1  # boxes are [x0, y0, x1, y1]
    assert leaves and all(meta["boxes"][out][along] > meta["boxes"][n][along + 2] for n in leaves)


def _contrast(a: str, b: str) -> float:
    """WCAG 2 contrast ratio of two "#RRGGBB" colours (1 to 21)."""

    def luminance(colour: str) -> float:
        channels = [int(colour[i:i + 2], 16) / 255 for i in (1, 3, 5)]
        r, g, b = (c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels)
        return 0.2126 * r + 0.7152 * g + 0.0722 * b

    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


@pytest.mark.parametrize("theme", ["light", "dark", "projector"])
def test_every_theme_reads_at_wcag_contrast(theme):
    """Text on the page and in every kind of box at WCAG AA (4.5:1), the step colours on the page too, and
    edges visible on the page (3:1, WCAG's rule for graphics). Box borders are not held to it: a box is seen by
    its fill as well, and the Okabe-Ito orange of ops is 2.3:1 on white."""
    from explorer.drawing.themes import get_theme

    th = get_theme(theme)
    assert _contrast("#000000", "#FFFFFF") == pytest.approx(21.0) and _contrast("#777777", "#777777") == 1.0
    for ink in (th.text, th.muted):
        for ground in (th.background, *th.fills.values()):
            assert _contrast(ink, ground) >= 4.5, (ink, ground)
    for ink in (th.grad, th.value):
        assert _contrast(ink, th.background) >= 4.5, ink
    assert _contrast(th.edge, th.background) >= 3.0


def test_bad_options_say_what_is_allowed():
    tr = traced("dot")
    with pytest.raises(ValueError, match="light"):
        figure(tr, theme="neon")
    with pytest.raises(ValueError, match="LR"):
        figure(tr, direction="RL")


def test_hover_text_speaks_chinese_on_request():
    tr = traced("first-graph")
    en = next(t for t in figure(tr).data if t.name == NODE_HOVER)
    zh = next(t for t in figure(tr, lang="zh-CN").data if t.name == NODE_HOVER)
    assert any("shape:" in h for h in en.hovertext) and not any("形状" in h for h in en.hovertext)
    assert all("形状" in h for h in zh.hovertext) and any("梯度" in h for h in zh.hovertext)
    assert any("MulBackward0" in h for h in zh.hovertext)  # torch's names stay as they are


def test_webgl_only_for_big_graphs_and_only_for_lines_and_markers():
    from explorer.drawing.figure import NODE_LABELS, WEBGL_MIN_NODES

    chain = "x = torch.tensor(0.5, requires_grad=True)\ny = x\nfor i in range(200):\n    y = torch.tanh(y) + 0.1\n"
    big = explorer.trace(chain, sandbox=False)
    d = figure_dict(big, webgl=True)
    assert len(json.loads(d["layout"]["meta"]["explorer"])["boxes"]) >= WEBGL_MIN_NODES
    gl = [t for t in d["data"] if t["type"] == "scattergl"]
    assert {t.get("name") for t in gl} == {None, NODE_HOVER}  # edges, arrowheads, click targets
    assert len(gl) == 3
    boxes_and_labels = [t for t in d["data"] if t.get("fill") == "toself" or t.get("name") == NODE_LABELS]
    assert boxes_and_labels and all(t["type"] == "scatter" for t in boxes_and_labels)
    assert len(go.Figure(d).data) == len(d["data"])  # plotly accepts every property in WebGL too
    assert all(t["type"] == "scatter" for t in figure_dict(big)["data"])  # not asked: SVG
    assert all(t["type"] == "scatter" for t in figure_dict(traced("mlp"), webgl=True)["data"])  # small: SVG


def _labels(d: dict) -> dict:
    from explorer.drawing.figure import NODE_LABELS

    return next(t for t in d["data"] if t.get("name") == NODE_LABELS)


def test_lazy_labels_start_hidden_only_on_graphs_the_browser_thins():
    """figure_dict(lazy_labels=True) (the app) sends a big graph's labels hidden, as assets/animation.js hides
    them until zoomed in; a small graph's, and every image export's, stay visible, with every text kept."""
    from pathlib import Path

    from explorer.drawing.figure import LAZY_LABELS_MIN
    from explorer.drawing.html_player import player_config

    js = (Path(__file__).resolve().parents[1] / "assets" / "animation.js").read_text()
    assert "FEW_LABELS = CONFIG.lazy_labels_min" in js  # handed from Python, not typed again
    assert player_config()["lazy_labels_min"] == LAZY_LABELS_MIN

    def chain(n):
        return explorer.trace(f"x = torch.tensor(0.5, requires_grad=True)\ny = x\nfor i in range({n}):\n"
                              "    y = torch.tanh(y)\n", sandbox=False)

    at, below = chain(LAZY_LABELS_MIN - 1), chain(LAZY_LABELS_MIN - 2)  # a leaf and n tanh nodes
    assert len(figure_meta(figure_dict(at))["boxes"]) == LAZY_LABELS_MIN
    hidden = _labels(figure_dict(at, lazy_labels=True))
    assert hidden["visible"] is False
    assert hidden["text"] == _labels(figure_dict(at))["text"]  # the browser shows these when zoomed in
    assert "visible" not in _labels(figure_dict(at))
    assert "visible" not in _labels(figure_dict(below, lazy_labels=True))
    assert "visible" not in _labels(figure_dict(traced("mlp"), lazy_labels=True))
    assert len(go.Figure(figure_dict(at, lazy_labels=True)).data) > 0  # plotly accepts it


def _pieces(xs, ys):
    """A line trace's points, split at its gaps."""
    out, cur = [], []
    for x, y in zip(xs, ys):
        if x is None or (isinstance(x, float) and math.isnan(x)):
            if cur:
                out.append(cur)
            cur = []
        else:
            cur.append((round(x, 6), round(y, 6)))
    if cur:
        out.append(cur)
    return out


def _decoded(v):
    import base64

    import numpy as np

    if isinstance(v, dict):
        return [None if math.isnan(x) else float(x) for x in np.frombuffer(base64.b64decode(v["bdata"]), "<f8")]
    return list(v)


WALK_CASES = ["two-paths", "mlp", "second-derivative", "control-flow", "himmelblau-adam", "many-inputs"]


SHARED_WEIGHTS = ("x = torch.tensor(0.5, requires_grad=True)\nw = torch.tensor(0.9, requires_grad=True)\n"
                  "b = torch.tensor(0.1, requires_grad=True)\ny = x\nfor i in range(40):\n"
                  "    y = torch.tanh(y * w + b)\n")


@pytest.mark.parametrize("key", WALK_CASES + ["shared-weights"])
@pytest.mark.parametrize("direction", ["LR", "TB"])
def test_the_edge_walk_draws_every_edge_and_nothing_else(key, direction):
    """The solid edges are drawn as one line per connected part of the graph, going along each edge and back:
    every segment it draws is a piece of some edge, every edge is in it, and it is unbroken. "shared-weights":
    two leaves with an edge into every step of a loop, which the walk comes back to again and again."""
    import networkx as nx

    from explorer.drawing.figure import _box, _drawn_routes, _edge_walk, _simplify
    from explorer.drawing.layout import layered_layout
    from explorer.recording.graph import to_networkx

    tr = explorer.trace(SHARED_WEIGHTS, sandbox=False) if key == "shared-weights" else traced(key)
    graph = to_networkx(tr, constants=True)
    layout = layered_layout(graph, direction=direction)
    edges = list(graph.edges(keys=True, data="kind"))
    drawn_routes = _drawn_routes(edges, layout, {nid: _box(layout, nid) for nid in layout.positions})
    xs, ys = _edge_walk(edges, layout, drawn_routes)
    pieces = _pieces(xs, ys)
    data_graph = nx.Graph([(s, t) for s, t, _, kind in edges if kind == "data"])
    assert len(pieces) == nx.number_connected_components(data_graph)

    def r(p):
        return (round(p[0], 6), round(p[1], 6))

    allowed, wanted = set(), []
    for _, _, key_, kind in edges:
        if kind != "data":
            continue
        pts = [r(p) for p in _simplify(list(map(tuple, layout.routes[key_])))]
        segs = list(zip(pts, pts[1:]))
        wanted.append(segs)
        allowed |= {frozenset(seg) for seg in segs}
    drawn = {frozenset(seg) for piece in pieces for seg in zip(piece, piece[1:]) if seg[0] != seg[1]}
    assert drawn <= allowed  # nothing drawn between edges
    assert all(frozenset(seg) in drawn for segs in wanted for seg in segs if seg[0] != seg[1])  # every edge


def test_arrowheads_point_along_the_last_drawn_piece_of_each_edge():
    """One filled triangle per edge, its tip where the drawn edge meets its target's box, pointing along the
    edge's last piece of non-zero length (a route that bends on the border must not point anywhere)."""
    from explorer.drawing.figure import _arrow_size
    from explorer.drawing.themes import get_theme
    from explorer.recording.graph import to_networkx

    tr = traced("two-paths")
    d = figure_dict(tr)
    th = get_theme("light")
    heads = [t for t in d["data"] if t.get("fill") == "toself" and t.get("mode") == "none"]
    assert len(heads) == 1 and heads[0]["fillcolor"] == th.edge
    triangles = _pieces(_decoded(heads[0]["x"]), _decoded(heads[0]["y"]))
    graph = to_networkx(tr, constants=False)
    assert len(triangles) == graph.number_of_edges()
    size = _arrow_size(th)
    for tri in triangles:
        assert len(tri) == 3
        (tx, ty), a, b = tri[0], tri[1], tri[2]
        assert math.dist(a, b) == pytest.approx(2 * 0.309 * size, rel=1e-3)
        assert math.dist((tx, ty), a) == pytest.approx(math.dist((tx, ty), b), rel=1e-6)
    # the same graph laid out as figure_dict does: each tip is the end of a drawn route, along its last leg
    meta = figure_meta(d)

    def along(tri, route):
        prev = next(p for p in reversed(route[:-1]) if math.dist(p, route[-1]) > 1e-3)
        base = ((tri[1][0] + tri[2][0]) / 2, (tri[1][1] + tri[2][1]) / 2)
        ux, uy = route[-1][0] - prev[0], route[-1][1] - prev[1]
        bx, by = tri[0][0] - base[0], tri[0][1] - base[1]
        return (ux * bx + uy * by) / (math.hypot(ux, uy) * math.hypot(bx, by)) > 0.999

    left = list(triangles)
    for route in meta["routes"].values():
        match = next(t for t in left if math.dist(t[0], route[-1]) < 0.2 and along(t, route))
        left.remove(match)  # each edge its own arrowhead, at its end, pointing the way the edge goes
    assert left == []


def test_a_long_value_in_a_hover_label_is_wrapped_between_numbers():
    """text.wrap_list: lines of at most the width, broken only after ", ", the numbers whole and in order."""
    from explorer.drawing.text import value_long, wrap_list

    words = value_long({"shape": [20], "dtype": "float32", "data": [-0.052883 * (i + 1) for i in range(20)]})
    lines = wrap_list(words, 30)
    assert len(lines) > 1 and all(len(line) <= 30 for line in lines)
    assert all(line.endswith(",") for line in lines[:-1])
    assert " ".join(lines) == words  # nothing lost, nothing broken inside a number
    assert wrap_list("[1, 2]", 30) == ["[1, 2]"]
