"""Graph + layout + theme -> a plotly Figure. Pure: never imports dash, never touches a live tensor.

The picture is a handful of traces, not one per node, so 1,000 nodes stay smooth:
- one filled-polygon trace per kind of node (the boxes), one text trace (the labels),
- one line trace per kind of edge, one marker trace for the arrowheads,
- an invisible marker per node carrying the hover text and the node id (`customdata`) for clicks,
- two empty "highlight" traces the animation fills: the active node and the active edge.
What the animation needs (node boxes, edge routes, the steps) travels once in `layout.meta["explorer"]`
(its format: explorer/drawing/steps.py), so the payload grows linearly with the graph; the browser plays
the steps, Python sends no frames.
"""
from __future__ import annotations

import base64
import dataclasses
import math
import re
from collections.abc import Callable
from typing import Any, NamedTuple

import numpy as np
import plotly.graph_objects as go

from explorer import fastjson
from explorer.choices import (
    DEFAULT_DIGITS,
    DEFAULT_DIRECTION,
    DEFAULT_LANG,
    DEFAULT_THEME,
    DIRECTIONS,
    LAID_OUT_DIRECTIONS,
    MAX_CANVAS_PX,
    MAX_TEXT_ZOOM,
    READABLE_MAX_NODES,
    READABLE_PX,
    normalize_lang,
)
from explorer.drawing import compact as compact_form
from explorer.drawing import text
from explorer.drawing.groups import (
    AUTO_COLLAPSE_NODES,
    GROUP_WORDS,
    GroupView,
    collapsed_caption,
    collapsed_hover,
    group_title,
    group_view,
    plural,
    search_texts,
)
from explorer.drawing.groups import group_meta as group_meta
from explorer.drawing.layout import LAYER_GAP, TIGHT_GAP, Frames, Layout, layered_layout, layered_layouts
from explorer.drawing.steps import animation_data, carried, label_at, step_caption
from explorer.drawing.steps import figure_meta as figure_meta  # where figures' readers have found it
from explorer.drawing.themes import Theme, get_theme
from explorer.gcpause import without_gc
from explorer.recording.graph import to_networkx
from explorer.recording.model import Group, Node, Trace

# Names of the traces the browser-side animation looks up (by `name`, so their order may change).
HIGHLIGHT_NODE = "highlight-node"
HIGHLIGHT_EDGE = "highlight-edge"
HIGHLIGHT_TEXT = "highlight-text"
NODE_HOVER = "nodes"
NODE_LABELS = "labels"
# From this many nodes on, figure_dict(webgl=True) draws edges, arrowheads and the hover markers with WebGL:
# a redraw (every zoom or pan) of 1,000 nodes takes ~50 ms instead of ~400 ms in SVG. Boxes and labels stay
# SVG: a WebGL canvas lies above the SVG, and filled boxes there would hide the labels.
WEBGL_MIN_NODES = 300
# From this many labels on, the browser keeps only the labels it can show (assets/animation.js labelsForView,
# whose FEW_LABELS this equals): none while zoomed out too far to read them. figure_dict(lazy_labels=True)
# then starts with them hidden, which spares a 1,000-node graph's first draw a third of a second of laying
# out labels that are hidden right after. Image export keeps every label (lazy_labels=False).
LAZY_LABELS_MIN = 200
# plotly's configuration wherever a figure is shown (the app, an exported HTML page): no plotly logo, and no
# button or link that would send the graph to a cloud service ("Share with Plotly Cloud", "Edit chart").
PLOTLY_CONFIG = {"displaylogo": False, "showLink": False, "showSendToCloud": False, "showEditInChartStudio": False,
                 "plotlyServerURL": ""}


class NodeText(NamedTuple):
    """The label on a node's box. A named tuple rather than a frozen dataclass: as immutable, and quicker to
    make, which counts at one per node."""

    lines: tuple[str, ...]  # plotly's small HTML subset: <b>, <br>, <span style>; the first `bold` are the title
    plain: tuple[str, ...]  # the words of each line as drawn (without the tags)
    bold: int = 1  # how many lines the title takes (a long one is broken after its " · ")
    kinds: str = ""  # how each line is drawn: b bold title, s small, v in the value colour, g in the gradient's

    def width(self, th: Theme) -> float:
        """Pixels the widest line takes: measured in the theme's font (text.text_width), the title bold."""
        small = th.small_font_size
        title = max([text.text_width(p, th.font_size, bold=True) for p in self.plain[:self.bold]])
        rest = max([text.text_width(p, small) for p in self.plain[self.bold:]], default=0.0)
        return max(title, rest)


# Room around a label inside its box, in pixels at the theme's size: a box is its label's width plus
# BOX_PAD_X, its lines plus BOX_PAD_Y.
BOX_PAD_X = 18.0
BOX_PAD_Y = 10.0


def box_size(t: NodeText, th: Theme) -> tuple[float, float]:
    """(width, height) of the box that holds label `t`, at the theme's size."""
    return max(2.5 * th.line_height, t.width(th) + BOX_PAD_X), len(t.plain) * th.line_height + BOX_PAD_Y


def figure(
    trace: Trace,
    *,
    theme: str = DEFAULT_THEME,
    direction: str = DEFAULT_DIRECTION,
    show_values: bool = True,
    show_constants: bool = False,
    layout: Layout | None = None,
    lang: str = DEFAULT_LANG,
    collapse: Any = None,
    canvas: tuple[float, float] | None = None,
    digits: int = DEFAULT_DIGITS,
) -> go.Figure:
    """The autograd graph of `trace` as a plotly Figure (displays inline in Jupyter). `lang` ("en" or "zh")
    is the language of the hover text; torch's names stay as they are. `collapse` draws module calls,
    function calls and loop iterations as labelled boxes, some of them collapsed to one node: a depth, a
    list of group paths, "repeated", "auto" or [] (boxes only); None draws every node, without boxes
    (explorer/drawing/groups.py). `direction` "auto" picks the one in which the labels come out largest on
    `canvas` (width, height in px; default: a 16:9 slide). `digits`: how many significant digits every number
    is written with (labels, hover texts, the steps' captions and edge gradients; the boxes are sized to fit),
    a whole number from 1 to 9 (explorer.choices)."""
    return as_figure(figure_dict(trace, theme=theme, direction=direction, show_values=show_values,
                                 show_constants=show_constants, layout=layout, lang=lang, collapse=collapse,
                                 canvas=canvas, digits=digits))


