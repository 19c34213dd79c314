"""The page: components and their ids. No callbacks here (see callbacks.py), no state beyond dcc.Store.

    ┌ header: title · language · presentation ───────────────────────────────────┐
    │ left: examples, editor, run,  │ centre: settings and export toolbar, status, │
    │ error, code view, inputs,     │ graph, timeline, caption, node details       │
    │ backward choice, notes, share │                                              │
    └─────────────────────────────────────────────────────────────────────────────┘

Static words are `T(key)` spans whose ids ({"t": key, "n": i}) let one callback translate them all.
"""
from __future__ import annotations

import itertools
from typing import Any

import plotly.graph_objects as go
from dash import dcc, html

from explorer.app import groups
from explorer.app.i18n import PLOTLY_LOCALES, PLOTLY_WORDS, t
from explorer.choices import (
    DEFAULT_BACKWARD,
    DEFAULT_DIGITS,
    DEFAULT_DIRECTION,
    DEFAULT_LANG,
    DEFAULT_SPEED,
    DEFAULT_THEME,
    DIGITS,
    DIRECTIONS,
    SPEEDS,
    THEMES,
    backward_modes_shown,
    normalize_lang,
)
from explorer.drawing.figure import PLOTLY_CONFIG
from explorer.drawing.themes import THEMES as THEME_LOOKS
from explorer.examples import EXAMPLES

BIG_GRAPH_NODES = 300  # from this many shown nodes on, the status line says the graph is big
# An exported file is named after the example shown: autograd-first-graph.pdf; a typed program's after UNNAMED.
EXPORT_PREFIX = "autograd-"
UNNAMED = "program"


class ID:
    """Component ids, in one place for callbacks, the tests and the browser (assets/app.js gets them from the
    page: explorer/app/config.py)."""

    ROOT = "app-root"
    LANG = "lang-store"
    LANG_EN = "lang-en"
    LANG_ZH = "lang-zh"
    URL = "url"
    BOOT = "boot"
    BOOTED = "booted"
    SPEC = "run-spec"
    STATS = "stats"
    ERROR = "error-store"
    NOTICES = "notices-store"
    PLAYER = "player"
    SELECTED = "selected"
    PRESENT = "present"
    SHARE_QUERY = "share-query"
    WEBGL = "webgl"  # whether this browser can draw WebGL (set once by assets/app.js)
    CANVAS = "canvas"  # the graph's room in the page, {"w": px, "h": px} (measured by assets/app.js canvasRoom)

    EXAMPLE = "example"
    EXAMPLE_SUMMARY = "example-summary"
    EDITOR = "editor"  # the program's text (its `value`), hidden: assets/editor.js keeps it and the code editor in step
    CODE_EDITOR = "code-editor"  # where assets/editor.js mounts the code editor (CodeMirror)
    EDITOR_MSG = "editor-msg"  # what the code editor refused (a paste over the size limit)
    EDITOR_RESIZE = "editor-resize"  # the handle that makes the program's column wider or narrower
    EDITOR_SYNC = "editor-sync"  # the output of editor.js's clientside callback (nothing to show)
    RUN = "run-btn"
    ERROR_BOX = "error-box"
    CODE_VIEW = "code-view"
    INPUTS_SECTION = "inputs-section"
    INPUTS_PANEL = "inputs-panel"
    INPUT_VALUE = "input-value"  # pattern-matching type: {"type": INPUT_VALUE, "name": name}
    BACKWARD = "backward"
    NOTICES_BOX = "notices"
    STDOUT = "stdout"

    STATUS = "status"
    GRAPH = "graph"
    LOADING = "graph-loading"
    FIRST = "tl-first"
    BACK = "tl-back"
    PLAY = "tl-play"
    FORWARD = "tl-fwd"
    LAST = "tl-last"
    SLIDER = "tl-slider"
    SLIDER_WRAP = "slider-wrap"
    SPEED = "speed"
    TICK = "tick"
    CAPTION = "caption"
    SHOW_ALL = "show-all"  # True: every value and gradient at once ("all=1" in the link)
    SHOW_ALL_BTN = "show-all-btn"
    QUIZ = "quiz"  # True: quiz mode ("quiz=1" in the link)
    QUIZ_BTN = "quiz-btn"
    QUIZ_ASK = "quiz-ask"  # the question the player stands at: {k, node, pass, answered}, or None
    QUIZ_SCORE = "quiz-score"  # {right, asked, answered: {step: {ok, given}}}
    QUIZ_PANEL = "quiz-panel"
    QUIZ_PROMPT = "quiz-prompt"
    QUIZ_ANSWER = "quiz-answer"
    QUIZ_CHECK = "quiz-check"
    QUIZ_SKIP = "quiz-skip"
    QUIZ_HINT = "quiz-hint"
    QUIZ_FEEDBACK = "quiz-feedback"
    QUIZ_SCORE_TEXT = "quiz-score-text"

    DETAIL = "detail"
    EXPORT_PNG = "exp-png"
    EXPORT_SVG = "exp-svg"
    EXPORT_PDF = "exp-pdf"
    EXPORT_GIF = "exp-gif"
    EXPORT_HTML = "exp-html"
    EXPORT_JSON = "exp-json"
    DOWNLOAD = "download"
    EXPORT_MSG = "export-msg"
    THEME = "theme"
    DIRECTION = "direction"
    DIGITS = "digits"  # significant digits of every number shown (explorer.choices DIGITS)
    DIGITS_GROUP = "digits-group"
    GROUPS_CHOICE = "groups-choice"  # the Groups label and control, with its tooltip
    CONSTANTS = "constants"
    PRESENT_BTN = "present-btn"
    SHARE_LINK = "share-link"
    SHARE_COPY = "share-copy"
    DUMMY = "clientside-dummy"
    GROUP_DEPTH = "group-depth"  # groups: which are collapsed (explorer/app/groups.py)
    COLLAPSE = "collapse-store"
    SEARCH = "search"
    SEARCH_COUNT = "search-count"


