"""Views: Dash components built from plain data (a trace, the stores' dicts), for the callbacks to return.

Nothing here reads the page or runs a program: each function takes what it shows and returns components,
so the callbacks (callbacks.py) stay a translation of the page's inputs into these. Some are wired to the
page as they are (render_status, render_error, render_notices: a store and the language in, a panel out).
"""
from __future__ import annotations

import logging
from typing import Any

from dash import dcc, html

from explorer.app import urlstate
from explorer.app.i18n import STRINGS, message, normalize, t
from explorer.app.layout import ID
from explorer.choices import DEFAULT_DIGITS, DEFAULT_LANG
from explorer.drawing import text as fmt
from explorer.recording.model import Trace

log = logging.getLogger(__name__)


# --- the program's panels: inputs, status, error, notices, printed output ----------------------------------


def inputs_panel(inputs: dict) -> list:
    rows = []
    for name, value in inputs.items():
        rows.append(html.Div(className="input-row", children=[
            html.Label(name, className="input-name"),
            dcc.Input(id={"type": ID.INPUT_VALUE, "name": name}, type="text", value=urlstate.format_input(value),
                      debounce=True, className="input-value", spellCheck=False),
        ]))
    return rows


def render_status(stats: dict | None, lang: str | None) -> Any:
    lang = normalize(lang)
    if not stats:
        return t("graph.empty", lang)
    line = t("status", lang, nodes=stats["nodes"], forward=stats["forward"], backward=stats["backward"])
    if stats.get("big"):
        return [html.Span(line), html.Br(), html.Strong(t("status.big", lang, nodes=stats["nodes"]),
                                                         className="big-graph")]
    return line


def render_error(error: dict | None, lang: str | None) -> Any:
    lang = normalize(lang)
    if not error:
        return None
    kind = error.get("kind")
    if kind == "internal":
        return html.Div(className="error", children=[html.Strong(t("error.internal", lang))])
    if kind == "input":
        return html.Div(className="error", children=[html.Strong(t("inputs.bad", lang, name=error.get("name")))])
    head = t(f"error.{kind}", lang) if f"error.{kind}" in STRINGS[DEFAULT_LANG] else t("error.runtime", lang)
    where = ""
    if error.get("line") is not None:
        where = (t("error.where", lang, line=error["line"], col=error["col"] + 1) if error.get("col") is not None
                 else t("error.where_line", lang, line=error["line"]))
    parts: list = [html.Div(className="error-head", children=[
        html.Strong(head), html.Span(f" · {where}" if where else "", className="error-where")])]
    text = error.get("message", "")
    ours = message(text, lang)
    if ours is not None:
        parts.append(html.Div(ours, className="error-message"))
    else:  # torch's or Python's words, under a translated heading and the hint
        parts.append(html.Div([html.Span(t("error.own_words", lang), className="muted small"), " ",
                               html.Span(text, lang="en")], className="error-message"))
    if error.get("text") is not None:
        parts.append(_error_snippet(error))
    if error.get("hint"):
        hint = message(error["hint"], lang) or error["hint"]
        parts.append(html.Div([html.Em(t("error.hint", lang) + ": "), hint], className="error-hint"))
    parts.append(html.Div(t("error.kept", lang), className="muted small"))
    return html.Div(className="error", children=parts)


def _error_snippet(error: dict) -> html.Pre:
    text = error["text"]
    col = error.get("col")
    end = error.get("end_col") if error.get("end_line") in (None, error.get("line")) else None
    lines: list = [html.Span(f"{error['line']:>4} ", className="code-num"), text, "\n"]
    if col is not None:
        col = max(0, min(col, len(text)))
        width = max(1, (end - col) if end is not None and end > col else 1)
        lines += [html.Span("     " + " " * col + "^" * min(width, 200), className="caret")]
    return html.Pre(lines, className="error-snippet")


def render_notices(notices: dict | None, lang: str | None) -> Any:
    lang = normalize(lang)
    if not notices or not notices.get("items"):
        return None
    out = []
    for n in notices["items"]:
        key = f"notice.{n['kind']}"
        if key not in STRINGS[DEFAULT_LANG]:
            out.append(html.Li(n["message"]))
            continue
        words = t(key, lang, name=notices.get("output") or "out")
        item: list = [html.Span(words)]
        # torch's own words (in English) under the translated ones, where they say more
        if n["kind"] == "trimmed":  # our own words, with the numbers
            item += [html.Br(), html.Span(message(n["message"], lang) or n["message"], className="muted small")]
        elif n["kind"] == "torch-warning" or (lang != "en" and n["kind"] == "non-scalar-output"):
            item += [html.Br(), html.Span(n["message"], className="muted small", lang="en")]
        out.append(html.Li(item, className=f"notice notice-{n['kind']}"))
    return [html.H3(t("notices", lang)), html.Ul(out)]


