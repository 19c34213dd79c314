"""The app's part for groups: the depth control, the collapse state, a group's detail panel with its
collapse / expand button, and the search box (played in the browser by assets/groups.js).

The collapse state is a dcc.Store of this browser session, written only here:

    {"program": program key, "base": "auto" | "open" | "repeated" | "0" | "1" | ..., "open": [group ids],
     "closed": [group ids]}

`collapse_for` turns it into figure_dict's `collapse` (explorer/drawing/groups.py); a state written for another
program's text counts for nothing (group ids name groups of one program), so a new program starts from the
depth control alone.
"""
from __future__ import annotations

import hashlib
import math
from typing import Any

from dash import html

from explorer.app.i18n import t
from explorer.choices import DEFAULT_DIGITS
from explorer.drawing import text as fmt
from explorer.drawing.groups import group_view, members_of, run_title
from explorer.recording.model import Trace

DEPTHS = ("auto", "open", "repeated", "0", "1", "2", "3")  # the depth control's values, in its order
DEFAULT_DEPTH = "auto"
TOGGLE = "group-toggle"  # pattern-matching id type of the detail panel's button: {"type": TOGGLE, "group": id}


def program_key(source: str) -> str:
    return hashlib.sha1(source.encode("utf-8", "surrogatepass")).hexdigest()[:16]


def depth_options(lang: str) -> list[dict]:
    return [{"label": t(f"groups.depth.{d}", lang) if not d.isdigit() else t("groups.depth.n", lang, n=d),
             "value": d} for d in DEPTHS]


def base_collapse(depth: Any) -> Any:
    """The depth control's value as figure_dict's `collapse`."""
    depth = str(depth or DEFAULT_DEPTH)
    if depth.isdigit():
        return int(depth)
    if depth == "open":
        return []  # every group open, drawn as a box
    return depth if depth in DEPTHS else DEFAULT_DEPTH


def collapse_for(state: dict | None, spec: dict | None, depth: Any = None) -> Any:
    """figure_dict's `collapse` for the run `spec`: the session's state if it is this program's, else the depth."""
    if state and spec and state.get("program") == program_key(spec.get("source", "")):
        return {"base": base_collapse(state.get("base")), "open": list(state.get("open") or ()),
                "closed": list(state.get("closed") or ())}
    return base_collapse(depth)


def on_depth(depth: Any, spec: dict | None) -> dict | None:
    """The depth control changed: every click before it is forgotten."""
    if not spec:
        return None
    return {"program": program_key(spec["source"]), "base": str(depth or DEFAULT_DEPTH), "open": [], "closed": []}


def on_toggle(group: str | None, clicks: Any, state: dict | None, spec: dict | None, depth: Any,
              trace: Trace | None) -> dict | None:
    """The detail panel's button for `group` was pressed: collapse it if it is open, open it if collapsed."""
    if not group or not clicks or not spec or trace is None or group not in trace.groups:
        return None
    key = program_key(spec["source"])
    if not state or state.get("program") != key:
        state = {"program": key, "base": str(depth or DEFAULT_DEPTH), "open": [], "closed": []}
    opened = [g for g in state.get("open") or () if g != group]
    closed = [g for g in state.get("closed") or () if g != group]
    if is_collapsed(trace, collapse_for(state, spec), group):
        opened.append(group)
    else:
        closed.append(group)
    return {**state, "open": opened, "closed": closed}


def is_collapsed(trace: Trace, collapse: Any, group: str) -> bool:
    """Whether `group` is drawn inside a collapsed node (as one, or as one of a run of repeated groups)."""
    view = group_view(trace, collapse)
    return any(group in run for run in view.runs.values())


def _norm(value: Any) -> float | None:
    """The L2 norm of a named value as the trace keeps it (nested lists, or a summary without the numbers)."""
    if isinstance(value, (int, float)):
        return abs(float(value))
    if isinstance(value, list):
        total = 0.0
        stack = [value]
        while stack:
            v = stack.pop()
            if isinstance(v, list):
                stack.extend(v)
            elif isinstance(v, (int, float)):
                total += float(v) * float(v)
        return math.sqrt(total)
    return None


def render_group_detail(trace: Trace, group: str, collapse: Any, lang: str, digits: int = DEFAULT_DIGITS) -> html.Div:
    """A group's detail: its path and class, the nodes inside, each parameter with its shape and the norm of its
    gradient after backward (`digits` significant digits, the figure's), and the button that collapses or
    opens it."""
    g = trace.groups[group]
    view = group_view(trace, collapse)
    # a collapsed group may be drawn with the repeats beside it as one node ("loop ×2"): the detail is the node's
    cid, run = next(((cid, run) for cid, run in view.runs.items() if group in run), (None, (group,)))
    collapsed = cid is not None
    inside = len(view.members[cid]) if cid is not None else len(members_of(trace)[group])
    rows = [html.Tr([html.Th(t("group.kind", lang)), html.Td(t(f"group.kind.{g.kind}", lang))]),
            html.Tr([html.Th(t("group.nodes", lang)), html.Td(str(inside))])]
    if g.cls:
        rows.insert(1, html.Tr([html.Th(t("group.class", lang)), html.Td(html.Code(g.cls))]))
    if g.line:
        rows.append(html.Tr([html.Th(t("group.line", lang)), html.Td(str(g.line))]))
    body: list = [
        html.H4([html.Span(run_title([trace.groups[r] for r in run], lang), className="detail-title"),
                 html.Span(t(f"group.kind.{g.kind}", lang), className="badge badge-group")]),
        html.Button(t("group.expand" if collapsed else "group.collapse", lang), id={"type": TOGGLE, "group": group},
                    n_clicks=0, className="btn btn-small group-toggle",
                    **{"data-collapsed": "true" if collapsed else "false"}),
        html.Table(rows, className="detail-table"),
    ]
    # the parameters of every module of the run (one module called N times: its own, once)
    params = dict(p for r in run for p in trace.groups[r].params)
    if params:
        head = html.Tr([html.Th(t("group.param", lang)), html.Th(t("detail.shape", lang)),
                        html.Th(t("group.grad_norm", lang))])
        trs = []
        for name, shape in params.items():
            norm = _norm(trace.grads.get(name))
            trs.append(html.Tr([html.Td(html.Code(name)), html.Td(fmt.shape_text(shape)),
                                html.Td(fmt.number(norm, digits) if norm is not None else t("detail.none", lang))]))
        counts = {trace.groups[r].label: trace.groups[r].n_params for r in run}
        body += [html.H5(t("group.params", lang, n=f"{sum(counts.values()):,}")),
                 html.Table([head, *trs], className="detail-inputs group-params")]
    return html.Div(body, className="detail-body", **{"data-node": group, "data-group": group})


def search_box(lang: str) -> list:
    """The search field and its count ("2/5"), played by assets/groups.js."""
    from dash import dcc

    from explorer.app.layout import ID

    return [dcc.Input(id=ID.SEARCH, type="search", debounce=False, placeholder=t("search.placeholder", lang),
                      className="search-box", n_submit=0, autoComplete="off"),
            html.Span(id=ID.SEARCH_COUNT, className="muted small search-count")]


__all__ = ["DEFAULT_DEPTH", "DEPTHS", "TOGGLE", "base_collapse", "collapse_for", "depth_options", "is_collapsed",
           "on_depth", "on_toggle", "render_group_detail", "search_box"]