# The language buttons of the header: id -> the language it switches to
LANG_BUTTONS = {ID.LANG_EN: "en", ID.LANG_ZH: "zh"}
LANG_LABELS = {"en": "EN", "zh": "中文"}  # each in its own language

# Components whose `title` attribute (tooltip) is translated: id -> key
TITLES = {
    ID.RUN: "run.title",
    ID.FIRST: "timeline.first",
    ID.BACK: "timeline.back",
    ID.PLAY: "timeline.play",
    ID.FORWARD: "timeline.forward",
    ID.LAST: "timeline.last",
    ID.EXPORT_PNG: "export.png.title",
    ID.EXPORT_SVG: "export.svg.title",
    ID.EXPORT_PDF: "export.pdf.title",
    ID.EXPORT_GIF: "export.gif.title",
    ID.EXPORT_HTML: "export.html.title",
    ID.EXPORT_JSON: "export.json.title",
    ID.PRESENT_BTN: "present.title",
    ID.SHOW_ALL_BTN: "show_all.title",
    ID.QUIZ_BTN: "quiz.title",
    ID.EDITOR_RESIZE: "editor.resize",
    ID.DIGITS_GROUP: "digits.title",
    ID.GROUPS_CHOICE: "groups.title",
}

# Components whose `placeholder` is translated: id -> key
PLACEHOLDERS = {ID.EXAMPLE: "examples.placeholder", ID.EDITOR: "editor.placeholder",
                ID.QUIZ_ANSWER: "quiz.placeholder", ID.SEARCH: "search.placeholder"}


def example_options(lang: str) -> list[dict]:
    return [{"label": ex.title(lang), "value": ex.key} for ex in EXAMPLES]


def backward_options(lang: str) -> list[dict]:
    return [{"label": t(f"backward.{m}", lang), "value": m} for m in backward_modes_shown()]


def theme_options(lang: str) -> list[dict]:
    return [{"label": t(f"theme.{m}", lang), "value": m} for m in THEMES]


def direction_options(lang: str) -> list[dict]:
    return [{"label": t(f"direction.{m}", lang), "value": m} for m in DIRECTIONS]


def digits_options(lang: str) -> list[dict]:
    """The counts of significant digits offered, as numbers ("2" ... "6" in every language)."""
    return [{"label": str(d), "value": d} for d in DIGITS]


def constants_options(lang: str) -> list[dict]:
    return [{"label": t("constants", lang), "value": "on"}]


def speed_options(lang: str) -> list[dict]:
    return [{"label": f"{k}×", "value": k} for k in SPEEDS]


