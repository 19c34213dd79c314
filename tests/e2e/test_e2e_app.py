"""The app in a real browser, as a learner uses it. Torch is the oracle for every number read off the page."""
from __future__ import annotations

import re

import pytest
import torch
from e2e_support import (
    EDITOR_CONTENT,
    click_node,
    editor_text,
    graph_meta,
    graph_signature,
    highlight,
    open_app,
    player_state,
    run_program,
    set_group_depth,
    wait_graph_change,
    wait_idle,
)
from playwright.sync_api import TimeoutError as PlaywrightTimeout

import explorer
from explorer import examples
from explorer.app import urlstate

pytestmark = pytest.mark.browser

NUMBER = re.compile(r"-?\d+(?:\.\d+)?(?:e[-+]?\d+)?")


def numbers(text: str) -> list[float]:
    return [float(x) for x in NUMBER.findall(text)]


def close(shown: list[float], expected, rel: float = 2e-3) -> bool:
    expected = [float(v) for v in torch.as_tensor(expected).flatten()]
    return len(shown) == len(expected) and all(abs(a - b) <= rel * max(1.0, abs(b)) for a, b in zip(shown, expected))


def shown_nodes(source: str, inputs=None, backward="auto") -> int:
    """How many nodes the figure draws (constants hidden by default), from the explorer itself."""
    tr = explorer.trace(source, inputs=inputs, backward=backward)
    return sum(1 for n in tr.nodes.values() if n.kind != "constant")


def node_id(page, title: str, nth: int = 0) -> str:
    meta = graph_meta(page)
    ids = [nid for nid, t in meta["titles"].items() if t == title]
    return ids[nth]


def test_page_loads_the_first_example_from_this_server_only(page):
    open_app(page)
    ex = examples.get("first-graph")
    assert editor_text(page) == ex.source and page.input_value("#editor") == ex.source
    assert len(graph_meta(page)["boxes"]) == shown_nodes(ex.source)
    assert page.inner_text("#status").startswith(f"{shown_nodes(ex.source)} nodes")
    outside = [u for u in page.requests if not u.startswith(page.app_url) and not u.startswith("data:")]
    assert outside == [], f"the page fetched from elsewhere: {outside}"
    assert page.errors == []


NATIVE_PARSING = """() => {
  // a fresh frame's Function.prototype.toString: core-js makes its replacements' own toString say "native"
  const f = document.createElement('iframe'); document.body.appendChild(f);
  const source = f.contentWindow.Function.prototype.toString;
  const fns = {parseFloat: window.parseFloat, parseInt: window.parseInt, numberParseFloat: Number.parseFloat,
               numberParseInt: Number.parseInt, trim: String.prototype.trim, trimEnd: String.prototype.trimEnd};
  const out = {};
  for (const [k, fn] of Object.entries(fns)) out[k] = source.call(fn).includes('[native code]');
  f.remove();
  out.u180e = Number.isNaN(parseFloat('\\u180E1'));  // U+180E is not white space: native parseFloat stops
  out.works = parseFloat(' 1.5e3px ') === 1500 && parseInt(' 0x1F ') === 31 && '  a b\\n'.trim() === 'a b';
  return out;
}"""


def test_plotly_gets_the_browsers_own_number_parsing(page):
    """Dash's @babel/polyfill swaps parseFloat, parseInt and trim for slow JavaScript (plotly calls them per
    element it draws); assets/natives.js puts the browser's own back, and the graph still draws."""
    open_app(page)
    assert page.evaluate(NATIVE_PARSING) == {k: True for k in (
        "parseFloat", "parseInt", "numberParseFloat", "numberParseInt", "trim", "trimEnd", "u180e", "works")}
    assert len(graph_meta(page)["boxes"]) == shown_nodes(examples.get("first-graph").source)
    assert page.errors == []


def test_pick_an_example_runs_it_with_the_right_number_of_nodes(page):
    open_app(page)
    before = graph_signature(page)
    page.click("#example")
    page.get_by_role("option", name=examples.get("two-paths").title("en")).click()
    wait_graph_change(page, previous=before)
    ex = examples.get("two-paths")
    assert editor_text(page) == ex.source
    assert len(graph_meta(page)["boxes"]) == shown_nodes(ex.source)
    assert ex.summary("en") in page.inner_text("#example-summary")