def stdout_view(stdout: str) -> Any:
    """What the program printed, or nothing when it printed only white space."""
    return html.Pre(stdout, className="stdout-text") if stdout.strip() else None


# --- the selected node: its details and its place in the program ------------------------------------------


def empty_detail(lang: str) -> html.P:
    """The detail panel with no node selected."""
    return html.P(t("detail.empty", lang), className="muted")


def explain(trace: Trace, node_id: str, lang: str, digits: int = DEFAULT_DIGITS) -> dict:
    """explorer.drawing.explain.explain_node when available, else the node's raw fields in the same shape; the
    numbers with `digits` significant digits (the figure's)."""
    try:
        from explorer.drawing.explain import explain_node

        return explain_node(trace, node_id, lang, digits)
    except Exception:
        log.exception("explain_node failed; showing raw fields")
    node = trace.nodes[node_id]
    into = sorted((e for e in trace.edges if e.target == node_id), key=lambda e: e.input_index)
    return {
        "id": node.id, "kind": node.kind, "op": node.op, "title": fmt.node_title(node), "what": node.op,
        "name": node.name or node.label, "source": node.span.text if node.span else None,
        "line": node.span.line if node.span else None, "shape": list(node.shape),
        "value": fmt.value_long(node.value, digits=digits),
        "grad_in": fmt.value_long(node.grad, digits=digits) if node.grad else None,
        "inputs": [{"name": trace.nodes[e.source].name or trace.nodes[e.source].label,
                    "value": fmt.value_short(trace.nodes[e.source].value, 8, digits=digits),
                    "grad_sent": fmt.value_short(e.grad, 8, digits=digits) if e.grad else None, "local": None}
                   for e in into if e.kind == "data"],
        "contributions": [], "chain": [],
    }


def render_detail(trace: Trace, node_id: str, lang: str, digits: int = DEFAULT_DIGITS) -> html.Div:
    info = explain(trace, node_id, lang, digits)
    none = t("detail.none", lang)
    kind = info.get("kind", "op")
    rows = []

    def row(label_key: str, value: Any, field: str, **fmt_args: Any) -> None:
        if value is None or value == "":
            return
        rows.append(html.Tr([html.Th(t(label_key, lang, **fmt_args)),
                             html.Td(value, className=f"detail-{field}", **{"data-field": field})]))

    row("detail.variable", info.get("name"), "name")
    row("detail.shape", fmt.shape_text(info["shape"]) if info.get("shape") else t("detail.scalar", lang), "shape")
    if info.get("source"):
        src = info["source"]
        where = t("detail.line", lang, line=info["line"]) + ": " if info.get("line") else ""
        row("detail.source", html.Code(where + (src if len(src) <= 120 else src[:118] + "…")), "source")
    row("detail.value", info.get("value") or none, "value")
    row("detail.grad_leaf" if kind == "leaf" else "detail.grad_in", info.get("grad_in") or none, "grad")
    if len(info.get("contributions") or []) > 1 and not info.get("passes"):
        row("detail.uses", " + ".join(info["contributions"]), "contributions")
    body: list = [
        html.H4([html.Span(info.get("title", node_id), className="detail-title"),
                 html.Span(t(f"detail.kind.{kind}", lang), className=f"badge badge-{kind}")]),
        html.P(info.get("what", ""), className="detail-what"),
    ]
    if info.get("uses"):
        body.append(html.P(info["uses"], className="muted small"))
    if info.get("hook"):
        body.append(html.P(info["hook"], className="detail-hook small", **{"data-field": "hook"}))
    body.append(html.Table(rows, className="detail-table"))
    if info.get("passes"):
        body += grad_history_view(info["passes"], info.get("story", ""), lang)
    elif info.get("story"):
        body.append(html.P(info["story"], className="grad-story", **{"data-field": "grad_story"}))
    inputs = info.get("inputs") or []
    if inputs:
        head = html.Tr([html.Th(t("detail.input", lang)), html.Th(t("detail.input_value", lang)),
                        html.Th(t("detail.local", lang)), html.Th(t("detail.grad_sent", lang))])
        trs = [html.Tr([html.Td(html.Code(i.get("name", ""))), html.Td(i.get("value") or none),
                        html.Td(i.get("local") or i.get("local_value") or none),
                        html.Td(i.get("grad_sent") or none, className="detail-grad-sent",
                                **{"data-field": "grad_sent"})])
               for i in inputs]
        body += [html.H5(t("detail.inputs", lang)), html.Table([head, *trs], className="detail-inputs")]
    if info.get("saved"):
        body += saved_view(info["saved"], lang)
    if info.get("chain"):
        body += [html.H5(t("detail.chain", lang)),
                 html.Pre("\n".join(info["chain"]), className="detail-chain")]
    return html.Div(body, className="detail-body", **{"data-node": node_id})


