"""One place for each choice: explorer.choices lists them, and everything else (the themes' colours, the app's
words and controls, the URL, the command line, the browser's JavaScript) is built from that list."""
from __future__ import annotations

import re

import pytest

from explorer import choices
from explorer.assets import read_asset


def test_every_theme_is_drawn_and_every_language_spoken():
    from explorer.app.i18n import STRINGS
    from explorer.drawing.figure import HOVER_WORDS
    from explorer.drawing.steps import STEP_WORDS
    from explorer.drawing.themes import THEMES

    assert tuple(THEMES) == choices.THEMES and all(THEMES[n].name == n for n in choices.THEMES)
    assert choices.DEFAULT_THEME in choices.THEMES and choices.PRESENTATION_THEME in choices.THEMES
    for table in (STRINGS, HOVER_WORDS, STEP_WORDS, choices.LANG_TAGS):
        assert tuple(table) == choices.LANGS


def test_every_choice_has_its_words_and_its_control():
    from dash import html

    from explorer.app import layout
    from explorer.app.i18n import STRINGS

    for prefix, values in (("backward", choices.BACKWARD_MODES), ("theme", choices.THEMES),
                           ("direction", choices.DIRECTIONS)):
        for lang in choices.LANGS:
            assert all(f"{prefix}.{v}" in STRINGS[lang] for v in values), (prefix, lang)
    assert [o["value"] for o in layout.backward_options("en")] == ["auto", "sum", "mean", "ones", "none"]
    assert sorted(o["value"] for o in layout.backward_options("en")) == sorted(choices.BACKWARD_MODES)
    assert [o["value"] for o in layout.theme_options("en")] == list(choices.THEMES)
    assert [o["value"] for o in layout.direction_options("en")] == list(choices.DIRECTIONS)
    assert [o["value"] for o in layout.speed_options("en")] == list(choices.SPEEDS)
    assert [o["value"] for o in layout.digits_options("zh")] == list(choices.DIGITS)
    assert set(layout.LANG_BUTTONS.values()) == set(choices.LANGS) == set(layout.LANG_LABELS)
    page = layout.build_layout()

    def find(node, cid):
        if getattr(node, "id", None) == cid:
            return node
        kids = getattr(node, "children", None)
        for kid in kids if isinstance(kids, list) else [kids] if kids is not None else []:
            if isinstance(kid, html.Div.__mro__[1]) and (hit := find(kid, cid)) is not None:
                return hit
        return None

    assert find(page, layout.ID.BACKWARD).value == choices.DEFAULT_BACKWARD
    assert find(page, layout.ID.THEME).value == choices.DEFAULT_THEME
    assert find(page, layout.ID.DIRECTION).value == choices.DEFAULT_DIRECTION
    assert find(page, layout.ID.SPEED).value == choices.DEFAULT_SPEED
    assert find(page, layout.ID.DIGITS).value == choices.DEFAULT_DIGITS
    assert find(page, layout.ID.TICK).interval == choices.SPEEDS[choices.DEFAULT_SPEED]


def test_the_url_and_the_command_line_take_the_same_lists():
    from explorer import cli
    from explorer.app import urlstate

    assert urlstate.BACKWARD_MODES is choices.BACKWARD_MODES and urlstate.THEMES is choices.THEMES
    assert urlstate.DIRECTIONS is choices.DIRECTIONS and urlstate.LANGS is choices.LANGS
    actions = {a.dest: a for p in cli._parser()._subparsers._group_actions[0].choices.values() for a in p._actions}
    assert tuple(actions["theme"].choices) == choices.THEMES
    assert tuple(actions["direction"].choices) == choices.DIRECTIONS
    assert tuple(actions["backward"].choices) == choices.BACKWARD_MODES
    assert tuple(actions["lang"].choices) == choices.LANGS
    assert urlstate.DIGITS is choices.DIGITS


def test_the_digits():
    """The app offers counts the API takes; the default is one of them, and it is the one assets/values.js
    falls back on for a figure whose table names none."""
    assert choices.DEFAULT_DIGITS in choices.DIGITS
    assert all(choices.is_digits(d) for d in choices.DIGITS)
    assert [d for d in range(-1, 30) if choices.is_digits(d)] == list(range(choices.MIN_DIGITS, choices.MAX_DIGITS + 1))
    assert not any(map(choices.is_digits, (True, 4.0, "4", None)))
    assert re.search(r"var DEFAULT_DIGITS = (\d+);", read_asset("values.js")).group(1) == str(choices.DEFAULT_DIGITS)


@pytest.mark.parametrize("raw,lang", [("zh", "zh"), ("zh-CN", "zh"), ("zh_Hans", "zh"), ("ZH-tw", "zh"),
                                      ("en-GB", "en"), (None, "en"), ("", "en"), ("fr", "en"), (7, "en")])
def test_one_rule_for_a_language(raw, lang):
    from explorer import examples
    from explorer.app.i18n import normalize
    from explorer.drawing import explain

    assert choices.normalize_lang(raw) == normalize(raw) == explain._lang(raw) == examples._lang(raw) == lang


def test_the_input_bounds():
    """A link carries fewer numbers than a run accepts: every link's inputs can run."""
    from explorer.config import FULL_NAMED_ELEMENTS

    assert choices.MAX_LINK_INPUT_ELEMENTS <= choices.MAX_INPUT_ELEMENTS <= FULL_NAMED_ELEMENTS


def test_the_javascript_types_none_of_them():
    """assets/*.js read the lists, the ids and the words from the page (ExplorerPlayer.config)."""
    from explorer.app.browser import component_ids, page_config
    from explorer.app.layout import ID

    js = read_asset("animation.js") + read_asset("app.js")
    for ms in choices.SPEEDS.values():  # (700 is also a fallback image height in app.js)
        assert ms == 700 or not re.search(rf"\b{ms}\b", js), ms
    for word in ("projector", "zh-CN", "press play", "highlight-node", "tl-play", "lang-zh", "run-btn"):
        assert word not in js, word
    config = page_config()
    assert config["ids"] == component_ids() and config["ids"]["GRAPH"] == ID.GRAPH
    assert config["themes"] == list(choices.THEMES) and config["speeds"] == choices.SPEEDS