@without_gc
def figure_dict(
    trace: Trace,
    *,
    theme: str = DEFAULT_THEME,
    direction: str = DEFAULT_DIRECTION,
    show_values: bool = True,
    show_constants: bool = False,
    layout: Layout | None = None,
    lang: str = DEFAULT_LANG,
    webgl: bool = False,
    lazy_labels: bool = False,
    collapse: Any = None,
    canvas: tuple[float, float] | None = None,
    canvas_grows: bool = True,
    compact: bool = False,
    digits: int = DEFAULT_DIGITS,
) -> dict:
    """The same figure as a plain dict, ready for JSON: what the web app sends. Building plotly's objects
    validates every property again, which costs ten times more than making the figure; the tests validate
    these dicts with plotly instead (tests/test_figure.py), so a request need not. `webgl`: the browser
    can use WebGL, so a big graph may (see WEBGL_MIN_NODES); image export keeps to SVG. `lazy_labels`: the
    browser shows labels as the view needs them, so a big graph's start hidden (see LAZY_LABELS_MIN).
    `collapse`: see `figure`. `canvas`: the (width, height) in px the graph is shown in, for direction "auto"
    (see choose_direction); `canvas_grows`: whether the page lets the canvas grow taller to make text readable
    (not in presentation mode, where the graph and the caption stay in the window: canvas_fit). `compact`:
    the values travel once, as numbers, and the page writes the labels, hover texts and the steps' texts
    from them (explorer/drawing/compact.py; the app's figures): the labels trace then has no text and the hover
    markers no hover text until assets/animation.js fills them. `digits`: see `figure` (a compact figure tells
    the page, which writes its numbers with as many)."""
    if direction not in DIRECTIONS:
        raise ValueError("direction must be 'auto', 'LR' (left to right) or 'TB' (top to bottom)")
    digits = text.checked_digits(digits)
    th = get_theme(theme)
    view = None
    original = trace
    if collapse is not None:
        view = group_view(trace, collapse, constants=show_constants)
        trace = _in_words(view, normalize_lang(lang))
    graph = to_networkx(trace, constants=show_constants)
    words = HOVER_WORDS[normalize_lang(lang)]
    values = _ValueText(normalize_lang(lang), digits)
    texts, hovers, more = {}, {}, {}
    for nid in graph.nodes:  # one pass: a node's data is read while it is still in the CPU's cache
        node = trace.nodes[nid]
        if not compact:
            hovers[nid] = hover_text(node, words, values.long)  # first: values.long writes the short text too
        texts[nid] = node_text(node, th, show_values, values.short, words["grad"], html=not compact)
    if view is not None:
        for cid in view.runs:
            if cid in texts:
                texts[cid] = _with_line(texts[cid], collapsed_caption(view, cid, normalize_lang(lang)), th)
                more[cid] = collapsed_hover(view, cid, normalize_lang(lang))
                if not compact:
                    hovers[cid] += "<br>" + more[cid]

    around = group_chains(view) if view is not None else None
    lang_key = normalize_lang(lang)
    runs = iteration_runs(view) if view is not None else ()
    least = {g: frame_label_width(view, g, th, lang_key) for g in view.boxes} if view is not None else {}

    def compact_label(nid: str) -> NodeText:
        t = node_text(trace.nodes[nid], th, show_values, values.short, words["grad"], compact=True, html=not compact)
        if view is not None and nid in view.runs:
            t = _with_line(t, collapsed_caption(view, nid, lang_key), th)
        return t

    if direction == "auto" and view is not None and _drawn_open(original, show_constants) > AUTO_COLLAPSE_NODES:
        # a big graph's groups are opened and closed one by one: the picture keeps its direction, or every
        # click could turn it round (output_anchored keeps the rest in place); a smaller one collapsed to be
        # read (groups.py "auto") takes the direction that reads best, as an open graph does
        direction = LAID_OUT_DIRECTIONS[0]
    if layout is None:
        layout, texts = _fitted_layout(graph, texts, th, direction, canvas or DEFAULT_CANVAS,
                                       None if canvas is None else compact_label, canvas_grows, around, runs, least)
    if view is not None:  # after the direction is chosen: anchoring moves the picture, not its size
        layout = output_anchored(layout)
    # each box and each edge's drawn route once: the traces and the animation data share them
    boxes = {nid: _box(layout, nid) for nid in layout.positions}
    # (source, target, key, kind), read once: networkx's edge views are slow, and list(view) would ask
    # for its length first, which walks every edge an extra time
    edges = [edge for edge in graph.edges(keys=True, data="kind")]
    routes = _drawn_routes(edges, layout, boxes)
    data: list[dict] = []
    gl = webgl and len(layout.positions) >= WEBGL_MIN_NODES
    frames = group_frames(view, boxes, least if layout.direction == "TB" else None) if view is not None else {}
    frame_labels = _add_group_boxes(data, view, frames, th, normalize_lang(lang)) if view is not None else None
    _add_edges(data, edges, layout, routes, th, gl)
    if frame_labels is not None:  # over the edges: an edge crossing a frame's top strip does not cross its words
        data.append(frame_labels)
    _add_boxes(data, trace, boxes, th)
    _add_labels(data, layout, texts, th, hidden=lazy_labels and len(layout.positions) >= LAZY_LABELS_MIN,
                with_text=not compact)
    _add_hover(data, layout, hovers, th, gl, with_text=not compact)
    _add_highlights(data, th)
    fig_layout = _style(layout, th, frames)
    colors = {"value": th.value, "grad": th.grad}
    # a JSON string: the browser parses it once, and plotly treats it as one opaque value
    if compact:
        table, strings = compact_form.ValueTable(lang_key, digits), compact_form.Strings()
        meta = animation_data(trace, graph, boxes, routes, colors, lambda v: table.add(v) + 1)
        nodes = compact_form.node_table(trace, list(layout.positions), texts, table, strings, values.short, colors,
                                        words["grad"], more)
        meta["table"] = compact_form.table_dict(
            table, strings, nodes, compact_words(lang_key),
            {"small": f"font-size:{th.small_font_size / th.font_size:.4g}em", "muted": th.muted, **colors}, lang_key,
            digits)
        compact_form.narrowed(data)
    else:
        meta = animation_data(trace, graph, boxes, routes, colors, values.short)
    if view is not None and (view.runs or view.boxes):
        meta["groups"] = group_meta(view, {g: [round(c, 1) for c in f] for g, f in frames.items()},
                                    normalize_lang(lang))
        meta["hidden"] = view.hidden
        meta["search"] = {n: words for n, words in search_texts(original, view).items() if n in boxes}
        _add_search_hits(data, th)
    notes = _notes(view, lang_key) if view is not None else []
    top = _add_notes(fig_layout, notes, th)
    fig_layout["meta"] = {"explorer": fastjson.dumps_text(meta), "fit": fit_meta(layout, th, frames, top)}
    return {"data": data, "layout": fig_layout}


def as_figure(fig: dict) -> go.Figure:
    """A plotly Figure from a dict made by figure_dict, without validating it all again; later changes
    made to the Figure (update_layout, ...) are validated as usual."""
    out = go.Figure(fig, _validate=False)
    for obj in (out, out.layout, *out.data):
        obj._validate = True
    return out


# --- text on nodes ----------------------------------------------------------------------------------------


def node_text(node: Node, th: Theme, show_values: bool,
              short: Callable[[Any], str] = text.value_short, grad_word: str = "grad",
              compact: bool = False, html: bool = True) -> NodeText:
    """The bold title, then small lines: the source text, the value, the gradient (after `grad_word`, the
    language's word). `short` writes a value (text.value_short, or figure_dict's _ValueText.short). A title
    much wider than the lines under it is broken after its " · " (linalg_vector_norm · / LinalgVectorNormBackward0),
    so one long op name does not widen its box, its layer and the whole graph. The small lines' size is given
    relative to the title's (in em), so that scaling the label trace's font scales every line. `compact`: the
    narrowest label that says as much (an op's name alone in bold, torch's name of its node a small line under
    it, broken between its words; lines wrapped at COMPACT_LINE_EMS), for a small graph that would otherwise not
    be readable on its canvas (figure_dict). `html` False: no `lines` (an empty tuple), for a compact figure,
    whose page writes the lines from `plain` and `kinds` (compact.label_lines)."""
    title = text.node_title(node)
    plain: list[str] = []
    kinds: list[str] = []
    longest = COMPACT_LINE_EMS if compact else LONG_LINE_EMS

    def small(words: str, kind: str) -> None:
        for part in _wrapped(words, longest):
            plain.append(part)
            kinds.append(kind)

    if compact and node.kind == "op":
        # the op's name alone is the title; torch's name of its node a small line under it, broken before
        # "Backward" when long (LinalgVectorNorm / Backward0): the narrowest box that still says both
        title = node.label
        for part in _camel_wrapped(node.op, COMPACT_NAME_EMS):
            small(part, "m")
    caption = text.node_caption(node)
    if caption:
        small(caption, "s")
    if show_values and node.kind != "constant":
        v = short(node.value)
        if v:
            small(v, "v")
        if node.grad is not None:
            small(f"{grad_word} " + short(node.grad), "g")
    rest = max([text.text_ems(p) for p in plain], default=0.0) * th.small_font_size / th.font_size
    if compact:
        heads = _wrapped(title, COMPACT_LINE_EMS * th.small_font_size / th.font_size, bold=True)
    else:
        heads = _title_lines(title, rest, LONG_TITLE_EMS)
    all_kinds = "b" * len(heads) + "".join(kinds)
    if not html:
        return NodeText((), (*heads, *plain), len(heads), all_kinds)
    relative = f"font-size:{th.small_font_size / th.font_size:.4g}em"
    styles = {"s": relative, "m": f"{relative};color:{th.muted}", "v": f"{relative};color:{th.value}",
              "g": f"{relative};color:{th.grad}"}
    lines = [f"<b>{_esc(h)}</b>" for h in heads]
    lines += [f"<span style='{styles[k]}'>{_esc(p)}</span>" for p, k in zip(plain, kinds)]
    return NodeText(tuple(lines), (*heads, *plain), len(heads), all_kinds)


# A title is broken in two when it is wider than this many ems, and wider by TITLE_BREAK_GAIN ems than every
# line under it (so that breaking it makes the box narrower by that much at least).
LONG_TITLE_EMS = 12.0
TITLE_BREAK_GAIN = 1.5
# A small line (source text, value, gradient) wider than this many ems goes on as many lines as it needs,
# broken after a comma or at a space: a 2x2 value's numbers should not make a whole layer twice as wide.
LONG_LINE_EMS = 17.0
COMPACT_LINE_EMS = 8.0  # the same for compact labels
COMPACT_NAME_EMS = 10.0  # ... and for torch's name of a node there, broken between its words (node_text)


def _wrapped(words: str, longest: float = LONG_LINE_EMS, bold: bool = False) -> list[str]:
    """`words` in lines of at most `longest` ems (in bold, with `bold`) where it can be broken (after ", ",
    at a space, after "_", after a "." that a name follows, never inside a number); a piece with no place to
    break stays whole. The width of each line made is remembered (text.remember_width): the label measures
    its lines again. Texts recur (a gradient that is the same at many nodes): each is wrapped once (a copy of
    the list is returned)."""
    key = (words, longest, bold)
    hit = _WRAPPED.get(key)
    if hit is not None:
        return list(hit)
    if text.text_ems(words, bold=bold) <= longest:
        return [words]
    lines: list[str] = []
    line = ""
    milli = 0  # the width of `line`, in thousandths of an em (text.text_milli_ems: widths add up exactly)
    stripped = 0  # the width of `line` without the spaces after its last piece
    for piece in _pieces(words):
        bare = piece.rstrip()
        bare_milli = text.text_milli_ems(bare, bold)
        if line and (milli + bare_milli) / 1000 > longest:
            _end_line(lines, line, stripped, bold)
            line, milli = "", 0
        line += piece
        stripped = milli + bare_milli if bare else -1  # -1: not known (a piece of spaces only)
        milli += bare_milli if bare is piece else text.text_milli_ems(piece, bold)
    if line.strip():
        _end_line(lines, line, stripped, bold)
    if len(_WRAPPED) >= _WRAPPED_MAX:
        _WRAPPED.clear()
    _WRAPPED[key] = tuple(lines)
    return lines


def _camel_wrapped(name: str, longest: float) -> list[str]:
    """torch's name of a node in lines of at most `longest` ems, broken between its words where it must
    (LinalgVectorNorm / Backward0): a word longer than that stays whole."""
    if text.text_ems(name) <= longest:
        return [name]
    lines = [""]
    for word in re.findall(r"[A-Z]?[^A-Z]*", name):
        if lines[-1] and text.text_ems(lines[-1] + word) > longest:
            lines.append("")
        lines[-1] += word
    return [line for line in lines if line]


