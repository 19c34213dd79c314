"""Same pictures, same numbers: every gallery example's figure shows the text it showed before its numbers
travelled as numbers (the golden copy: tests/golden_text.py, tests/data/golden_text.json).

Two paths, both held to the golden copy exactly: the full-text figure Python makes for notebooks and exports,
and the compact figure the app sends, whose labels, hover texts, step texts and captions the page writes
(assets/values.js and assets/animation.js, run here by node, as the browser runs them). The golden copy is
written with the default 4 significant digits; at the other counts a user may pick (explorer.choices DIGITS)
the page is held to what Python writes for the same figure.
"""
from __future__ import annotations

import json
import math
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from golden_text import COLLAPSED, DIRECTION, THEME, example_trace, golden, rendered

from explorer.choices import DEFAULT_DIGITS, DIGITS, MAX_DIGITS, MIN_DIGITS
from explorer.drawing.compact import decode_meta
from explorer.drawing.figure import figure_dict, figure_meta
from explorer.drawing.html_player import player_config
from explorer.drawing.steps import step_caption

NODE = shutil.which("node") or "/usr/bin/node"
# The browser's formatter is run by node; CI installs it (.ci/run), where its absence is a failure, not a skip.
NEEDS_NODE = pytest.mark.skipif(not Path(NODE).exists() and os.environ.get("EXPLORER_REQUIRE_BROWSER") != "1",
                                reason="needs node (apt-get install nodejs)")
RENDER = Path(__file__).resolve().parent / "js" / "render_texts.js"
GOLDEN = golden()


def cases() -> list[tuple[str, str, object]]:
    """(golden key, example, collapse) for every figure of the golden copy."""
    out = []
    for key in GOLDEN:
        example, _, collapse = key.partition(" collapse=")
        out.append((key, example, COLLAPSED[example] if collapse else None))
    return out


def figures(compact: bool) -> dict[tuple[str, str], dict]:
    made = {}
    for key, example, collapse in cases():
        trace = example_trace(example)
        for lang in GOLDEN[key]:
            made[key, lang] = figure_dict(trace, theme=THEME, direction=DIRECTION, lang=lang, collapse=collapse,
                                          compact=compact)
    return made


@pytest.fixture(scope="module")
def compact_figures():
    return figures(compact=True)


def test_the_full_text_figures_show_the_golden_text():
    for (key, lang), fig in figures(compact=False).items():
        assert rendered(fig, lang) == GOLDEN[key][lang], (key, lang)


def test_python_reads_the_compact_steps_back_to_the_golden_texts(compact_figures):
    for (key, lang), fig in compact_figures.items():
        meta = decode_meta(figure_meta(fig))
        want = GOLDEN[key][lang]
        assert [[s["v"], s.get("g", [])] for s in meta["steps"]] == want["steps"], (key, lang)
        assert [step_caption(meta, k, lang) for k in range(-1, len(meta["steps"]))] == want["captions"]


def test_the_compact_figures_carry_no_text_of_their_values(compact_figures):
    for fig in compact_figures.values():
        by_name = {t.get("name"): t for t in fig["data"]}
        assert "text" not in by_name["labels"] and "hovertext" not in by_name["nodes"]


def browser_render(items: list[tuple[dict, str]]) -> list[dict]:
    payload = {"config": player_config(),
               "figures": [{"meta": fig["layout"]["meta"]["explorer"], "lang": lang} for fig, lang in items]}
    done = subprocess.run([NODE, str(RENDER)], input=json.dumps(payload), capture_output=True, text=True,
                          check=False, timeout=120)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