def test_clicking_nodes_shows_the_gradients_torch_computes(page):
    open_app(page)
    x = torch.tensor([0.5, -1.0, 2.0], requires_grad=True)
    y = x + 2
    yy = y * y
    yy.retain_grad()
    z = yy * 2
    out = z.mean()
    out.backward()

    click_node(page, node_id(page, "x"))
    assert close(numbers(page.inner_text("#detail [data-field=grad]")), x.grad)
    assert close(numbers(page.inner_text("#detail [data-field=value]")), x.detach())
    # the node that squares y: the gradient that reached it, and what it sent to each of its two inputs (y, y)
    click_node(page, node_id(page, "mul · MulBackward0", 0))
    assert close(numbers(page.inner_text("#detail [data-field=grad]")), yy.grad)
    sent = page.locator("#detail [data-field=grad_sent]").all_inner_texts()
    assert len(sent) == 2
    for s in sent:
        assert close(numbers(s), yy.grad * y.detach())
    assert "y * y" in page.inner_text("#code-view mark")  # the node's source text is marked


def test_play_to_the_end_then_step_and_scrub(page):
    open_app(page)
    n = len(graph_meta(page)["steps"])
    page.click("#speed")
    page.get_by_role("option", name="4×").click()
    page.click("#tl-play")
    page.wait_for_function(f"() => window.ExplorerApp.k === {n - 1}", timeout=15_000)
    wait_idle(page)
    state = player_state(page)
    assert state["caption"].startswith("backward")
    lit = highlight(page)
    assert lit["step"] == n - 1 and lit["node"] == 1 and lit["text"]  # the last step: x's box and its .grad
    assert page.inner_text("#tl-play") == "▶"  # stopped by itself at the end

    page.keyboard.press("Home")
    page.wait_for_function("() => window.ExplorerApp.k === -1")
    assert highlight(page)["node"] == 0 and highlight(page)["step"] == -1
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    page.wait_for_function("() => window.ExplorerApp.k === 1")
    assert player_state(page)["caption"].startswith("forward 2/")
    page.keyboard.press("ArrowLeft")
    page.wait_for_function("() => window.ExplorerApp.k === 0")

    # scrub: the slider's thumb, moved with its own keys
    thumb = page.locator("#tl-slider [role=slider]")
    thumb.focus()
    page.keyboard.press("End")
    page.wait_for_function(f"() => window.ExplorerApp.k === {n - 1}")
    for _ in range(3):
        page.keyboard.press("ArrowLeft")
    page.wait_for_function(f"() => window.ExplorerApp.k === {n - 4}")
    lit = highlight(page)
    assert lit["step"] == n - 4 and lit["node"] == 1 and lit["edge"] >= 1


def test_a_run_is_one_request_and_playing_asks_the_server_nothing(page):
    """The server's work per student: a Run click sends the run callback alone (its answer draws the status,
    the error box, the notices, the share link), and the animation is played by the page alone."""
    def calls() -> int:
        return sum("/_dash-update-component" in u for u in page.requests)

    open_app(page)
    run_program(page, "a = torch.tensor(2.0, requires_grad=True)\nb = a * a\n")  # lets go of the gallery's choice
    wait_graph_change(page, previous=graph_signature(page))
    page.wait_for_timeout(300)
    wait_idle(page)
    before, sent = graph_signature(page), calls()
    source = "p = torch.tensor(3.0, requires_grad=True)\nq = p * p + p\nq.backward()\n"
    run_program(page, source)
    wait_graph_change(page, previous=before)
    page.wait_for_timeout(500)
    wait_idle(page)
    assert calls() - sent == 1
    n = len(graph_meta(page)["steps"])
    assert page.inner_text("#status").startswith(f"{len(graph_meta(page)['boxes'])} nodes")
    assert urlstate.decode(page.input_value("#share-link").split("?", 1)[1]).program == source
    assert page.inner_text("#error-box").strip() == ""

    sent = calls()
    page.click("#speed")
    page.get_by_role("option", name="4×").click()
    page.click("#tl-play")
    page.wait_for_function(f"() => window.ExplorerApp.k === {n - 1}", timeout=15_000)
    wait_idle(page)
    assert calls() == sent
    assert page.errors == []


