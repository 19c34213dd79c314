"""Graph + layout + theme -> a plotly Figure. Pure: never imports dash, never touches a live tensor.

The picture is a handful of traces, not one per node, so 1,000 nodes stay smooth:
- one filled-polygon trace per kind of node (the boxes), one text trace (the labels),
- one line trace per kind of edge, one marker trace for the arrowheads,
- an invisible marker per node carrying the hover text and the node id (`customdata`) for clicks,
- two empty "highlight" traces the animation fills: the active node and the active edge.
What the animation needs (node boxes, edge routes, the steps) travels once in `layout.meta["explorer"]`,
so the payload grows linearly with the graph; the browser plays the steps, Python sends no frames.
"""
from __future__ import annotations

import base64
import json
import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import plotly.graph_objects as go

from . import text
from .explain import display_name
from .gcpause import without_gc
from .graph import to_networkx
from .layout import Layout, layered_layout
from .themes import Theme, get_theme
from .trace.model import Node, Trace

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


@dataclass(frozen=True)
class NodeText:
    lines: tuple[str, ...]  # plotly's small HTML subset: <b>, <br>, <span style>; the first is the bold title
    lengths: tuple[int, ...]  # characters shown on each line (the text without its tags)

    def width(self, th: Theme) -> float:
        """Pixels the widest line needs: the bold title is wider per character, the small lines narrower."""
        title = self.lengths[0] * th.char_width * 1.12
        small = max(self.lengths[1:], default=0) * th.char_width * th.small_font_size / th.font_size
        return max(title, small)


def figure(
    trace: Trace,
    *,
    theme: str = "light",
    direction: str = "LR",
    show_values: bool = True,
    show_constants: bool = False,
    layout: Layout | None = None,
    lang: str = "en",
) -> go.Figure:
    """The autograd graph of `trace` as a plotly Figure (displays inline in Jupyter). `lang` ("en" or "zh")
    is the language of the hover text; torch's names stay as they are."""
    return as_figure(figure_dict(trace, theme=theme, direction=direction, show_values=show_values,
                                 show_constants=show_constants, layout=layout, lang=lang))


@without_gc
def figure_dict(
    trace: Trace,
    *,
    theme: str = "light",
    direction: str = "LR",
    show_values: bool = True,
    show_constants: bool = False,
    layout: Layout | None = None,
    lang: str = "en",
    webgl: bool = False,
) -> dict:
    """The same figure as a plain dict, ready for JSON: what the web app sends. Building plotly's objects
    validates every property again, which costs ten times more than making the figure; the tests validate
    these dicts with plotly instead (tests/test_figure.py), so a request need not. `webgl`: the browser
    can use WebGL, so a big graph may (see WEBGL_MIN_NODES); image export keeps to SVG."""
    if direction not in ("LR", "TB"):
        raise ValueError("direction must be 'LR' (left to right) or 'TB' (top to bottom)")
    th = get_theme(theme)
    graph = to_networkx(trace)
    if not show_constants:
        graph.remove_nodes_from([n for n, d in graph.nodes(data=True) if d["kind"] == "constant"])
    texts = {nid: node_text(trace.nodes[nid], th, show_values) for nid in graph.nodes}

    def size(nid: str, attrs: dict) -> tuple[float, float]:
        t = texts[nid]
        return (max(2.5 * th.line_height, t.width(th) + 18), len(t.lines) * th.line_height + 10)

    if layout is None:
        layout = layered_layout(graph, direction=direction, node_size=size)
    data: list[dict] = []
    gl = webgl and len(layout.positions) >= WEBGL_MIN_NODES
    _add_edges(data, trace, graph, layout, th, gl)
    _add_boxes(data, trace, layout, th)
    _add_labels(data, layout, texts, th)
    _add_hover(data, trace, layout, th, HOVER_WORDS["zh" if str(lang).lower().startswith("zh") else "en"], gl)
    _add_highlights(data, th)
    fig_layout = _style(layout, th)
    # a JSON string: the browser parses it once, and plotly treats it as one opaque value
    fig_layout["meta"] = {"explorer": json.dumps(animation_data(trace, graph, layout, th), separators=(",", ":"))}
    return {"data": data, "layout": fig_layout}


def as_figure(fig: dict) -> go.Figure:
    """A plotly Figure from a dict made by figure_dict, without validating it all again; later changes
    made to the Figure (update_layout, ...) are validated as usual."""
    out = go.Figure(fig, _validate=False)
    for obj in (out, out.layout, *out.data):
        obj._validate = True
    return out


