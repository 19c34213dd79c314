"""The step format, the browser's side: assets/animation.js, in Chromium, reads the golden copy
(tests/data/first_graph_steps.json, checked against Python's figure by tests/test_step_format.py) into the
same steps and writes the same captions, in every language, with the settings the page hands it.

No app is needed: a blank page holds the JSON element Python renders (explorer.drawing.html_player) and the
asset itself, as an exported HTML file does.
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from explorer import fastjson
from explorer.assets import read_asset
from explorer.drawing.html_player import config_element, player_config

pytestmark = pytest.mark.browser

GOLDEN = Path(__file__).resolve().parents[1] / "data" / "first_graph_steps.json"


@pytest.fixture(scope="module")
def player(browser):
    """A page with the player loaded, and the golden data as the browser gets it: a JSON string in
    layout.meta.explorer, written by the serializer figure_dict uses."""
    golden = json.loads(GOLDEN.read_text(encoding="utf-8"))
    context = browser.new_context()
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.set_content(f"<!DOCTYPE html><html><head><meta charset='utf-8'></head><body>"
                     f"{config_element(player_config())}</body></html>")
    page.add_script_tag(content=read_asset("animation.js"))
    page.evaluate("(raw) => { window.figure = {layout: {meta: {explorer: raw}}}; }",
                  fastjson.dumps_text(golden["meta"]))
    yield page, golden, errors
    context.close()


def test_the_parser_reads_the_golden_steps(player):
    page, golden, errors = player
    meta = page.evaluate("() => window.ExplorerPlayer.meta(window.figure)")
    assert meta == golden["meta"]
    assert page.evaluate("() => window.ExplorerPlayer.count(window.figure)") == len(golden["meta"]["steps"])
    # parsed once: the same object again for the same string, a new one for a new figure
    assert page.evaluate("() => window.ExplorerPlayer.meta(window.figure) === window.ExplorerPlayer.meta("
                         "{layout: {meta: {explorer: window.figure.layout.meta.explorer}}})")
    assert page.evaluate("() => window.ExplorerPlayer.meta({layout: {}}) === null")
    assert not errors


def test_the_browser_writes_the_golden_captions(player):
    page, golden, errors = player
    for lang, captions in golden["captions"].items():
        got = page.evaluate("""(lang) => {
            const P = window.ExplorerPlayer, n = P.count(window.figure), out = [];
            for (let k = -1; k < n; k++) { out.push(P.caption(window.figure, k, lang)); }
            return out; }""", lang)
        assert got == captions, lang
    # a language the page does not know speaks the default one
    first = page.evaluate("() => window.ExplorerPlayer.caption(window.figure, 0, 'fr')")
    assert first == golden["captions"][player_config()["default_lang"]][1]
    assert not errors


def test_the_settings_come_from_the_page(player):
    page, _, errors = player
    assert page.evaluate("() => window.ExplorerPlayer.config") == json.loads(json.dumps(player_config()))
    assert not errors


def test_the_browser_reveals_the_labels_and_edges_as_the_golden_copy_says(player):
    """ExplorerPlayer.labelAt and .carried (assets/animation.js) follow explorer/drawing/steps.py's label_at and
    carried step for step: the golden copy's `revealed` and `carried`."""
    page, golden, errors = player
    got = page.evaluate("""(labels) => {
        const P = window.ExplorerPlayer, m = P.meta(window.figure), revealed = [], carried = [];
        for (let k = -1; k < m.steps.length; k++) {
          const row = {};
          for (const nid of Object.keys(labels)) { row[nid] = P.labelAt(labels[nid], m.reveal[nid], m.colors, k); }
          revealed.push(row);
          carried.push(P.carried(m, k));
        }
        return {revealed, carried}; }""", golden["labels"])
    assert got["revealed"] == golden["revealed"]
    assert got["carried"] == golden["carried"]
    assert not errors
