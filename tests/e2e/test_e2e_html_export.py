"""An exported HTML file plays its steps offline, in a real browser, with the keyboard."""
from __future__ import annotations

import pytest

import explorer
from explorer.drawing.figure import figure, figure_meta
from explorer.examples import get

pytestmark = pytest.mark.browser


def test_exported_html_steps_with_the_keyboard_and_fetches_nothing(browser, tmp_path):
    tr = explorer.trace(get("first-graph").source, sandbox=False)
    fig = figure(tr)
    steps = len(figure_meta(fig)["steps"])
    path = explorer.export(fig, tmp_path / "graph.html")
    context = browser.new_context(viewport={"width": 1200, "height": 700})
    page = context.new_page()
    errors, requests = [], []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("request", lambda r: requests.append(r.url))
    page.goto(path.as_uri())
    page.wait_for_selector(".main-svg")
    for _ in range(3):
        page.keyboard.press("ArrowRight")
    assert page.get_attribute("svg.explorer-overlay", "data-step") == "2"
    assert page.locator("svg.explorer-overlay rect.hl-node").count() == 1
    page.keyboard.press("End")
    assert page.get_attribute("svg.explorer-overlay", "data-step") == str(steps - 1)
    assert "backward" in page.inner_text("body")
    assert not errors
    assert all(u.startswith(("file:", "data:")) for u in requests)
    context.close()


def open_chain(browser, tmp_path, links: int):
    """An exported tanh chain of 2 * links + 1 nodes, open in a new page: (page, page errors)."""
    chain = f"x = torch.tensor(0.5, requires_grad=True)\ny = x\nfor i in range({links}):\n    y = torch.tanh(y) + 0.1\n"
    path = explorer.export(explorer.trace(chain, sandbox=False), tmp_path / f"chain{links}.html")
    page = browser.new_page(viewport={"width": 1000, "height": 600})
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(path.as_uri())
    return page, errors


LABEL_SCALES = """() => Array.from(document.querySelectorAll('.scatterlayer .textpoint text')).map(t => {
  const m = /scale\\(([0-9.]+)\\)/.exec(t.getAttribute('transform') || '');
  return m ? parseFloat(m[1]) : 1; })"""


def test_labels_shrink_with_their_boxes_and_a_pan_does_not_refit_them(browser, tmp_path):
    """Zoomed out to fit, labels are scaled down to stay inside their boxes; zoomed in they grow with them.
    Mid-drag (plotly_relayouting, every mouse move) the labels are not touched: refitting a thousand labels
    per move is what made big graphs stutter."""
    page, errors = open_chain(browser, tmp_path, 40)
    page.wait_for_selector(".scatterlayer .textpoint text")
    scales = page.evaluate(LABEL_SCALES)
    assert len(scales) > 40 and all(s < 0.9 for s in scales), scales[:5]

    changed = page.evaluate("""async () => {
      const gd = document.querySelector('.js-plotly-plot');
      let n = 0;
      const seen = new MutationObserver(records => { n += records.length; });
      document.querySelectorAll('.scatterlayer .textpoint text').forEach(
        t => seen.observe(t, {attributes: true, attributeFilter: ['transform']}));
      gd.emit('plotly_relayouting', {});
      await new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)));
      seen.disconnect();
      return n;
    }""")
    assert changed == 0

    page.evaluate("""() => { const gd = document.querySelector('.js-plotly-plot');
      const xr = gd._fullLayout.xaxis.range.slice();
      return Plotly.relayout(gd, {'xaxis.range': [xr[0], xr[0] + (xr[1] - xr[0]) / 40]}); }""")
    page.wait_for_function(f"({LABEL_SCALES})().every(s => s > 1)")  # they grow with their boxes
    assert not errors
    page.close()


LABEL_TEXTS = """() => Array.from(document.querySelectorAll('.scatterlayer .textpoint text'))
  .map(t => t.getAttribute('data-unformatted'))"""

LABELS_VISIBLE = """() => { const gd = document.querySelector('.js-plotly-plot');
  const t = gd.data.find(d => d.name === 'labels'); return t.visible !== false; }"""


def test_a_big_graph_hides_its_unreadable_labels_until_zoomed_in(browser, tmp_path):
    """Zoomed out to fit, the labels of a big graph are specks that plotly would still lay out at every
    redraw; they come back once zoomed in far enough to read."""
    page, errors = open_chain(browser, tmp_path, 150)
    page.wait_for_selector(".main-svg")
    page.wait_for_function(f"!({LABELS_VISIBLE})()")
    page.evaluate("""() => { const gd = document.querySelector('.js-plotly-plot');
      const xr = gd._fullLayout.xaxis.range.slice();
      return Plotly.relayout(gd, {'xaxis.range': [xr[0], xr[0] + 1000]}); }""")
    page.wait_for_function(LABELS_VISIBLE)
    page.wait_for_selector(".scatterlayer .textpoint text")
    total = page.evaluate("() => document.querySelector('.js-plotly-plot').data.find(d => d.name === 'labels')"
                          "._explorerAll.length")
    left = page.evaluate(LABEL_TEXTS)
    assert 0 < len(left) < total / 2  # only the labels around the view are laid out

    page.evaluate("""() => { const gd = document.querySelector('.js-plotly-plot');
      const xr = gd._fullLayout.xaxis.range.slice();
      return Plotly.relayout(gd, {'xaxis.range': [xr[0] + 20000, xr[0] + 21000]}); }""")
    page.wait_for_function(f"({LABEL_TEXTS})().length > 0 && !({LABEL_TEXTS})().includes({left[0]!r})")
    page.keyboard.press("ArrowRight")
    assert page.get_attribute("svg.explorer-overlay", "data-step") == "0"
    assert not errors
    page.close()


def test_an_html_export_in_chinese_speaks_chinese_and_its_buttons_need_no_special_font(browser, tmp_path):
    """The player's captions and button tooltips follow the export's language; its buttons are drawn icons,
    not the ⏮/⏭ glyphs many machines have no font for."""
    tr = explorer.trace(get("first-graph").source, sandbox=False)
    path = explorer.export(tr, tmp_path / "graph.html", lang="zh")
    page = browser.new_page(viewport={"width": 1200, "height": 700})
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(path.as_uri())
    page.wait_for_selector(".main-svg")
    buttons = page.locator("button[data-icon]")
    assert buttons.count() == 5
    assert all(buttons.nth(i).locator("svg path").count() == 1 and buttons.nth(i).inner_text().strip() == ""
               for i in range(5))
    assert buttons.nth(2).get_attribute("title") == "播放 / 暂停 (空格)"
    page.keyboard.press("ArrowRight")
    assert "前向" in page.inner_text("body")
    page.keyboard.press(" ")
    assert buttons.nth(2).get_attribute("data-icon") == "pause"
    assert not errors
    page.close()