_WRAPPED: dict[tuple[str, float, bool], tuple[str, ...]] = {}  # (words, longest, bold) -> its lines: texts recur
_WRAPPED_MAX = 20_000
# Where a line may break inside the words between two spaces: after "_", after a "." that a name follows
_INNER_BREAKS = re.compile(r"(?<=_)(?=\w)|(?<=\.)(?=[A-Za-z_])")


def _pieces(words: str) -> list[str]:
    r"""`words` cut where _wrapped may break it, each piece with the spaces after it: the same pieces as
    re.split(r"(?<=, )|(?<= )|(?<=_)(?=\w)|(?<=\.)(?=[A-Za-z_])", words), made quicker by cutting at the
    spaces first (no other break sits next to a space)."""
    parts = words.split(" ")
    last = len(parts) - 1
    out: list[str] = []
    for k, part in enumerate(parts):
        subs = _INNER_BREAKS.split(part) if ("_" in part or "." in part) else [part]
        if k < last:
            subs[-1] += " "
        out.extend(subs)
    return out


def _end_line(lines: list[str], line: str, milli: int, bold: bool) -> None:
    done = line.rstrip()
    lines.append(done)
    if milli >= 0:
        text.remember_width(done, milli, bold)


def _title_lines(title: str, rest_ems: float, longest: float = LONG_TITLE_EMS) -> list[str]:
    """The title as one line, or two when it is long (see node_text): "name ·" and torch's node name."""
    ems = text.text_ems(title, bold=True)
    if ems <= max(longest, rest_ems + TITLE_BREAK_GAIN) or " · " not in title:
        return [title]
    head, tail = title.split(" · ", 1)
    return [head + " ·", tail]


HOVER_WORDS = {
    "en": {"variable": "variable", "shape": "shape", "value": "value", "grad": "grad", "line": "line {n}",
           "made": "made by backward pass {k} (create_graph=True)", "scalar": "scalar"},
    "zh": {"variable": "变量", "shape": "形状", "value": "值", "grad": "梯度", "line": "第 {n} 行",
           "made": "由第 {k} 次反向传播创建（create_graph=True）", "scalar": "标量"},
}


HOVER_LINE_CHARS = 60  # a hover label's value and gradient lines break after a comma past this (values.js too)
HOVER_MORE = "\u00a0\u00a0"  # begins a hover line that goes on from the line before (two no-break spaces)


def hover_text(node: Node, words: dict | None = None, long: Callable[[Any], str] = text.value_long) -> str:
    """What hovering a node shows, in the language of `words`. `long` writes a value."""
    w = words or HOVER_WORDS[DEFAULT_LANG]
    parts = [f"<b>{_esc(text.node_title(node))}</b>"]
    if node.name:
        parts.append(f"{w['variable']}: {_esc(node.name)}")
    parts.append(f"{w['shape']}: {text.shape_text(node.shape) if node.shape else w['scalar']} · {node.dtype}")
    parts.append(f"{w['value']}: {_hover_value(long(node.value))}")
    if node.grad is not None:
        parts.append(f"{w['grad']}: {_hover_value(long(node.grad))}")
    if node.span:
        parts.append(f"{w['line'].format(n=node.span.line)}: {_esc(node.span.text[:60])}")
    if node.created_in_pass is not None:
        parts.append(w["made"].format(k=node.created_in_pass + 1))
    return "<br>".join(parts)


def compact_words(lang: str) -> dict[str, str]:
    """The words the page writes a compact figure's hover texts and values with (assets/values.js): the hover
    words, and text.VALUE_WORDS's (whose "shape" is the value's "shape 2×10"; the hover's is "shape_word")."""
    hover = HOVER_WORDS.get(lang, HOVER_WORDS[DEFAULT_LANG])
    return {**hover, "shape_word": hover["shape"], **text.VALUE_WORDS.get(lang, text.VALUE_WORDS["en"])}


class _ValueText:
    """text.value_short and text.value_long of the values one figure shows, each written once.

    Every node's hover text shows the long text of its value and grad, its label the short text of the
    same dicts, and the animation the short text again: a forward step shows the very dict its node's
    label shows, a backward step mostly the node's grad. `long` writes both texts (text.value_texts
    shares their work), so ask for it first. Keyed by id(), and holding each value so that no id is
    reused while it lives: make one per figure_dict call, never keep it.
    """

    def __init__(self, lang: str = DEFAULT_LANG, digits: int = DEFAULT_DIGITS) -> None:
        self._seen: dict[int, tuple[Any, str, str | None]] = {}  # id -> (value, short, long or None)
        self.lang = lang  # the language of the few words a big value's text has
        self.digits = digits  # significant digits of every number

    def long(self, value: Any) -> str:
        hit = self._seen.get(id(value))
        if hit is None or hit[2] is None:
            hit = self._seen[id(value)] = (value, *text.value_texts(value, self.lang, self.digits))
        return hit[2]

    def short(self, value: Any) -> str:
        hit = self._seen.get(id(value))
        if hit is None:
            hit = self._seen[id(value)] = (value, text.value_short(value, lang=self.lang, digits=self.digits), None)
        return hit[1]


def _numbers(values: list) -> dict:
    """Numbers as plotly's typed-array spec (float64, base64; None -> NaN, a gap in a line): a third of the
    bytes of a JSON list, and decoded by plotly.js without parsing. numpy makes None a NaN itself."""
    array = np.array(values, dtype="<f8")
    return {"dtype": "f8", "bdata": base64.b64encode(array.tobytes()).decode("ascii")}


def _scatter(gl: bool = False, **props: Any) -> dict:
    return {"type": "scattergl" if gl else "scatter", "hoverinfo": "skip", "showlegend": False, **props}


def _esc(s: str) -> str:
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _hover_value(words: str) -> str:
    """A value's long text for a hover label, escaped, on lines of at most HOVER_LINE_CHARS (text.wrap_list):
    plotly never wraps a hover label, so 16 numbers on one line ran off both sides of the graph. The lines
    after the first begin with HOVER_MORE, which tells the page's reveal (animation.js hoverAt) that they
    belong to the line before."""
    return f"<br>{HOVER_MORE}".join(_esc(line) for line in text.wrap_list(words, HOVER_LINE_CHARS))


# --- traces -----------------------------------------------------------------------------------------------


def _kind(node: Node) -> str:
    if node.kind == "op" and node.created_in_pass is not None:
        return "backward"
    return node.kind


def _colors(node: Node, th: Theme) -> tuple[str, str]:
    """(fill, border) of a node's box: a tint by kind, the border in the kind's colour, the output marked."""
    kind = _kind(node)
    border = th.output if node.is_output else getattr(th, kind)
    return th.fills[kind], border


Box = tuple[float, float, float, float]  # x0, y0, x1, y1: left, top, right, bottom (y grows downward)


def _box(layout: Layout, nid: str) -> Box:
    """A node's box (its group frames' room is between the layers and beside the boxes: Frames)."""
    (x, y), (w, h) = layout.positions[nid], layout.sizes[nid]
    return x - w / 2, y - h / 2, x + w / 2, y + h / 2


def _add_boxes(data: list[dict], trace: Trace, boxes: dict[str, Box], th: Theme) -> None:
    groups: dict[tuple[str, str], tuple[list, list]] = {}
    for nid, (x0, y0, x1, y1) in boxes.items():
        xs, ys = groups.setdefault(_colors(trace.nodes[nid], th), ([], []))
        # once round and on along the top again: the outline's start corner gets a join, not a notch
        xs.extend([x0, x1, x1, x0, x0, x1, None])
        ys.extend([y0, y0, y1, y1, y0, y0, None])
    for (fill, border), (xs, ys) in groups.items():
        width = th.border_width * (2.2 if border == th.output else 1.0)
        data.append(_scatter(x=_numbers(xs), y=_numbers(ys), mode="lines", fill="toself", fillcolor=fill,
                             line={"color": border, "width": width}))


def _add_labels(data: list[dict], layout: Layout, texts: dict[str, NodeText], th: Theme,
                hidden: bool = False, with_text: bool = True) -> None:
    ids = list(layout.positions)
    data.append(_scatter(
        name=NODE_LABELS, x=_numbers([layout.positions[i][0] for i in ids]),
        y=_numbers([layout.positions[i][1] for i in ids]), mode="text",
        textfont={"color": th.text, "size": th.font_size, "family": th.font_family},
    ))
    if with_text:
        data[-1]["text"] = ["<br>".join(texts[i].lines) for i in ids]
    if hidden:
        data[-1]["visible"] = False


def _add_hover(data: list[dict], layout: Layout, hovers: dict[str, str], th: Theme, gl: bool = False,
               with_text: bool = True) -> None:
    ids = list(layout.positions)
    data.append(_scatter(
        gl,
        name=NODE_HOVER, x=_numbers([layout.positions[i][0] for i in ids]),
        y=_numbers([layout.positions[i][1] for i in ids]), mode="markers",
        marker={"size": _numbers([max(10, layout.sizes[i][1]) for i in ids]), "opacity": 0, "symbol": "square"},
        customdata=ids, hoverinfo="text",
        hoverlabel={"font": {"family": th.font_family, "size": th.small_font_size}},
    ))
    if with_text:
        data[-1]["hovertext"] = [hovers[i] for i in ids]


def _clip(p: tuple[float, float], q: tuple[float, float], box: Box) -> tuple[float, float]:
    """Where the segment from p (outside) to q (the box centre) meets the box's border: the smallest
    t in [0, 1] at which p + t·(q - p) crosses a side, checking the left, right, top, bottom sides."""
    x0, y0, x1, y1 = box
    px, py = p
    dx, dy = q[0] - px, q[1] - py
    best = 1.0
    if dx:
        for side in (x0, x1):
            t = (side - px) / dx
            if 0 <= t <= 1 and y0 - 1e-9 <= py + dy * t <= y1 + 1e-9:
                best = min(best, t)
    if dy:
        for side in (y0, y1):
            t = (side - py) / dy
            if 0 <= t <= 1 and x0 - 1e-9 <= px + dx * t <= x1 + 1e-9:
                best = min(best, t)
    return px + dx * best, py + dy * best