@NEEDS_NODE
def test_the_page_writes_the_golden_text_from_the_numbers(compact_figures):
    keys = list(compact_figures)
    got = browser_render([(compact_figures[k], k[1]) for k in keys])
    for (key, lang), page in zip(keys, got):
        want = GOLDEN[key][lang]
        ids = {t.get("name"): t for t in compact_figures[key, lang]["data"]}["nodes"]["customdata"]
        assert page["ids"] == ids  # the table's nodes are the traces' points, in order
        assert dict(zip(page["ids"], page["labels"])) == want["labels"], (key, lang)
        assert dict(zip(page["ids"], page["hovers"])) == want["hovers"], (key, lang)
        assert page["steps"] == want["steps"], (key, lang)
        assert page["captions"] == want["captions"], (key, lang)


# Numbers where JavaScript's and Python's formatting part ways unless written with care: ties (Python rounds
# half to even, JavaScript away from zero), the switch to exponents, tiny and huge ones, negative zero.
AWKWARD = [1.0625, 1.0635, -1.0625, 2.5, 0.125, 12345.0, 12355.0, 99995.0, 99994.9, 1e5, 99999.5, 0.001, 0.00099995,
           1e-3 - 1e-19, 1.401298464324817e-45, 5e-324, 1.7976931348623157e308, -0.0, 0.0, 3.3333334922790527,
           17200.0, 1234.5, 1234.25, 0.30000000000000004, 123.45, 1.0000500000000001, 6.02214076e23, -7.5e-7,
           math.nan, math.inf, -math.inf, 0.5, 9.9995, 9.99949999, 1.00005, 4.35, 2.675, 1e16, 123456789.0]


@NEEDS_NODE
def test_the_page_writes_awkward_numbers_as_python_does():
    """At the default digits (a figure that names none) and at every count of digits a figure may be drawn
    with (explorer.choices MIN_DIGITS to MAX_DIGITS)."""
    from explorer.drawing import text

    script = ("const V = require(process.argv[1]); const job = JSON.parse(require('fs').readFileSync(0, 'utf8'));"
              "const x_ = (x) => x === null ? NaN : x === 'inf' ? Infinity : x === '-inf' ? -Infinity"
              " : x === '-0' ? -0 : x;"
              "process.stdout.write(JSON.stringify(job.digits.map((d) => job.xs.map((x) => V.number(x_(x), d)))));")
    encoded = [None if x != x else "inf" if x == math.inf else "-inf" if x == -math.inf
               else "-0" if x == 0 and math.copysign(1, x) < 0 else x for x in AWKWARD]
    counts = [None, *range(MIN_DIGITS, MAX_DIGITS + 1)]
    done = subprocess.run([NODE, "-e", script, str(RENDER.parents[2] / "assets" / "values.js")],
                          input=json.dumps({"xs": encoded, "digits": counts}), capture_output=True, text=True,
                          check=True, timeout=60)
    page = json.loads(done.stdout)
    assert page[0] == [text.number(x) for x in AWKWARD]
    for digits, written in zip(counts[1:], page[1:]):
        assert written == [text.number(x, digits) for x in AWKWARD], digits
    assert page[counts.index(2)][AWKWARD.index(3.3333334922790527)] == "3.3"  # the counts do reach the page


# Values the gallery does not show: integers, booleans, float64, NaN and infinities, a vector longer than a
# hover writes whole, a big tensor (a summary), a matrix, nodes made by a backward pass (create_graph=True).
ODD_VALUES = """
x = torch.tensor([1.0, float('nan'), float('inf'), -float('inf'), 2.0], requires_grad=True)
a = x * 2
v = torch.linspace(-3.0, 3.0, 20, dtype=torch.float64, requires_grad=True)
b = (v * 1.0625).sum()
m = torch.arange(6.0).reshape(2, 3).requires_grad_()
c = (m * 12345.0).sum()
big = torch.ones(300, 4, requires_grad=True)
d = (big * 0.5).sum()
i = torch.arange(5)
k = i > 2
loss = a[0] + b + c + d + i.sum() + k.sum()
y = torch.tensor(3.0, requires_grad=True)
(g,) = torch.autograd.grad(y ** 3, y, create_graph=True)
g.backward()
loss.backward()
"""