# --- text on nodes ----------------------------------------------------------------------------------------


def node_text(node: Node, th: Theme, show_values: bool) -> NodeText:
    title = text.node_title(node)
    lines, lengths = [f"<b>{_esc(title)}</b>"], [len(title)]

    def small(words: str, color: str | None = None) -> None:
        style = f"font-size:{th.small_font_size}px" + (f";color:{color}" if color else "")
        lines.append(f"<span style='{style}'>{_esc(words)}</span>")
        lengths.append(len(words))

    caption = text.node_caption(node)
    if caption:
        small(caption)
    if show_values and node.kind != "constant":
        v = text.value_short(node.value)
        if v:
            small(v, th.value)
        if node.grad is not None:
            small("grad " + text.value_short(node.grad), th.grad)
    return NodeText(tuple(lines), tuple(lengths))


HOVER_WORDS = {
    "en": {"variable": "variable", "shape": "shape", "value": "value", "grad": "grad", "line": "line {n}",
           "made": "made by backward pass {k} (create_graph=True)"},
    "zh": {"variable": "变量", "shape": "形状", "value": "值", "grad": "梯度", "line": "第 {n} 行",
           "made": "由第 {k} 次反向传播创建（create_graph=True）"},
}


def hover_text(node: Node, words: dict | None = None) -> str:
    w = words or HOVER_WORDS["en"]
    parts = [f"<b>{_esc(text.node_title(node))}</b>"]
    if node.name:
        parts.append(f"{w['variable']}: {_esc(node.name)}")
    parts.append(f"{w['shape']}: {text.shape_text(node.shape)} · {node.dtype}")
    parts.append(f"{w['value']}: {_esc(text.value_long(node.value))}")
    if node.grad is not None:
        parts.append(f"{w['grad']}: {_esc(text.value_long(node.grad))}")
    if node.span:
        parts.append(f"{w['line'].format(n=node.span.line)}: {_esc(node.span.text[:60])}")
    if node.created_in_pass is not None:
        parts.append(w["made"].format(k=node.created_in_pass + 1))
    return "<br>".join(parts)


def _numbers(values: list) -> dict:
    """Numbers as plotly's typed-array spec (float64, base64; None -> NaN, a gap in a line): a third of the
    bytes of a JSON list, and decoded by plotly.js without parsing."""
    array = np.array([np.nan if v is None else v for v in values], dtype="<f8")
    return {"dtype": "f8", "bdata": base64.b64encode(array.tobytes()).decode("ascii")}


def _scatter(gl: bool = False, **props: Any) -> dict:
    return {"type": "scattergl" if gl else "scatter", "hoverinfo": "skip", "showlegend": False, **props}


def figure_meta(fig: go.Figure | dict) -> dict:
    """The animation data a figure (or figure_dict's dict) carries: layout.meta["explorer"], a JSON string
    (a dict in figures saved by older versions); {} for a figure without it."""
    layout = fig.get("layout", {}) if isinstance(fig, dict) else fig.layout
    meta = layout.get("meta") if isinstance(layout, dict) else layout.meta
    raw = meta.get("explorer") if isinstance(meta, dict) else None
    if isinstance(raw, str):
        return json.loads(raw)
    return raw or {}


def _esc(s: str) -> str:
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


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


def _box(layout: Layout, nid: str) -> tuple[float, float, float, float]:
    (x, y), (w, h) = layout.positions[nid], layout.sizes[nid]
    return x - w / 2, y - h / 2, x + w / 2, y + h / 2


def _add_boxes(data: list[dict], trace: Trace, layout: Layout, th: Theme) -> None:
    groups: dict[tuple[str, str], tuple[list, list]] = {}
    for nid in layout.positions:
        node = trace.nodes[nid]
        xs, ys = groups.setdefault(_colors(node, th), ([], []))
        x0, y0, x1, y1 = _box(layout, nid)
        xs.extend([x0, x1, x1, x0, x0, None])
        ys.extend([y0, y0, y1, y1, y0, None])
    for (fill, border), (xs, ys) in groups.items():
        width = th.border_width * (2.2 if border == th.output else 1.0)
        data.append(_scatter(x=_numbers(xs), y=_numbers(ys), mode="lines", fill="toself", fillcolor=fill,
                             line={"color": border, "width": width}))


