"""Callbacks: translate what the page sends into explorer calls, and their results into the page's outputs.

Each server callback is a plain function (`on_run`, `on_select`, ...) that takes the trigger and values
as arguments and returns the outputs; `register(app)` wires them to Dash. Tests call them directly. The
components they return are built by views.py; the page's ids and option lists are layout.py's.

State lives in the browser (dcc.Store, the URL); the server keeps none between requests. `trace_for` memoises
traces by their request (the program, inputs, backward mode and seed fully decide a run: runs are seeded)
in a small per-process cache, so a click or a theme change needn't re-run the program; a worker that has
not seen the request simply runs it again and gets the same numbers.

A Run click is one request: the run's answer also draws what depends on it (the status line, the error box,
the notices, the detail panel, the share link: `on_run_shown`), so no other server callback waits for the
stores a run sets (tests/app/test_app_callbacks.py checks it), and playing the animation sends nothing.
`benchmarks/load.py` measures the server's CPU per Run click with every request the page makes for it.
"""
from __future__ import annotations

import functools
import hashlib
import json
import logging
from typing import Any

import plotly.graph_objects as go
from dash import ALL, ClientsideFunction, Input, Output, State, ctx, dcc, no_update
from dash.exceptions import PreventUpdate

from explorer import examples as gallery
from explorer import fastjson
from explorer.app import editor, groups, urlstate, views
from explorer.app.i18n import normalize, t
from explorer.app.layout import (
    BIG_GRAPH_NODES,
    EXPORT_PREFIX,
    ID,
    PLACEHOLDERS,
    TITLES,
    UNNAMED,
    backward_options,
    constants_options,
    direction_options,
    example_options,
    graph_config,
    speed_options,
    theme_options,
)
from explorer.choices import (
    BACKWARD_MODES,
    DEFAULT_BACKWARD,
    DEFAULT_DIGITS,
    DEFAULT_DIRECTION,
    DEFAULT_THEME,
    DIRECTIONS,
    PRESENTATION_THEME,
    THEMES,
)
from explorer.config import DEFAULT_LIMITS, Limits
from explorer.drawing.figure import NODE_LABELS, as_figure, figure_at_step, figure_dict, figure_meta
from explorer.errors import ProgramError
from explorer.recording.model import Trace

log = logging.getLogger(__name__)

DEFAULT_EXAMPLE = "first-graph"
TRACE_CACHE_SIZE = 32
MAX_EDITOR_CHARS = urlstate.MAX_PROGRAM_CHARS


# --- running programs -------------------------------------------------------------------------------------


def make_spec(source: str, inputs: dict | None, backward: str, seed: int = 0, example: str | None = None) -> dict:
    """What decides a run, as plain JSON: kept in the browser (dcc.Store) and in the URL."""
    return {"source": source, "inputs": inputs or {}, "backward": backward if backward in BACKWARD_MODES
            else DEFAULT_BACKWARD, "seed": int(seed or 0), "example": example}


# The server's limits for every run: set once when the app is created (create_app), never by a request.
_LIMITS: Limits = DEFAULT_LIMITS


def set_limits(limits: Limits) -> None:
    global _LIMITS
    _LIMITS = limits
    _cached.cache_clear()


def run_trace(spec: dict) -> Trace:
    """Run the spec's program in the sandbox (ProgramError if it can't), without the cache. The inputs are the
    boxes the page shows, left from the program run before: the worker drops those this program doesn't use."""
    from explorer.api import trace

    return trace(spec["source"], inputs=dict(spec.get("inputs") or {}) or None,
                 backward=spec.get("backward", DEFAULT_BACKWARD), seed=int(spec.get("seed") or 0), limits=_LIMITS,
                 drop_unused_inputs=True)


def _key(spec: dict) -> str:
    return json.dumps({k: spec.get(k) for k in ("source", "inputs", "backward", "seed")}, sort_keys=True)


@functools.lru_cache(maxsize=TRACE_CACHE_SIZE)
def _cached(key: str) -> Trace:
    return run_trace(json.loads(key))


def trace_for(spec: dict) -> Trace:
    """The trace of `spec`, memoised (ProgramError is not cached: a failing run is tried again)."""
    return _cached(_key(spec))


def make_figure(trace: Trace, theme: str = DEFAULT_THEME, direction: str = DEFAULT_DIRECTION, constants: bool = False,
                present: bool = False, lang: str | None = None, webgl: bool = False, reveal: bool = False,
                collapse: Any = None, canvas: Any = None, digits: Any = DEFAULT_DIGITS) -> dict:
    """The figure as the plain dict dcc.Graph gets (explorer.drawing.figure.figure_dict: no plotly objects, no
    second validation, so a Run costs the graph's drawing and little else). `reveal`: for the page, whose
    player shows the labels as the steps reveal them (so none is drawn with every answer first). `collapse`:
    which groups are drawn as one node (explorer/app/groups.py collapse_for). `canvas` is what the page measured
    of the graph's room ({"w": px, "h": px}, assets/app.js canvasRoom), for the "auto" direction. For the page
    (`reveal`) the figure is compact: its values travel once as numbers and the page writes the labels, hover
    texts and captions (explorer/drawing/compact.py, assets/values.js); an export gets the full text. `digits`:
    the significant digits of every number (the page's control; one of explorer.choices DIGITS, else the
    default), which a compact figure hands to the page with its numbers."""
    theme = PRESENTATION_THEME if present else (theme if theme in THEMES else DEFAULT_THEME)
    direction = direction if direction in DIRECTIONS else DEFAULT_DIRECTION
    fig = figure_dict(trace, theme=theme, direction=direction, show_constants=bool(constants),
                      lang=normalize(lang), webgl=webgl is True, lazy_labels=True, collapse=collapse,
                      canvas=canvas_size(canvas, present), canvas_grows=not present, compact=reveal,
                      digits=urlstate.clean_digits(digits))
    if reveal:
        _labels_wait_for_the_player(fig)
    # keep the user's zoom and pan while only the theme changes
    fig["layout"]["uirevision"] = f"{hash(trace.source)}:{direction}:{bool(constants)}"
    fig["layout"].setdefault("meta", {})["spans"] = editor.node_spans(trace)  # code <-> graph in the editor
    return fig