def _clipped(route: Any, source_box: Box, target_box: Box) -> list[tuple[float, float]]:
    """A route without collinear points, its ends moved from the box centres to the box borders."""
    pts = _simplify(list(map(tuple, route)))
    if len(pts) < 2:
        return pts
    pts[0] = _clip(pts[1], pts[0], source_box)
    pts[-1] = _clip(pts[-2], pts[-1], target_box)
    return pts


class Route(NamedTuple):
    """An edge as drawn, from the border of its `source` box: `points` exact (for the arrowhead's place and
    angle), `tenths` rounded to a tenth of a pixel (for the line segments and the animation: shared
    segments compare equal once rounded)."""
    source: str
    points: list[tuple[float, float]]
    tenths: list[tuple[float, float]]


def _drawn_routes(edges: list[tuple], layout: Layout, boxes: dict[str, Box]) -> dict[str, Route]:
    """Edge key -> its Route, for every edge (source, target, key, kind), in that order."""
    routes = {}
    for source, target, key, _ in edges:
        pts = _clipped(layout.routes[key], boxes[source], boxes[target])
        routes[key] = Route(source, pts, [(round(x, 1), round(y, 1)) for x, y in pts])
    return routes


def _simplify(pts: list[tuple[float, float]], tolerance: float = 0.5) -> list[tuple[float, float]]:
    """Drop points that lie on the line through their neighbours (long edges run straight through layers)."""
    if len(pts) <= 2:
        return pts
    out = [pts[0]]
    for here, nxt in zip(pts[1:-1], pts[2:]):
        (ax, ay), (bx, by), (cx, cy) = out[-1], here, nxt
        cross = (bx - ax) * (cy - ay) - (by - ay) * (cx - ax)
        length = math.hypot(cx - ax, cy - ay) or 1.0
        if abs(cross) / length > tolerance:
            out.append(here)
    out.append(pts[-1])
    return out


def _add_edges(data: list[dict], edges: list[tuple], layout: Layout, routes: dict[str, Route], th: Theme,
               gl: bool = False) -> None:
    """Edge lines, then arrowheads. In SVG, plotly makes (and styles, parsing its colour) one element per
    piece of a line with gaps and per marker: on 1,000 nodes in the app, some 250 ms of each zoom for the
    lines and 150 ms for the arrowheads. So the solid edges are one walk (_edge_walk) and the arrowheads one filled path
    per colour; WebGL draws pieces and markers cheaply, and keeps them. Dotted edges (constants) stay pieces:
    a dotted line walked twice would not look the same."""
    if gl:
        _add_edge_pieces(data, edges, routes, th, {"data", "constant"}, gl=True)
        return
    xs, ys = _edge_walk(edges, layout, routes)
    if xs:
        data.append(_scatter(x=_numbers(xs), y=_numbers(ys), mode="lines",
                             line={"color": th.edge, "width": th.edge_width}))
    _add_edge_pieces(data, edges, routes, th, {"constant"}, gl=False)
    heads: dict[str, tuple[list, list]] = {}
    size = _arrow_size(th)
    for _, _, key, kind in edges:
        (ax, ay), (bx, by) = _last_leg(routes[key].points)
        hx, hy = heads.setdefault(th.edge if kind == "data" else th.constant_edge, ([], []))
        _arrowhead(hx, hy, ax, ay, bx, by, size)
    for color, (hx, hy) in heads.items():
        data.append(_scatter(x=_numbers(hx), y=_numbers(hy), mode="none", fill="toself", fillcolor=color))


def _last_leg(points: list[tuple[float, float]]) -> tuple[tuple[float, float], tuple[float, float]]:
    """The last drawn piece of a route, which the arrowhead follows: a route that bends right at its target's
    border ends in a piece of no length once clipped (its direction would be arbitrary)."""
    tip = points[-1]
    for p in reversed(points[:-1]):
        if abs(p[0] - tip[0]) > 1e-6 or abs(p[1] - tip[1]) > 1e-6:
            return p, tip
    return points[0], tip


def _arrow_size(th: Theme) -> float:
    return 6 + 3 * th.edge_width


def _arrowhead(xs: list, ys: list, ax: float, ay: float, bx: float, by: float, size: float) -> None:
    """A triangle with its tip at (bx, by), pointing from (ax, ay): plotly's "arrow" marker of `size` px at
    zoom 1 (layout units are pixels there), tip on the point, 72 degrees between its sides and base."""
    dx, dy = bx - ax, by - ay
    length = math.hypot(dx, dy) or 1.0
    ux, uy = dx / length, dy / length
    back, half = size * 0.951, size * 0.309  # 2r·sin 72°, 2r·cos 72° with r = size / 2
    cx, cy = bx - ux * back, by - uy * back
    xs.extend((bx, cx - uy * half, cx + uy * half, None))  # a fill closes each shape itself
    ys.extend((by, cy + ux * half, cy - ux * half, None))


def _add_edge_pieces(data: list[dict], edges: list[tuple], routes: dict[str, Route], th: Theme, kinds: set,
                     gl: bool) -> None:
    """Edges of `kinds` as pieces of line, each drawn segment once (edges sharing a trunk share segments);
    with gl, the arrowheads too, as markers."""
    lines = {"data": ([], []), "constant": ([], [])}
    heads_x, heads_y, angles, colors = [], [], [], []
    drawn: set[tuple] = set()
    for _, _, key, kind in edges:
        if kind not in kinds:
            continue
        route = routes[key]
        xs, ys = lines[kind]
        tenths = route.tenths
        for (ax, ay), (bx, by) in zip(tenths, tenths[1:]):
            seg = (ax, ay, bx, by)
            if seg in drawn:
                continue
            drawn.add(seg)
            xs.extend((ax, bx, None))
            ys.extend((ay, by, None))
        if gl:
            (ax, ay), (bx, by) = _last_leg(route.points)
            heads_x.append(bx)
            heads_y.append(by)
            # marker angles are clockwise from "up" on screen; the y axis is reversed, so screen-up is -y
            angles.append(math.degrees(math.atan2(bx - ax, -(by - ay))))
            colors.append(th.edge if kind == "data" else th.constant_edge)
    for kind, (xs, ys) in lines.items():
        if xs:
            data.append(_scatter(
                gl, x=_numbers(xs), y=_numbers(ys), mode="lines",
                line={"color": th.edge if kind == "data" else th.constant_edge, "width": th.edge_width,
                      "dash": "solid" if kind == "data" else "dot"},
            ))
    if heads_x:
        data.append(_scatter(
            gl, x=_numbers(heads_x), y=_numbers(heads_y), mode="markers",
            marker={"symbol": "arrow", "size": _arrow_size(th), "angle": _numbers(angles), "color": colors,
                    "line": {"width": 0}},
        ))


def _edge_walk(edges: list[tuple], layout: Layout, routes: dict[str, Route]) -> tuple[list, list]:
    """Every solid edge in as few unbroken lines as there are connected parts of the graph (usually one).

    Each edge runs from its source box's centre to its target's (the boxes, drawn over the lines, hide the
    part inside them), and a depth-first walk goes along an edge, on from its far end, and back along the
    same edge: a line drawn twice over itself looks as drawn once, so nothing between edges is visible.
    Iterative, as a chain of thousands of nodes is as deep."""
    around: dict[str, list[tuple[str, str, list]]] = {}
    for source, target, key, kind in edges:
        if kind != "data":
            continue
        pts = [layout.positions[source], *routes[key].points[1:-1], layout.positions[target]]  # unclipped
        around.setdefault(source, []).append((key, target, pts))
        around.setdefault(target, []).append((key, source, pts[::-1]))
    used: set[str] = set()
    first_unused = dict.fromkeys(around, 0)  # per node, shared by its visits: a shared weight has thousands
    xs: list = []
    ys: list = []
    for start, nbrs in around.items():
        i = first_unused[start]
        while i < len(nbrs) and nbrs[i][0] in used:
            i += 1
        first_unused[start] = i
        if i == len(nbrs):  # every edge here already walked, from its other end
            continue
        if xs:
            xs.append(None)
            ys.append(None)
        x, y = layout.positions[start]
        xs.append(x)
        ys.append(y)
        stack: list[tuple[str, list | None]] = [(start, None)]  # node, and the way back to its parent
        while stack:
            node, back = stack[-1]
            nbrs = around[node]
            i = first_unused[node]
            while i < len(nbrs) and nbrs[i][0] in used:
                i += 1
            first_unused[node] = min(i + 1, len(nbrs))
            if i < len(nbrs):
                key, other, pts = nbrs[i]
                used.add(key)
                for x, y in pts[1:]:
                    xs.append(x)
                    ys.append(y)
                stack.append((other, pts))
            else:
                stack.pop()
                if back is not None:
                    for x, y in reversed(back[:-1]):
                        xs.append(x)
                        ys.append(y)
    return xs, ys


def _add_highlights(data: list[dict], th: Theme) -> None:
    data.append(_scatter(name=HIGHLIGHT_EDGE, x=[], y=[], mode="lines",
                         line={"color": th.value, "width": th.edge_width * 3}))
    data.append(_scatter(name=HIGHLIGHT_NODE, x=[], y=[], mode="lines",
                         line={"color": th.value, "width": th.border_width * 3}))
    data.append(_scatter(name=HIGHLIGHT_TEXT, x=[], y=[], mode="text", textposition="top center",
                         textfont={"color": th.value, "size": th.font_size + 2, "family": th.font_family}))


