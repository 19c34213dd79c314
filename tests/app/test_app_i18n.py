"""Every word of the app exists in English and Simplified Chinese, with the same placeholders."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from explorer import examples
from explorer.app import i18n
from explorer.app.browser import page_config
from explorer.app.i18n import STRINGS, normalize, placeholders, t
from explorer.app.layout import PLACEHOLDERS, TITLES
from explorer.choices import LANGS
from explorer.drawing.steps import STEP_WORDS

APP_DIR = Path(i18n.__file__).parent
CJK = re.compile(r"[\u4e00-\u9fff]")
# Keys that may read the same in both languages (format names, pure symbols)
SAME_IN_BOTH = {"export.png", "export.svg", "export.pdf", "export.html", "export.json", "editor.placeholder",
                "detail.none", "error.hint"}


def test_both_languages_have_exactly_the_same_keys():
    assert set(STRINGS) == {"en", "zh"}
    assert set(STRINGS["en"]) == set(STRINGS["zh"])


@pytest.mark.parametrize("key", sorted(STRINGS["en"]))
def test_each_key_is_translated_with_the_same_placeholders(key):
    en, zh = STRINGS["en"][key], STRINGS["zh"][key]
    assert en.strip() and zh.strip()
    assert placeholders(en) == placeholders(zh)
    if key not in SAME_IN_BOTH:
        assert CJK.search(zh), f"{key!r} has no Chinese in its Chinese text: {zh!r}"


def test_every_key_the_app_uses_exists():
    used = set(TITLES.values()) | set(PLACEHOLDERS.values())
    for path in APP_DIR.glob("*.py"):
        text = path.read_text(encoding="utf-8")
        used |= set(re.findall(r"""\bT\(\s*["']([\w.\-]+)["']""", text))
        used |= set(re.findall(r"""\bt\(\s*["']([\w.\-]+)["']""", text))
        used |= {f"{prefix}.{m}" for prefix, ms in (("backward", "auto sum mean ones none"),
                                                     ("theme", "light dark projector"), ("direction", "LR TB"),
                                                     ("detail.kind", "leaf op constant"),
                                                     ("error", "syntax not-allowed limit runtime"))
                 for m in ms.split()}
    missing = sorted(k for k in used if k not in STRINGS["en"])
    assert missing == []


def test_every_example_has_a_title_and_summary_in_both_languages():
    for ex in examples.EXAMPLES:
        assert ex.title("en") and ex.summary("en")
        assert CJK.search(ex.title("zh")) or ex.title("zh") != ex.title("en")
        assert CJK.search(ex.summary("zh"))


def test_the_animation_captions_speak_both_languages():
    """The caption words: the same words in every language, Chinese ones in Chinese, and they are what the page
    hands its JavaScript (no copy in assets/animation.js)."""
    assert set(STEP_WORDS) == set(LANGS)
    for lang, words in STEP_WORDS.items():
        assert set(words) == set(STEP_WORDS["en"]) and all(words.values()), lang
    assert all(CJK.search(w) for w in STEP_WORDS["zh"].values())
    assert page_config()["words"] == STEP_WORDS
    js = (Path(__file__).resolve().parents[2] / "assets" / "animation.js").read_text(encoding="utf-8")
    assert STEP_WORDS["en"]["start"] not in js and STEP_WORDS["zh"]["start"] not in js


@pytest.mark.parametrize("raw,lang", [("zh", "zh"), ("zh-CN", "zh"), ("zh_Hans", "zh"), ("ZH-tw", "zh"), ("en", "en"),
                                      ("en-GB", "en"), (None, "en"), ("", "en"), ("fr", "en"), (42, "en"),
                                      ("<script>", "en")])
def test_normalize(raw, lang):
    assert normalize(raw) == lang


def test_t_formats_and_falls_back():
    assert t("status", "zh", nodes=3, forward=2, backward=1) == "3 个节点 · 2 个前向步骤 · 1 个反向步骤"
    assert t("no-such-key", "zh") == "no-such-key"
    assert t("status", "en") == STRINGS["en"]["status"]  # no arguments: the template itself
    assert t("status", "en", nodes=1) == STRINGS["en"]["status"]  # a missing argument never raises
