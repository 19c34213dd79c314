"""Readable in front of a class (issue 14): the app at 1280x720, as a projector shows it.

- every gallery example of up to READABLE_MAX_NODES nodes, opened by its link, draws no node text smaller
  than READABLE_PX on screen (benchmarks/bench_readability.py prints the sizes for every example);
- the canvas follows the graph: a left-to-right chain does not leave most of the canvas empty;
- presentation mode shows the whole step caption, its longest lines included.
"""
from __future__ import annotations

import pytest
from conftest import CHROMIUM_ARGS  # noqa: F401 - the same browser as every e2e test
from e2e_support import caption_fits, canvas_use, label_px, open_app, wait_idle

from explorer import examples
from explorer.choices import READABLE_MAX_NODES, READABLE_PX

pytestmark = pytest.mark.browser

PROJECTOR = {"width": 1280, "height": 720}


@pytest.fixture
def small_page(browser, live_app):
    """A fresh page in a 1280x720 window (a classroom projector's)."""
    context = browser.new_context(viewport=PROJECTOR, locale="en-US")
    page = context.new_page()
    page.errors = []
    page.on("pageerror", lambda e: page.errors.append(str(e)))
    page.app_url = live_app.url
    yield page
    context.close()


def _settled(page) -> None:
    """Until the canvas has its final size and the labels their fit (assets/app.js fitCanvas, fitText)."""
    wait_idle(page)
    page.wait_for_function("""() => { const gd = document.querySelector('#graph .js-plotly-plot');
        const h = gd.getBoundingClientRect().height;
        const still = window.__lastH === h; window.__lastH = h; return still; }""", polling=300, timeout=20_000)
    page.wait_for_timeout(200)


@pytest.mark.parametrize("key", [ex.key for ex in examples.EXAMPLES])
def test_small_graphs_are_readable_at_1280x720(small_page, key):
    open_app(small_page, f"v=1&ex={key}")
    _settled(small_page)
    use, px = canvas_use(small_page), label_px(small_page)
    if use["nodes"] > READABLE_MAX_NODES:
        pytest.skip(f"{use['nodes']} nodes: a big graph is fitted to the window, zoom in to read")
    assert px["min"] is not None, "no node label drawn"
    assert px["min"] >= READABLE_PX, (
        f"{key}: smallest node text {px['min']:.1f} px < {READABLE_PX:g} px ({use['nodes']} nodes, "
        f"{use['direction']}, plot {use['width']:.0f}x{use['height']:.0f} px)")
    assert not small_page.errors


def test_a_left_to_right_chain_fills_its_canvas(small_page):
    """first-graph drawn left to right (the user's choice) is a flat chain of 5 boxes: the canvas shrinks to it
    instead of leaving two thirds of its height empty."""
    open_app(small_page, "v=1&ex=first-graph&dir=LR")
    _settled(small_page)
    use = canvas_use(small_page)
    assert use["direction"] == "LR"
    assert use["used_w"] > 0.8 and use["used_h"] > 0.6, use


def test_presentation_mode_shows_the_whole_caption(small_page):
    open_app(small_page, "v=1&ex=first-graph")
    _settled(small_page)
    small_page.locator("body").click(position={"x": 3, "y": 3})
    small_page.keyboard.press("p")
    small_page.wait_for_function("() => document.body.classList.contains('present')")
    _settled(small_page)
    # the longest captions are the backward steps that send to two inputs: look at every step
    n = small_page.evaluate("() => window.ExplorerPlayer.count(document.querySelector('#graph .js-plotly-plot'))")
    worst = None
    for k in range(n):
        small_page.keyboard.press("ArrowRight")
        small_page.wait_for_function(f"() => window.ExplorerApp.k === {k}")
        small_page.wait_for_timeout(60)
        fit = caption_fits(small_page)
        if worst is None or fit["bottom"] > worst["bottom"] or not fit["fits"]:
            worst = fit
        assert fit["fits"], f"step {k + 1}: caption cut off: {fit}"
    assert worst is not None and worst["text"]
