"""Each Run starts fresh, and the keyboard shortcuts work wherever the focus is (issue 14, item 7).

A new run opens at the first step with nothing selected; a failed run clears the previous program's printed
output; Space, ← → , Home/End and P work after a click anywhere but in the editor and text fields.
"""
from __future__ import annotations

import pytest
from e2e_support import click_node, graph_meta, graph_signature, highlight, open_app, run_program, wait_graph_change

from explorer import examples
from explorer.app import urlstate
from explorer.drawing.steps import STEP_WORDS

pytestmark = pytest.mark.browser

OTHER = "a = torch.tensor([1.0, 2.0], requires_grad=True)\nb = (a * a).sum()\nb.backward()\n"
K = "() => window.ExplorerApp.k"


def slider_value(page) -> str | None:
    return page.get_attribute("#tl-slider [role=slider]", "aria-valuenow")


def go_to_the_end(page) -> int:
    n = len(graph_meta(page)["steps"])
    page.click("#tl-last")
    page.wait_for_function(f"({K})() === {n - 1}")
    return n


def at_the_start(page) -> None:
    page.wait_for_function(f"({K})() === -1", timeout=15_000)
    assert highlight(page)["step"] == -1 and highlight(page)["node"] == 0
    assert page.inner_text("#caption").strip() == STEP_WORDS["en"]["start"]
    assert slider_value(page) == "0"
    assert page.inner_text("#tl-play") == "▶"


def test_a_new_run_opens_at_the_first_step(page):
    open_app(page)
    go_to_the_end(page)
    assert page.inner_text("#caption").startswith("backward")
    before = graph_signature(page)
    run_program(page, OTHER)
    wait_graph_change(page, previous=before)
    at_the_start(page)


def test_running_the_same_program_again_starts_over_too(page):
    open_app(page)
    go_to_the_end(page)
    page.click("#run-btn")
    at_the_start(page)


def test_picking_an_example_while_playing_stops_at_the_first_step(page):
    open_app(page)
    page.click("#tl-play")
    page.wait_for_function(f"({K})() >= 1", timeout=15_000)
    before = graph_signature(page)
    page.click("#example")
    page.get_by_role("option", name=examples.get("two-paths").title("en")).click()
    wait_graph_change(page, previous=before)
    at_the_start(page)
    page.wait_for_timeout(1200)  # not playing on
    assert page.evaluate(K) == -1
    # the focus stays on the closed dropdown: the arrows step, and no menu opens
    assert page.evaluate("() => document.activeElement.id") == "example"
    page.keyboard.press("ArrowRight")
    page.wait_for_function(f"({K})() === 0", timeout=5_000)
    page.wait_for_timeout(300)
    assert page.get_attribute("#example", "aria-expanded") == "false"


def test_a_theme_change_keeps_the_step(page):
    open_app(page)
    page.click("#tl-fwd")
    page.click("#tl-fwd")
    page.wait_for_function(f"({K})() === 1")
    background = "() => document.querySelector('#graph .js-plotly-plot')._fullLayout.paper_bgcolor"
    light = page.evaluate(background)
    page.locator("#theme label", has_text="Dark").click()
    page.wait_for_function(f"() => ({background})() !== {light!r}")
    page.wait_for_timeout(300)
    assert page.evaluate(K) == 1 and highlight(page)["step"] == 1


def test_a_new_program_clears_the_detail_panel(page):
    open_app(page)
    meta = graph_meta(page)
    # the first example's node n1 is selected; the new program has an n1 too, which is another node
    click_node(page, "n1")
    before = graph_signature(page)
    run_program(page, OTHER)
    wait_graph_change(page, previous=before)
    page.wait_for_function("() => !document.querySelector('#detail [data-node]')", timeout=15_000)
    assert "Click a node" in page.inner_text("#detail")
    assert page.inner_text("#code-view").strip() == ""
    assert "n1" in meta["boxes"] and "n1" in graph_meta(page)["boxes"]


def test_a_failed_run_clears_the_previous_programs_printed_output(page):
    open_app(page)
    assert "3.333" in page.inner_text("#stdout")  # the first example prints x.grad
    run_program(page, "x = torch.tensor([1.0, 2.0], requires_grad=True)\ny = x +* 2\n")
    page.wait_for_selector("#error-box .error", timeout=15_000)
    page.wait_for_function("() => document.getElementById('stdout').innerText.trim() === ''", timeout=15_000)


def test_arrows_step_after_a_click_on_a_theme_radio(page):
    open_app(page)
    page.locator("#theme label", has_text="Dark").click()
    page.wait_for_function("() => document.body.classList.contains('theme-dark')")
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    page.wait_for_function(f"({K})() === 1", timeout=5_000)
    page.keyboard.press("ArrowLeft")
    page.wait_for_function(f"({K})() === 0", timeout=5_000)
    page.wait_for_timeout(300)
    assert page.is_checked("#theme input[value=dark]")
    assert page.evaluate("() => document.body.classList.contains('theme-dark')")
    page.keyboard.press("End")
    page.wait_for_function(f"({K})() === {len(graph_meta(page)['steps']) - 1}", timeout=5_000)
    page.keyboard.press("Home")
    page.wait_for_function(f"({K})() === -1", timeout=5_000)


def test_space_plays_after_a_click_on_a_button_or_a_checkbox(page):
    open_app(page)
    page.click("#tl-fwd")  # the focus stays on the ▶| button
    page.wait_for_function(f"({K})() === 0")
    page.keyboard.press(" ")  # plays: not another press of the focused button
    page.wait_for_function("() => window.ExplorerApp.playing === true", timeout=5_000)
    page.keyboard.press(" ")
    page.wait_for_function("() => window.ExplorerApp.playing === false", timeout=5_000)
    page.locator("#constants label").click()  # a check box: Space must not untick it
    page.wait_for_timeout(300)
    checked = page.is_checked("#constants input")
    k = page.evaluate(K)
    page.keyboard.press("ArrowRight")
    page.wait_for_function(f"({K})() === {k + 1}", timeout=5_000)
    page.keyboard.press(" ")
    page.wait_for_function("() => window.ExplorerApp.playing === true", timeout=5_000)
    assert page.is_checked("#constants input") == checked


def test_text_fields_keep_their_keys(page):
    open_app(page, urlstate.encode(urlstate.UrlState(program="z = y * y\n")))
    box = page.locator("#inputs-panel input")
    box.click()
    box.press("End")
    box.press("ArrowLeft")
    box.press(" ")
    page.wait_for_timeout(300)
    assert page.evaluate(K) == -1 and not page.evaluate("() => window.ExplorerApp.playing")
    assert page.input_value("#inputs-panel input") in ("3. 0", "3 .0")