def _labels_wait_for_the_player(fig: dict) -> None:
    """Start with the node labels hidden: assets/animation.js (revealLabels) shows them as known at the
    player's step, or all of them with "show all"."""
    for trace in fig["data"]:
        if trace.get("name") == NODE_LABELS:
            trace["visible"] = False


def canvas_size(canvas: Any, present: bool = False) -> tuple[float, float] | None:
    """The page's measure of the graph's room as (width, height) px, in presentation mode or not, or None
    when it sent none that makes sense (the figure then assumes explorer.drawing.figure.DEFAULT_CANVAS)."""
    if not isinstance(canvas, dict):
        return None
    w, h = (canvas.get("pw"), canvas.get("ph")) if present else (canvas.get("w"), canvas.get("h"))
    if not (_pixels(w) and _pixels(h)):
        return None
    return float(w), float(h)


def _pixels(v: Any) -> bool:
    """A sensible size in px from the page: a number (not a bool), from 50 to 20,000."""
    return isinstance(v, (int, float)) and not isinstance(v, bool) and 50 <= v <= 20_000


def stats_of(trace: Trace, fig: dict | go.Figure) -> dict:
    meta = figure_meta(fig)
    shown = len(meta.get("boxes", {}))
    return {"nodes": shown, "total": len(trace.nodes), "forward": int(meta.get("n_forward", 0)),
            "backward": len(meta.get("steps", [])) - int(meta.get("n_forward", 0)),
            "big": shown >= BIG_GRAPH_NODES}


def error_dict(e: ProgramError, source: str) -> dict:
    d = e.to_dict()
    lines = source.splitlines()
    if e.line is not None and 1 <= e.line <= len(lines):
        d["text"] = lines[e.line - 1][:300]
    return d


def _constants_on(value: Any) -> bool:
    return bool(value) and "on" in value


# --- callbacks as plain functions -------------------------------------------------------------------------


def on_boot(search: str | None, booted: bool) -> tuple:
    """The page opened: read the URL (or take the default example) and ask for the first run.

    Returns (editor, example, backward, theme, direction, constants, lang, boot, booted, digits)."""
    if booted:
        raise PreventUpdate
    state = urlstate.decode(search or "")
    if state.program is None:
        ex = gallery.get(DEFAULT_EXAMPLE)
        state = urlstate.UrlState(program=ex.source, example=ex.key, inputs=dict(ex.inputs or {}),
                                  backward=ex.backward, theme=state.theme, direction=state.direction,
                                  constants=state.constants, lang=state.lang, seed=state.seed,
                                  digits=state.digits)
    boot = make_spec(state.program, state.inputs, state.backward, state.seed, state.example)
    return (state.program, state.example, state.backward, state.theme, state.direction,
            ["on"] if state.constants else [], state.lang if state.lang else no_update, boot, True, state.digits)


