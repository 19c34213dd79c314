"""Reveal as it flows, in the app and in an exported HTML file: a node's value shows once computed, its gradient
once the backward pass reaches it, each edge's gradient as it is sent (then on hover); "Show all" shows
everything. The numbers are compared with plain torch run here."""
from __future__ import annotations

import pytest
import torch
from e2e_support import open_app, run_program, wait_graph_change, wait_idle

import explorer

pytestmark = pytest.mark.browser

PROGRAM = "x = torch.tensor([2.0], requires_grad=True)\ny = x * 3\nz = y ** 2\nz.backward()"

# The node labels as drawn by plotly (one string per node, in the order of the hover markers' ids), and the
# edge gradient labels of the overlay.
LABELS = """() => {
  const gd = document.querySelector('#graph .js-plotly-plot') || document.getElementById('explorer-graph');
  const names = {};
  const ids = gd._fullData.find(d => d.name === 'nodes').customdata;
  const texts = Array.from(gd.querySelectorAll('.scatterlayer .trace')).map(t => t);
  const labels = gd._fullData.find(d => d.name === 'labels');
  const drawn = labels.visible === false ? [] : (labels.text || []);
  const meta = window.ExplorerPlayer.meta(gd);
  ids.forEach((nid, i) => { names[meta.names[nid]] = drawn[i] === undefined ? null : drawn[i]; });
  return names; }"""
EDGE_LABELS = """() => Array.from(document.querySelectorAll('svg.explorer-overlay g.edge-grad'))
  .map(g => ({edge: g.getAttribute('data-edge'), text: g.textContent}))"""
HOVERS = """() => document.querySelector('#graph .js-plotly-plot').data.find(d => d.name === 'nodes').hovertext
  .join(' | ')"""
# the text plotly really drew on the page for the labels (what a learner sees)
DRAWN_TEXT = """() => {
  const gd = document.querySelector('#graph .js-plotly-plot') || document.getElementById('explorer-graph');
  return Array.from(gd.querySelectorAll('.scatterlayer .textpoint text')).map(t => t.textContent).join(' | '); }"""


def torch_numbers() -> dict[str, float]:
    x = torch.tensor([2.0], requires_grad=True)
    y = x * 3
    y.retain_grad()
    z = y ** 2
    z.retain_grad()
    z.backward()
    return {"y": y.item(), "z": z.item(), "dz": z.grad.item(), "dy": y.grad.item(), "dx": x.grad.item()}


def fmt(v: float) -> str:
    return f"{v:g}"


def open_program(page, query: str = ""):
    open_app(page, query)
    before = page.evaluate("() => JSON.stringify(Object.keys(window.ExplorerPlayer.meta("
                           "document.querySelector('#graph .js-plotly-plot')).boxes)) + "
                           "window.ExplorerPlayer.meta(document.querySelector('#graph .js-plotly-plot')).steps.length")
    run_program(page, PROGRAM)
    wait_graph_change(page, previous=before)
    page.wait_for_function("() => window.ExplorerApp.k === -1")


def step_to(page, k: int) -> None:
    """Press "step forward" until the player stands at step k (0-based)."""
    while page.evaluate("() => window.ExplorerApp.k") < k:
        before = page.evaluate("() => window.ExplorerApp.k")
        page.click("#tl-fwd")
        page.wait_for_function("(b) => window.ExplorerApp.k > b", arg=before)
    wait_idle(page)
    page.wait_for_timeout(150)


