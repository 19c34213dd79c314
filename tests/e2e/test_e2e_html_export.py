"""An exported HTML file plays its steps offline, in a real browser, with the keyboard."""
from __future__ import annotations

import pytest

import explorer
from explorer.examples import get
from explorer.figure import figure, figure_meta

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
    assert all(u.startswith("file:") or u.startswith("data:") for u in requests)
    context.close()
