"""Quiz mode in the app: a teacher's link (quiz=1) turns it on; stepping stops before each gradient is revealed;
the learner's answer is checked against torch (computed here), marked right or wrong, explained, and scored."""
from __future__ import annotations

import pytest
import torch
from e2e_support import open_app, run_program, wait_graph_change, wait_idle

from explorer.drawing.html_player import player_config

pytestmark = pytest.mark.browser

PROGRAM = "x = torch.tensor([2.0], requires_grad=True)\ny = x * 3\nz = y ** 2\nz.backward()"
DRAWN_TEXT = """() => Array.from(document.querySelectorAll('#graph .scatterlayer .textpoint text'))
  .map(t => t.textContent).join(' | ')"""
EDGE_LABELS = "() => document.querySelectorAll('svg.explorer-overlay g.edge-grad').length"


def torch_grads() -> dict[str, float]:
    x = torch.tensor([2.0], requires_grad=True)
    y = x * 3
    y.retain_grad()
    z = y ** 2
    z.retain_grad()
    z.backward()
    return {"z": z.grad.item(), "y": y.grad.item(), "x": x.grad.item()}


def open_quiz(page, query: str = "quiz=1"):
    open_app(page, query)
    signature = page.evaluate("() => { const m = window.ExplorerPlayer.meta(document.querySelector("
                              "'#graph .js-plotly-plot')); return JSON.stringify(Object.keys(m.boxes)) + "
                              "m.steps.length; }")
    run_program(page, PROGRAM)
    wait_graph_change(page, previous=signature)
    page.wait_for_function("() => window.ExplorerApp.k === -1")


def last_step(page) -> None:
    """Press "last step": in quiz mode the player stops at the next open question instead."""
    page.click("#tl-last")
    wait_idle(page)
    page.wait_for_timeout(150)


def answer(page, text: str) -> None:
    asked = page.evaluate("() => window.ExplorerApp.ask && window.ExplorerApp.ask.k")
    page.fill("#quiz-answer", text)
    page.click("#quiz-check")
    page.wait_for_function("(k) => window.ExplorerApp.ask && window.ExplorerApp.ask.k === k && "
                           "window.ExplorerApp.ask.answered", arg=asked)
    wait_idle(page)
    page.wait_for_selector("#quiz-feedback .quiz-result")


def test_a_link_turns_the_quiz_on_and_answers_are_checked_against_torch(page):
    want = torch_grads()
    open_quiz(page)
    assert "active" in page.get_attribute("#quiz-btn", "class")
    assert not page.is_visible("#quiz-panel")  # nothing asked during the forward pass
    # before the first step, the caption says what the quiz will ask, in the page's language
    assert page.inner_text("#caption") == player_config()["words"]["en"]["quiz_start"]
    last_step(page)
    state = page.evaluate("() => ({k: window.ExplorerApp.k, ask: window.ExplorerApp.ask})")
    nf = page.evaluate("() => window.ExplorerPlayer.meta(document.querySelector('#graph .js-plotly-plot')).n_forward")
    assert state["k"] == nf and state["ask"]["answered"] is False  # stopped at the first backward step
    assert page.is_visible("#quiz-panel")
    assert "dz/dz" in page.inner_text("#quiz-prompt")
    assert "grad" not in page.evaluate(DRAWN_TEXT)  # the answer is not on the graph
    assert page.evaluate(EDGE_LABELS) == 0 and "?" in page.inner_text("#caption")

    # a wrong answer is marked wrong, the gradient revealed with the chain-rule step, the score 0/1
    answer(page, "5")
    assert page.get_attribute("#quiz-feedback .quiz-result", "data-ok") == "0"
    assert "0/1" in page.inner_text("#quiz-score-text")
    assert f"grad [{want['z']:g}]" in page.evaluate(DRAWN_TEXT)
    assert page.evaluate(EDGE_LABELS) == 1

    # on to y: a right answer (torch's dz/dy) is marked right, explained, the score 1/2
    last_step(page)
    assert page.evaluate("() => window.ExplorerApp.ask.answered") is False
    assert "dz/dy" in page.inner_text("#quiz-prompt")
    assert f"grad [{want['y']:g}]" not in page.evaluate(DRAWN_TEXT)
    answer(page, f"{want['y']:g}")
    assert page.get_attribute("#quiz-feedback .quiz-result", "data-ok") == "1"
    assert "1/2" in page.inner_text("#quiz-score-text")
    feedback = page.inner_text("#quiz-feedback")
    assert "dz/dy = dz/dz" in feedback and f"{want['y']:g}" in feedback
    assert f"grad [{want['y']:g}]" in page.evaluate(DRAWN_TEXT)

    # x, as a list, within the tolerance
    last_step(page)
    answer(page, f"[{want['x'] * (1 + 2e-4)}]")
    assert page.get_attribute("#quiz-feedback .quiz-result", "data-ok") == "1"
    assert "2/3" in page.inner_text("#quiz-score-text")
    assert "quiz=1" in page.input_value("#share-link")


def test_without_the_quiz_nothing_is_asked_and_the_button_turns_it_on(page):
    open_quiz(page, "")
    last_step(page)
    n = page.evaluate("() => window.ExplorerPlayer.meta(document.querySelector('#graph .js-plotly-plot')).steps.length")
    assert page.evaluate("() => window.ExplorerApp.k") == n - 1 and not page.is_visible("#quiz-panel")
    page.click("#tl-first")
    page.click("#quiz-btn")
    page.wait_for_function("() => document.getElementById('quiz-btn').className.includes('active')")
    last_step(page)
    page.wait_for_selector("#quiz-panel", state="visible")  # shown by a callback: give it time on a busy machine
    assert page.evaluate("() => window.ExplorerApp.ask.answered") is False
    page.fill("#quiz-answer", "not a number")
    page.click("#quiz-check")
    page.wait_for_function("() => document.getElementById('quiz-hint').innerText.length > 0")
    assert page.evaluate("() => window.ExplorerApp.ask.answered") is False  # unreadable: asked again


def test_at_two_digits_an_answer_typed_as_the_page_writes_it_is_right(page):
    """With Digits 2 the page writes dz/dy = 2/3 as 0.67; the learner types what they read and is right, and
    the explanation writes 0.67 too (at 4 digits, 0.67 would be wrong: torch's 0.6667)."""
    x = torch.tensor([1.0], requires_grad=True)
    y = x / 3
    y.retain_grad()
    (y * y).backward()
    assert f"{y.grad.item():.2g}" == "0.67"
    open_app(page, "quiz=1&digits=2")
    before = page.evaluate("() => { const m = window.ExplorerPlayer.meta(document.querySelector("
                           "'#graph .js-plotly-plot')); "
                           "return JSON.stringify(Object.keys(m.boxes)) + m.steps.length; }")
    run_program(page, "x = torch.tensor([1.0], requires_grad=True)\ny = x / 3\nz = y * y\nz.backward()")
    wait_graph_change(page, previous=before)
    page.wait_for_function("() => window.ExplorerApp.k === -1")
    last_step(page)
    answer(page, "1")  # dz/dz
    last_step(page)
    assert "dz/dy" in page.inner_text("#quiz-prompt")
    answer(page, "0.67")
    assert page.get_attribute("#quiz-feedback .quiz-result", "data-ok") == "1"
    feedback = page.inner_text("#quiz-feedback")
    assert "0.67" in feedback and "0.6667" not in feedback
    assert "2/2" in page.inner_text("#quiz-score-text")