def on_run(trigger: Any, source: str | None, example: str | None, backward: str | None, boot: dict | None,
           input_ids: list, input_values: list, theme: str, direction: str, constants: Any, present: bool,
           seed: int = 0, lang: str | None = None, webgl: bool = False, collapse_state: dict | None = None,
           depth: Any = None, canvas: Any = None, digits: Any = DEFAULT_DIGITS) -> tuple:
    """Run a program. Returns (editor, backward, spec, figure, stats, error, notices, inputs panel,
    inputs section style, stdout, example). A bad program sets `error` and clears the printed output (it was
    the previous program's): the last good graph stays.
    `example` empties the gallery's choice once the program is no longer that example's text, so that picking
    the example again brings its text back."""
    keep = no_update
    editor_out: Any = keep
    backward_out: Any = keep
    if trigger == ID.BOOT:
        if not boot:
            raise PreventUpdate
        spec = make_spec(boot["source"], boot.get("inputs"), boot.get("backward", DEFAULT_BACKWARD),
                         boot.get("seed", 0), boot.get("example"))
    elif trigger == ID.EXAMPLE:
        if not example:
            raise PreventUpdate
        try:
            ex = gallery.get(example)
        except KeyError:
            raise PreventUpdate from None
        spec = make_spec(ex.source, ex.inputs, ex.backward, seed, ex.key)
        editor_out, backward_out = ex.source, ex.backward
    else:
        source = source or ""
        if len(source) > MAX_EDITOR_CHARS:
            err = ProgramError("limit", f"the program has {len(source):,} characters; the limit is "
                                        f"{MAX_EDITOR_CHARS:,}")
            return (keep, keep, keep, keep, keep, err.to_dict(), keep, keep, keep, None, keep)
        inputs = {}
        for cid, raw in zip(input_ids or [], input_values or []):
            name = cid.get("name") if isinstance(cid, dict) else None
            value = urlstate.parse_input_text(raw)
            if value is None:
                return (keep, keep, keep, keep, keep, {"kind": "input", "name": str(name)}, keep, keep, keep, None,
                        keep)
            inputs[name] = value
        ex_key = example if example and _is_example_source(example, source) else None
        spec = make_spec(source, inputs, backward or DEFAULT_BACKWARD, seed, ex_key)
    try:
        trace = trace_for(spec)
        fig = make_figure(trace, theme, direction, _constants_on(constants), present, lang, webgl, reveal=True,
                          collapse=groups.collapse_for(collapse_state, spec, depth), canvas=canvas, digits=digits)
    except ProgramError as e:
        return (editor_out, backward_out, keep, keep, keep, error_dict(e, spec["source"]), keep, keep, keep, None,
                keep)
    except Exception:
        log.exception("run failed")
        return (editor_out, backward_out, keep, keep, keep, {"kind": "internal"}, keep, keep, keep, None, keep)
    spec["inputs"] = urlstate.clean_inputs(trace.inputs)
    if spec["example"] and not _is_example_source(spec["example"], spec["source"]):
        spec["example"] = None
    notices = {"output": trace.output, "items": [{"kind": n.kind, "message": n.message, "line": n.line}
                                                 for n in trace.notices]}
    panel = views.inputs_panel(trace.inputs)
    style = {"display": "block"} if trace.inputs else {"display": "none"}
    stdout = views.stdout_view(trace.stdout)
    example_out = keep if spec["example"] or not example else None
    return (editor_out, backward_out, spec, fig, stats_of(trace, fig), None, notices, panel, style, stdout,
            example_out)


def on_run_shown(out: tuple, lang: str | None, selected: dict | None = None, collapse_state: dict | None = None,
                 depth: Any = None, theme: str = DEFAULT_THEME, direction: str = DEFAULT_DIRECTION,
                 constants: Any = None, show_all: bool = False, quiz: bool = False,
                 digits: Any = DEFAULT_DIGITS) -> tuple:
    """The rest of the page a run's answer `out` (on_run's) changes, drawn in the same answer: (status line,
    error box, notices box, detail, code view, selected, share query).

    Why here: these are drawn from the stores the run sets (stats, error, notices, spec), and if each was
    drawn by a callback of its own, the page would send the server six more requests after every Run, each
    costing more to receive and answer than to draw. Their own callbacks now draw them only when the
    language or a setting changes. A selected node stays selected (and is drawn anew) when the same program
    runs again; nothing is sent for the detail when no node is selected (it is empty already)."""
    keep = no_update
    _editor, _backward, spec, _fig, stats, error, notices, *_ = out
    status = keep if stats is keep else views.render_status(stats, lang)
    error_box = keep if error is keep else views.render_error(error, lang)
    notices_box = keep if notices is keep else views.render_notices(notices, lang)
    if spec is keep:
        return status, error_box, notices_box, keep, keep, keep, keep
    detail: tuple = (keep, keep, keep)
    if isinstance(selected, dict) and selected.get("node"):
        detail = on_select(ID.SPEC, None, lang, spec, selected, collapse_state, depth, digits)
    return (status, error_box, notices_box, *detail,
            on_share(spec, theme, direction, constants, lang, show_all is True, quiz is True, digits))


def _is_example_source(key: str, source: str) -> bool:
    try:
        return gallery.get(key).source == source
    except KeyError:
        return False


def on_redraw(theme: str, direction: str, constants: Any, present: bool, spec: dict | None,
              lang: str | None = None, webgl: bool = False, collapse_state: dict | None = None,
              depth: Any = None, canvas: Any = None, digits: Any = DEFAULT_DIGITS) -> tuple:
    """Settings changed (or the language, for the hover text, the digits, or which groups are collapsed): draw
    the same trace again. Returns (figure, stats)."""
    if not spec:
        raise PreventUpdate
    try:
        trace = trace_for(spec)
        fig = make_figure(trace, theme, direction, _constants_on(constants), present, lang, webgl, reveal=True,
                          collapse=groups.collapse_for(collapse_state, spec, depth), canvas=canvas, digits=digits)
    except Exception:
        log.exception("redraw failed")
        raise PreventUpdate from None
    return fig, stats_of(trace, fig)


def program_key(source: str) -> str:
    """A short name for a program's text: node ids ("n3") name the same nodes in every run of one text."""
    return hashlib.sha1(source.encode("utf-8", "surrogatepass")).hexdigest()[:16]


