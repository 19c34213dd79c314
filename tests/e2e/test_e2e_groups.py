"""Groups in the browser: collapse and open a module by clicking, repeated blocks drawn once, search with Enter
cycling through the matches, and the animation over a collapsed group."""
from __future__ import annotations

import pytest
from e2e_support import (
    click_node,
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

pytestmark = pytest.mark.browser

MODEL = """import torch
import torch.nn as nn

class Block(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(3, 3)
    def forward(self, x):
        return torch.tanh(self.fc(x))

class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.blocks = nn.ModuleList([Block() for _ in range(3)])
        self.head = nn.Linear(3, 1)
    def forward(self, x):
        for b in self.blocks:
            x = b(x)
        return self.head(x)

net = Net()
loss = net(torch.ones(2, 3)).sum()
loss.backward()
"""


def run_model(page) -> dict:
    open_app(page)
    before = graph_signature(page)
    run_program(page, MODEL)
    wait_graph_change(page, previous=before, timeout=60_000)
    return graph_meta(page)


def group_id(meta: dict, path: str) -> str:
    return next(gid for gid, g in meta["groups"].items() if g["path"] == path)


LABEL_POINT = """(gid) => {
  const gd = document.querySelector('#graph .js-plotly-plot');
  const t = gd._fullData.find(d => d.name === 'group-labels');
  const i = t.customdata.indexOf(gid);
  const fl = gd._fullLayout;
  let r = gd.getBoundingClientRect();
  const y = r.top + fl._size.t + fl.yaxis.d2p(t.y[i]);
  if (y < 0 || y > window.innerHeight) {
    window.scrollBy(0, y - window.innerHeight / 2);
    r = gd.getBoundingClientRect();
  }
  return [r.left + fl._size.l + fl.xaxis.d2p(t.x[i]), r.top + fl._size.t + fl.yaxis.d2p(t.y[i])];
}"""
SELECTED = ("(gid) => { const d = document.querySelector('#detail [data-group]');"
            " return d && d.getAttribute('data-group') === gid; }")


def click_group_label(page, gid: str) -> None:
    """A real click on the label of a group's box (its small triangle), which selects the group. The label is
    scrolled into the window first (a small graph's canvas may be taller than it); a click that lands before
    plotly takes mouse events on a loaded machine is tried again."""
    for attempt in range(3):
        xy = page.evaluate(LABEL_POINT, gid)
        page.mouse.move(xy[0], xy[1])
        page.wait_for_timeout(80)
        page.mouse.click(xy[0], xy[1])
        try:
            page.wait_for_function(SELECTED, arg=gid, timeout=8_000)
            return
        except Exception:
            if attempt == 2:
                raise


def press_toggle(page) -> None:
    before = graph_signature(page)
    page.locator("#detail .group-toggle").click()
    wait_graph_change(page, previous=before)


def test_collapse_and_expand_a_module(page):
    meta = run_model(page)
    block = group_id(meta, "net.blocks.1")
    assert not meta["groups"][block]["collapsed"] and block not in meta["boxes"]
    click_group_label(page, block)
    assert "net.blocks.1 · Block" in page.inner_text("#detail")
    assert page.inner_text("#detail .group-toggle") == "Collapse"
    assert "net.blocks.1.fc.weight" in page.inner_text("#detail")  # its parameters, with their gradients' norms
    press_toggle(page)
    meta = graph_meta(page)
    assert meta["titles"][block] == "net.blocks.1 · Block" and meta["groups"][block]["collapsed"]
    assert not any("net.blocks.1" in t and "·" in t and t != "net.blocks.1 · Block" for t in meta["titles"].values())
    # the collapsed node is clicked like any node: its detail offers to open it again
    click_node(page, block)
    assert page.inner_text("#detail .group-toggle") == "Expand"
    press_toggle(page)
    meta = graph_meta(page)
    assert block not in meta["boxes"] and not meta["groups"][block]["collapsed"]
    assert page.errors == []


def test_collapse_repeated_blocks(page):
    run_model(page)
    before = graph_signature(page)
    set_group_depth(page, "Repeated blocks once")
    wait_graph_change(page, previous=before)
    meta = graph_meta(page)
    runs = [g for g in meta["groups"].values() if g["collapsed"]]
    assert len(runs) == 1 and len(runs[0]["groups"]) == 3
    assert any(t.endswith("×3") for t in meta["titles"].values())
    assert "collapsed group" in page.inner_text("#graph")
    # the count is written above the picture, where no frame label can be under it
    note = page.evaluate("""() => { const gd = document.querySelector('#graph .js-plotly-plot');
        const t = Array.from(gd.querySelectorAll('.annotation-text')).find(a => a.textContent.includes('hidden'));
        const plot = gd.querySelector('.cartesianlayer .bg, .draglayer .nsewdrag').getBoundingClientRect();
        const r = t.getBoundingClientRect();
        return {bottom: r.bottom, top: r.top, plot: plot.top, svg: gd.getBoundingClientRect().top}; }""")
    assert note["svg"] <= note["top"] and note["bottom"] <= note["plot"] + 1, note
    assert page.errors == []


def test_search_and_cycle(page):
    meta = run_model(page)
    tanh = [nid for nid, t in meta["titles"].items() if t.startswith("tanh")]
    assert len(tanh) == 3
    box = page.locator("#search")
    box.fill("TanhBackward0")
    page.wait_for_function("() => document.getElementById('search-count').innerText === '0/3'")
    hits = page.evaluate("() => window.ExplorerGroups.state().hits")
    assert hits == tanh
    drawn = page.evaluate("""() => document.querySelector('#graph .js-plotly-plot')._fullData
                             .find(d => d.name === 'search-hits').x.filter(v => v !== null).length""")
    assert drawn == 3 * 5
    for k in (1, 2, 3, 1):  # Enter cycles through the matches, and round again
        box.press("Enter")
        page.wait_for_function(f"() => document.getElementById('search-count').innerText === '{k}/3'")
        b = meta["boxes"][tanh[k - 1]]
        page.wait_for_function("""(c) => { const gd = document.querySelector('#graph .js-plotly-plot');
            const r = gd._fullLayout.xaxis.range, y = gd._fullLayout.yaxis.range;
            return Math.abs((r[0] + r[1]) / 2 - c[0]) < 1 && Math.abs((y[0] + y[1]) / 2 - c[1]) < 1; }""",
                               arg=[(b[0] + b[2]) / 2, (b[1] + b[3]) / 2])
    # by module path and by the variable of a parameter
    box.fill("net.head")
    page.wait_for_function("() => /^0\\/[1-9]/.test(document.getElementById('search-count').innerText)")
    box.fill("no such thing")
    page.wait_for_function("() => document.getElementById('search-count').innerText === '0/0'")
    assert page.errors == []


def test_the_animation_over_a_collapsed_group(page):
    run_model(page)
    before = graph_signature(page)
    set_group_depth(page, "Modules to depth 1")
    wait_graph_change(page, previous=before)
    meta = graph_meta(page)
    block = group_id(meta, "net.blocks.1")
    assert meta["groups"][block]["collapsed"]
    lit = [k for k, s in enumerate(meta["steps"]) if s["n"] == block]
    assert len(lit) > 1  # every node inside runs as a step of the collapsed node
    page.locator("body").click(position={"x": 5, "y": 5})
    page.keyboard.press("Home")
    for _ in range(lit[0] + 1):
        page.keyboard.press("ArrowRight")
    page.wait_for_function(f"() => window.ExplorerApp.k === {lit[0]}")
    wait_idle(page)
    state = player_state(page)
    assert "net.blocks.1 · Block" in state["caption"]
    assert highlight(page)["node"] == 1
    # a backward step inside it too
    page.keyboard.press("End")
    last = len(meta["steps"]) - 1
    page.wait_for_function(f"() => window.ExplorerApp.k === {last}")
    back = [k for k in lit if k >= meta["n_forward"]][-1]
    for k in range(last - 1, back - 1, -1):  # one step at a time
        page.keyboard.press("ArrowLeft")
        page.wait_for_function(f"() => window.ExplorerApp.k === {k}")
    assert "net.blocks.1 · Block" in player_state(page)["caption"]
    assert page.errors == []


IN_WINDOW = """(box) => { const gd = document.querySelector('#graph .js-plotly-plot'), ya = gd._fullLayout.yaxis;
  const top = gd.getBoundingClientRect().top + ya._offset;
  const a = top + ya.l2p(box[1]), b = top + ya.l2p(box[3]);
  return Math.min(a, b) >= 0 && Math.max(a, b) <= window.innerHeight; }"""


def test_a_tall_graph_scrolls_to_the_lit_node_and_the_match(page):
    """At 1280x720 the model's readable canvas is taller than the window: stepping to a node below the fold,
    or Enter on a search match there, scrolls the page to it."""
    page.set_viewport_size({"width": 1280, "height": 720})
    meta = run_model(page)
    height = page.evaluate("() => document.querySelector('#graph .js-plotly-plot').getBoundingClientRect().height")
    assert height > 720, "the test needs a canvas taller than the window"
    page.evaluate("() => window.scrollTo(0, 0)")
    page.locator("body").click(position={"x": 3, "y": 3})
    page.keyboard.press("End")  # the last step: a leaf's gradient, low in the graph or high, but in the window
    last = len(meta["steps"]) - 1
    page.wait_for_function(f"() => window.ExplorerApp.k === {last}")
    node = meta["steps"][last]["n"]
    page.wait_for_function(IN_WINDOW, arg=meta["boxes"][node])
    # the player stays in view over the scrolled graph: its buttons and caption inside the window
    for sel in ("#tl-play", "#caption"):
        r = page.locator(sel).bounding_box()
        assert r and r["y"] >= 0 and r["y"] + r["height"] <= 720, (sel, r)
    page.evaluate("() => window.scrollTo(0, 0)")
    box = page.locator("#search")
    box.fill("net.head")
    page.wait_for_function("() => /^0\\/[1-9]/.test(document.getElementById('search-count').innerText)")
    box.press("Enter")
    page.wait_for_function("() => /^1\\//.test(document.getElementById('search-count').innerText)")
    hit = page.evaluate("() => window.ExplorerGroups.state().hits[0]")
    page.wait_for_function(IN_WINDOW, arg=meta["boxes"][hit])
    assert page.errors == []
