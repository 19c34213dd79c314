"""Every word of the app exists in English and Simplified Chinese, with the same placeholders."""
from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from explorer import errors, examples
from explorer.app import i18n, messages, views
from explorer.app.browser import page_config
from explorer.app.i18n import STRINGS, normalize, placeholders, t
from explorer.app.layout import PLACEHOLDERS, TITLES
from explorer.choices import LANGS
from explorer.drawing.steps import STEP_WORDS
from explorer.errors import KINDS

APP_DIR = Path(i18n.__file__).parent
CJK = re.compile(r"[\u4e00-\u9fff]")
# Keys that may read the same in both languages (format names, pure symbols)
SAME_IN_BOTH = {"export.png", "export.svg", "export.pdf", "export.gif", "export.html", "export.json",
                "editor.placeholder", "detail.none", "error.hint"}


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


# --- the explorer's own messages: every one it can raise has its Chinese ------------------------------------
ROOT = Path(__file__).resolve().parents[2] / "explorer"
# where the messages a user reads are raised (the command line's own words are for a terminal: not here)
MESSAGE_SOURCES = ["language", "recording", "sandbox", "errors.py", "api.py", "app/callbacks.py", "drawing/text.py"]
RAISERS = {"ProgramError", "limit", "_refuse", "_failure", "memory_limit_error", "too_many_elements"}
FILL = "⁂"  # what a sample puts where a message has a variable part


def _samples(node: ast.AST) -> list[str]:
    """The texts a string expression can make, each variable part written FILL; [] for a non-string."""
    if isinstance(node, ast.Constant):
        return [node.value] if isinstance(node.value, str) else []
    if isinstance(node, ast.JoinedStr):
        out = [""]
        for v in node.values:
            parts = [v.value] if isinstance(v, ast.Constant) else (
                (_samples(v.value.body) + _samples(v.value.orelse)) or [FILL]
                if isinstance(v, ast.FormattedValue) and isinstance(v.value, ast.IfExp) else [FILL])
            out = [a + b for a in out for b in parts]
        return out
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        left = _samples(node.left) or [FILL]
        right = _samples(node.right) or [FILL]
        return [a + b for a in left for b in right]
    if isinstance(node, ast.IfExp):
        return _samples(node.body) + _samples(node.orelse)
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "format":
        return [s.replace("{name}", FILL).replace("{text}", FILL) for s in _samples(node.func.value)]
    return []


def _name(node: ast.AST) -> str:
    return node.id if isinstance(node, ast.Name) else node.attr if isinstance(node, ast.Attribute) else ""


def explorer_messages() -> dict[str, str]:
    """Every message and hint the explorer writes for a user -> where: arguments of the functions that raise
    them, the `message =` / `hint =` / `..._HINT =` texts, the refusal tables (`..._REFUSED`), the hints for
    torch's errors (errors.HINTS), the explorer's own failures (errors._OURS) and the `..._hint()` helpers."""
    found: dict[str, str] = {}
    paths = [p for src in MESSAGE_SOURCES for p in ((ROOT / src).rglob("*.py") if (ROOT / src).is_dir()
                                                    else [ROOT / src])]
    for path in paths:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        here = path.relative_to(ROOT)
        texts: list[tuple[ast.AST, ast.AST]] = []
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and _name(node.func) in RAISERS:
                texts += [(node, a) for a in node.args] + [(node, k.value) for k in node.keywords if k.arg == "hint"]
            elif isinstance(node, (ast.Assign, ast.AnnAssign)):
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                for target in targets:
                    name = _name(target.value if isinstance(target, ast.Subscript) else target)
                    if name in ("message", "hint") or name.upper().endswith("HINT") or name.endswith("REFUSED"):
                        value = node.value
                        if isinstance(value, ast.Dict):
                            texts += [(node, v) for v in value.values]
                        elif isinstance(value, ast.DictComp):
                            texts.append((node, value.value))
                        else:
                            texts.append((node, value))
                    elif name == "HINTS" and isinstance(node.value, ast.Tuple):
                        texts += [(node, pair.elts[1]) for pair in node.value.elts if isinstance(pair, ast.Tuple)]
                    elif name == "_OURS" and isinstance(node.value, ast.Dict):
                        texts += [(node, e) for v in node.value.values if isinstance(v, ast.Tuple) for e in v.elts]
            elif isinstance(node, ast.FunctionDef) and "hint" in node.name:
                texts += [(r, r.value) for r in ast.walk(node) if isinstance(r, ast.Return) and r.value is not None]
        for at, expr in texts:
            for sample in _samples(expr):
                if sample in KINDS or not re.search(r"[a-zA-Z]", sample.replace(FILL, "")):
                    continue  # a ProgramError's kind, or nothing but torch's words ("{name}: {first}")
                found.setdefault(sample.replace("{name}", FILL).replace("{text}", FILL), f"{here}:{at.lineno}")
    return found


