"""What the page says and where it leads (issue 14, item 8): everything in 中文 when Chinese is chosen, errors
and hints included (torch's own words may stay English, marked as such); no toolbar button or link that
leaves the page; the GIF of the steps in the export menu."""
from __future__ import annotations

import io
import re

import pytest
from e2e_support import click_node, graph_meta, open_app, run_program, wait_idle

from explorer.app import urlstate
from explorer.app.i18n import PLOTLY_WORDS

pytestmark = pytest.mark.browser

# Everything the page shows in words: text nodes and the attributes a user reads (tooltips, placeholders,
# labels, plotly's toolbar titles), visible ones only. Program text is not words: the editor, its gutter, the
# marked source, printed output, the error's snippet, code, chain-rule formulas; nor is torch's (or Python's)
# own English, which the page marks with lang="en".
PAGE_WORDS = """() => {
  const skip = 'textarea, #code-editor, #code-view, #stdout, .error-snippet, code, pre, [lang=en], script, style';
  const out = [];
  const visible = el => el && el.getClientRects().length > 0 && getComputedStyle(el).visibility !== 'hidden';
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    const el = n.parentElement;
    if (!n.textContent.trim() || !el || el.closest(skip) || !visible(el)) continue;
    out.push(n.textContent.trim());
  }
  for (const el of document.querySelectorAll('[title], [placeholder], [aria-label], [data-title]')) {
    if (el.closest(skip) || el.id === 'editor') continue;
    for (const a of ['title', 'placeholder', 'aria-label', 'data-title']) {
      const v = el.getAttribute(a);
      if (v && v.trim()) out.push(v.trim());
    }
  }
  return out;
}"""

# Words that are names, not English: of the tools, file formats, keys, the language button, functions and
# optimizers the gallery names, and Python's constants. Anything else in ASCII letters must come from the
# program itself (its names, torch's op names).
NAMES = {"torch", "PyTorch", "autograd", "Python", "PNG", "SVG", "PDF", "HTML", "JSON", "GIF", "EN", "Ctrl",
         "Enter", "Home", "End", "Esc", "True", "False", "None", "CPU", "GPU", "ReLU", "MLP", "SGD", "Adam"}
CODE = re.compile(r"\S*[._=()\[\]{}`'\d]\S*")  # x.grad, requires_grad=True, torch.ones(2), MulBackward0, 'q'
QUOTED = re.compile(r"“[^”]*”")  # torch's message quoted inside a Chinese sentence


def english_words(texts: list[str], allowed: set[str]) -> set[str]:
    words: set[str] = set()
    for text in texts:
        text = CODE.sub(" ", QUOTED.sub(" ", text))
        words |= {w for w in re.findall(r"[A-Za-z]{2,}", text) if w not in NAMES and w not in allowed}
    return words


def program_words(page, source: str) -> set[str]:
    """The ASCII words the program and its graph may put on the page: its names, torch's op names."""
    meta = graph_meta(page)
    found = set(re.findall(r"[A-Za-z]{2,}", source))
    for title in list(meta["titles"].values()) + list((meta.get("names") or {}).values()):
        found |= set(re.findall(r"[A-Za-z]{2,}", title))
    return found


def show_toolbar(page) -> None:
    box = page.query_selector("#graph .nsewdrag").bounding_box()
    page.mouse.move(box["x"] + 10, box["y"] + 10)
    page.wait_for_timeout(200)


PROGRAM = ("w = torch.tensor([1.0, -2.0], requires_grad=True)\nb = torch.tensor(0.5, requires_grad=True)\n"
           "loss = ((w * 3).sum() + b) ** 2\nloss.backward()\nprint(loss)\n")


def test_the_chinese_page_has_no_english_left(page):
    open_app(page, urlstate.encode(urlstate.UrlState(program=PROGRAM, lang="zh")))
    page.wait_for_function("() => document.querySelector('h1').innerText === '自动求导探索器'")
    wait_idle(page)
    allowed = program_words(page, PROGRAM)
    meta = graph_meta(page)
    click_node(page, next(nid for nid, t in meta["titles"].items() if t == "w"))
    page.click("#tl-fwd")
    page.click("#tl-fwd")
    show_toolbar(page)
    assert english_words(page.evaluate(PAGE_WORDS), allowed) == set()
    assert page.get_attribute("#graph .modebar-btn[data-title]", "data-title") in PLOTLY_WORDS["zh"].values()

    # an error of the explorer's own, with its hint: all in Chinese
    bad = "q = torch.tensor(2.0, requires_grad=True)\nr = q.__class__\n"
    run_program(page, bad)
    page.wait_for_selector("#error-box .error", timeout=15_000)
    assert "不允许使用属性 `.__class__`" in page.inner_text("#error-box")
    assert "双下划线" in page.inner_text("#error-box .error-hint")
    assert english_words(page.evaluate(PAGE_WORDS), allowed | set(re.findall(r"[A-Za-z]{2,}", bad))) == set()

    # torch's own words stay English, marked so, under a Chinese heading and the hint in Chinese
    torch_error = "a = torch.ones(2, 3)\nb = torch.ones(4, 5)\nc = a @ b\n"
    run_program(page, torch_error)
    page.wait_for_function("() => document.getElementById('error-box').innerText.includes('第 3 行')",
                           timeout=15_000)
    assert page.locator("#error-box [lang=en]").count() == 1
    assert "矩阵乘法" in page.inner_text("#error-box .error-hint")
    assert english_words(page.evaluate(PAGE_WORDS), allowed | set(re.findall(r"[A-Za-z]{2,}", torch_error))) == set()