@NEEDS_NODE
@pytest.mark.parametrize("digits", [DEFAULT_DIGITS, 2, 6])
def test_the_page_writes_odd_values_as_python_does(digits):
    from explorer.recording.run import trace_in_process

    trace = trace_in_process(ODD_VALUES)
    items = []
    for lang in ("en", "zh"):
        args = dict(theme=THEME, direction=DIRECTION, lang=lang, show_constants=True, digits=digits)
        full = rendered(figure_dict(trace, **args), lang)
        fig = figure_dict(trace, compact=True, **args)
        items.append((full, fig, lang))
    pages = browser_render([(fig, lang) for _, fig, lang in items])
    for (full, _, lang), page in zip(items, pages):
        assert dict(zip(page["ids"], page["labels"])) == full["labels"], lang
        assert dict(zip(page["ids"], page["hovers"])) == full["hovers"], lang
        assert page["steps"] == full["steps"] and page["captions"] == full["captions"], lang
    hovers = "".join(items[0][0]["hovers"].values())
    assert "nan" in hovers and "-inf" in hovers and "in all" in hovers and "min" in hovers  # the cases are there


@NEEDS_NODE
def test_the_page_writes_compact_labels_as_python_does():
    """At the app's canvas of a 1280x720 window a small graph that would not read at 14 px gets compact labels
    (torch's node name in a muted small line under the title): the page draws them as Python does, colour
    included."""
    items = []
    for example in ("sgd", "custom-function"):
        trace = example_trace(example)
        args = dict(theme=THEME, direction="auto", canvas=(818, 430), collapse="auto")
        full = rendered(figure_dict(trace, **args), "en")
        items.append((full, figure_dict(trace, compact=True, **args)))
    muted = [label for full, _ in items for label in full["labels"].values() if "Backward0</span>" in label]
    assert muted, "no compact label drawn: the case is not there"
    pages = browser_render([(fig, "en") for _, fig in items])
    for (full, _), page in zip(items, pages):
        assert dict(zip(page["ids"], page["labels"])) == full["labels"]


# --- other counts of significant digits (the page's "Digits" control, figure(digits=...)) ----------------------

OTHER_DIGITS = [d for d in DIGITS if d != DEFAULT_DIGITS]


@pytest.fixture(scope="module")
def traces() -> dict:
    return {example: example_trace(example) for example in dict.fromkeys(e for _, e, _ in cases())}


@NEEDS_NODE
@pytest.mark.parametrize("digits", OTHER_DIGITS)
def test_the_page_writes_what_python_writes_at_other_digits(digits, traces):
    """Every gallery example drawn with `digits` significant digits: the labels, hover texts, step texts (the
    gradients on the edges) and captions the page writes from the compact figure are the full-text figure's,
    which Python writes for notebooks and exports; Python reads the compact steps back to the same texts."""
    lang = "zh" if digits == 3 else "en"
    items = []
    for key, example, collapse in cases():
        args = dict(theme=THEME, direction=DIRECTION, lang=lang, collapse=collapse, digits=digits)
        full = rendered(figure_dict(traces[example], **args), lang)
        fig = figure_dict(traces[example], compact=True, **args)
        items.append((key, full, fig))
        meta = decode_meta(figure_meta(fig))
        assert [[s["v"], s.get("g", [])] for s in meta["steps"]] == full["steps"], key
    pages = browser_render([(fig, lang) for _, _, fig in items])
    for (key, full, _), page in zip(items, pages):
        assert dict(zip(page["ids"], page["labels"])) == full["labels"], key
        assert dict(zip(page["ids"], page["hovers"])) == full["hovers"], key
        assert page["steps"] == full["steps"], key
        assert page["captions"] == full["captions"], key
    # the digits are not lost on the way: the texts are not the default's
    changed = [key for key, full, _ in items if full != GOLDEN[key][lang]]
    assert len(changed) >= len(items) // 2, sorted(set(GOLDEN) - set(changed))  # the rest: whole numbers
    first = next(full for key, full, _ in items if key == "first-graph")
    want = {2: "[3.3, 1.3, 5.3]", 3: "[3.33, 1.33, 5.33]", 6: "[3.33333, 1.33333, 5.33333]"}[digits]
    assert any(want in hover for hover in first["hovers"].values()), first["hovers"]  # x.grad = 4 (x + 2) / 3