def test_space_plays_and_pauses(page):
    open_app(page)
    page.click(EDITOR_CONTENT)
    page.keyboard.press("Control+End")
    page.keyboard.press(" ")  # in the editor a space is a space
    assert editor_text(page) == examples.get("first-graph").source + " "
    assert page.evaluate("() => window.ExplorerApp.k") == -1
    page.locator("body").click(position={"x": 5, "y": 5})
    page.keyboard.press(" ")
    page.wait_for_function("() => window.ExplorerApp.k >= 0", timeout=5_000)
    page.keyboard.press(" ")
    k = page.evaluate("() => window.ExplorerApp.k")
    page.wait_for_timeout(900)
    assert page.evaluate("() => window.ExplorerApp.k") == k  # paused


def test_a_bad_program_shows_an_inline_error_and_the_next_good_run_works(page):
    open_app(page)
    before = graph_signature(page)
    run_program(page, "x = torch.tensor([1.0, 2.0], requires_grad=True)\ny = x +* 2\n")
    page.wait_for_selector("#error-box .error", timeout=15_000)
    err = page.inner_text("#error-box")
    assert "line 2" in err
    assert page.locator("#code-editor .cm-gutterElement.error-line").inner_text() == "2"
    assert page.inner_text("#code-editor .cm-error-line") == "y = x +* 2"
    assert graph_signature(page) == before  # the last good graph stays
    assert page.errors == []

    run_program(page, "z = y * y * 2\n")
    wait_graph_change(page, previous=before)
    page.wait_for_function("() => document.getElementById('error-box').innerText.trim() === ''")
    assert page.locator("#code-editor .error-line, #code-editor .cm-error-line").count() == 0
    assert page.input_value("#inputs-panel input") == "3.0"
    click_node(page, node_id(page, "y"))
    assert close(numbers(page.inner_text("#detail [data-field=grad]")), [12.0])  # dz/dy = 4y

    # a new value for the input, then Enter: dz/dy = 4 * 5
    box = page.locator("#inputs-panel input")
    box.fill("5")
    box.press("Enter")
    page.wait_for_function("() => document.querySelector('#detail [data-field=grad]') &&"
                           " document.querySelector('#detail [data-field=grad]').innerText.trim() === '20'",
                           timeout=15_000)


def test_a_runtime_error_names_the_line_and_keeps_the_page_alive(page):
    open_app(page)
    run_program(page, "a = torch.ones(2, 3)\nb = torch.ones(4, 5)\nc = a @ b\n")
    page.wait_for_selector("#error-box .error", timeout=15_000)
    assert "line 3" in page.inner_text("#error-box")
    run_program(page, "import sys\n")
    page.wait_for_function("() => document.getElementById('error-box').innerText.includes('line 1')")
    assert page.errors == []


def test_a_non_scalar_output_teaches_and_offers_a_choice(page):
    open_app(page, "v=1&ex=non-scalar-output")
    notes = page.inner_text("#notices")
    assert "scalar" in notes
    page.click("#backward >> text=sum")
    page.wait_for_function("() => document.getElementById('notices').innerText.trim() === ''", timeout=15_000)
    click_node(page, node_id(page, "x"))
    x = torch.tensor([0.5, -1.0, 2.0], requires_grad=True)
    ((x + 2) * (x + 2) * 2).sum().backward()
    assert close(numbers(page.inner_text("#detail [data-field=grad]")), x.grad)
    assert "b=sum" in page.input_value("#share-link")