def on_select(trigger: Any, click: dict | None, lang: str, spec: dict | None, selected: dict | None,
              collapse_state: dict | None = None, depth: Any = None, digits: Any = DEFAULT_DIGITS) -> tuple:
    """A node was clicked (or the language, the digits or the run changed). Returns (detail, code view,
    selected), where `selected` is {"node": id, "program": program_key(its program)}. A run of another program
    clears the panel: the old node id would name some other node of the new graph. The panel's numbers have
    the figure's `digits`."""
    lang = normalize(lang)
    digits = urlstate.clean_digits(digits)
    selected = selected if isinstance(selected, dict) else None
    node_id = selected.get("node") if selected else None
    if trigger == ID.SPEC and spec and selected and selected.get("program") != program_key(spec["source"]):
        node_id = None
    if trigger == ID.GRAPH:
        points = (click or {}).get("points") or []
        ids = [p.get("customdata") for p in points if isinstance(p.get("customdata"), str)]
        if not ids:
            raise PreventUpdate
        node_id = ids[0]
    if not spec or not node_id:
        return views.empty_detail(lang), None, None
    try:
        trace = trace_for(spec)
    except Exception:
        log.exception("select failed")
        return views.empty_detail(lang), None, None
    if node_id in trace.groups:  # a group's box, or a collapsed group: its detail, with its toggle
        detail = groups.render_group_detail(trace, node_id, groups.collapse_for(collapse_state, spec, depth), lang,
                                            digits)
        return detail, None, {"node": node_id, "program": program_key(spec["source"])}
    if node_id not in trace.nodes:
        return views.empty_detail(lang), None, None
    return (views.render_detail(trace, node_id, lang, digits), views.render_code_view(trace, node_id, lang),
            {"node": node_id, "program": program_key(spec["source"])})


def on_share(spec: dict | None, theme: str, direction: str, constants: Any, lang: str | None,
             show_all: bool = False, quiz: bool = False, digits: Any = DEFAULT_DIGITS) -> str:
    """The query string that reproduces the current run and settings (with "show all", quiz mode and the
    digits)."""
    if not spec:
        raise PreventUpdate
    state = urlstate.UrlState(program=spec["source"], example=spec.get("example"), inputs=spec.get("inputs") or {},
                              backward=spec.get("backward", DEFAULT_BACKWARD), theme=theme, direction=direction,
                              constants=_constants_on(constants), lang=normalize(lang) if lang else None,
                              seed=int(spec.get("seed") or 0), show_all=show_all is True, quiz=quiz is True,
                              digits=urlstate.clean_digits(digits))
    return urlstate.encode(state)


def on_boot_modes(search: str | None, booted: bool) -> tuple:
    """The page opened: "show all" and quiz mode as the link says (all=1, quiz=1). Returns (show_all, quiz)."""
    if booted:
        raise PreventUpdate
    state = urlstate.decode(search or "")
    return state.show_all, state.quiz


def _question(spec: dict | None, ask: dict | None, lang: str, digits: Any = DEFAULT_DIGITS) -> Any:
    """The quiz question of the step the player stands at (`ask`: {k, node, pass, answered}), or None: the
    first backward step that reaches the node, as the player reveals a node's gradient at its first step. Its
    numbers have the page's `digits`, and an answer read off the page at those digits is right."""
    from explorer.drawing.quiz import question_at

    if not spec or not isinstance(ask, dict) or not isinstance(ask.get("node"), str):
        return None
    trace = trace_for(spec)
    step = next((i for i, s in enumerate(trace.backward_steps) if s.node == ask["node"]), None)
    return question_at(trace, step, lang, urlstate.clean_digits(digits)) if step is not None else None


def on_quiz_panel(ask: dict | None, score: dict | None, spec: dict | None, lang: str | None,
                  digits: Any = DEFAULT_DIGITS) -> tuple:
    """The quiz panel for the step the player stands at. Returns (style, prompt, feedback, score text, hint)."""
    lang = normalize(lang)
    score = score if isinstance(score, dict) else {}
    score_text = t("quiz.score", lang, right=int(score.get("right") or 0), asked=int(score.get("asked") or 0))
    if not isinstance(ask, dict):
        return {"display": "none"}, "", None, score_text, ""
    try:
        question = _question(spec, ask, lang, digits)
    except Exception:
        log.exception("quiz question failed")
        return {"display": "none"}, "", None, score_text, ""
    record = (score.get("answered") or {}).get(str(ask.get("k")))
    if question is None:
        return {"display": "block"}, t("quiz.too_big", lang), views.quiz_feedback(record, [], lang), score_text, ""
    feedback = views.quiz_feedback(record, question.explanation, lang) if ask.get("answered") else None
    return {"display": "block"}, question.prompt, feedback, score_text, ""


def on_quiz_check(trigger: Any, answer: str | None, ask: dict | None, spec: dict | None, score: dict | None,
                  lang: str | None, digits: Any = DEFAULT_DIGITS) -> tuple:
    """Check the learner's answer against torch's gradient (explorer.drawing.quiz: rel 1e-3, abs 1e-4, or as
    written with the page's `digits`), or reveal without one (`trigger` the Reveal button). Returns (score,
    hint, answer box)."""
    from explorer.drawing.quiz import parse_answer

    lang = normalize(lang)
    if not isinstance(ask, dict) or ask.get("answered") or not isinstance(ask.get("k"), int):
        raise PreventUpdate
    question = _question(spec, ask, lang, digits)
    if trigger == ID.QUIZ_SKIP:
        ok, given = False, None
    else:
        if question is None:
            return no_update, t("quiz.too_big", lang), no_update
        if parse_answer(answer or "") is None:
            return no_update, t("quiz.unreadable", lang), no_update
        ok, given = question.check(answer or ""), (answer or "").strip()
    score = dict(score) if isinstance(score, dict) else {}
    answered = dict(score.get("answered") or {})
    answered[str(ask["k"])] = {"ok": ok, "given": given}
    new = {"right": int(score.get("right") or 0) + ok, "asked": int(score.get("asked") or 0) + 1,
           "answered": answered}
    return new, "", ""


