"""Readable labels (issue 14): every label fits its box, measured in the font it is drawn in; the graph is fitted
to its canvas, in the direction in which its text comes out largest; long titles and lines are broken.

The browser's side (text on screen, exported images rendered) is tests/e2e/test_e2e_readable.py."""
from __future__ import annotations

import re

import networkx as nx
import pytest

import explorer
from explorer.choices import MAX_DIGITS, READABLE_MAX_NODES, READABLE_PX
from explorer.drawing import text
from explorer.drawing.figure import (
    NODE_LABELS,
    canvas_fit,
    choose_direction,
    figure_dict,
    figure_meta,
    node_text,
)
from explorer.drawing.layout import layered_layout
from explorer.drawing.themes import THEMES, get_theme
from explorer.examples import EXAMPLES, get

TAG = re.compile(r"<[^>]+>")
EM = re.compile(r"font-size:([0-9.]+)em")


def traced(key):
    ex = get(key)
    return explorer.trace(ex.source, inputs=ex.inputs, backward=ex.backward, sandbox=False)


def label_lines(label: str, size: float) -> list[tuple[str, float, bool]]:
    """(words, font size px, bold) of each line of a label as figure_dict writes it."""
    out = []
    for line in label.split("<br>"):
        em = EM.search(line)
        words = TAG.sub("", line).replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
        out.append((words, size * float(em.group(1)) if em else size, line.startswith("<b>")))
    return out


def labels_and_boxes(fig: dict) -> list[tuple[str, list[float], float]]:
    """(label, box [x0, y0, x1, y1], font size) of every node of a figure dict."""
    meta = figure_meta(fig)
    labels = next(t for t in fig["data"] if t.get("name") == NODE_LABELS)
    # the labels trace lists the nodes in the layout's order, as the boxes of the animation data
    return [(label, meta["boxes"][nid], labels["textfont"]["size"])
            for label, nid in zip(labels["text"], meta["boxes"])]


def assert_labels_fit(key: str, fig: dict, th) -> None:
    """Each line's width in its font (text.text_width: DejaVu Sans's own advance widths, bold for the title)
    fits inside its box, and the lines fit its height."""
    for label, (x0, y0, x1, y1), size in labels_and_boxes(fig):
        lines = label_lines(label, size)
        widest = max(text.text_width(w, px, bold) for w, px, bold in lines)
        assert widest + 8 <= x1 - x0, f"{key}: {label!r} is {widest:.0f} px wide, its box {x1 - x0:.0f}"
        assert len(lines) * th.line_height <= y1 - y0, f"{key}: {label!r} taller than its box"


@pytest.mark.parametrize("key", [ex.key for ex in EXAMPLES])
@pytest.mark.parametrize("theme,canvas,lang", [("light", None, "en"), ("projector", None, "zh"),
                                               ("light", (842, 430), "en"), ("dark", (600, 400), "zh")])
def test_every_label_fits_its_box(key, theme, canvas, lang):
    """Each line's width in its font (text.text_width: DejaVu Sans's own advance widths, bold for the title)
    fits inside its box, and the lines fit its height: so no exported image draws a label over its border."""
    assert_labels_fit(key, figure_dict(traced(key), theme=theme, lang=lang, canvas=canvas), get_theme(theme))


@pytest.mark.parametrize("key", [ex.key for ex in EXAMPLES])
@pytest.mark.parametrize("digits,theme,lang", [(2, "projector", "en"), (6, "light", "zh"), (MAX_DIGITS, "dark", "en")])
def test_every_label_fits_its_box_at_other_digits(key, digits, theme, lang):
    """Boxes are sized from the text drawn in them: with more significant digits (longer numbers) no label
    overflows its box, and the boxes are not those of the default digits."""
    assert_labels_fit(key, figure_dict(traced(key), theme=theme, lang=lang, digits=digits), get_theme(theme))


def test_more_digits_make_bigger_boxes_and_fewer_smaller():
    """first-graph's x.grad, [3.333, 1.333, 5.333] at 4 digits: its leaf's box grows with the digits, wider,
    or, once its line is wrapped (6 digits), taller."""
    tr = traced("first-graph")
    x = next(n.id for n in tr.nodes.values() if n.name == "x")

    def size(digits: int) -> tuple[float, float]:
        x0, y0, x1, y1 = figure_meta(figure_dict(tr, direction="LR", digits=digits))["boxes"][x]
        return x1 - x0, y1 - y0

    (w2, h2), (w3, h3), (w4, h4), (w6, h6) = map(size, (2, 3, 4, 6))
    assert w2 < w3 < w4 and h2 == h3 == h4
    assert h6 > h4 and w6 * h6 > w4 * h4


def test_the_measure_is_the_fonts():
    """text_ems sums DejaVu Sans's advance widths: 'i' is narrow, 'W' wide, bold wider, Chinese a full em."""
    assert text.text_ems("iiii") < text.text_ems("WWWW") / 3
    assert text.text_ems("MulBackward0", bold=True) > text.text_ems("MulBackward0")
    assert text.text_ems("梯度") == 2.0
    # 'tanh · TanhBackward0' (the label issue 14 saw overflow): DejaVu Sans Bold, 13 px
    assert 160 < text.text_width("tanh · TanhBackward0", 13, bold=True) < 166