def _pad(layout: Layout, frames: dict[str, Box] | None = None) -> float:
    """Room around the boxes inside the axes' ranges, layout units: PAD, or more where group frames reach
    beyond the nodes (their reach and FRAME_MARGIN: the frames take part of the room PAD keeps)."""
    if not frames:
        return PAD
    x0, y0 = _origin(layout)
    return _frame_pad(max(max(x0 - f[0], y0 - f[1], f[2] - x0 - layout.width, f[3] - y0 - layout.height, 0.0)
                          for f in frames.values()))


def _frame_pad(reach: float) -> float:
    """The room around the boxes when group frames reach `reach` beyond them (_pad)."""
    return max(PAD, reach + FRAME_MARGIN) if reach > 0 else PAD


def _style(layout: Layout, th: Theme, frames: dict[str, Box] | None = None) -> dict:
    x0, y0 = _origin(layout)
    pad = _pad(layout, frames)
    return {
        "paper_bgcolor": th.background, "plot_bgcolor": th.background,
        "margin": {"l": MARGIN, "r": MARGIN, "t": MARGIN, "b": MARGIN},
        "font": {"family": th.font_family, "size": th.font_size, "color": th.text}, "dragmode": "pan",
        "hovermode": "closest", "showlegend": False,
        "xaxis": {"visible": False, "range": [x0 - pad, x0 + layout.width + pad]},
        "yaxis": {"visible": False, "range": [y0 + layout.height + pad, y0 - pad], "scaleanchor": "x",
                  "scaleratio": 1},
    }


# --- groups: explorer/drawing/groups.py -----------------------------------------------------------------------
GROUP_BOXES = "group-boxes"  # the boxes around expanded groups
GROUP_LABELS = "group-labels"  # their labels: a click on one collapses its group (customdata: the group id)
GROUP_PAD = 6.0  # room between a group's box and what it holds, per level of nesting
FRAME_MARGIN = 8.0  # room between the outermost frames and the plot's edge (_pad)
GROUP_LABEL_ROOM = 16.0  # the box's top strip, where its label is written
GROUP_GAP = 12.0  # free space across the layers between a frame and a box or frame beside it
LABEL_MARKER_ROOM = 14.0  # a frame label's triangle and the space after its words, before the next label's
LABEL_INSET = 4.0  # from a frame's left border to its label's triangle
SEARCH_HITS = "search-hits"  # frames around the nodes a search found, drawn by assets/groups.js


def _with_line(t: NodeText, words: str, th: Theme) -> NodeText:
    """A node's text with one more small line under its title (sized relative to the title, as node_text's)."""
    b = t.bold
    kinds = f"{t.kinds[:b]}s{t.kinds[b:]}" if t.kinds else ""
    if not t.lines and t.plain:  # made without HTML (node_text's `html`)
        return NodeText((), (*t.plain[:b], words, *t.plain[b:]), b, kinds)
    line = f"<span style='font-size:{th.small_font_size / th.font_size:.4g}em'>{_esc(words)}</span>"
    return NodeText((*t.lines[:b], line, *t.lines[b:]), (*t.plain[:b], words, *t.plain[b:]), b, kinds)


def output_anchored(layout: Layout) -> Layout:
    """The layout moved so that its last layer (the output's) is at 0 and the others at negative places along
    the layers, and the output's layer centred on 0 across them. Layers count from the output, so when a group
    is expanded everything after it keeps its place, and what comes before it moves back by the room the group
    now takes (and across, if the open group's frames move the main line): the picture does not jump where
    the reader is looking at the output side."""
    if not layout.positions:
        return layout
    last = max(layout.layers.values())
    ends = [p for n, p in layout.positions.items() if layout.layers[n] == last]
    if layout.direction == "LR":
        dx, dy = -layout.width, -sum(y for _, y in ends) / len(ends)
    else:
        dx, dy = -sum(x for x, _ in ends) / len(ends), -layout.height
    return Layout(
        direction=layout.direction,
        positions={n: (x + dx, y + dy) for n, (x, y) in layout.positions.items()},
        sizes=layout.sizes,
        routes={k: tuple((x + dx, y + dy) for x, y in pts) for k, pts in layout.routes.items()},
        layers=layout.layers, width=layout.width, height=layout.height,
    )


def _origin(layout: Layout) -> tuple[float, float]:
    """Where the layout's top left corner is: (0, 0), or moved by output_anchored."""
    if not layout.positions:
        return 0.0, 0.0
    x0 = min(x - layout.sizes[n][0] / 2 for n, (x, _) in layout.positions.items())
    y0 = min(y - layout.sizes[n][1] / 2 for n, (_, y) in layout.positions.items())
    return (0.0 if abs(x0) < 1e-6 else x0), (0.0 if abs(y0) < 1e-6 else y0)


def group_chains(view: GroupView) -> dict[str, tuple[str, ...]]:
    """Drawn node id -> the groups drawn as frames around it, outermost first (for the layout: Frames)."""
    out: dict[str, tuple[str, ...]] = {}
    for gid in sorted(view.boxes, key=lambda g: int(g[1:])):  # a group's id is larger than its parent's
        for n in view.box_members[gid]:
            out[n] = (*out.get(n, ()), gid)
    return out


def iteration_runs(view: GroupView) -> tuple[tuple[str, ...], ...]:
    """The framed iterations of each loop, in the order they ran: drawn top to bottom one after the other
    (group_layout_frames), so that the training steps of a loop read down the page like the loop itself, and
    a graph whose steps share only their weights grows taller, where the canvas can grow, not wider."""
    loops: dict[tuple[str | None, str], list[Group]] = {}
    for gid in view.boxes:
        g = view.groups[gid]
        if g.kind == "loop":
            loops.setdefault((g.parent, g.label), []).append(g)
    return tuple(tuple(g.id for g in sorted(run, key=lambda g: g.index)) for run in loops.values() if len(run) > 1)


def group_layout_frames(around: dict[str, tuple[str, ...]], direction: str,
                        runs: tuple[tuple[str, ...], ...] = (), least: dict[str, float] | None = None) -> Frames:
    """The room group_frames takes: GROUP_PAD on each side, and the label's strip on top, which is across the
    layers when they are columns ("LR") and along them, before a frame's first layer, when they are rows.
    Top to bottom, a loop's iterations (`runs`: iteration_runs) follow each other down the page, and each
    frame is at least as wide as its label (`least`: frame_label_width)."""
    top = GROUP_PAD + GROUP_LABEL_ROOM
    if direction == "LR":
        return Frames(around, before=top, after=GROUP_PAD, gap=GROUP_GAP, start=GROUP_PAD, end=GROUP_PAD)
    return Frames(around, before=GROUP_PAD, after=GROUP_PAD, gap=GROUP_GAP, start=top, end=GROUP_PAD,
                  sequence=runs, least=least or {})


def group_frames(view: GroupView, boxes: dict[str, Box], least: dict[str, float] | None = None) -> dict[str, Box]:
    """Each box group's frame: around the boxes of its nodes and the frames of the groups inside it, with
    room for its label on top, and at least as wide as `least` says (its label's width: top to bottom, the
    layout leaves that room: group_layout_frames). Inner groups first (a group's id is larger than its
    parent's)."""
    frames: dict[str, Box] = {}
    for gid in sorted(view.boxes, key=lambda g: -int(g[1:])):
        parts = [boxes[n] for n in view.box_members[gid] if n in boxes]
        parts += [frames[c] for c in view.boxes if c in frames and view.groups[c].parent is not None
                  and _inside(view, c, gid)]
        if not parts:
            continue
        x0 = min(p[0] for p in parts) - GROUP_PAD
        y0 = min(p[1] for p in parts) - GROUP_PAD - GROUP_LABEL_ROOM
        x1 = max(p[2] for p in parts) + GROUP_PAD
        y1 = max(p[3] for p in parts) + GROUP_PAD
        if least and least.get(gid, 0.0) > x1 - x0:
            x1 = x0 + least[gid]
        frames[gid] = (x0, y0, x1, y1)
    return frames


def _inside(view: GroupView, inner: str, outer: str) -> bool:
    gid = view.groups[inner].parent
    while gid is not None:
        if gid == outer:
            return True
        gid = view.groups[gid].parent
    return False


def _add_group_boxes(data: list[dict], view: GroupView, frames: dict[str, Box], th: Theme,
                     lang: str) -> dict | None:
    """The frames, under everything else; returns the trace of their labels (clickable: the app collapses the
    group), for the caller to draw over the edges."""
    xs: list = []
    ys: list = []
    ids = [g for g in view.boxes if g in frames]
    for gid in ids:
        x0, y0, x1, y1 = frames[gid]
        xs.extend([x0, x1, x1, x0, x0, None])
        ys.extend([y0, y0, y1, y1, y0, None])
    if not ids:
        return None
    data.append(_scatter(name=GROUP_BOXES, x=_numbers(xs), y=_numbers(ys), mode="lines", fill="toself",
                         fillcolor=th.fills.get("group", "rgba(128, 128, 128, 0.07)"),
                         line={"color": th.muted, "width": 1, "dash": "dot"}))
    # one label per group, those sharing a frame one after the other on its strip, each clickable
    lx, ly, titles, hovers, gids = [], [], [], [], []
    size = th.small_font_size
    for gid in ids:
        x = frames[gid][0] + LABEL_INSET
        room = frames[gid][2] - frames[gid][0] - 2 * LABEL_INSET
        for g, words in fitted_label_words(view, gid, lang, room, size):
            lx.append(x)
            ly.append(frames[gid][1] + 2)
            titles.append(words)
            hovers.append(group_title(view.groups[g], lang))
            gids.append(g)
            x += text.text_width(words, size) + LABEL_MARKER_ROOM
    return _scatter(
        name=GROUP_LABELS, x=_numbers(lx), y=_numbers(ly), mode="markers+text", text=[_esc(t) for t in titles],
        textposition="bottom right", marker={"size": 8, "symbol": "triangle-down", "color": th.muted},
        textfont={"color": th.muted, "size": size, "family": th.font_family},
        customdata=gids, hovertext=[_esc(t) for t in hovers], hoverinfo="text",
    )


