"""The toolbar's digits in a real browser: picking 6 draws every number with 6 significant digits (the node labels,
their hover texts, the caption, the gradients on the edges, the detail panel), 2 with 2; the player keeps its
step and the detail panel its node, as for a theme, and the link keeps the choice. The numbers are plain
torch's, run here."""
from __future__ import annotations

import pytest
import torch
from e2e_support import click_node, graph_meta, graph_signature, open_app, run_program, wait_graph_change, wait_idle

pytestmark = pytest.mark.browser

PROGRAM = "x = torch.tensor([0.5, -1.0, 2.0], requires_grad=True)\nout = (x * x / 3).sum()\nout.backward()\n"

# the text plotly drew for each label, by node name, and the hover texts the page wrote
DRAWN = """() => {
  const gd = document.querySelector('#graph .js-plotly-plot');
  const meta = window.ExplorerPlayer.meta(gd);
  const ids = gd._fullData.find(d => d.name === 'nodes').customdata;
  const i = gd._fullData.findIndex(d => d.name === 'labels');
  const layer = gd.querySelectorAll('.scatterlayer .trace')[i];
  const points = Array.from(layer.querySelectorAll('.textpoint text')).map(t => t.textContent);
  const labels = {};
  ids.forEach((nid, k) => { labels[meta.names[nid] || meta.titles[nid]] = points[k]; });
  return {labels: labels, digits: meta.table.digits, k: window.ExplorerApp.k,
          hovers: gd.data.find(d => d.name === 'nodes').hovertext.join(' | '),
          edges: Array.from(document.querySelectorAll('svg.explorer-overlay g.edge-grad')).map(g => g.textContent),
          caption: document.getElementById('caption').innerText,
          detail: (document.querySelector('#detail [data-field=grad]') || {}).textContent,
          node: (document.querySelector('#detail [data-node]') || {getAttribute: () => null}).getAttribute('data-node'),
          link: document.getElementById('share-link').value}; }"""


def torch_numbers() -> tuple[list[float], list[float]]:
    """x.grad = 2x/3, and what the multiplication sends x along each of its two edges, x/3."""
    x = torch.tensor([0.5, -1.0, 2.0], requires_grad=True)
    (x * x / 3).sum().backward()
    return x.grad.tolist(), (x.detach() / 3).tolist()


def written(values: list[float], digits: int) -> str:
    return "[" + ", ".join(f"{v:.{digits}g}" for v in values) + "]"


def squash(words: str) -> str:
    """Without spaces: a long label is drawn on several lines, which plotly's text joins without one."""
    return words.replace(" ", "")


def step(page, button: str) -> dict:
    k = page.evaluate("() => window.ExplorerApp.k")
    page.click(button)
    page.wait_for_function("(k) => window.ExplorerApp.k !== k", arg=k)
    wait_idle(page)
    return page.evaluate(DRAWN)


def pick_digits(page, digits: int) -> dict:
    page.click("#digits")  # the toolbar's dropdown, as a user picks in it
    page.get_by_role("option", name=str(digits), exact=True).click()
    page.wait_for_function("(d) => { const gd = document.querySelector('#graph .js-plotly-plot');"
                           " const m = window.ExplorerPlayer.meta(gd); return m && m.table && m.table.digits === d; }",
                           arg=digits, timeout=30_000)
    wait_idle(page)
    page.wait_for_function("(d) => document.getElementById('share-link').value.includes('digits=' + d) || d === 4"
                           " && !document.getElementById('share-link').value.includes('digits=')",
                           arg=digits, timeout=10_000)
    page.wait_for_function("(d) => { const e = document.querySelector('#detail [data-field=grad]'); return e"
                           " && e.textContent.split(',')[0].length === ('[' + (1 / 3).toPrecision(d)).length; }",
                           arg=digits, timeout=10_000)
    return page.evaluate(DRAWN)


def test_the_digits_control_rewrites_every_number_and_keeps_the_step_and_the_node(page):
    open_app(page)
    before = graph_signature(page)
    run_program(page, PROGRAM)
    wait_graph_change(page, previous=before)
    grad, sent = torch_numbers()
    meta = graph_meta(page)
    x = next(nid for nid, name in meta["names"].items() if name == "x")
    at_x = max(i for i, s in enumerate(meta["steps"]) if s["n"] == x and s["p"] == "b")  # x's gradient arrives
    assert at_x == len(meta["steps"]) - 1
    page.click("#tl-last")
    page.wait_for_function("(k) => window.ExplorerApp.k === k", arg=at_x)
    click_node(page, x)
    step(page, "#tl-back")  # the multiplication's step: it sends x/3 along each of its edges to x
    shown = {}
    for digits in (4, 6, 2):
        sends = pick_digits(page, digits) if digits != 4 else page.evaluate(DRAWN)
        assert sends["digits"] == digits and sends["k"] == at_x - 1  # the player stays at its step
        assert sends["edges"] == [written(sent, digits)] * 2, sends["edges"]
        assert written(sent, digits) in sends["caption"]
        assert sends["node"] == x and sends["detail"] == written(grad, digits)  # the same node, in the details
        gets = step(page, "#tl-fwd")
        assert squash(f"grad {written(grad, digits)}") in squash(gets["labels"]["x"]), gets["labels"]
        assert f"grad: {written(grad, digits)}" in gets["hovers"] and written(grad, digits) in gets["caption"]
        shown[digits] = gets["labels"]["x"]
        step(page, "#tl-back")
    assert "0.333333" in shown[6] and "0.3333" in shown[4] and "0.333" not in shown[2]
    assert len(shown[2]) < len(shown[4]) < len(shown[6])
    assert "digits=2" in page.evaluate(DRAWN)["link"]
    assert page.errors == []


def test_a_link_with_digits_opens_with_them(page):
    """A teacher's link (digits=3): the first graph is drawn with 3 digits and the control shows them."""
    open_app(page, "ex=first-graph&all=1&digits=3")
    drawn = page.evaluate(DRAWN)
    assert drawn["digits"] == 3 and "grad [3.33, 1.33, 5.33]" in drawn["labels"]["x"], drawn["labels"]
    assert page.locator("#digits").inner_text().strip() == "3"
    assert page.errors == []