def empty_figure(theme: str = DEFAULT_THEME, message: str = "") -> go.Figure:
    """The graph before any run: blank axes, in the theme's background, and one line of text."""
    background = THEME_LOOKS[theme if theme in THEME_LOOKS else DEFAULT_THEME].background
    fig = go.Figure()
    fig.update_layout(
        paper_bgcolor=background, plot_bgcolor=background,
        xaxis={"visible": False}, yaxis={"visible": False}, margin={"l": 10, "r": 10, "t": 10, "b": 10},
        annotations=[{"text": message, "showarrow": False, "x": 0.5, "y": 0.5, "xref": "paper", "yref": "paper",
                      "font": {"size": 16, "color": "#888888"}}] if message else [],
    )
    return fig


def graph_config(filename: str = EXPORT_PREFIX + "graph", lang: str = DEFAULT_LANG) -> dict:
    """dcc.Graph's plotly configuration: no cloud links (PLOTLY_CONFIG), the toolbar's tooltips in `lang`
    (plotly's own locale mechanism, with the words of i18n.PLOTLY_WORDS)."""
    lang = normalize_lang(lang)
    locale = {"locale": PLOTLY_LOCALES[lang], "locales": {PLOTLY_LOCALES[lang]: {"dictionary": PLOTLY_WORDS[lang]}}} \
        if PLOTLY_WORDS.get(lang) else {}
    return {
        **PLOTLY_CONFIG,
        **locale,
        "scrollZoom": True,
        "responsive": True,
        "toImageButtonOptions": {"format": "png", "filename": filename, "scale": 2},
        "modeBarButtonsToRemove": ["select2d", "lasso2d", "autoScale2d"],
    }


def editor_components(lang: str) -> list:
    """The program editor: a box assets/editor.js fills with a code editor, the hidden text the callbacks read
    and write (ID.EDITOR's `value`), and a line for what the editor refused."""
    return [
        html.Div(className="editor-wrap", children=[
            html.Div(id=ID.CODE_EDITOR, className="code-editor"),
            dcc.Textarea(id=ID.EDITOR, className="editor-text", value="", placeholder=t("editor.placeholder", lang),
                         style={"display": "none"}),
        ]),
        html.Div(id=ID.EDITOR_MSG, className="editor-msg", role="status", **{"aria-live": "polite"}),
        html.Div(id=ID.EDITOR_SYNC, style={"display": "none"}),
    ]