def test_the_message_scan_finds_the_messages():
    found = explorer_messages()
    assert len(found) > 150
    assert f"name '{FILL}' is not defined" in found
    assert "give it a value before this line" in found  # a hint
    assert "async code is not supported" in found  # a refusal table
    assert f"the program ran longer than {FILL} s and was stopped" in found  # a `message =` in the sandbox
    assert f"the explorer failed: {FILL}: {FILL}" in found  # errors._OURS


def test_every_message_of_the_explorer_has_its_chinese():
    missing = []
    for sample, where in sorted(explorer_messages().items(), key=lambda kv: kv[1]):
        zh = messages.to_chinese(sample)
        if messages.is_own_words(sample):
            continue
        if zh is None or not CJK.search(zh):
            missing.append(f"{where}: {sample!r}")
    assert missing == [], ("add these to explorer/app/messages.py MESSAGES, with their Chinese:\n"
                           + "\n".join(missing))


def test_message_templates_keep_their_variable_parts():
    for en, zh in messages.MESSAGES:
        assert set(re.findall(r"⟨(\w+)⟩", en)) == set(re.findall(r"⟨(\w+)⟩", zh)), en
        assert CJK.search(zh), en
    assert len({en for en, _ in messages.MESSAGES}) == len(messages.MESSAGES)


def test_a_reason_inside_a_message_is_translated_too():
    text = "`eval` is not available: it reaches Python's internals, which programs here cannot use"
    assert messages.to_chinese(text) == "`eval` 不可用：它会触及 Python 的内部机制，这里的程序不能使用"
    assert i18n.message(text, "en") == text
    assert i18n.message("mat1 and mat2 shapes cannot be multiplied (2x3 and 4x5)", "zh") is None  # torch's


def test_the_error_panel_in_chinese():
    err = {"kind": "runtime", "message": "name 'q' is not defined", "hint": "give it a value before this line",
           "line": 2, "col": 0}
    shown = texts(views.render_error(err, "zh"))
    assert "名字 'q' 没有定义" in shown and "请在这一行之前给它赋值" in shown and "not defined" not in shown
    torch_words = {"kind": "runtime", "message": "RuntimeError: mat1 and mat2 shapes cannot be multiplied",
                   "hint": errors.HINTS[6][1], "line": 3, "col": 4}
    shown = texts(views.render_error(torch_words, "zh"))
    assert "torch（或 Python）的原文" in shown and "mat1 and mat2" in shown and "矩阵乘法" in shown


def test_the_words_of_drawings_and_explanations_speak_chinese():
    from explorer.drawing.explain import WORDS
    from explorer.drawing.figure import GIF_START, HOVER_WORDS

    same = {"grad_of", "none_value", "sep", "and"}
    for table in (WORDS, HOVER_WORDS):
        assert set(table["zh"]) == set(table["en"])
        for key, zh in table["zh"].items():
            assert key in same or CJK.search(zh), (key, zh)
            assert placeholders(zh) == placeholders(table["en"][key]), key
    assert CJK.search(GIF_START["zh"])
    assert all(CJK.search(v) for v in i18n.PLOTLY_WORDS["zh"].values())


def texts(component) -> str:
    if component is None:
        return ""
    if isinstance(component, (str, int, float)):
        return str(component)
    if isinstance(component, (list, tuple)):
        return " ".join(texts(c) for c in component)
    return texts(getattr(component, "children", None))