def test_a_shared_link_reproduces_program_inputs_settings_and_numbers(page, browser):
    open_app(page)
    before = graph_signature(page)
    source = "# 中文注释: w and b are free names\nout = (w * 3 + b).tanh()\n"
    run_program(page, source)
    wait_graph_change(page, previous=before)
    boxes = page.locator("#inputs-panel input")
    boxes.nth(0).fill("0.25")
    boxes.nth(0).press("Enter")
    page.wait_for_function("() => document.getElementById('share-link').value.includes('in=')", timeout=15_000)
    page.click("#theme >> text=Dark")
    page.click("#direction >> text=Top to bottom")
    wait_idle(page)
    page.wait_for_function("() => document.getElementById('share-link').value.includes('th=dark')")
    link = page.input_value("#share-link")
    assert page.url == link  # the address bar carries the state too
    click_node(page, node_id(page, "w"))
    grad_here = page.inner_text("#detail [data-field=grad]")
    sig = graph_signature(page)

    other = browser.new_context(viewport={"width": 1500, "height": 950})
    try:
        p2 = other.new_page()
        p2.app_url = page.app_url
        p2.goto(link)
        p2.wait_for_function("() => { const gd = document.querySelector('#graph .js-plotly-plot');"
                             " return gd && gd.layout && gd.layout.meta && gd.layout.meta.explorer; }")
        wait_idle(p2)
        assert editor_text(p2) == source
        assert p2.input_value("#inputs-panel input >> nth=0") == "0.25"
        assert graph_signature(p2) == sig
        assert p2.evaluate("() => document.body.classList.contains('theme-dark')")
        assert p2.is_checked("#direction input[value=TB]")
        click_node(p2, node_id(p2, "w"))
        assert p2.inner_text("#detail [data-field=grad]") == grad_here
        w, b = torch.tensor(0.25, requires_grad=True), torch.tensor(2.0, requires_grad=True)
        (w * 3 + b).tanh().backward()
        assert close(numbers(grad_here), [w.grad])
    finally:
        other.close()


def test_the_language_switch_changes_the_words_and_is_remembered(page):
    open_app(page)
    page.click("#lang-zh")
    page.wait_for_function("() => document.querySelector('h1').innerText === '自动求导探索器'")
    assert "运行" in page.inner_text("#run-btn")
    assert page.inner_text("#example") .strip() == examples.get("first-graph").title("zh")
    assert page.get_attribute("#tl-play", "title") == "播放 / 暂停（空格）"
    try:
        page.click("#tl-fwd", timeout=5_000)
    except Exception:
        page.screenshot(path="/tmp/zh-fail.png")
        raise
    page.wait_for_function("() => document.getElementById('caption').innerText.startsWith('前向')")
    click_node(page, node_id(page, "x"))
    assert "叶子张量" in page.inner_text("#detail")
    page.reload()
    page.wait_for_function("() => (document.querySelector('h1') || {}).innerText === '自动求导探索器'", timeout=30_000)
    page.click("#lang-en")
    page.wait_for_function("() => document.querySelector('h1').innerText === 'Autograd Explorer'")


def test_png_and_svg_export_download_valid_files(page, tmp_path):
    open_app(page)
    with page.expect_download(timeout=30_000) as d:
        page.click("#exp-png")
    png = tmp_path / d.value.suggested_filename
    d.value.save_as(png)
    assert png.name == "autograd-first-graph.png"
    data = png.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 5_000
    with page.expect_download(timeout=30_000) as d:
        page.click("#exp-svg")
    svg = tmp_path / d.value.suggested_filename
    d.value.save_as(svg)
    assert svg.name == "autograd-first-graph.svg"
    assert svg.read_text(encoding="utf-8").lstrip().startswith("<svg")


def test_html_and_json_export_from_the_server(page, tmp_path):
    open_app(page)
    with page.expect_download(timeout=30_000) as d:
        page.click("#exp-json")
    path = tmp_path / d.value.suggested_filename
    d.value.save_as(path)
    assert path.name == "autograd-first-graph.json"
    tr = explorer.Trace.from_dict(__import__("json").loads(path.read_text()))
    assert abs(tr.grads["x"][0] - 10 / 3) < 1e-4
    with page.expect_download(timeout=30_000) as d:
        page.click("#exp-html")
    html = (tmp_path / "g.html")
    d.value.save_as(html)
    text = html.read_text(encoding="utf-8")
    assert "ExplorerPlayer" in text and "http://" not in text.split("<body")[0].replace("http://www.w3.org", "")


