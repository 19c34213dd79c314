"""Screenshots for the README, taken by the same browser as the tests: docs/app-{light,dark,projector,zh}.png.

Each one also checks what it shows: the theme's class is on the page, a node is selected and a step lit.
The pictures go to docs/ only when EXPLORER_UPDATE_SCREENSHOTS=1 (so an ordinary test run leaves the work
tree clean), else to a temporary folder:

    EXPLORER_UPDATE_SCREENSHOTS=1 .venv/bin/python -m pytest tests/e2e/test_e2e_screenshots.py
"""
from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from e2e_support import (
    click_node,
    graph_meta,
    graph_signature,
    highlight,
    open_app,
    run_program,
    wait_graph_change,
    wait_idle,
)

from explorer.drawing.themes import THEMES

pytestmark = pytest.mark.browser

DOCS = Path(__file__).resolve().parents[2] / "docs"


@pytest.fixture
def shots(tmp_path) -> Path:
    if os.environ.get("EXPLORER_UPDATE_SCREENSHOTS") == "1":
        DOCS.mkdir(exist_ok=True)
        return DOCS
    return tmp_path


def _prepare(page, query: str, steps: int) -> None:
    open_app(page, query)
    meta = graph_meta(page)
    leaf = next(nid for nid, t in meta["titles"].items() if t == "x")
    click_node(page, leaf)
    page.locator("body").click(position={"x": 3, "y": 3})
    for _ in range(steps):
        page.keyboard.press("ArrowRight")
    page.wait_for_function(f"() => window.ExplorerApp.k === {steps - 1}")
    wait_idle(page)
    page.mouse.move(2, 2)  # no hover label over the picture
    page.wait_for_timeout(250)


@pytest.mark.parametrize("name,query,steps,body_class", [
    # left to right: the whole graph beside the page's header and editor, nothing scrolled away
    ("light", "v=1&ex=first-graph&dir=LR", 7, "theme-light"),
    ("dark", "v=1&ex=two-paths&th=dark&dir=LR", 14, "theme-dark"),
    ("zh", "v=1&ex=first-graph&lang=zh&dir=LR", 8, "theme-light"),
])
def test_screenshot(page, shots, name, query, steps, body_class):
    _prepare(page, query, steps)
    assert page.evaluate(f"() => document.body.classList.contains('{body_class}')")
    assert highlight(page)["node"] == 1 and highlight(page)["step"] == steps - 1
    if name == "zh":
        assert page.inner_text("h1") == "自动求导探索器"
    page.screenshot(path=str(shots / f"app-{name}.png"))


def test_screenshot_projector_presentation_mode(page, shots):
    _prepare(page, "v=1&ex=first-graph", 9)
    page.keyboard.press("p")
    page.wait_for_function("() => document.body.classList.contains('present') &&"
                           " document.body.classList.contains('theme-projector')")
    # the projector figure (bigger type) replaces the light one, and the lit step survives the redraw
    page.wait_for_function(f"""() => {{ const gd = document.querySelector('#graph .js-plotly-plot');
        const m = window.ExplorerPlayer.meta(gd);
        return m.colors.value === {json.dumps(THEMES["projector"].value)}; }}""", timeout=20_000)
    wait_idle(page)
    page.wait_for_function("() => { const svg = document.querySelector('#graph svg.explorer-overlay');"
                           " return svg && svg.querySelectorAll('rect.hl-node').length === 1; }", timeout=10_000)
    assert not page.is_visible("#code-editor")
    page.mouse.move(2, 2)
    page.wait_for_timeout(300)
    page.screenshot(path=str(shots / "app-projector.png"))
    page.keyboard.press("Escape")
    page.wait_for_function("() => !document.body.classList.contains('present')")
    assert page.is_visible("#code-editor")


# --- reveal as it flows, and the quiz, at a projector's 1280×720: docs/screenshots/ -------------------------


def test_screenshot_mid_backward_with_edge_gradients(page, shots):
    """Mid-backward on the first graph: the values all known, gradients only where the engine has been, and
    the step's two edges labelled with the gradient each sends."""
    page.set_viewport_size({"width": 1280, "height": 720})
    open_app(page, "v=1&ex=first-graph&dir=LR")  # left to right: the whole chain and its edge labels in view
    nf = graph_meta(page)["n_forward"]
    page.locator("#tl-fwd").click()
    for _ in range(nf + 2):
        page.keyboard.press("ArrowRight")
    page.wait_for_function(f"() => window.ExplorerApp.k === {nf + 2}")
    wait_idle(page)
    page.mouse.move(2, 2)
    page.wait_for_timeout(300)
    assert page.locator("svg.explorer-overlay g.edge-grad").count() == 2
    (shots / "screenshots").mkdir(exist_ok=True)
    page.screenshot(path=str(shots / "screenshots" / "mid-backward.png"))


def test_screenshot_quiz_asking(page, shots):
    """Quiz mode from a teacher's link: one gradient answered (1/1), the next one asked, its answer being typed."""
    page.set_viewport_size({"width": 1280, "height": 720})
    open_app(page, "v=1&ex=first-graph&quiz=1")
    page.click("#tl-last")
    page.wait_for_function("() => window.ExplorerApp.ask && !window.ExplorerApp.ask.answered")
    wait_idle(page)
    page.fill("#quiz-answer", "1")
    page.click("#quiz-check")
    page.wait_for_selector("#quiz-feedback .quiz-right")
    page.click("#tl-last")
    page.wait_for_function("() => window.ExplorerApp.ask && !window.ExplorerApp.ask.answered")
    wait_idle(page)
    page.fill("#quiz-answer", "[0.33, 0.33, 0.33]")
    page.locator("#quiz-panel").scroll_into_view_if_needed()
    page.mouse.move(2, 2)
    page.wait_for_timeout(300)
    assert "1/1" in page.inner_text("#quiz-score-text")
    (shots / "screenshots").mkdir(exist_ok=True)
    page.screenshot(path=str(shots / "screenshots" / "quiz.png"))


def test_screenshot_search_in_a_model(page, shots):
    """A model of three blocks drawn left to right (the whole model in one window), every module open and
    `tanh` searched: the three matches ringed, the count beside the box."""
    from test_e2e_groups import MODEL
    page.set_viewport_size({"width": 1280, "height": 720})
    open_app(page, "v=1&dir=LR")
    before = graph_signature(page)
    run_program(page, MODEL)
    wait_graph_change(page, previous=before, timeout=60_000)
    box = page.locator("#search")
    box.fill("tanh")
    page.wait_for_function("() => document.getElementById('search-count').innerText === '0/3'")
    titles = graph_meta(page)["titles"]
    hits = page.evaluate("() => window.ExplorerGroups.state().hits")
    assert len(hits) == 3 and all(titles[h].startswith("tanh") for h in hits)
    wait_idle(page)
    page.evaluate("() => window.scrollTo(0, document.querySelector('.centre-panel').getBoundingClientRect().top"
                  " + window.scrollY - 8)")
    page.mouse.move(2, 2)
    page.wait_for_timeout(300)
    (shots / "screenshots").mkdir(exist_ok=True)
    page.screenshot(path=str(shots / "screenshots" / "search.png"))