def test_values_and_gradients_appear_exactly_at_their_steps(page):
    want = torch_numbers()
    open_program(page)
    drawn = page.evaluate(DRAWN_TEXT)
    assert "grad" not in drawn and fmt(want["z"]) not in drawn  # before any step
    step_to(page, 0)  # forward 1/3: x
    drawn = page.evaluate(DRAWN_TEXT)
    assert "grad" not in drawn, drawn
    assert f"[{fmt(want['z'])}]" not in drawn and f"[{fmt(want['y'])}]" not in drawn, drawn
    assert "[2]" in drawn  # x's value, just computed
    hovers = page.evaluate(HOVERS)  # hovering a node does not tell either
    assert "grad: " not in hovers and f"value: [{fmt(want['z'])}]" not in hovers and "value: [2]" in hovers
    step_to(page, 1)  # y
    drawn = page.evaluate(DRAWN_TEXT)
    assert f"[{fmt(want['y'])}]" in drawn and f"[{fmt(want['z'])}]" not in drawn
    step_to(page, 2)  # z
    drawn = page.evaluate(DRAWN_TEXT)
    assert f"[{fmt(want['z'])}]" in drawn and "grad" not in drawn
    assert page.evaluate(EDGE_LABELS) == []
    # backward 1/3: z gets 1 and sends dz/dy along the edge y -> z, labelled with torch's number
    step_to(page, 3)
    labels = page.evaluate(LABELS)
    assert f"grad [{fmt(want['dz'])}]" in labels["z"]
    assert page.evaluate(HOVERS).count("grad: ") == 1
    assert "grad" not in labels["y"] and "grad" not in labels["x"]
    edges = page.evaluate(EDGE_LABELS)
    assert [e["text"] for e in edges] == [f"[{fmt(want['dy'])}]"]
    step_to(page, 4)  # y gets dz/dy, sends dz/dx
    labels = page.evaluate(LABELS)
    assert f"grad [{fmt(want['dy'])}]" in labels["y"] and "grad" not in labels["x"]
    assert [e["text"] for e in page.evaluate(EDGE_LABELS)] == [f"[{fmt(want['dx'])}]"]
    step_to(page, 5)
    labels = page.evaluate(LABELS)
    assert f"grad [{fmt(want['dx'])}]" in labels["x"]


def test_an_edge_keeps_its_gradient_readable_on_hover(page):
    want = torch_numbers()
    open_program(page)
    step_to(page, 5)  # the end: both edges have carried their gradient
    assert page.evaluate(EDGE_LABELS) == []  # the last step (x) sends nothing
    hits = page.locator("svg.explorer-overlay path.edge-hit")
    assert hits.count() == 2
    for i in range(2):
        box = hits.nth(i).bounding_box()
        page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
        page.wait_for_timeout(100)
        shown = [e["text"] for e in page.evaluate(EDGE_LABELS)]
        assert shown in ([f"[{fmt(want['dy'])}]"], [f"[{fmt(want['dx'])}]"]), shown
        page.mouse.move(5, 5)
        page.wait_for_timeout(100)
        assert page.evaluate(EDGE_LABELS) == []


def test_show_all_shows_everything_with_one_click_a_key_and_the_link(page):
    want = torch_numbers()
    open_program(page)
    page.click("#show-all-btn")
    page.wait_for_function("() => window.ExplorerApp.all === true")
    page.wait_for_timeout(200)
    drawn = page.evaluate(DRAWN_TEXT)
    for key in ("dx", "dy", "dz"):
        assert f"grad [{fmt(want[key])}]" in drawn
    assert f"[{fmt(want['z'])}]" in drawn
    assert "all=1" in page.input_value("#share-link")
    page.keyboard.press("a")  # and back (the focus is on the button: the shortcuts are the page's)
    page.wait_for_function("() => window.ExplorerApp.all === false")
    page.wait_for_timeout(200)
    assert "grad" not in page.evaluate(DRAWN_TEXT)
    assert "all=1" not in page.input_value("#share-link")
    # the link opens with everything shown
    open_app(page, "all=1")
    page.wait_for_function("() => window.ExplorerApp.all === true")
    page.wait_for_timeout(200)
    assert "grad" in page.evaluate(DRAWN_TEXT)


def test_the_html_export_reveals_step_by_step(browser, tmp_path):
    want = torch_numbers()
    path = explorer.export(explorer.trace(PROGRAM, sandbox=False), tmp_path / "reveal.html")
    context = browser.new_context(viewport={"width": 1200, "height": 700})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(path.as_uri())
    page.wait_for_selector(".scatterlayer .textpoint text")
    page.wait_for_timeout(200)
    assert "grad" not in page.evaluate(DRAWN_TEXT)
    for _ in range(3):
        page.keyboard.press("ArrowRight")
    page.wait_for_timeout(150)
    drawn = page.evaluate(DRAWN_TEXT)
    assert f"[{fmt(want['z'])}]" in drawn and "grad" not in drawn
    page.keyboard.press("ArrowRight")  # backward 1: z's gradient, and the edge to y carries dz/dy
    page.wait_for_timeout(150)
    drawn = page.evaluate(DRAWN_TEXT)
    assert drawn.count("grad") == 1 and f"grad [{fmt(want['dz'])}]" in drawn
    assert [e["text"] for e in page.evaluate(EDGE_LABELS)] == [f"[{fmt(want['dy'])}]"]
    page.keyboard.press("a")  # show all
    page.wait_for_timeout(150)
    assert page.evaluate(DRAWN_TEXT).count("grad") == 3
    assert not errors
    context.close()