SIX_DIGITS = """
x = torch.tensor([0.3, -1.7, 2.2], requires_grad=True)
w = torch.tensor(0.77, requires_grad=True)
y = torch.sigmoid(x * w)
z = torch.exp(-y) / 3.0
loss = (z * z).sum()
loss.backward()
"""


def plain_six_digits() -> dict[str, tuple[list[float], list[float] | None]]:
    """SIX_DIGITS run by plain torch: variable -> (its value, its gradient or None)."""
    import torch

    x = torch.tensor([0.3, -1.7, 2.2], requires_grad=True)
    w = torch.tensor(0.77, requires_grad=True)
    y = torch.sigmoid(x * w)
    z = torch.exp(-y) / 3.0
    loss = (z * z).sum()
    for t in (y, z, loss):
        t.retain_grad()
    loss.backward()
    return {name: (t.detach().flatten().tolist(), t.grad.flatten().tolist())
            for name, t in dict(x=x, w=w, y=y, z=z, loss=loss).items()}


def hover_numbers(hover: str) -> dict[str, list[str]]:
    """'variable', 'value' and 'grad' of an English hover text: the name, and the numbers as written."""
    out = {}
    for line in hover.split("<br>"):
        key, _, rest = line.partition(": ")
        if key in ("variable", "value", "grad"):
            out[key] = [rest] if key == "variable" else rest.strip("[]").split(", ")
    return out


def significant(written: str) -> int:
    """How many significant digits a number is written with: '0.0123' 3, '1.50000e+05' 6, '3.3' 2."""
    mantissa = written.lstrip("-").split("e")[0].replace(".", "").lstrip("0")
    return len(mantissa)


@NEEDS_NODE
def test_numbers_at_six_digits_are_torchs_to_six_significant_digits():
    """What a learner checking a gradient by hand reads with 6 digits: every value and gradient of the hover
    texts, as Python writes them and as the page does, is torch's own number to 6 significant digits (within
    half a unit of the 6th digit), written with no more than 6."""
    from explorer.recording.run import trace_in_process

    torch_says = plain_six_digits()
    trace = trace_in_process(SIX_DIGITS)
    full = rendered(figure_dict(trace, theme=THEME, direction=DIRECTION, digits=6), "en")
    fig = figure_dict(trace, theme=THEME, direction=DIRECTION, digits=6, compact=True)
    page = browser_render([(fig, "en")])[0]
    checked = 0
    for hovers in (list(full["hovers"].values()), page["hovers"]):
        seen = set()
        for hover in hovers:
            shown = hover_numbers(hover)
            name = (shown.get("variable") or [None])[0]
            if name not in torch_says:
                continue
            seen.add(name)
            for kind, want in zip(("value", "grad"), torch_says[name]):
                assert len(shown[kind]) == len(want), (name, kind)
                for written, true in zip(shown[kind], want):
                    half_unit = 0.5 * 10 ** (math.floor(math.log10(abs(true))) - 5)
                    assert abs(float(written) - true) <= half_unit * (1 + 1e-9), (name, kind, written, true)
                    assert significant(written) <= 6, (name, kind, written)
                    checked += 1
        assert seen == set(torch_says)
    assert checked == 2 * 2 * sum(len(v) for v, _ in torch_says.values())
    # the numbers that need them are written with all 6 digits (at 4 they would not be)
    assert any(significant(n) == 6 for h in page["hovers"] for n in hover_numbers(h).get("grad", []))