def frame_label_words(view: GroupView, gid: str, lang: str) -> list[tuple[str, str]]:
    """The words on frame `gid`'s label strip, one (group id, words) per group it stands for (merge_frames:
    `for step · iteration 20 ›`, `net · Net`). A loop iteration is named by the loop's variable alone (its full
    header is the label's hover text): `for t in range(50) · iteration 48` made the frame around one column
    of boxes wider than they are."""
    chain = (gid, *view.shares.get(gid, ()))
    out = []
    for k, g in enumerate(chain):
        group = view.groups[g]
        short = len(chain) > 1 or group.kind == "loop"
        words = _shared_title(group, lang) if short else group_title(group, lang)
        out.append((g, words + (" ›" if k < len(chain) - 1 else "")))
    return out


def fitted_label_words(view: GroupView, gid: str, lang: str, room: float, size: float) -> list[tuple[str, str]]:
    """frame_label_words, shorter when they are wider than `room` (a narrow frame left to right, whose width its
    layers set, where `while b.norm() < 1000 · iteration 3` ran into the next iteration's frame): a loop's
    iteration by its number alone (`iteration 3`), a module call by its path alone (`net.fc1`). The label's
    hover text keeps the full title."""
    words = frame_label_words(view, gid, lang)

    def width(ws: list[tuple[str, str]]) -> float:
        return sum(text.text_width(w, size) for _, w in ws) + LABEL_MARKER_ROOM * (len(ws) - 1)

    if width(words) <= room:
        return words
    w = GROUP_WORDS.get(lang, GROUP_WORDS["en"])
    shorter = []
    for k, (g, said) in enumerate(words):
        group, more = view.groups[g], (" ›" if k < len(words) - 1 else "")
        if group.kind == "loop":
            said = w["iteration"].format(k=group.index + 1) + more
        elif group.kind == "module":
            said = group.label + more
        shorter.append((g, said))
    return shorter


def frame_label_width(view: GroupView, gid: str, th: Theme, lang: str) -> float:
    """How wide frame `gid`'s label is, its inset and the room after it included (_add_group_boxes): a frame
    narrower than that lets its label run into the frame beside it."""
    words = [w for _, w in frame_label_words(view, gid, lang)]
    return LABEL_INSET + sum(text.text_width(w, th.small_font_size) for w in words) + \
        LABEL_MARKER_ROOM * (len(words) - 1) + LABEL_INSET


def _shared_title(g: Any, lang: str) -> str:
    """A group's title on a frame it shares (merge_frames), shorter, since the frame says the rest: a loop by
    its variable (`for step · iteration 20`), a module call without its number (`net · Net`). Its hover text
    is the full title."""
    w = GROUP_WORDS.get(lang, GROUP_WORDS["en"])
    if g.kind == "loop":
        head = g.label.split(" in ", 1)[0] if g.label.startswith("for ") else g.label
        return f"{head} · {w['iteration'].format(k=g.index + 1)}"
    if g.kind == "module":
        return f"{g.label} · {g.cls}"
    return group_title(g, lang)


def _in_words(view: GroupView, lang: str) -> Trace:
    """The drawn trace with its collapsed loops and function calls named in `lang` (`loop ×2` is `循环 ×2`):
    group_view names them in English, as torch names its ops; a module keeps its class (`Net`)."""
    words = GROUP_WORDS.get(lang, GROUP_WORDS["en"])
    nodes = dict(view.trace.nodes)
    changed = False
    for cid, run in view.runs.items():
        kind = view.groups[run[0]].kind
        node = nodes.get(cid)
        if kind in ("loop", "function") and node is not None and node.op.startswith(kind) and words[kind] != kind:
            nodes[cid] = dataclasses.replace(node, op=words[kind] + node.op[len(kind):])
            changed = True
    return dataclasses.replace(view.trace, nodes=nodes) if changed else view.trace


def _notes(view: GroupView, lang: str) -> list[str]:
    """The lines written above the picture: how many nodes the collapsed groups hide ('1,234 nodes hidden in 12
    collapsed groups'), and the groups around the whole picture, which merge_frames draws no frame for ('for
    epoch in range(2) · iteration 2')."""
    w = GROUP_WORDS.get(lang, GROUP_WORDS["en"])
    lines = []
    if view.hidden and view.runs:
        lines.append(w["hidden"].format(n=f"{view.hidden:,}", g=len(view.runs), s=plural(view.hidden),
                                        gs=plural(len(view.runs))))
    if view.whole:
        lines.append(" › ".join(group_title(view.groups[g], lang) for g in view.whole))
    return lines


def _add_search_hits(data: list[dict], th: Theme) -> None:
    """An empty trace the page's search fills with frames around the nodes it found (assets/groups.js)."""
    data.append(_scatter(name=SEARCH_HITS, x=[], y=[], mode="lines",
                         line={"color": th.output, "width": th.border_width * 2.5}))


def note_room(lines: int, th: Theme) -> float:
    """The px the top margin grows by for `lines` notes: above the picture, they cover no frame's label."""
    return lines * (th.small_font_size + NOTE_GAP)


def _add_notes(fig_layout: dict, lines: list[str], th: Theme) -> float:
    """`lines` in the top margin, grown for them, the first line highest; returns how much it grew (px)."""
    if not lines:
        return 0.0
    top = note_room(len(lines), th)
    fig_layout["margin"]["t"] = MARGIN + top
    step = th.small_font_size + NOTE_GAP
    fig_layout.setdefault("annotations", []).extend({
        "text": _esc(text), "xref": "paper", "yref": "paper", "x": 0, "y": 1, "xanchor": "left",
        "yanchor": "bottom", "yshift": (len(lines) - 1 - i) * step, "showarrow": False,
        "font": {"color": th.muted, "size": th.small_font_size, "family": th.font_family},
    } for i, text in enumerate(lines))
    return top


# --- fitting the graph to its canvas ----------------------------------------------------------------------

MARGIN = 10.0  # the plot's margin on each side, px (_style); the top one grows for the notes (_add_notes)
NOTE_GAP = 6.0  # px between two lines of notes above the picture
# canvas_fit aims this much above READABLE_PX: the page rounds the canvas to whole pixels
READABLE_SLACK = 1.01
PAD = 32.0  # room around the boxes inside the axes' ranges, layout units (_style); the lit step's number goes there
# The canvas a figure is chosen for when none is given: a 16:9 slide, or the app's graph at 1280x720.
DEFAULT_CANVAS = (850.0, 460.0)


def canvas_fit(width: float, height: float, canvas: tuple[float, float], nodes: int, min_font: float,
               grow: bool = True, top: float = 0.0) -> tuple[float, float]:
    """(zoom, canvas height) of a graph `width` x `height` layout units (boxes at their theme's size) shown on
    a canvas `canvas` = (width, room in height) px whose smallest text is `min_font` px at zoom 1.

    The graph fits the canvas; then, if it has at most READABLE_MAX_NODES nodes and that leaves its text under
    READABLE_PX, the canvas grows taller until it is not (as far as the width allows, up to MAX_CANVAS_PX);
    text is never zoomed beyond MAX_TEXT_ZOOM (`grow` False: the canvas never grows: presentation mode). The
    canvas is then as tall as the graph needs: a flat graph leaves the room below it to the rest of the page.
    `top`: the px the notes above the picture take (_add_notes). assets/app.js fitCanvas does the same in the
    page."""
    w, h = width + 2 * PAD, height + 2 * PAD
    room_w, room_h = max(1.0, canvas[0] - 2 * MARGIN), max(1.0, canvas[1] - 2 * MARGIN - top)
    zoom = min(room_w / w, room_h / h)
    readable = READABLE_PX * READABLE_SLACK / min_font
    if grow and nodes <= READABLE_MAX_NODES and zoom < readable:
        zoom = min(room_w / w, readable, (MAX_CANVAS_PX - 2 * MARGIN - top) / h)
    zoom = min(zoom, MAX_TEXT_ZOOM)
    return zoom, h * zoom + 2 * MARGIN + top