def saved_view(saved: list[dict], lang: str) -> list:
    """The tensors autograd saved for this node's backward (`grad_fn._saved_*`), and whose values they are."""
    trs = [html.Tr([html.Td(html.Code(s["name"])), html.Td(s["value"], className="detail-saved-value"),
                    html.Td(s.get("note") or "", className="muted small")]) for s in saved]
    return [html.H5(t("detail.saved", lang)), html.P(t("detail.saved_why", lang), className="muted small"),
            html.Table(trs, className="detail-saved", **{"data-field": "saved"})]


def grad_history_view(passes: list[dict], story: str, lang: str) -> list:
    """A leaf's .grad pass by pass (explorer.drawing.explain.grad_history): the sentence saying what it holds,
    then a row per pass with what it brought and .grad afterwards, and a marked row where .grad was zeroed, set
    to None or set."""
    head = html.Tr([html.Th(t("detail.pass", lang)), html.Th(t("detail.pass_grad", lang)),
                    html.Th(t("detail.grad_after", lang))])
    trs = []
    for r in passes:
        if r["kind"] in ("pass", "returned"):
            where = [html.Br(), html.Code(r["where"], className="small")] if r.get("where") else []
            brought: list = [r["grad"]]
            if r.get("uses"):
                brought += [html.Br(), html.Span(r["uses"], className="muted small")]
            trs.append(html.Tr([html.Td([html.Strong(r["label"]), *where]),
                                html.Td(brought, **{"data-field": "pass_grad"}),
                                html.Td([r["after"], html.Br(), html.Span(r["note"], className="muted small")],
                                        **{"data-field": "grad_after"})],
                               className=f"grad-row grad-{r['kind']}"))
        else:
            trs.append(html.Tr(html.Td(r["label"], colSpan=3), className=f"grad-row grad-reset grad-{r['kind']}",
                               **{"data-kind": r["kind"]}))
    return [html.H5(t("detail.passes", lang)), html.P(story, className="grad-story", **{"data-field": "grad_story"}),
            html.Table([head, *trs], className="detail-passes")]


def render_code_view(trace: Trace, node_id: str, lang: str) -> Any:
    """The program with the selected node's source text marked (the editor keeps what the user types)."""
    node = trace.nodes[node_id]
    span = node.span
    if span is None:
        return None
    lines = trace.source.splitlines()
    first = max(1, span.line - 2)
    last = min(len(lines), (span.end_line or span.line) + 2)
    out: list = []
    for no in range(first, last + 1):
        text = lines[no - 1] if no - 1 < len(lines) else ""
        start = _char_col(text, span.col) if no == span.line else 0
        end_line = span.end_line or span.line
        end = _char_col(text, span.end_col) if no == end_line and span.end_col is not None else len(text)
        parts: list = [html.Span(f"{no:>4} ", className="code-num")]
        if span.line <= no <= end_line:
            parts += [text[:start], html.Mark(text[start:end], className="code-mark"), text[end:]]
        else:
            parts.append(text)
        out.append(html.Div(parts, className="code-line" + (" marked" if span.line <= no <= end_line else "")))
    return [html.Div(t("source.title", lang), className="muted small"), html.Pre(out, className="code")]


def _char_col(line: str, col: int | None) -> int:
    """A span's column (the trace counts characters, not ast's UTF-8 bytes), kept inside the line."""
    return 0 if col is None else max(0, min(col, len(line)))


# --- quiz mode: the question the player stands at, and how it was answered ---------------------------------


def quiz_feedback(record: dict | None, explanation: list[str] | tuple[str, ...], lang: str) -> Any:
    """After an answer: right or wrong (with what was said), then the chain-rule step that gives torch's
    gradient. `record` is {"ok": bool, "given": text or None} (None: revealed without an answer)."""
    if not record:
        return None
    ok = bool(record.get("ok"))
    if ok:
        verdict = t("quiz.right", lang)
    elif record.get("given") is None:
        verdict = t("quiz.skipped", lang)
    else:
        verdict = t("quiz.wrong", lang, given=str(record["given"])[:80])
    return html.Div(className="quiz-result " + ("quiz-right" if ok else "quiz-wrong"),
                    **{"data-ok": "1" if ok else "0"}, children=[
        html.Strong(("✓ " if ok else "✗ ") + verdict),
        html.Ul([html.Li(line, className="mono") for line in explanation]),
    ])
