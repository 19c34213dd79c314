"""The step format: what Python sends to the browser's animation, once per figure, and how a step reads.

This is the one description of the format. `explorer.drawing.figure.figure_dict` writes it into the
figure's ``layout.meta["explorer"]`` as a JSON *string* (plotly then treats it as one opaque value; the
browser parses it once per figure), and assets/animation.js reads it (``ExplorerPlayer.meta``), both in the
app and in an exported HTML file::

    {
      "boxes":     {node id: [x0, y0, x1, y1]},     # each shown node's box, layout units (pixels at zoom 1),
                                                    # y grows downward; rounded to 0.1
      "routes":    {edge id: [[x, y], ...]},        # each drawn edge, from its source box's border to its
                                                    # target's; rounded to 0.1
      "steps":     [step, ...],                     # the forward steps, then the backward steps
      "n_forward": int,                             # how many of `steps` are forward steps
      "titles":    {node id: "mul · MulBackward0"}, # the first line of each node's label
      "names":     {node id: "y"},                  # how captions name a node (its variable, or its source)
      "sources":   {edge id: node id},              # the node each edge starts at (where a gradient goes)
      "colors":    {"value": "#0072B2", "grad": "#B34700"},  # the theme's forward and backward colours
      "reveal":    {node id: [value_at, grad_at]}   # the step from which the node's value / gradient is
                                                    # shown (-1: from the start; null: never),
      "groups":    {group id: group},               # only in a figure drawn with groups (collapse=...)
      "hidden":    int                              # only with "groups": nodes drawn inside collapsed ones
    }

    group, drawn as a box:  {"title": "net.fc1 · Linear", "path": "net.fc1", "kind": "module" | "function" | "loop",
                             "box": [x0, y0, x1, y1], "collapsed": false}
    group, collapsed:       {"title": ..., "path": ..., "kind": ..., "collapsed": true,
                             "groups": [the group ids it stands for: several for repeated blocks],
                             "hidden": how many nodes it stands for}

A collapsed group is a node like any other (its id is the group id, `g3`): its box is in "boxes", its title
("net.fc1 · Linear", the module path first) in "titles", and every step of a node inside it is a step of it,
so it is lit while anything inside runs and the caption names the module path (explorer/drawing/groups.py).

    step, forward:  {"p": "f", "n": node id, "e": [edge ids into the node], "v": "value text"}
    step, backward: {"p": "b", "n": node id, "e": [edge ids out of it, towards its inputs],
                     "v": "gradient received", "k": backward pass index,
                     "g": ["gradient sent along e[0]", ...]}

Only shown nodes have steps (constants may be hidden); a step's edges are only drawn ones. Texts are written
by explorer.drawing.text.value_short. Step k (0-based) is lit in the browser by drawing box ``n`` and the
routes of ``e`` in ``colors.value`` (forward) or ``colors.grad`` (backward), with ``v`` above the box, and is
told by a one-line caption (`step_caption`: the words are STEP_WORDS, handed to the browser by the page; the
browser's ``ExplorerPlayer.caption`` writes the same line). tests/data/first_graph_steps.json is a golden
copy for one gallery example, read by tests on both sides (tests/test_step_format.py and
tests/e2e/test_e2e_step_format.py).

Reveal as it flows. The figure's node labels are the "show all" picture: every value and gradient. Played step
by step, a label shows at step k only what has been computed by then (`label_at`): its value lines (those
drawn in ``colors.value``) once ``k >= value_at``, its gradient lines (in ``colors.grad``) once
``k >= grad_at``. A node's value is revealed by its first forward step (a node without one, from the start);
its gradient by its first backward step (a node without one: by the last step sending it a gradient, or by
the end). Each edge keeps the gradient it last carried up to step k (`carried`). assets/animation.js follows
the same rules (ExplorerPlayer.labelAt, .carried); the golden file holds both sides to them.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from explorer import fastjson
from explorer.choices import DEFAULT_LANG
from explorer.drawing import text
from explorer.drawing.explain import display_name
from explorer.recording.model import Trace

# The words of a step's caption, by language. `start` is the caption before the first step; `quiz_start` the
# page's instead, while its quiz is on (assets/app.js).
STEP_WORDS: dict[str, dict[str, str]] = {
    "en": {"forward": "forward", "backward": "backward", "gives": "gives", "gets": "gets", "sends": "sends",
           "to": "to", "start": "press play or step to follow the values",
           "quiz_start": "quiz: press play or step; at each backward step, say the gradient before it is shown"},
    "zh": {"forward": "前向", "backward": "反向", "gives": "得到", "gets": "收到梯度", "sends": "传回", "to": "给",
           "start": "点击播放或单步，跟随数值流动",
           "quiz_start": "测验：点击播放或单步；每个反向步骤，先写出梯度，再揭晓"},
}


def animation_data(trace: Trace, graph: Any, boxes: Mapping[str, Any], routes: Mapping[str, Any],
                   colors: dict[str, str], short: Callable[[Any], str] = text.value_short) -> dict:
    """The data above for the nodes of `graph` (a networkx graph of the shown nodes), their `boxes`
    (node id -> (x0, y0, x1, y1)) and the drawn `routes` (edge id -> a route with `.tenths`, its points
    rounded to 0.1, and `.source`). Tuples become JSON arrays, as lists do. `short` writes a value."""
    shown = set(graph.nodes)
    rounded_boxes = {nid: [round(x0, 1), round(y0, 1), round(x1, 1), round(y1, 1)]
                     for nid, (x0, y0, x1, y1) in boxes.items()}
    sources = {key: route.source for key, route in routes.items()}
    steps = []
    for s in trace.forward_steps:
        if s.node in shown:
            steps.append({"p": "f", "n": s.node, "e": [e for e in s.edges if e in routes],
                          "v": short(s.value)})
    n_forward = len(steps)
    for s in trace.backward_steps:
        if s.node in shown:
            steps.append({"p": "b", "n": s.node, "e": [e for e in s.edges if e in routes],
                          "v": short(s.grad_in), "k": s.pass_index,
                          "g": [short(g) for g in s.grads_out]})
    return {
        "boxes": rounded_boxes, "routes": {key: route.tenths for key, route in routes.items()},
        "steps": steps, "n_forward": n_forward,
        "titles": {nid: text.node_title(trace.nodes[nid]) for nid in boxes},
        "names": {nid: display_name(trace.nodes[nid]) for nid in boxes},
        "sources": sources,
        "colors": {"value": colors["value"], "grad": colors["grad"]},
        "reveal": reveal_at(steps, rounded_boxes, sources),
    }


def reveal_at(steps: list[dict], ids: Any, sources: Mapping[str, str]) -> dict[str, list]:
    """node id -> [value_at, grad_at]: the first step at which its value, its gradient, is known (the rules
    in the module docstring)."""
    value_at: dict[str, int] = {}
    grad_at: dict[str, int] = {}
    sent_at: dict[str, int] = {}
    for k, s in enumerate(steps):
        if s["p"] == "f":
            value_at.setdefault(s["n"], k)
            continue
        grad_at.setdefault(s["n"], k)
        for edge, g in zip(s["e"], s.get("g") or []):
            if g:
                sent_at[sources[edge]] = k
    end = len(steps) - 1
    return {nid: [value_at.get(nid, -1), grad_at.get(nid, sent_at.get(nid, end))] for nid in ids}


def label_at(label: str, reveal: list | None, colors: Mapping[str, str], k: int) -> str:
    """A node's label (lines joined by <br>, as figure.node_text writes them) as it reads at step k: the
    value and gradient lines not yet computed are left out. `reveal` is the node's [value_at, grad_at]."""
    if not reveal:
        return label
    value_at, grad_at = reveal
    value_mark, grad_mark = f"color:{colors['value']}", f"color:{colors['grad']}"
    kept = []
    for line in label.split("<br>"):
        if grad_mark in line and (grad_at is None or k < grad_at):
            continue
        if value_mark in line and k < value_at:
            continue
        kept.append(line)
    return "<br>".join(kept)