def _fitted_layout(graph: Any, texts: dict[str, NodeText], th: Theme, direction: str,
                   canvas: tuple[float, float], compact: Callable[[str], NodeText] | None, grow: bool = True,
                   around: dict[str, tuple[str, ...]] | None = None, runs: tuple[tuple[str, ...], ...] = (),
                   least: dict[str, float] | None = None) -> tuple[Layout, dict[str, NodeText]]:
    """The layout of `graph` in `direction` ("auto": the better of the two, choose_direction), and the labels it
    was made for. A small graph (READABLE_MAX_NODES) whose text would stay under READABLE_PX on `canvas` is
    also tried with compact labels (`compact`: node id -> its compact label, node_text) and the tight gap
    between layers (TIGHT_GAP), which make a narrower picture, and drawn so if that reads better: in the app,
    whose canvas is known (None: not tried). If it still does not read: with the parameters' labels compact
    beside the ops' full ones, and, top to bottom, with each loop's iterations one under the other (`runs`:
    iteration_runs). `around`: the group frames around each node, outermost first (group_chains), which the
    layout makes room for and keeps apart; `least`: group_layout_frames. `grow`: see canvas_fit."""
    directions = LAID_OUT_DIRECTIONS if direction == "auto" else (direction,)

    def layouts(labels: dict[str, NodeText], gap: float = LAYER_GAP, pick: bool = False,
                stacked: bool = False) -> list[Layout]:
        sizes = {nid: box_size(t, th) for nid, t in labels.items()}  # measured once, for every direction
        if stacked:  # top to bottom only: down the page is where the canvas grows
            return [layered_layout(graph, direction="TB", node_size=lambda nid, attrs: sizes[nid],
                                   frames=group_layout_frames(around or {}, "TB", runs, least), gap=gap)]
        if not around:  # no frames: the directions share their layers and order
            return layered_layouts(graph, directions, node_size=lambda nid, attrs: sizes[nid], gap=gap,
                                   pick=chosen if pick else None)
        return [layered_layout(graph, direction=d, node_size=lambda nid, attrs: sizes[nid],
                               frames=group_layout_frames(around, d, least=least), gap=gap) for d in directions]

    # group frames reach beyond the boxes they hold (fit_meta's pad grows by as much): counted, or a graph
    # in frames would look readable here and come out under READABLE_PX on the page; each level of frames
    # around the outermost boxes adds its border, and its label on one side
    depth = max(map(len, around.values()), default=0) if around else 0
    reach = _frame_pad(depth * (GROUP_PAD + GROUP_LABEL_ROOM / 2)) - PAD

    def chosen(tried: list[Layout]) -> int:
        best = choose_direction(tried, canvas, th.small_font_size, grow, reach)
        return next(i for i, lay in enumerate(tried) if lay is best)

    # only the chosen layout is needed, unless compact labels may be tried next
    tried = layouts(texts, pick=compact is None or len(texts) > READABLE_MAX_NODES)
    best = choose_direction(tried, canvas, th.small_font_size, grow, reach)
    if compact is None or len(texts) > READABLE_MAX_NODES or \
            _readable(best, canvas, th.small_font_size, grow, reach):
        return best, texts
    full = texts
    narrow = {nid: compact(nid) for nid in texts}
    other = choose_direction(layouts(narrow, TIGHT_GAP), canvas, th.small_font_size, grow, reach)
    if choose_direction([best, other], canvas, th.small_font_size, grow, reach) is other:
        best, texts = other, narrow
    if _readable(best, canvas, th.small_font_size, grow, reach):
        return best, texts
    # Still too small. The parameters narrow and the ops as they were: a column of ops is as tall as its
    # boxes, compact ops are taller, and the parameters beside it make it wide. And top to bottom, the steps
    # of a loop one under the other (a training loop's passes share only their weights: side by side, they
    # make the picture wide, and the canvas can grow only in height).
    leaves = {nid: narrow[nid] if graph.nodes[nid].get("kind") in ("leaf", "constant") else t
              for nid, t in full.items()}
    tries = [(lay, leaves) for lay in layouts(leaves, TIGHT_GAP)]
    if runs and "TB" in directions:
        tries += [(lay, labels) for labels in (full, narrow, leaves)
                  for lay in layouts(labels, TIGHT_GAP, stacked=True)]
    other = choose_direction([best, *(lay for lay, _ in tries)], canvas, th.small_font_size, grow, reach)
    return next(((lay, labels) for lay, labels in tries if lay is other), (best, texts))


def text_px(trace: Trace, collapse: Any, constants: bool = False) -> float:
    """The smallest text, in px, of `trace` drawn with `collapse` as the app draws it in a window of 1280x720
    (DEFAULT_CANVAS, the default theme, compact labels tried): what "auto" collapsing aims to make readable."""
    fit = figure_dict(trace, collapse=collapse, show_constants=constants, canvas=DEFAULT_CANVAS,
                      compact=True)["layout"]["meta"]["fit"]
    zoom, _ = canvas_fit(fit["width"] - 2 * PAD, fit["height"] - 2 * PAD, DEFAULT_CANVAS, fit["nodes"],
                         fit["min_font"], top=fit["top"])
    return zoom * fit["min_font"]


def _drawn_open(trace: Trace, constants: bool) -> int:
    """How many nodes `trace` draws with every group open (to_networkx's count, without building the graph)."""
    if constants:
        return len(trace.nodes)
    return sum(1 for n in trace.nodes.values() if n.kind != "constant")


def _readable(layout: Layout, canvas: tuple[float, float], min_font: float, grow: bool = True,
              reach: float = 0.0) -> bool:
    """Whether `layout`'s text reaches READABLE_PX on `canvas`, with `reach` more room on each side."""
    zoom, _ = canvas_fit(layout.width + 2 * reach, layout.height + 2 * reach, canvas, len(layout.positions),
                         min_font, grow)
    return zoom * min_font >= READABLE_PX


def choose_direction(layouts: list[Layout], canvas: tuple[float, float], min_font: float,
                     grow: bool = True, reach: float = 0.0) -> Layout:
    """The layout whose text comes out largest on `canvas` (canvas_fit). Between two that both reach
    READABLE_PX, or that come within 10% of each other below it, the one that needs the shorter canvas, so
    that more of the page stays in view; ties keep the first (left to right). `reach`: the room group frames
    take beyond the boxes, on each side."""
    readable = READABLE_PX / min_font

    def better(a: Layout, b: Layout) -> bool:
        (za, ha), (zb, hb) = (canvas_fit(lay.width + 2 * reach, lay.height + 2 * reach, canvas,
                                         len(lay.positions), min_font, grow) for lay in (a, b))
        if (za >= readable) != (zb >= readable):
            return za >= readable
        if za > zb * 1.1 or zb > za * 1.1:
            return za > zb
        return ha < hb

    best = layouts[0]
    for lay in layouts[1:]:
        if better(lay, best):
            best = lay
    return best


def fit_meta(layout: Layout, th: Theme, frames: dict[str, Box] | None = None, top: float = 0.0) -> dict:
    """What the page needs to fit the graph to its canvas (assets/app.js fitCanvas, canvas_fit's twin) and to
    export it at its own size: the direction drawn, the number of nodes, the smallest text size at zoom 1, the
    graph's extent in layout units (its axes' ranges: boxes plus `pad` on each side, starting at `x0`, `y0`:
    not 0 when output_anchored moved the picture) and the plot's margin (`top`: px more above, for the notes),
    and the rule's numbers (explorer/choices.py)."""
    x0, y0 = _origin(layout)
    pad = _pad(layout, frames)
    return {"direction": layout.direction, "nodes": len(layout.positions), "min_font": th.small_font_size,
            "width": layout.width + 2 * pad, "height": layout.height + 2 * pad, "pad": pad, "margin": MARGIN,
            "top": top, "x0": x0 - pad, "y0": y0 - pad,
            "readable_px": READABLE_PX * READABLE_SLACK, "readable_max_nodes": READABLE_MAX_NODES,
            "max_canvas": MAX_CANVAS_PX, "max_zoom": MAX_TEXT_ZOOM}


# --- what the animation needs: explorer/drawing/steps.py ----------------------------------------------------

# The caption of a GIF's first frame, before any step is lit (the page's says to press play).
GIF_START = {"en": "forward, then backward: step by step", "zh": "先前向，再反向：一步一步"}


def highlight_step(fig: go.Figure, meta: dict, k: int, lang: str = DEFAULT_LANG, reveal: bool = True,
                   show_all: bool = False) -> go.Figure:
    """A copy of `fig` with step k lit up as the browser player does it (for GIF frames and a static export
    of one step), its caption in `lang`. With `reveal`, the labels show only what is known at step k and the
    edges of a backward step carry their gradient (explorer/drawing/steps.py, "Reveal as it flows"); with
    `show_all` ("Show all"), every label shows everything, and every edge the gradient it carried in the
    backward pass being shown (edge_grads)."""
    frame = go.Figure(fig)
    nx, ny, ex, ey, tx, ty, tt = [], [], [], [], [], [], []
    color = meta["colors"]["value"]
    if 0 <= k < len(meta["steps"]):
        s = meta["steps"][k]
        color = meta["colors"]["value"] if s["p"] == "f" else meta["colors"]["grad"]
        x0, y0, x1, y1 = meta["boxes"][s["n"]]
        nx, ny = [x0, x1, x1, x0, x0], [y0, y0, y1, y1, y0]
        tx, ty, tt = [(x0 + x1) / 2], [y0], [s["v"] or ""]
        for e in s["e"]:
            for x, y in meta["routes"].get(e, []):
                ex.append(x)
                ey.append(y)
            ex.append(None)
            ey.append(None)
    if reveal and not show_all:
        _reveal_labels(frame, meta, k)
    if reveal or show_all:
        xr, yr = frame.layout.xaxis.range, frame.layout.yaxis.range
        bounds = (xr[0], yr[0], xr[1], yr[1]) if xr and yr else None
        frame.update_layout(annotations=edge_labels(meta, k, frame.layout.paper_bgcolor or "#ffffff", show_all,
                                                    bounds))
    frame.update_traces(selector=dict(name=HIGHLIGHT_NODE), x=nx, y=ny, line_color=color)
    frame.update_traces(selector=dict(name=HIGHLIGHT_EDGE), x=ex, y=ey, line_color=color)
    frame.update_traces(selector=dict(name=HIGHLIGHT_TEXT), x=tx, y=ty, text=tt, textfont_color=color)
    lang = normalize_lang(lang)
    caption = step_caption(meta, k, lang) if 0 <= k < len(meta["steps"]) else GIF_START[lang]
    notes = max(0.0, (frame.layout.margin.t or MARGIN) - MARGIN)  # the notes above the picture keep their room
    frame.update_layout(title=dict(text=_esc(caption), x=0.01, font=dict(size=16)),
                        margin=dict(t=50 + notes))
    return frame