def build_layout(lang: str = DEFAULT_LANG) -> html.Div:
    counter = itertools.count()

    def T(key: str, tag: Any = html.Span, **props: Any) -> Any:
        return tag(t(key, lang), id={"t": key, "n": next(counter)}, **props)

    def button(cid: str, label: Any, cls: str = "btn") -> html.Button:
        title = t(TITLES[cid], lang) if cid in TITLES else None
        return html.Button(label, id=cid, n_clicks=0, className=cls, title=title)

    stores = [
        dcc.Location(id=ID.URL, refresh=False),
        dcc.Store(id=ID.LANG, storage_type="local"),
        dcc.Store(id=ID.BOOT),
        dcc.Store(id=ID.BOOTED, data=False),
        dcc.Store(id=ID.SPEC),
        dcc.Store(id=ID.STATS),
        dcc.Store(id=ID.ERROR),
        dcc.Store(id=ID.NOTICES),
        dcc.Store(id=ID.PLAYER, data={"k": -1, "playing": False}),
        dcc.Store(id=ID.SELECTED),
        dcc.Store(id=ID.PRESENT, data=False),
        dcc.Store(id=ID.WEBGL, data=False),
        dcc.Store(id=ID.CANVAS),
        dcc.Store(id=ID.SHARE_QUERY),
        dcc.Store(id=ID.SHOW_ALL, data=False),
        dcc.Store(id=ID.QUIZ, data=False),
        dcc.Store(id=ID.QUIZ_ASK),
        dcc.Store(id=ID.QUIZ_SCORE, data={"right": 0, "asked": 0, "answered": {}}),
        dcc.Store(id=ID.COLLAPSE, storage_type="session"),
        dcc.Download(id=ID.DOWNLOAD),
        dcc.Interval(id=ID.TICK, interval=SPEEDS[DEFAULT_SPEED], disabled=True),
        html.Div(id=ID.DUMMY, style={"display": "none"}),
    ]

    header = html.Header(className="app-header", children=[
        html.Div(className="title-block", children=[
            T("app.title", html.H1),
            T("app.subtitle", html.P, className="subtitle"),
        ]),
        html.Div(className="header-tools", children=[
            html.Div(className="lang-switch", role="group", children=[
                html.Button(LANG_LABELS[code], id=cid, n_clicks=0, className="btn btn-small", lang=code)
                for cid, code in LANG_BUTTONS.items()
            ]),
            button(ID.PRESENT_BTN, T("present"), "btn btn-small"),
        ]),
    ])

    share = html.Div(className="field", children=[
        T("share", html.H3),
        T("share.help", html.P, className="muted small"),
        html.Div(className="row", children=[
            dcc.Input(id=ID.SHARE_LINK, type="text", readOnly=True, className="share-link", value=""),
            button(ID.SHARE_COPY, T("share.copy"), "btn btn-small"),
        ]),
        T("keys", html.P, className="muted small keys"),
    ])

    left = html.Section(className="panel left-panel", children=[
        html.Div(id=ID.EDITOR_RESIZE, className="column-resize", role="separator", tabIndex="0",
                 title=t(TITLES[ID.EDITOR_RESIZE], lang), **{"aria-orientation": "vertical"}),
        html.Div(className="field", children=[
            T("examples", html.Label, htmlFor=ID.EXAMPLE),
            dcc.Dropdown(id=ID.EXAMPLE, options=example_options(lang), placeholder=t("examples.placeholder", lang),
                         clearable=False, searchable=True, className="example-dropdown"),
            html.P(id=ID.EXAMPLE_SUMMARY, className="muted small"),
        ]),
        html.Div(className="field", children=[
            html.Div(className="row spread", children=[
                T("program", html.Label),
                button(ID.RUN, ["▶ ", T("run")], "btn btn-primary"),
            ]),
            *editor_components(lang),
            html.Div(id=ID.ERROR_BOX, className="error-box", role="alert"),
            html.Div(id=ID.CODE_VIEW, className="code-view"),
        ]),
        html.Div(id=ID.INPUTS_SECTION, className="field", style={"display": "none"}, children=[
            T("inputs", html.H3),
            T("inputs.help", html.P, className="muted small"),
            html.Div(id=ID.INPUTS_PANEL, className="inputs-panel"),
        ]),
        html.Div(className="field", children=[
            T("backward", html.H3),
            T("backward.help", html.P, className="muted small"),
            dcc.RadioItems(id=ID.BACKWARD, options=backward_options(lang), value=DEFAULT_BACKWARD,
                           className="radio-list"),
        ]),
        html.Div(id=ID.NOTICES_BOX, className="notices"),
        html.Div(id=ID.STDOUT, className="stdout"),
        share,
    ])

    toolbar = html.Div(className="toolbar", children=[
        html.Div(className="tool-group", children=[
            T("theme", html.Span, className="tool-label"),
            dcc.RadioItems(id=ID.THEME, options=theme_options(lang), value=DEFAULT_THEME, inline=True,
                           className="radio-inline"),
        ]),
        html.Div(className="tool-group", children=[
            T("direction", html.Span, className="tool-label"),
            dcc.RadioItems(id=ID.DIRECTION, options=direction_options(lang), value=DEFAULT_DIRECTION, inline=True,
                           className="radio-inline"),
        ]),
        # a dropdown, as narrow as the player's speed: the toolbar keeps its rows at 1280 px
        html.Div(id=ID.DIGITS_GROUP, className="tool-group", title=t(TITLES[ID.DIGITS_GROUP], lang), children=[
            T("digits", html.Label, className="tool-label", htmlFor=ID.DIGITS),
            dcc.Dropdown(id=ID.DIGITS, options=digits_options(lang), value=DEFAULT_DIGITS, clearable=False,
                         searchable=False, className="digits-dropdown"),
        ]),
        dcc.Checklist(id=ID.CONSTANTS, options=constants_options(lang), value=[], className="checklist tool-group"),
        html.Div(className="tool-group groups-group", children=[
            html.Div(id=ID.GROUPS_CHOICE, className="groups-choice", title=t(TITLES[ID.GROUPS_CHOICE], lang),
                     children=[
                T("groups", html.Label, className="tool-label", htmlFor=ID.GROUP_DEPTH),
                dcc.Dropdown(id=ID.GROUP_DEPTH, options=groups.depth_options(lang), value=groups.DEFAULT_DEPTH,
                             clearable=False, searchable=False, className="depth-dropdown"),
            ]),
            *groups.search_box(lang),
        ]),
        html.Div(className="tool-group export-group", children=[
            T("export", html.Span, className="tool-label"),
            button(ID.EXPORT_PNG, "PNG", "btn btn-small"),
            button(ID.EXPORT_SVG, "SVG", "btn btn-small"),
            button(ID.EXPORT_PDF, "PDF", "btn btn-small"),
            button(ID.EXPORT_GIF, "GIF", "btn btn-small"),
            button(ID.EXPORT_HTML, "HTML", "btn btn-small"),
            button(ID.EXPORT_JSON, "JSON", "btn btn-small"),
            dcc.Loading(html.Span(id=ID.EXPORT_MSG, className="muted small"), type="dot", delay_show=300),
        ]),
    ])

    centre = html.Section(className="panel centre-panel", children=[
        toolbar,
        html.Div(id=ID.STATUS, className="status muted"),
        dcc.Loading(id=ID.LOADING, type="default", delay_show=250, className="graph-loading",
                    parent_className="graph-loading-parent", children=[
            dcc.Graph(id=ID.GRAPH, className="graph", figure=empty_figure(), config=graph_config(),
                      responsive=True, clear_on_unhover=True),
        ]),
        # the player: stuck to the window's bottom edge while a tall graph scrolls under it
        html.Div(className="player-bar", children=[
            html.Div(className="timeline", children=[
                html.Div(className="timeline-buttons", children=[
                    button(ID.FIRST, "⇤", "btn btn-icon"),
                    button(ID.BACK, "◀", "btn btn-icon"),
                    button(ID.PLAY, "▶", "btn btn-icon btn-primary"),
                    button(ID.FORWARD, "▶|", "btn btn-icon"),
                    button(ID.LAST, "⇥", "btn btn-icon"),
                ]),
                html.Div(id=ID.SLIDER_WRAP, className="slider-wrap", title=t("timeline.scrub", lang), children=[
                    dcc.Slider(id=ID.SLIDER, min=0, max=1, step=1, value=0, marks=None, updatemode="drag",
                               allow_direct_input=False),
                ]),
                html.Div(className="reveal-modes", children=[
                    button(ID.SHOW_ALL_BTN, T("show_all"), "btn btn-small"),
                    button(ID.QUIZ_BTN, T("quiz"), "btn btn-small"),
                ]),
                html.Div(className="speed", children=[
                    T("speed", html.Label, htmlFor=ID.SPEED),
                    dcc.Dropdown(id=ID.SPEED, options=speed_options(lang), value=DEFAULT_SPEED, clearable=False,
                                 searchable=False, className="speed-dropdown"),
                ]),
            ]),
            html.Div(id=ID.CAPTION, className="caption", **{"aria-live": "polite"}),
            html.Div(id=ID.QUIZ_PANEL, className="quiz-panel", style={"display": "none"}, children=[
                html.Div(className="row spread", children=[
                    html.Strong(id=ID.QUIZ_PROMPT, className="quiz-prompt"),
                    html.Span(id=ID.QUIZ_SCORE_TEXT, className="quiz-score"),
                ]),
                html.Div(className="row", children=[
                    dcc.Input(id=ID.QUIZ_ANSWER, type="text", className="quiz-answer", value="", debounce=False,
                              placeholder=t("quiz.placeholder", lang), autoComplete="off"),
                    button(ID.QUIZ_CHECK, T("quiz.check"), "btn btn-primary btn-small"),
                    button(ID.QUIZ_SKIP, T("quiz.skip"), "btn btn-small"),
                ]),
                html.Div(id=ID.QUIZ_HINT, className="muted small"),
                html.Div(id=ID.QUIZ_FEEDBACK, className="quiz-feedback", **{"aria-live": "polite"}),
            ]),
        ]),
        html.Div(className="detail-field", children=[
            T("detail", html.H3),
            html.Div(id=ID.DETAIL, className="detail", children=T("detail.empty", html.P, className="muted")),
        ]),
    ])

    return html.Div(id=ID.ROOT, className="app", children=[
        *stores,
        header,
        html.Main(className="app-main", children=[left, centre]),
    ])