def test_a_many_pass_program_in_chinese(page):
    """The notes, the detail panel's pass-by-pass table and the trimmed-passes note, in Chinese."""
    source = ("x = torch.tensor(0.0, requires_grad=True)\nopt = torch.optim.SGD([x], lr=0.1)\n"
              "for i in range(6):\n    opt.zero_grad()\n    y = (x - 1) ** 2\n    y.backward()\n    opt.step()\n")
    open_app(page, urlstate.encode(urlstate.UrlState(program=source, lang="zh")))
    page.wait_for_function("() => document.querySelector('h1').innerText === '自动求导探索器'")
    wait_idle(page)
    click_node(page, next(nid for nid, t in graph_meta(page)["titles"].items() if t == "x"))
    assert "每次之前都被设为 None" in page.inner_text("#detail [data-field=grad_story]")
    assert "程序运行了 6 次反向传播" in page.inner_text("#notices")
    assert english_words(page.evaluate(PAGE_WORDS), program_words(page, source)) == set()


OFF_PAGE = """() => {
  const here = location.origin;
  const out = [];
  for (const a of document.querySelectorAll('a[href], area[href], form[action]')) {
    const url = new URL(a.getAttribute('href') || a.getAttribute('action'), location.href);
    if (!['http:', 'https:'].includes(url.protocol) ? false : url.origin !== here) out.push(url.href);
  }
  for (const b of document.querySelectorAll('.modebar-btn')) {
    const t = (b.getAttribute('data-title') || '') + ' ' + (b.getAttribute('data-val') || '');
    if (/cloud|share|chart studio|edit chart|plotly/i.test(t)) out.push('button: ' + t);
  }
  const gd = document.querySelector('.js-plotly-plot');
  const c = gd && gd._context;
  if (c && (c.showSendToCloud || c.showEditInChartStudio || c.showLink || c.displaylogo || c.plotlyServerURL)) {
    out.push('config: ' + JSON.stringify({send: c.showSendToCloud, edit: c.showEditInChartStudio,
                                          link: c.showLink, logo: c.displaylogo, server: c.plotlyServerURL}));
  }
  return out;
}"""


def test_no_toolbar_button_or_link_leads_off_the_page(page, tmp_path):
    open_app(page)
    show_toolbar(page)
    assert page.locator("#graph .modebar-btn").count() >= 3  # the toolbar is there, with its own buttons
    assert page.evaluate(OFF_PAGE) == []
    page.click("#lang-zh")
    page.wait_for_function("() => document.querySelector('h1').innerText === '自动求导探索器'")
    wait_idle(page)
    show_toolbar(page)
    assert page.evaluate(OFF_PAGE) == []
    # the exported HTML page: the same toolbar, offline
    with page.expect_download(timeout=30_000) as d:
        page.click("#exp-html")
    path = tmp_path / "graph.html"
    d.value.save_as(path)
    page.goto(path.as_uri())
    page.wait_for_function("() => !!(document.querySelector('.js-plotly-plot') || {})._fullLayout")
    page.hover(".js-plotly-plot .nsewdrag")
    assert page.evaluate(OFF_PAGE) == []


def test_the_steps_export_as_an_animated_gif(page, tmp_path):
    from PIL import Image

    open_app(page)
    steps = len(graph_meta(page)["steps"])
    with page.expect_download(timeout=90_000) as d:
        page.click("#exp-gif")
    assert d.value.suggested_filename == "autograd-first-graph.gif"
    path = tmp_path / d.value.suggested_filename
    d.value.save_as(path)
    data = path.read_bytes()
    assert data[:6] == b"GIF89a"
    with Image.open(io.BytesIO(data)) as gif:
        assert gif.n_frames == steps + 1  # the start, then one frame per step
    assert page.get_attribute("#exp-gif", "title").startswith("Download the steps as an animated GIF")


@pytest.mark.parametrize("key", ["mlp", "second-derivative", "sgd"])
def test_gallery_examples_in_chinese(page, key):
    """Big values (their shape, "in all"), autograd.grad passes and summarised passes, in Chinese too."""
    from explorer import examples

    ex = examples.get(key)
    open_app(page, f"v=1&ex={key}&lang=zh")
    page.wait_for_function("() => document.querySelector('h1').innerText === '自动求导探索器'")
    wait_idle(page)
    meta = graph_meta(page)
    leaf = next(nid for nid, t in meta["titles"].items() if "·" not in t and t in ex.source)
    click_node(page, leaf)
    page.click("#tl-last")
    show_toolbar(page)
    assert english_words(page.evaluate(PAGE_WORDS), program_words(page, ex.source)) == set()