def test_a_big_graph_tells_its_node_count_and_still_plays(page):
    open_app(page)
    set_group_depth(page, "All open")  # else it opens collapsed (tests/e2e/test_e2e_groups.py)
    before = graph_signature(page)
    source = ("x = torch.tensor(0.5, requires_grad=True)\nw = torch.tensor(0.9, requires_grad=True)\n"
              "b = torch.tensor(0.1, requires_grad=True)\ny = x\nfor i in range(110):\n"
              "    y = torch.tanh(y * w + b)\n")
    run_program(page, source)
    wait_graph_change(page, previous=before, timeout=60_000)
    nodes = shown_nodes(source)
    assert nodes > 300
    assert f"A big graph: {nodes} nodes" in page.inner_text("#status")
    page.locator("body").click(position={"x": 5, "y": 5})
    page.keyboard.press("End")
    page.wait_for_function(f"() => window.ExplorerApp.k === {2 * nodes - 1}")
    assert highlight(page)["node"] == 1


BIG_CHAIN = ("x = torch.tensor(0.5, requires_grad=True)\nw = torch.tensor(0.9, requires_grad=True)\n"
             "b = torch.tensor(0.1, requires_grad=True)\ny = x\nfor i in range(110):\n"
             "    y = torch.tanh(y * w + b)\n")
TRACE_TYPES = "() => document.querySelector('#graph .js-plotly-plot')._fullData.map(t => t.type)"


def test_software_webgl_is_not_used_for_big_graphs(webgl_page):
    """Chromium here has WebGL only from its software renderer, which drags slower than SVG: stay SVG."""
    page = webgl_page
    open_app(page)
    set_group_depth(page, "All open")  # else it opens collapsed (tests/e2e/test_e2e_groups.py)
    assert page.evaluate("() => !!document.createElement('canvas').getContext('webgl')")
    assert page.evaluate("() => window.dash_clientside.explorer.webgl()") is False
    before = graph_signature(page)
    run_program(page, BIG_CHAIN)
    wait_graph_change(page, previous=before, timeout=60_000)
    assert "scattergl" not in page.evaluate(TRACE_TYPES)
    assert not page.errors


def test_a_big_graph_draws_lines_with_webgl_when_asked_and_stays_clickable(webgl_page):
    """With WebGL (`?gl=1` here, a GPU elsewhere) lines, arrowheads and the click targets of a big graph go
    to WebGL, where a redraw at each zoom is several times cheaper; boxes and labels stay SVG; clicking a
    node still explains it."""
    page = webgl_page
    open_app(page, "gl=1")
    set_group_depth(page, "All open")  # else it opens collapsed (tests/e2e/test_e2e_groups.py)
    assert page.evaluate("() => window.dash_clientside.explorer.webgl()")
    assert "scattergl" not in page.evaluate(TRACE_TYPES)  # the first example is small: SVG
    before = graph_signature(page)
    run_program(page, BIG_CHAIN)
    wait_graph_change(page, previous=before, timeout=60_000)
    types = page.evaluate(TRACE_TYPES)
    assert types.count("scattergl") == 3 and "scatter" in types, types
    tr = explorer.trace(BIG_CHAIN, sandbox=False)
    w = next(n for n in tr.nodes.values() if n.label == "w")
    page.evaluate("""() => { const gd = document.querySelector('#graph .js-plotly-plot');
      const xr = gd._fullLayout.xaxis.range.slice();
      return Plotly.relayout(gd, {'xaxis.range': [xr[0], xr[0] + 1400]}); }""")
    wait_idle(page)
    click_node(page, w.id)
    detail = page.inner_text("#detail")
    assert f"{w.grad['data']:.4g}" in detail
    assert not page.errors


LABELS_STATE = """() => { const gd = document.querySelector('#graph .js-plotly-plot');
  const t = gd.data.find(d => d.name === 'labels');
  return {visible: t.visible !== false, drawn: gd.querySelectorAll('.scatterlayer .textpoint text').length,
          all: (t._explorerAll || t.text).length}; }"""