def figure_at_step(fig: go.Figure, k: int, lang: str = DEFAULT_LANG, show_all: bool = False) -> go.Figure:
    """`fig` as the player shows it at step k (0-based; -1: before the first step), with "Show all" or not:
    for `export(..., step=k)` and the app's image exports."""
    meta = figure_meta(fig)
    if not meta.get("steps"):
        return fig
    return highlight_step(fig, meta, max(-1, min(k, len(meta["steps"]) - 1)), lang, show_all=show_all)


def _reveal_labels(frame: go.Figure, meta: dict, k: int) -> None:
    """The node labels of `frame` as they read at step k (steps.label_at): the hover markers' ids name them."""
    ids = next((list(t.customdata) for t in frame.data if t.name == NODE_HOVER and t.customdata is not None), [])
    reveal = meta.get("reveal") or {}
    for t in frame.data:
        if t.name == NODE_LABELS and t.text is not None:
            t.text = [label_at(text, reveal.get(nid), meta["colors"], k) for nid, text in zip(ids, t.text)]


# --- edge labels: the gradient an edge carries, at its backward step -------------------------------------


EDGE_LABEL_PX = 13  # a gradient's number on an edge, px (assets/animation.js edgeLabel; 22 in presentation mode)
# Where along its edge a label is tried, as fractions of the route's length (the middle first), and how many
# steps beside the edge (each half the label's size and a little more) before giving up: labelSpot in
# assets/animation.js tries the same places in the same order.
LABEL_ALONG = (0.5, 0.4, 0.6, 0.3, 0.7, 0.2, 0.8, 0.1, 0.9)
LABEL_BESIDE = 24


def edge_grads(meta: dict, k: int, show_all: bool = False) -> dict[str, str]:
    """edge id -> the gradient its label shows at step k: the edges a backward step sends along, or, with
    `show_all`, every edge that has carried a gradient by the end of the backward pass being shown (step k's
    pass; the last pass when no backward step is lit), each with the last it carried by then (steps.carried):
    an edge of that pass shows that pass's number, never a later pass's."""
    steps = meta.get("steps") or []
    lit = steps[k] if 0 <= k < len(steps) else None
    if not show_all:
        if lit is None or lit["p"] != "b":
            return {}
        return {e: g for e, g in zip(lit["e"], lit.get("g") or []) if g}
    n_forward = meta.get("n_forward", 0)
    if len(steps) <= n_forward:
        return {}
    end = len(steps) - 1
    if lit is not None and lit["p"] == "b":
        end = k
        while end + 1 < len(steps) and steps[end + 1].get("k") == lit.get("k"):
            end += 1
    return carried({"steps": steps, "n_forward": n_forward}, end)


def edge_label_size(g: str, px: float = EDGE_LABEL_PX) -> tuple[float, float]:
    """(width, height) of an edge's label with its frame, px: the number in bold, 2 px of padding and a
    1.5 px border around it."""
    return text.text_width(g, px, bold=True) + 8.0, px * 1.3 + 8.0


def edge_labels(meta: dict, k: int, background: str, show_all: bool = False,
                bounds: Box | None = None) -> list[dict]:
    """plotly annotations for the gradients edges carry at step k (edge_grads): the number, in the gradient
    colour, boxed on its edge where it covers no node's box and no other label (label_spot), inside `bounds`
    (the picture's axis ranges), as assets/animation.js draws it on screen. Layout units are pixels here
    (images are drawn at zoom 1)."""
    grads = edge_grads(meta, k, show_all)
    if not grads:
        return []
    color = meta["colors"]["grad"]
    boxes = [tuple(b) for b in meta["boxes"].values()]
    placed: list[Box] = []
    out = []
    for edge, g in grads.items():
        w, h = edge_label_size(g)
        x, y = label_spot(meta["routes"].get(edge) or [], (w, h), boxes + placed, bounds)
        placed.append((x - w / 2, y - h / 2, x + w / 2, y + h / 2))
        out.append({"x": x, "y": y, "xref": "x", "yref": "y", "text": _esc(g), "showarrow": False,
                    "font": {"color": color, "size": EDGE_LABEL_PX}, "bgcolor": background, "bordercolor": color,
                    "borderwidth": 1.5, "borderpad": 2})
    return out


def label_spot(points: list, size: tuple[float, float], obstacles: list,
               bounds: Box | None = None) -> tuple[float, float]:
    """Where to centre a label of `size` (w, h) on the route `points` so that it covers none of `obstacles`
    (rectangles x0, y0, x1, y1: node boxes, labels already placed): the middle of the route if it is free,
    else the nearest free place along it (LABEL_ALONG) or beside it (sideways or up and down from there, by
    steps of half the label and 4 units, up to LABEL_BESIDE; across the route's leg counts as nearer),
    nearest first; the middle if none is free. A short edge
    between two boxes has no room for a number in its middle: the number goes beside it. `bounds` (x0, y0,
    x1, y1, either order: what the picture shows): only places inside it are tried, so that a label under the
    lowest box is not cut off at the picture's edge; if none of them is free, the one that covers least."""
    if not points:
        return 0.0, 0.0
    w, h = size
    reach = LABEL_BESIDE * (max(w, h) / 2 + 4)
    xs, ys = [p[0] for p in points], [p[1] for p in points]
    near = [o for o in obstacles if o[0] < max(xs) + reach + w and o[2] > min(xs) - reach - w
            and o[1] < max(ys) + reach + h and o[3] > min(ys) - reach - h]
    places = _label_places(points, w, h)
    if bounds is not None:
        places = [(x, y) for x, y in places if _fits_in(x, y, w, h, bounds)]
    for x, y in places:
        if not any(x - w / 2 < o[2] and o[0] < x + w / 2 and y - h / 2 < o[3] and o[1] < y + h / 2 for o in near):
            return x, y
    if bounds is None or not places:
        x, y = route_middle(points)
        if bounds is None:
            return x, y
        return _clamp_into(x, w, bounds[0], bounds[2]), _clamp_into(y, h, bounds[1], bounds[3])
    # no free place inside the picture: the one that covers least (the first such, nearest the middle)
    return min(places, key=lambda p: sum(_covered(p[0], p[1], w, h, o) for o in near))


def _covered(x: float, y: float, w: float, h: float, o: Box) -> float:
    """The area of `o` that a w x h rectangle centred on (x, y) covers."""
    dx = min(x + w / 2, o[2]) - max(x - w / 2, o[0])
    dy = min(y + h / 2, o[3]) - max(y - h / 2, o[1])
    return dx * dy if dx > 0 and dy > 0 else 0.0


def _fits_in(x: float, y: float, w: float, h: float, b: Box) -> bool:
    """Is the w x h rectangle centred on (x, y) inside `b` (x0, y0, x1, y1, either order)?"""
    return (min(b[0], b[2]) <= x - w / 2 and x + w / 2 <= max(b[0], b[2])
            and min(b[1], b[3]) <= y - h / 2 and y + h / 2 <= max(b[1], b[3]))


def _clamp_into(c: float, size: float, lo: float, hi: float) -> float:
    """The centre `c` of a length `size` moved into [lo, hi] (either order) as far as it fits."""
    a, b = min(lo, hi) + size / 2, max(lo, hi) - size / 2
    return (a + b) / 2 if a > b else min(max(c, a), b)


def _label_places(points: list, w: float, h: float) -> list[tuple[float, float]]:
    """The places label_spot tries, nearest to the route's middle first (by how far along and aside)."""
    legs = [math.dist(a, b) for a, b in zip(points, points[1:])]
    total = 0.0
    for leg in legs:  # added in order, as the page does (sum() compensates rounding since Python 3.12)
        total += leg
    places = []
    for t in LABEL_ALONG:
        (x, y), (dx, dy) = _point_along(points, legs, t * total)
        cost = abs(t - 0.5) * total
        places.append((_rank(cost), x, y))
        across_x = abs(dy) >= abs(dx)  # a steep leg: sideways first; a flat one: up and down first
        for i in range(1, LABEL_BESIDE + 1):
            for sign in (1, -1):
                side, upright = sign * i * (w / 2 + 4), sign * i * (h / 2 + 4)
                places.append((_rank(cost + abs(side) * (1 if across_x else 1.5)), x + side, y))
                places.append((_rank(cost + abs(upright) * (1.5 if across_x else 1)), x, y + upright))
    places.sort(key=lambda p: p[0])  # stable: ties keep the order above
    return [(x, y) for _, x, y in places]


def _rank(cost: float) -> int:
    """A place's cost in thousandths: equal costs must tie in the page too, whose lengths (Math.hypot) may
    differ from math.dist's in the last bit."""
    return math.floor(cost * 1000 + 0.5)


def _point_along(points: list, legs: list[float], at: float) -> tuple[tuple[float, float], tuple[float, float]]:
    """The point `at` units along the route, and the direction (dx, dy) of the leg it is on."""
    for (a, b), length in zip(zip(points, points[1:]), legs):
        if at <= length and length > 0:
            t = at / length
            return (a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t), (b[0] - a[0], b[1] - a[1])
        at -= length
    a, b = points[0], points[-1]
    return (float(b[0]), float(b[1])), (b[0] - a[0], b[1] - a[1])


def route_middle(points: list) -> tuple[float, float]:
    """The point halfway along a route, by length (assets/animation.js routeMiddle does the same)."""
    if not points:
        return 0.0, 0.0
    legs = [math.dist(a, b) for a, b in zip(points, points[1:])]
    half = sum(legs) / 2
    for (a, b), length in zip(zip(points, points[1:]), legs):
        if half <= length and length > 0:
            t = half / length
            return a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t
        half -= length
    return float(points[0][0]), float(points[0][1])
