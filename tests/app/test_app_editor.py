"""The program editor's Python side (explorer/app/editor.py): the limit and words the page hands
assets/editor.js, the node spans each figure carries, and the vendored code editor served from this server."""
from __future__ import annotations

import html as htmllib
import json
import re
from pathlib import Path

import explorer
from explorer import examples
from explorer.app import callbacks as cb
from explorer.app import create_app, urlstate
from explorer.app.browser import page_config
from explorer.app.editor import EDITOR_WORDS, editor_config, max_program_chars, node_spans
from explorer.app.i18n import STRINGS
from explorer.app.layout import ID, build_layout
from explorer.assets import read_asset
from explorer.config import DEFAULT_LIMITS, Limits

ROOT = Path(__file__).resolve().parents[2]
FIRST = examples.get("first-graph")


def page_json(app) -> dict:
    text = app.server.test_client().get("/").get_data(as_text=True)
    raw = re.search(r'<script type="application/json" id="explorer-config">(.*?)</script>', text, re.S).group(1)
    return json.loads(htmllib.unescape(raw))


def test_the_limit_is_the_servers_own():
    assert max_program_chars() == DEFAULT_LIMITS.max_source_chars == urlstate.MAX_PROGRAM_CHARS
    assert max_program_chars(Limits(max_source_chars=1_234)) == 1_234
    # never above what a link may carry, whatever the server allows
    assert max_program_chars(Limits(max_source_chars=10 ** 7)) == urlstate.MAX_PROGRAM_CHARS
    assert page_config()["editor"]["max_chars"] == DEFAULT_LIMITS.max_source_chars


def test_the_page_carries_the_limit_the_server_runs_with(monkeypatch):
    assert page_json(create_app(limits={"max_source_chars": 2_000}))["editor"]["max_chars"] == 2_000
    monkeypatch.setenv("EXPLORER_MAX_SOURCE_CHARS", "3000")
    assert page_json(create_app())["editor"]["max_chars"] == 3_000


def test_the_refusal_is_worded_in_every_language():
    words = editor_config()["words"]
    assert set(words) == set(STRINGS)
    for lang, table in words.items():
        assert set(table) == set(EDITOR_WORDS)
        assert "{n}" in table["too_long"] and "{limit}" in table["too_long"]
        assert table["too_long"] == STRINGS[lang]["editor.too_long"]
    assert words["en"]["too_long"] != words["zh"]["too_long"]


def test_node_spans_say_where_each_node_came_from():
    tr = explorer.trace(FIRST.source)
    spans = json.loads(node_spans(tr))
    with_span = {nid: n.span for nid, n in tr.nodes.items() if n.span is not None}
    assert set(spans) == set(with_span) and spans
    lines = FIRST.source.splitlines()
    for nid, (line, col, end_line, end_col) in spans.items():
        span = with_span[nid]
        assert (line, col, end_line, end_col) == (span.line, span.col, span.end_line, span.end_col)
        if line == end_line:  # the columns cut the node's own text out of its line
            assert lines[line - 1][col:end_col] == span.text
    add = next(nid for nid, n in tr.nodes.items() if n.op == "AddBackward0")
    assert spans[add][0] == 3 and with_span[add].text == "x + 2"


def test_each_figure_carries_its_spans():
    tr = cb.trace_for(cb.make_spec(FIRST.source, {}, "auto"))
    fig = cb.make_figure(tr)
    assert json.loads(fig["layout"]["meta"]["spans"]) == json.loads(node_spans(tr))
    assert "explorer" in fig["layout"]["meta"]  # the animation data is still there


def test_the_layout_has_the_editor_parts():
    seen = json.dumps(build_layout().to_plotly_json(), default=lambda o: o.to_plotly_json())
    for cid in (ID.EDITOR, ID.CODE_EDITOR, ID.EDITOR_MSG, ID.EDITOR_RESIZE, ID.EDITOR_SYNC):
        assert json.dumps(cid) in seen, cid


def test_the_code_editor_is_served_from_this_server_with_its_licence():
    app = create_app()
    client = app.server.test_client()
    page = client.get("/").get_data(as_text=True)
    for asset in ("/assets/editor.js", "/assets/vendor/codemirror.min.js"):
        assert asset in page
        assert client.get(asset).status_code == 200
    # loaded in that order is not needed: editor.js waits for the bundle
    bundle = (ROOT / "assets" / "vendor" / "codemirror.min.js").read_text(encoding="utf-8")
    assert bundle.startswith("var ExplorerCodeMirror=") and "http://" not in bundle.replace("http://www.w3.org", "")
    licence = (ROOT / "assets" / "vendor" / "codemirror.LICENSE.txt").read_text(encoding="utf-8")
    assert "MIT License" in licence and "@codemirror/view" in licence
    readme = (ROOT / "assets" / "vendor" / "README.md").read_text(encoding="utf-8")
    assert "tools/codemirror/build.sh" in readme


def test_editor_js_types_no_limit_id_or_word():
    js = read_asset("editor.js")
    assert str(DEFAULT_LIMITS.max_source_chars) not in js and "50,000" not in js and "50_000" not in js
    for cid in (ID.EDITOR_MSG, ID.CODE_EDITOR, ID.RUN, ID.GRAPH):
        assert f'"{cid}"' not in js and f"'{cid}'" not in js, cid
    for lang in STRINGS:
        assert STRINGS[lang]["editor.too_long"] not in js