def test_a_big_graph_arrives_without_its_specks_of_labels_and_shows_them_zoomed_in(page):
    """Zoomed out to fit, a big graph's labels are unreadable specks: the figure comes with them hidden (the
    first draw skips laying them out) and zooming in shows the ones around the view, readable."""
    open_app(page)
    set_group_depth(page, "All open")  # else it opens collapsed (tests/e2e/test_e2e_groups.py)
    before = graph_signature(page)
    # every label plotly lays out, even one it removes again in the same task, is an added text point
    page.evaluate("""() => { window.__labelsLaidOut = 0;
      new MutationObserver(records => records.forEach(r => r.addedNodes.forEach(n => {
        if (n.classList && n.classList.contains('textpoint')) window.__labelsLaidOut += 1; })))
        .observe(document.getElementById('graph'), {childList: true, subtree: true}); }""")
    run_program(page, BIG_CHAIN)
    wait_graph_change(page, previous=before, timeout=60_000)
    wait_idle(page)
    state = page.evaluate(LABELS_STATE)
    assert state == {"visible": False, "drawn": 0, "all": shown_nodes(BIG_CHAIN)}
    assert page.evaluate("() => window.__labelsLaidOut") == 0  # not even in the first draw
    page.evaluate("""() => { const gd = document.querySelector('#graph .js-plotly-plot');
      const xr = gd._fullLayout.xaxis.range.slice();
      return Plotly.relayout(gd, {'xaxis.range': [xr[0], xr[0] + 1400]}); }""")
    page.wait_for_function(f"({LABELS_STATE})().drawn > 0")
    state = page.evaluate(LABELS_STATE)
    assert state["visible"] and 0 < state["drawn"] < state["all"]
    tr = explorer.trace(BIG_CHAIN, sandbox=False)
    leaf_names = {n.label for n in tr.nodes.values() if n.kind == "leaf"}
    shown = page.evaluate("() => Array.from(document.querySelectorAll('#graph .textpoint text'))"
                          ".map(t => t.textContent)")
    assert any(name in text for text in shown for name in leaf_names)  # the inputs, at the left end
    assert not page.errors


def test_a_zoom_draws_the_graph_once(page):
    """dcc.Graph copies a zoom into its figure and then draws that figure again; the page stops the copy, so
    a zoom costs one draw (on a big graph, each draw is what a teacher waits for)."""
    open_app(page)
    set_group_depth(page, "All open")  # else it opens collapsed (tests/e2e/test_e2e_groups.py)
    before = graph_signature(page)
    run_program(page, BIG_CHAIN)
    wait_graph_change(page, previous=before, timeout=60_000)
    wait_idle(page)
    counts = page.evaluate("""async () => { const gd = document.querySelector('#graph .js-plotly-plot');
      const n = {react: 0, afterplot: 0};
      gd.on('plotly_react', () => n.react++); gd.on('plotly_afterplot', () => n.afterplot++);
      const xr = gd._fullLayout.xaxis.range.slice(), w = (xr[1] - xr[0]) / 2;
      await Plotly.relayout(gd, {'xaxis.range': [xr[0] + w / 4, xr[0] + w / 4 + w]});  // still zoomed out
      await new Promise(r => setTimeout(r, 1500));
      return n; }""")
    assert counts == {"react": 0, "afterplot": 1}
    page.locator("body").click(position={"x": 5, "y": 5})
    page.keyboard.press("End")  # the highlight follows the zoom as before
    page.wait_for_function("() => window.ExplorerApp.k >= 0")
    assert highlight(page)["node"] == 1
    assert not page.errors


def test_a_new_theme_keeps_the_users_zoom(page):
    """The figure is redrawn for a theme, and the view the user dragged to stays (plotly's uirevision), though
    the page no longer lets dcc.Graph copy zooms into its figure."""
    open_app(page)
    wait_idle(page)
    x_range = "() => document.querySelector('#graph .js-plotly-plot')._fullLayout.xaxis.range.slice()"
    before = page.evaluate(x_range)
    for _attempt in range(3):  # on a loaded machine a drag can start before plotly takes mouse events
        box = page.query_selector("#graph .nsewdrag").bounding_box()  # the user drags the graph sideways
        x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
        page.mouse.move(x, y)
        page.mouse.down()
        for i in range(1, 11):
            page.mouse.move(x - 15 * i, y)
        page.mouse.up()
        try:
            page.wait_for_function(f"() => ({x_range})()[0] !== {before[0]}", timeout=10_000)
            break
        except PlaywrightTimeout:
            continue
    wait_idle(page)
    view = page.evaluate(x_range)
    background = "() => document.querySelector('#graph .js-plotly-plot')._fullLayout.paper_bgcolor"
    light = page.evaluate(background)
    page.locator("#theme label", has_text="Dark").click()
    page.wait_for_function(f"() => ({background})() !== {light!r}")
    wait_idle(page)
    assert view[0] > before[0]
    assert page.evaluate(x_range) == pytest.approx(view, rel=1e-6, abs=1e-6)
    assert not page.errors


