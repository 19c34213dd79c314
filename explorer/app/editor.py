"""The program editor's Python side: what assets/editor.js needs from the server, and its one callback.

The page shows a code editor (CodeMirror, vendored in assets/vendor/) that assets/editor.js mounts in
`ID.CODE_EDITOR`. The callbacks still read and write the program as the `value` of the hidden `ID.EDITOR`:
editor.js copies the code editor's text there (a moment after typing stops, and at once before a Run) and
puts a value the server sets (the boot from a link, a gallery example) into the code editor. So no server
callback knows the editor changed.

- `editor_config(limits)` goes into the page's JSON element (explorer/app/browser.py): the size limit a
  paste or a keystroke may not cross (the server's own, so it is refused before it is sent), and the words
  of the refusal in each language.
- `node_spans(trace)` goes with each figure (`layout.meta.spans`, see callbacks.make_figure): where in the
  program each node came from, so that the cursor on a line lights the nodes it made, and a clicked node
  marks its text, without a server round trip.
- `register(app)` wires editor.js's clientside callback: the program's value, its placeholder, the error,
  the figure, the selected node and the language in; nothing out.
"""
from __future__ import annotations

from typing import Any

from dash import ClientsideFunction, Input, Output, State

from explorer import fastjson
from explorer.app import urlstate
from explorer.app.i18n import STRINGS
from explorer.app.layout import ID
from explorer.config import DEFAULT_LIMITS, Limits
from explorer.recording.model import Trace

# The words editor.js shows, by i18n key: {n} and {limit} are filled in by the browser.
EDITOR_WORDS = {"too_long": "editor.too_long", "label": "editor.label"}


def max_program_chars(limits: Limits = DEFAULT_LIMITS) -> int:
    """The longest program the server takes: its parser's limit, and no more than a link may carry."""
    return min(limits.max_source_chars, urlstate.MAX_PROGRAM_CHARS)


def editor_config(limits: Limits = DEFAULT_LIMITS) -> dict[str, Any]:
    """What assets/editor.js reads from the page (ExplorerPlayer.config.editor)."""
    return {
        "max_chars": max_program_chars(limits),
        "words": {lang: {name: table[key] for name, key in EDITOR_WORDS.items()} for lang, table in STRINGS.items()},
    }


def node_spans(trace: Trace) -> str:
    """{node id: [line, col, end_line, end_col]} for each node that has a place in the program (1-based lines,
    columns in characters), as a JSON string: plotly keeps a string in layout.meta as one opaque value."""
    spans = {nid: [n.span.line, n.span.col, n.span.end_line or n.span.line, n.span.end_col]
             for nid, n in trace.nodes.items() if n.span is not None}
    return fastjson.dumps_text(spans)


def register(app: Any) -> None:
    """editor.js's callback (window.dash_clientside.explorer_editor.sync): it returns nothing to show."""
    app.clientside_callback(
        ClientsideFunction(namespace="explorer_editor", function_name="sync"),
        Output(ID.EDITOR_SYNC, "children"),
        Input(ID.EDITOR, "value"), Input(ID.EDITOR, "placeholder"), Input(ID.ERROR, "data"),
        Input(ID.GRAPH, "figure"), Input(ID.SELECTED, "data"), Input(ID.LANG, "data"), State(ID.SPEC, "data"),
    )