def export_name(spec: dict | None, ext: str) -> str:
    key = (spec or {}).get("example") or UNNAMED
    return f"{EXPORT_PREFIX}{key}.{ext}"


def on_export(trigger: Any, spec: dict | None, theme: str, direction: str, constants: Any, lang: str,
              canvas: Any = None, collapse_state: dict | None = None, depth: Any = None, slider: Any = None,
              show_all: Any = False, digits: Any = DEFAULT_DIGITS) -> tuple:
    """PDF, GIF (the steps, animated), HTML or JSON through dcc.Download. Returns (download, message).
    The picture has the groups collapsed and open as on the screen (`collapse_state`, `depth`: groups.py). The
    PDF shows the graph as the screen does at the player's step (`slider`: the step + 1, 0 before the first)
    with "show all" or not: the step lit, and the gradients on its edges (figure_at_step). Its numbers have the
    screen's `digits`."""
    from explorer.drawing.export import ExportError, to_gif, to_html, to_image

    if not spec:
        return no_update, t("export.nothing", lang)
    ext = {ID.EXPORT_PDF: "pdf", ID.EXPORT_GIF: "gif", ID.EXPORT_HTML: "html", ID.EXPORT_JSON: "json"}.get(trigger)
    if ext is None:
        raise PreventUpdate
    try:
        trace = trace_for(spec)
        name = export_name(spec, ext)
        if ext == "json":
            return dcc.send_string(fastjson.dumps_text(trace.to_dict()), name, type="application/json"), ""
        fig = as_figure(make_figure(trace, theme, direction, _constants_on(constants), lang=lang,
                                    collapse=groups.collapse_for(collapse_state, spec, depth), canvas=canvas,
                                    digits=digits))
        if ext == "html":
            return dcc.send_string(to_html(fig, lang=lang), name, type="text/html"), ""
        if ext == "gif":
            return dcc.send_bytes(to_gif(fig, lang=lang), name, type="image/gif"), ""
        k = slider - 1 if isinstance(slider, int) and not isinstance(slider, bool) else -1
        if k >= 0 or show_all is True:
            fig = figure_at_step(fig, k, lang, show_all=show_all is True)
        return dcc.send_bytes(to_image(fig, "pdf"), name, type="application/pdf"), ""
    except ExportError as e:
        return no_update, t("export.failed", lang, message=str(e))
    except Exception as e:
        log.exception("export failed")
        return no_update, t("export.failed", lang, message=type(e).__name__)


def on_translate(lang: str | None, n_texts: list) -> tuple:
    """Every static word, tooltip, placeholder and option list in `lang`."""
    lang = normalize(lang)
    texts = [t(i["t"], lang) for i in n_texts]
    titles = [t(key, lang) for key in TITLES.values()]
    placeholders = [t(key, lang) for key in PLACEHOLDERS.values()]
    return (texts, *titles, *placeholders, example_options(lang), backward_options(lang), theme_options(lang),
            direction_options(lang), constants_options(lang), speed_options(lang), t("timeline.scrub", lang), lang)


def on_example_summary(example: str | None, lang: str | None) -> str:
    try:
        return gallery.get(example).summary(normalize(lang)) if example else ""
    except KeyError:
        return ""


# --- wiring -----------------------------------------------------------------------------------------------