def test_while_a_program_runs_the_spinner_is_in_view_above_the_player(page):
    """A program that runs until a limit stops it: its spinner is shown where the user looks, inside the window
    and above the player stuck to its bottom (dcc.Loading centred it over the whole canvas: under the player)."""
    page.set_viewport_size({"width": 1280, "height": 720})  # a laptop, and a classroom projector's size
    open_app(page)
    run_program(page, "import torch\nx = torch.tensor(1.0, requires_grad=True)\nwhile True:\n    x = x * 1.0\n")
    page.wait_for_selector(".dash-spinner", state="visible", timeout=10_000)
    where = page.evaluate("""() => {
        const s = document.querySelector('.dash-spinner').getBoundingClientRect();
        const bar = document.querySelector('.player-bar').getBoundingClientRect();
        return {top: s.top, bottom: s.bottom, bar: bar.top, window: window.innerHeight}; }""")
    assert where["top"] >= 0 and where["bottom"] <= min(where["bar"], where["window"]), where
    wait_idle(page)


@pytest.mark.parametrize("size", [(1280, 720), (1024, 768)])
def test_the_page_is_no_wider_than_the_window(page, size):
    """No horizontal scrollbar on a laptop or a projector: nothing on the page (the speed menu at the right edge
    included) reaches past the window's right edge."""
    page.set_viewport_size({"width": size[0], "height": size[1]})
    open_app(page)
    wide = page.evaluate("""() => { const W = document.documentElement.clientWidth, out = [];
        for (const e of document.querySelectorAll('body *')) {
          const r = e.getBoundingClientRect();
          if (r.width > 0 && r.right > W + 1) out.push(e.tagName + '.' + String(e.className).slice(0, 40));
        }
        return {page: document.documentElement.scrollWidth, window: W, past: out.slice(0, 5)}; }""")
    assert wide["page"] <= wide["window"] and not wide["past"], wide


def test_a_long_value_in_a_hover_label_stays_in_the_window(page):
    """Hovering a node of 20 numbers (16 shown): its value and gradient lines are wrapped, so the hover label
    stays inside the window (plotly never wraps one: it ran off both sides of the graph); before the values
    are computed, none of those lines shows (reveal as it flows)."""
    page.set_viewport_size({"width": 1280, "height": 720})
    open_app(page)
    run_program(page, "import torch\nw = torch.full((2, 10), 0.123456, requires_grad=True)\n"
                      "x = torch.linspace(-1, 1, 10)\nloss = torch.sigmoid(x @ w.t()).sum()\nloss.backward()\n")
    wait_idle(page)
    leaf = next(nid for nid, t in graph_meta(page)["titles"].items() if t == "w")

    def hover() -> dict:
        click_node(page, leaf)  # the pointer rests on the node: its hover label is shown
        page.wait_for_selector("#graph .hoverlayer .hovertext", state="visible", timeout=10_000)
        return page.evaluate("""() => {
            const h = document.querySelector('#graph .hoverlayer .hovertext'), r = h.getBoundingClientRect();
            return {left: r.left, right: r.right, window: window.innerWidth, text: h.textContent}; }""")

    before = hover()
    assert "0.1235" not in before["text"] and "(20" not in before["text"], before  # not computed yet
    page.click("#tl-last")
    wait_idle(page)
    page.mouse.move(5, 5)
    after = hover()
    assert "… (20" in after["text"] and "0.1235" in after["text"], after
    assert after["left"] >= 0 and after["right"] <= after["window"], after