def test_a_long_title_is_broken_after_its_dot_and_a_long_value_wrapped():
    tr = traced("control-flow")
    th = THEMES["light"]
    norm = next(n for n in tr.nodes.values() if n.op == "LinalgVectorNormBackward0")
    t = node_text(norm, th, True)
    assert t.plain[:2] == ("linalg_vector_norm ·", "LinalgVectorNormBackward0") and t.bold == 2
    mul = next(n for n in tr.nodes.values() if n.op == "MulBackward0")
    assert node_text(mul, th, True).plain[0] == "mul · MulBackward0"  # short titles stay whole
    # compact labels: the op's name alone in bold, torch's name of the node a small line under it, broken
    # between its words when long; a long snake_case title broken after its underscores
    small = node_text(mul, th, True, compact=True)
    assert small.plain[:2] == ("mul", "MulBackward0") and small.bold == 1
    small = node_text(norm, th, True, compact=True)
    assert small.plain[:5] == ("linalg_", "vector_", "norm", "LinalgVectorNorm", "Backward0"), small.plain
    assert small.width(th) < node_text(norm, th, True).width(th) * 0.7
    tr = traced("class-mlp")
    lines = [p for n in tr.nodes.values() if n.op == "AddmmBackward0" for p in node_text(n, th, True).plain]
    assert all(text.text_ems(p) <= 17.5 for p in lines[1:]), lines


def chain(n: int) -> nx.MultiDiGraph:
    g = nx.MultiDiGraph()
    for i in range(n):
        g.add_node(f"n{i}", kind="op", label=f"n{i}")
    for i in range(n - 1):
        g.add_edge(f"n{i}", f"n{i + 1}", key=f"e{i}")
    return g


def box_150x70(nid: str, attrs: dict) -> tuple[float, float]:
    return 150.0, 70.0


def test_a_flat_graph_gets_a_short_canvas_and_a_tall_one_a_tall_canvas():
    size = box_150x70
    lr = layered_layout(chain(5), direction="LR", node_size=size)
    zoom, height = canvas_fit(lr.width, lr.height, (1400, 450), 5, 11)
    assert height < 450 / 2  # a 5-node chain left to right does not take a whole canvas of height
    assert zoom * 11 >= READABLE_PX
    tb = layered_layout(chain(5), direction="TB", node_size=size)
    zoom, height = canvas_fit(tb.width, tb.height, (1400, 450), 5, 11)
    assert zoom * 11 >= READABLE_PX and height > 450  # it takes a taller canvas to be read
    zoom, height = canvas_fit(tb.width, tb.height, (1400, 450), READABLE_MAX_NODES + 1, 11)
    assert height <= 450  # ... but a big graph is fitted to the window (zoom in to read)


def test_auto_picks_the_direction_whose_text_comes_out_largest():
    size = box_150x70
    lr, tb = (layered_layout(chain(5), direction=d, node_size=size) for d in ("LR", "TB"))
    assert choose_direction([lr, tb], (1400, 450), 11) is lr  # wide canvas: left to right
    assert choose_direction([lr, tb], (400, 450), 11) is tb  # narrow column: top to bottom
    tr = traced("first-graph")
    wide = figure_dict(tr, direction="auto", canvas=(1800, 500))
    narrow = figure_dict(tr, direction="auto", canvas=(500, 500))
    assert wide["layout"]["meta"]["fit"]["direction"] == "LR"
    assert narrow["layout"]["meta"]["fit"]["direction"] == "TB"


def test_a_tight_layout_has_narrower_gaps_between_layers():
    """layered_layout(gap=TIGHT_GAP), tried for a small graph that would not read otherwise: the same boxes,
    closer together along the edges, and the same order across them."""
    from explorer.drawing.layout import TIGHT_GAP

    wide = layered_layout(chain(5), direction="LR", node_size=box_150x70)
    tight = layered_layout(chain(5), direction="LR", node_size=box_150x70, gap=TIGHT_GAP)
    assert wide.width - tight.width == pytest.approx(4 * (56.0 - TIGHT_GAP))
    assert tight.height == wide.height


@pytest.mark.parametrize("key", ["control-flow", "custom-function", "accumulate", "dataloader", "class-mlp"])
def test_small_graphs_that_were_too_wide_now_read_at_1280x720(key):
    """The app's graph at 1280x720 (842 px wide, 430 px of room in height), its default groups: the text of
    these gallery examples (in the app, at 10.1 and 9.3 px before compact names and tight gaps; accumulate
    at 13.4 px when its frames' room was left out of the choice; dataloader at 12.6 px in three levels of frames,
    one of them around the whole picture; class-mlp at 11.4 px, its three training steps side by side) reaches
    READABLE_PX (the browser's measure: tests/e2e/test_e2e_readable.py)."""
    fig = figure_dict(traced(key), direction="auto", collapse="auto", canvas=(818, 430))
    fit = fig["layout"]["meta"]["fit"]
    assert fit["nodes"] <= READABLE_MAX_NODES
    # assets/app.js canvasFit, on the figure's own extent (frames' room included)
    room_w = 818 - 2 * fit["margin"]
    zoom = min(room_w / fit["width"], fit["readable_px"] / fit["min_font"],
               (fit["max_canvas"] - 2 * fit["margin"]) / fit["height"])
    assert zoom * fit["min_font"] >= READABLE_PX, (key, fit["direction"], zoom * fit["min_font"])


def test_an_image_smaller_than_the_graph_shrinks_its_labels_with_the_boxes():
    """A graph wider than the image it is drawn in (beyond export._auto_size's bound) is drawn smaller: its
    labels with it."""
    from explorer.drawing.export import _labels_fitted

    fig = explorer.figure(traced("control-flow"), direction="LR")
    labels = next(t for t in fig.data if t.name == NODE_LABELS)
    x0, x1 = fig.layout.xaxis.range
    width, height = 2000, 600
    small = next(t for t in _labels_fitted(fig, width, height).data if t.name == NODE_LABELS)
    zoom = (width - 20) / (x1 - x0)
    assert zoom < 1
    assert small.textfont.size == pytest.approx(labels.textfont.size * zoom)
    assert _labels_fitted(fig, 5000, 5000) is fig  # room enough: unchanged