def register(app: Any) -> None:
    input_ids = {"type": ID.INPUT_VALUE, "name": ALL}

    app.callback(
        Output({"t": ALL, "n": ALL}, "children"),
        *[Output(cid, "title") for cid in TITLES],
        *[Output(cid, "placeholder") for cid in PLACEHOLDERS],
        Output(ID.EXAMPLE, "options"), Output(ID.BACKWARD, "options"), Output(ID.THEME, "options"),
        Output(ID.DIRECTION, "options"), Output(ID.CONSTANTS, "options"), Output(ID.SPEED, "options"),
        Output(ID.SLIDER_WRAP, "title"), Output(ID.ROOT, "lang"),
        Input(ID.LANG, "data"),
    )(lambda lang: on_translate(lang, ctx.outputs_list[0] and [o["id"] for o in ctx.outputs_list[0]]))

    app.callback(
        Output(ID.EDITOR, "value"), Output(ID.EXAMPLE, "value"), Output(ID.BACKWARD, "value"),
        Output(ID.THEME, "value"), Output(ID.DIRECTION, "value"), Output(ID.CONSTANTS, "value"),
        Output(ID.LANG, "data"), Output(ID.BOOT, "data"), Output(ID.BOOTED, "data"), Output(ID.DIGITS, "value"),
        Input(ID.URL, "search"), State(ID.BOOTED, "data"),
    )(on_boot)

    @app.callback(
        Output(ID.EDITOR, "value", allow_duplicate=True), Output(ID.BACKWARD, "value", allow_duplicate=True),
        Output(ID.SPEC, "data"), Output(ID.GRAPH, "figure"), Output(ID.STATS, "data"), Output(ID.ERROR, "data"),
        Output(ID.NOTICES, "data"), Output(ID.INPUTS_PANEL, "children"), Output(ID.INPUTS_SECTION, "style"),
        Output(ID.STDOUT, "children"), Output(ID.EXAMPLE, "value", allow_duplicate=True),
        # on_run_shown: drawn with the answer rather than in six more requests
        Output(ID.STATUS, "children", allow_duplicate=True), Output(ID.ERROR_BOX, "children", allow_duplicate=True),
        Output(ID.NOTICES_BOX, "children", allow_duplicate=True), Output(ID.DETAIL, "children", allow_duplicate=True),
        Output(ID.CODE_VIEW, "children", allow_duplicate=True), Output(ID.SELECTED, "data", allow_duplicate=True),
        Output(ID.SHARE_QUERY, "data", allow_duplicate=True),
        Input(ID.RUN, "n_clicks"), Input(ID.EXAMPLE, "value"), Input(ID.BACKWARD, "value"), Input(ID.BOOT, "data"),
        Input(input_ids, "n_submit"),
        State(ID.EDITOR, "value"), State(input_ids, "value"), State(ID.THEME, "value"),
        State(ID.DIRECTION, "value"), State(ID.CONSTANTS, "value"), State(ID.PRESENT, "data"),
        State(ID.SPEC, "data"), State(ID.LANG, "data"), State(ID.WEBGL, "data"), State(ID.COLLAPSE, "data"),
        State(ID.GROUP_DEPTH, "value"), State(ID.CANVAS, "data"), State(ID.DIGITS, "value"), State(ID.SELECTED, "data"),
        State(ID.SHOW_ALL, "data"), State(ID.QUIZ, "data"),
        prevent_initial_call=True,
    )
    def _run(_n, example, backward, boot, _submits, source, values, theme, direction, constants, present, spec,
             lang, webgl, collapse_state, depth, canvas, digits, selected, show_all, quiz):
        trigger = ctx.triggered_id
        triggered = {p["prop_id"].split(".")[0] for p in ctx.triggered}
        if ID.BOOT in triggered:
            trigger = ID.BOOT  # the boot also sets the example and backward: one run, from the URL
        elif isinstance(trigger, dict):
            trigger = ID.RUN  # Enter in an input box
            if not any(s for s in (_submits or [])):
                raise PreventUpdate  # input boxes just created by the previous run
        ids = [o["id"] for o in ctx.states_list[1]] if len(ctx.states_list) > 1 else []
        seed = int((spec or boot or {}).get("seed") or 0)
        out = on_run(trigger, source, example, backward, boot, ids, values, theme, direction, constants,
                     present, seed, lang, webgl, collapse_state, depth, canvas, digits)
        return out + on_run_shown(out, lang, selected, collapse_state, depth, theme, direction, constants,
                                  show_all, quiz, digits)

    @app.callback(
        Output(ID.GRAPH, "figure", allow_duplicate=True), Output(ID.STATS, "data", allow_duplicate=True),
        Output(ID.STATUS, "children", allow_duplicate=True),
        Input(ID.THEME, "value"), Input(ID.DIRECTION, "value"), Input(ID.CONSTANTS, "value"),
        Input(ID.PRESENT, "data"), Input(ID.LANG, "data"), Input(ID.COLLAPSE, "data"), Input(ID.DIGITS, "value"),
        State(ID.SPEC, "data"), State(ID.WEBGL, "data"), State(ID.GROUP_DEPTH, "value"), State(ID.CANVAS, "data"),
        prevent_initial_call=True,
    )
    def _redraw(theme, direction, constants, present, lang, collapse_state, digits, spec, webgl, depth, canvas):
        fig, stats = on_redraw(theme, direction, constants, present, spec, lang, webgl, collapse_state, depth, canvas,
                               digits)
        return fig, stats, views.render_status(stats, lang)  # collapsing groups changes the node count

    # the toolbar's tooltips in the page's language
    app.callback(Output(ID.GRAPH, "config"), Input(ID.LANG, "data"),
                 prevent_initial_call=True)(lambda lang: graph_config(lang=normalize(lang)))
    # a run's answer draws these itself (on_run_shown); here they follow the language
    app.callback(Output(ID.STATUS, "children"), Input(ID.LANG, "data"),
                 State(ID.STATS, "data"))(lambda lang, stats: views.render_status(stats, lang))
    app.callback(Output(ID.ERROR_BOX, "children"), Input(ID.LANG, "data"),
                 State(ID.ERROR, "data"))(lambda lang, error: views.render_error(error, lang))
    app.callback(Output(ID.NOTICES_BOX, "children"), Input(ID.LANG, "data"),
                 State(ID.NOTICES, "data"))(lambda lang, notices: views.render_notices(notices, lang))
    app.callback(Output(ID.EXAMPLE_SUMMARY, "children"), Input(ID.EXAMPLE, "value"),
                 Input(ID.LANG, "data"))(on_example_summary)

    @app.callback(
        Output(ID.DETAIL, "children"), Output(ID.CODE_VIEW, "children"), Output(ID.SELECTED, "data"),
        Input(ID.GRAPH, "clickData"), Input(ID.LANG, "data"), Input(ID.COLLAPSE, "data"), Input(ID.DIGITS, "value"),
        State(ID.SPEC, "data"), State(ID.SELECTED, "data"), State(ID.GROUP_DEPTH, "value"),
        prevent_initial_call=True,
    )
    def _select(click, lang, collapse_state, digits, spec, selected, depth):  # a new run: on_run_shown
        # the same node, drawn anew
        trigger = ID.LANG if ctx.triggered_id in (ID.COLLAPSE, ID.DIGITS) else ctx.triggered_id
        return on_select(trigger, click, lang, spec, selected, collapse_state, depth, digits)

    # groups (explorer/app/groups.py): the depth control, the detail panel's collapse / expand button
    app.callback(Output(ID.COLLAPSE, "data"), Input(ID.GROUP_DEPTH, "value"), State(ID.SPEC, "data"),
                 prevent_initial_call=True)(groups.on_depth)

    @app.callback(
        Output(ID.COLLAPSE, "data", allow_duplicate=True),
        Input({"type": groups.TOGGLE, "group": ALL}, "n_clicks"),
        State(ID.COLLAPSE, "data"), State(ID.SPEC, "data"), State(ID.GROUP_DEPTH, "value"),
        prevent_initial_call=True,
    )
    def _toggle(clicks, state, spec, depth):
        trigger = ctx.triggered_id
        if not isinstance(trigger, dict) or not any(clicks or []) or not spec:
            raise PreventUpdate  # a button just drawn (n_clicks 0)
        out = groups.on_toggle(trigger.get("group"), 1, state, spec, depth, trace_for(spec))
        if out is None:
            raise PreventUpdate
        return out

    app.callback(Output(ID.GROUP_DEPTH, "options"), Input(ID.LANG, "data"),
                 prevent_initial_call=True)(lambda lang: groups.depth_options(normalize(lang)))

    app.callback(  # a new run: on_run_shown
        Output(ID.SHARE_QUERY, "data"),
        Input(ID.THEME, "value"), Input(ID.DIRECTION, "value"), Input(ID.CONSTANTS, "value"),
        Input(ID.LANG, "data"), Input(ID.SHOW_ALL, "data"), Input(ID.QUIZ, "data"), Input(ID.DIGITS, "value"),
        State(ID.SPEC, "data"),
    )(lambda theme, direction, constants, lang, show_all, quiz, digits, spec:
      on_share(spec, theme, direction, constants, lang, show_all, quiz, digits))

    # --- reveal and quiz modes ---------------------------------------------------------------------------
    app.callback(Output(ID.SHOW_ALL, "data"), Output(ID.QUIZ, "data"),
                 Input(ID.URL, "search"), State(ID.BOOTED, "data"))(on_boot_modes)
    app.callback(
        Output(ID.QUIZ_PANEL, "style"), Output(ID.QUIZ_PROMPT, "children"), Output(ID.QUIZ_FEEDBACK, "children"),
        Output(ID.QUIZ_SCORE_TEXT, "children"), Output(ID.QUIZ_HINT, "children"),
        Input(ID.QUIZ_ASK, "data"), Input(ID.QUIZ_SCORE, "data"), Input(ID.LANG, "data"), Input(ID.DIGITS, "value"),
        State(ID.SPEC, "data"),
    )(lambda ask, score, lang, digits, spec: on_quiz_panel(ask, score, spec, lang, digits))

    @app.callback(
        Output(ID.QUIZ_SCORE, "data"), Output(ID.QUIZ_HINT, "children", allow_duplicate=True),
        Output(ID.QUIZ_ANSWER, "value"),
        Input(ID.QUIZ_CHECK, "n_clicks"), Input(ID.QUIZ_SKIP, "n_clicks"), Input(ID.QUIZ_ANSWER, "n_submit"),
        State(ID.QUIZ_ANSWER, "value"), State(ID.QUIZ_ASK, "data"), State(ID.SPEC, "data"),
        State(ID.QUIZ_SCORE, "data"), State(ID.LANG, "data"), State(ID.DIGITS, "value"),
        prevent_initial_call=True,
    )
    def _quiz_check(_check, _skip, _submit, answer, ask, spec, score, lang, digits):
        return on_quiz_check(ctx.triggered_id, answer, ask, spec, score, lang, digits)

    @app.callback(
        Output(ID.DOWNLOAD, "data"), Output(ID.EXPORT_MSG, "children"),
        Input(ID.EXPORT_PDF, "n_clicks"), Input(ID.EXPORT_GIF, "n_clicks"), Input(ID.EXPORT_HTML, "n_clicks"),
        Input(ID.EXPORT_JSON, "n_clicks"),
        State(ID.SPEC, "data"), State(ID.THEME, "value"), State(ID.DIRECTION, "value"),
        State(ID.CONSTANTS, "value"), State(ID.LANG, "data"), State(ID.CANVAS, "data"),
        State(ID.COLLAPSE, "data"), State(ID.GROUP_DEPTH, "value"), State(ID.SLIDER, "value"),
        State(ID.SHOW_ALL, "data"), State(ID.DIGITS, "value"),
        prevent_initial_call=True,
    )
    def _export(_a, _b, _c, _d, spec, theme, direction, constants, lang, canvas, collapse_state, depth, slider,
                show_all, digits):
        return on_export(ctx.triggered_id, spec, theme, direction, constants, normalize(lang), canvas,
                         collapse_state, depth, slider, show_all, digits)

    # --- in the browser (assets/app.js): no server round trip ------------------------------------------
    def cs(name: str) -> ClientsideFunction:
        return ClientsideFunction(namespace="explorer", function_name=name)

    app.clientside_callback(
        cs("player"),
        Output(ID.PLAYER, "data"), Output(ID.SLIDER, "value"), Output(ID.SLIDER, "max"),
        Output(ID.SLIDER, "marks"), Output(ID.CAPTION, "children"), Output(ID.TICK, "disabled"),
        Output(ID.PLAY, "children"), Output(ID.QUIZ_ASK, "data"),
        Input(ID.FIRST, "n_clicks"), Input(ID.BACK, "n_clicks"), Input(ID.PLAY, "n_clicks"),
        Input(ID.FORWARD, "n_clicks"), Input(ID.LAST, "n_clicks"), Input(ID.TICK, "n_intervals"),
        Input(ID.SLIDER, "value"), Input(ID.GRAPH, "figure"), Input(ID.LANG, "data"), Input(ID.SPEC, "data"),
        Input(ID.SHOW_ALL, "data"), Input(ID.QUIZ, "data"), Input(ID.QUIZ_SCORE, "data"),
        State(ID.PLAYER, "data"),
    )
    app.clientside_callback(cs("togglePresent"), Output(ID.SHOW_ALL, "data", allow_duplicate=True),
                            Input(ID.SHOW_ALL_BTN, "n_clicks"), State(ID.SHOW_ALL, "data"), prevent_initial_call=True)
    app.clientside_callback(cs("togglePresent"), Output(ID.QUIZ, "data", allow_duplicate=True),
                            Input(ID.QUIZ_BTN, "n_clicks"), State(ID.QUIZ, "data"), prevent_initial_call=True)
    app.clientside_callback(cs("modeButtons"), Output(ID.SHOW_ALL_BTN, "className"), Output(ID.QUIZ_BTN, "className"),
                            Input(ID.SHOW_ALL, "data"), Input(ID.QUIZ, "data"))
    app.clientside_callback(cs("quizNewRun"), Output(ID.QUIZ_SCORE, "data", allow_duplicate=True),
                            Input(ID.SPEC, "data"), State(ID.QUIZ_SCORE, "data"), prevent_initial_call=True)
    app.clientside_callback(cs("speed"), Output(ID.TICK, "interval"), Input(ID.SPEED, "value"))
    app.clientside_callback(cs("setLang"), Output(ID.LANG, "data", allow_duplicate=True),
                            Input(ID.LANG_EN, "n_clicks"), Input(ID.LANG_ZH, "n_clicks"), prevent_initial_call=True)
    app.clientside_callback(cs("togglePresent"), Output(ID.PRESENT, "data"),
                            Input(ID.PRESENT_BTN, "n_clicks"), State(ID.PRESENT, "data"), prevent_initial_call=True)
    app.clientside_callback(cs("webgl"), Output(ID.WEBGL, "data"), Input(ID.URL, "pathname"))
    # the graph's room, measured at load (and kept up to date on resize by assets/app.js)
    app.clientside_callback(cs("canvas"), Output(ID.CANVAS, "data"), Input(ID.URL, "pathname"))
    app.clientside_callback(cs("pageClass"), Output(ID.DUMMY, "children"),
                            Input(ID.THEME, "value"), Input(ID.PRESENT, "data"), Input(ID.LANG, "data"))
    editor.register(app)  # the code editor (assets/editor.js): text, error line, code <-> graph
    app.clientside_callback(cs("share"), Output(ID.SHARE_LINK, "value"), Input(ID.SHARE_QUERY, "data"))
    app.clientside_callback(cs("copyLink"), Output(ID.SHARE_COPY, "className"),
                            Input(ID.SHARE_COPY, "n_clicks"), State(ID.SHARE_LINK, "value"),
                            prevent_initial_call=True)
    app.clientside_callback(ClientsideFunction(namespace="explorer_groups", function_name="search"),
                            Output(ID.SEARCH_COUNT, "children"),
                            Input(ID.SEARCH, "value"), Input(ID.SEARCH, "n_submit"), Input(ID.GRAPH, "figure"),
                            State(ID.LANG, "data"))
    app.clientside_callback(cs("downloadImage"), Output(ID.EXPORT_MSG, "title"),
                            Input(ID.EXPORT_PNG, "n_clicks"), Input(ID.EXPORT_SVG, "n_clicks"),
                            State(ID.SPEC, "data"), prevent_initial_call=True)


__all__ = [
    "make_figure",
    "make_spec",
    "on_boot",
    "on_boot_modes",
    "on_example_summary",
    "on_export",
    "on_redraw",
    "on_quiz_check",
    "on_quiz_panel",
    "on_run",
    "on_run_shown",
    "on_select",
    "on_share",
    "on_translate",
    "register",
    "set_limits",
    "trace_for",
]