def _add_labels(data: list[dict], layout: Layout, texts: dict[str, NodeText], th: Theme) -> None:
    ids = list(layout.positions)
    data.append(_scatter(
        name=NODE_LABELS, x=_numbers([layout.positions[i][0] for i in ids]),
        y=_numbers([layout.positions[i][1] for i in ids]), mode="text", text=["<br>".join(texts[i].lines) for i in ids],
        textfont={"color": th.text, "size": th.font_size, "family": th.font_family},
    ))


def _add_hover(data: list[dict], trace: Trace, layout: Layout, th: Theme, words: dict, gl: bool = False) -> None:
    ids = list(layout.positions)
    data.append(_scatter(
        gl,
        name=NODE_HOVER, x=_numbers([layout.positions[i][0] for i in ids]),
        y=_numbers([layout.positions[i][1] for i in ids]), mode="markers",
        marker={"size": _numbers([max(10, layout.sizes[i][1]) for i in ids]), "opacity": 0, "symbol": "square"},
        customdata=ids, hovertext=[hover_text(trace.nodes[i], words) for i in ids], hoverinfo="text",
        hoverlabel={"font": {"family": th.font_family, "size": th.small_font_size}},
    ))


def _clip(p: tuple[float, float], q: tuple[float, float], box: tuple[float, float, float, float]) -> tuple[float, float]:
    """Where the segment from p (outside) to q (the box centre) meets the box's border."""
    x0, y0, x1, y1 = box
    dx, dy = q[0] - p[0], q[1] - p[1]
    best = 1.0
    for t_edge, d, lo, hi, other, odx in (
        ((x0 - p[0]) / dx if dx else None, "x", y0, y1, p[1], dy),
        ((x1 - p[0]) / dx if dx else None, "x", y0, y1, p[1], dy),
        ((y0 - p[1]) / dy if dy else None, "y", x0, x1, p[0], dx),
        ((y1 - p[1]) / dy if dy else None, "y", x0, x1, p[0], dx),
    ):
        if t_edge is None or not 0 <= t_edge <= 1:
            continue
        hit = other + odx * t_edge
        if lo - 1e-9 <= hit <= hi + 1e-9:
            best = min(best, t_edge)
    return p[0] + dx * best, p[1] + dy * best


def edge_points(layout: Layout, key: str, source: str, target: str) -> list[tuple[float, float]]:
    """The drawn polyline of an edge: its route without collinear points, from border to border."""
    pts = _simplify([tuple(p) for p in layout.routes[key]])
    if len(pts) < 2:
        return pts
    pts[0] = _clip(pts[1], pts[0], _box(layout, source))
    pts[-1] = _clip(pts[-2], pts[-1], _box(layout, target))
    return pts


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


def _add_edges(data: list[dict], trace: Trace, graph: Any, layout: Layout, th: Theme, gl: bool = False) -> None:
    lines = {"data": ([], []), "constant": ([], [])}
    heads_x, heads_y, angles, colors = [], [], [], []
    drawn: set[tuple] = set()  # edges that share a trunk share segments: draw each segment once
    for source, target, key, attrs in graph.edges(keys=True, data=True):
        pts = edge_points(layout, key, source, target)
        xs, ys = lines[attrs["kind"]]
        for a, b in zip(pts, pts[1:]):
            seg = (round(a[0], 1), round(a[1], 1), round(b[0], 1), round(b[1], 1))
            if seg in drawn:
                continue
            drawn.add(seg)
            xs.extend((seg[0], seg[2], None))
            ys.extend((seg[1], seg[3], None))
        (ax, ay), (bx, by) = pts[-2], pts[-1]
        heads_x.append(bx)
        heads_y.append(by)
        # marker angles are clockwise from "up" on screen; the y axis is reversed, so screen-up is -y
        angles.append(math.degrees(math.atan2(bx - ax, -(by - ay))) if layout_y_down(layout) else
                      math.degrees(math.atan2(bx - ax, by - ay)))
        colors.append(th.edge if attrs["kind"] == "data" else th.constant_edge)
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
            marker={"symbol": "arrow", "size": 6 + 3 * th.edge_width, "angle": _numbers(angles), "color": colors,
                    "line": {"width": 0}},
        ))


def layout_y_down(layout: Layout) -> bool:
    return True  # explorer.layout puts y downward, as on a screen; the figure's y axis is reversed to match