def carried(meta: dict, k: int) -> dict[str, str]:
    """edge id -> the gradient it carried last, at a backward step up to k (what hovering it shows)."""
    out: dict[str, str] = {}
    for s in meta["steps"][meta["n_forward"]:k + 1]:
        for edge, g in zip(s["e"], s.get("g") or []):
            if g:
                out[edge] = g
    return out


def figure_meta(fig: Any) -> dict:
    """The animation data a figure (a plotly Figure, or figure_dict's dict) carries: layout.meta["explorer"],
    a JSON string (a dict in figures saved by older versions); {} for a figure without it."""
    layout = fig.get("layout", {}) if isinstance(fig, dict) else fig.layout
    meta = layout.get("meta") if isinstance(layout, dict) else layout.meta
    raw = meta.get("explorer") if isinstance(meta, dict) else None
    if isinstance(raw, str):
        return fastjson.loads(raw)
    return raw or {}


def step_caption(meta: dict, k: int, lang: str = DEFAULT_LANG) -> str:
    """The caption of step k (outside the steps: the words' `start`), word for word as assets/animation.js
    writes it: "backward 3/9: MulBackward0 gets 1.0, sends [2, 4] to y"."""
    w = STEP_WORDS.get(lang, STEP_WORDS[DEFAULT_LANG])
    steps = meta["steps"]
    if k < 0 or k >= len(steps):
        return w["start"]
    s = steps[k]
    title = meta["titles"].get(s["n"]) or s["n"]
    nf = meta["n_forward"]
    if s["p"] == "f":
        return f"{w['forward']} {k + 1}/{nf}: {title}" + (f" {w['gives']} {s['v']}" if s["v"] else "")
    line = f"{w['backward']} {k + 1 - nf}/{len(steps) - nf}: {title} {w['gets']} {s['v']}"
    names = meta.get("names") or meta["titles"]
    grads = s.get("g") or []
    sent = []
    for i, edge in enumerate(s["e"]):
        if i < len(grads) and grads[i]:
            source = meta["sources"][edge]
            sent.append(f"{grads[i]} {w['to']} {names.get(source) or source}")
    return line + (f", {w['sends']} " + "; ".join(sent) if sent else "")