def _add_highlights(data: list[dict], th: Theme) -> None:
    data.append(_scatter(name=HIGHLIGHT_EDGE, x=[], y=[], mode="lines",
                         line={"color": th.value, "width": th.edge_width * 3}))
    data.append(_scatter(name=HIGHLIGHT_NODE, x=[], y=[], mode="lines",
                         line={"color": th.value, "width": th.border_width * 3}))
    data.append(_scatter(name=HIGHLIGHT_TEXT, x=[], y=[], mode="text", textposition="top center",
                         textfont={"color": th.value, "size": th.font_size + 2, "family": th.font_family}))


def _style(layout: Layout, th: Theme) -> dict:
    pad = 20.0
    return {
        "paper_bgcolor": th.background, "plot_bgcolor": th.background,
        "margin": {"l": 10, "r": 10, "t": 10, "b": 10},
        "font": {"family": th.font_family, "size": th.font_size, "color": th.text}, "dragmode": "pan",
        "hovermode": "closest", "showlegend": False,
        "xaxis": {"visible": False, "range": [-pad, layout.width + pad]},
        "yaxis": {"visible": False, "range": [layout.height + pad, -pad], "scaleanchor": "x", "scaleratio": 1},
    }


# --- what the animation needs -----------------------------------------------------------------------------


def animation_data(trace: Trace, graph: Any, layout: Layout, th: Theme) -> dict:
    """Boxes, routes and steps, once each: the browser looks them up per frame."""
    shown = set(graph.nodes)
    r = lambda v: round(v, 1)  # noqa: E731 - layout units are pixels: a tenth is plenty
    boxes = {nid: [r(c) for c in _box(layout, nid)] for nid in layout.positions}
    routes = {}
    for source, target, key in graph.edges(keys=True):
        routes[key] = [[r(x), r(y)] for x, y in edge_points(layout, key, source, target)]
    steps = []
    for s in trace.forward_steps:
        if s.node in shown:
            steps.append({"p": "f", "n": s.node, "e": [e for e in s.edges if e in routes],
                          "v": text.value_short(s.value)})
    for s in trace.backward_steps:
        if s.node in shown:
            steps.append({"p": "b", "n": s.node, "e": [e for e in s.edges if e in routes],
                          "v": text.value_short(s.grad_in), "k": s.pass_index,
                          "g": [text.value_short(g) for g in s.grads_out]})
    n_forward = sum(1 for s in steps if s["p"] == "f")
    return {
        "boxes": boxes, "routes": routes, "steps": steps, "n_forward": n_forward,
        "titles": {nid: text.node_title(trace.nodes[nid]) for nid in layout.positions},
        "names": {nid: display_name(trace.nodes[nid]) for nid in layout.positions},
        "sources": {key: source for source, _, key in graph.edges(keys=True)},
        "colors": {"value": th.value, "grad": th.grad},
    }


def step_caption(meta: dict, k: int) -> str:
    """The caption of step k, as assets/animation.js writes it in English."""
    steps = meta["steps"]
    if k < 0 or k >= len(steps):
        return "forward, then backward: step by step"
    s = steps[k]
    title = meta["titles"].get(s["n"], s["n"])
    nf = meta["n_forward"]
    if s["p"] == "f":
        return f"forward {k + 1}/{nf}: {title}" + (f" gives {s['v']}" if s["v"] else "")
    text = f"backward {k + 1 - nf}/{len(steps) - nf}: {title} gets {s['v']}"
    sent = [f"{g} to {meta['names'].get(meta['sources'][e], meta['sources'][e])}"
            for e, g in zip(s["e"], s.get("g", [])) if g]
    return text + (", sends " + "; ".join(sent) if sent else "")


def highlight_step(fig: go.Figure, meta: dict, k: int) -> go.Figure:
    """A copy of `fig` with step k lit up as the browser player does it (for GIF frames)."""
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
    frame.update_traces(selector=dict(name=HIGHLIGHT_NODE), x=nx, y=ny, line_color=color)
    frame.update_traces(selector=dict(name=HIGHLIGHT_EDGE), x=ex, y=ey, line_color=color)
    frame.update_traces(selector=dict(name=HIGHLIGHT_TEXT), x=tx, y=ty, text=tt, textfont_color=color)
    frame.update_layout(title=dict(text=_esc(step_caption(meta, k)), x=0.01, font=dict(size=16)),
                        margin=dict(t=50))
    return frame
