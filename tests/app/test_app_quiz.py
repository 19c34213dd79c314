"""Reveal and quiz modes, the server's side: the link turns them on, the answer is checked against torch (run
here), the score counts, and the panel shows the question, then the verdict and the chain-rule step."""
from __future__ import annotations

import pytest
import torch
from dash.exceptions import PreventUpdate

from explorer.app import callbacks as cb
from explorer.app import urlstate
from explorer.app.layout import ID

PROGRAM = "x = torch.tensor([2.0], requires_grad=True)\ny = x * 3\nz = y ** 2\nz.backward()"


def dz_dy() -> float:
    x = torch.tensor([2.0], requires_grad=True)
    y = x * 3
    y.retain_grad()
    (y ** 2).backward()
    return y.grad.item()


@pytest.fixture
def spec():
    return cb.make_spec(PROGRAM, {}, "auto")


def ask_for(spec: dict, name: str, answered: bool = False) -> dict:
    tr = cb.trace_for(spec)
    node = next(n.id for n in tr.nodes.values() if n.name == name)
    return {"k": 4, "node": node, "pass": 0, "answered": answered}


def test_the_link_turns_show_all_and_the_quiz_on_and_keeps_them(spec):
    assert cb.on_boot_modes("?quiz=1", False) == (False, True)
    assert cb.on_boot_modes("?all=1&quiz=1", False) == (True, True)
    assert cb.on_boot_modes("", False) == (False, False)
    with pytest.raises(PreventUpdate):
        cb.on_boot_modes("?quiz=1", True)
    query = cb.on_share(spec, "light", "LR", [], None, show_all=True, quiz=True)
    assert "all=1" in query and "quiz=1" in query
    state = urlstate.decode(query)
    assert state.show_all and state.quiz
    assert "quiz" not in cb.on_share(spec, "light", "LR", [], None)


def test_a_right_and_a_wrong_answer_are_scored_against_torch(spec):
    ask = ask_for(spec, "y")
    score = {"right": 0, "asked": 0, "answered": {}}
    score, hint, box = cb.on_quiz_check(ID.QUIZ_CHECK, "5", ask, spec, score, "en")
    assert score["asked"] == 1 and score["right"] == 0 and score["answered"]["4"] == {"ok": False, "given": "5"}
    assert hint == "" and box == ""
    score, _, _ = cb.on_quiz_check(ID.QUIZ_CHECK, f"[{dz_dy()}]", ask, spec, {**score, "answered": {}}, "en")
    assert score["asked"] == 2 and score["right"] == 1 and score["answered"]["4"]["ok"] is True
    # an unreadable answer is asked again; Reveal counts as asked, not right
    unchanged, hint, _ = cb.on_quiz_check(ID.QUIZ_CHECK, "twelve", ask, spec, score, "zh")
    assert unchanged is cb.no_update and hint
    skipped, _, _ = cb.on_quiz_check(ID.QUIZ_SKIP, "", ask, spec, {**score, "answered": {}}, "en")
    assert skipped["asked"] == 3 and skipped["right"] == 1 and skipped["answered"]["4"]["given"] is None
    with pytest.raises(PreventUpdate):  # answered already
        cb.on_quiz_check(ID.QUIZ_CHECK, "12", {**ask, "answered": True}, spec, score, "en")


def test_the_panel_asks_then_explains(spec):
    style, prompt, feedback, score_text, _ = cb.on_quiz_panel(None, None, spec, "en")
    assert style == {"display": "none"}
    ask = ask_for(spec, "y")
    style, prompt, feedback, score_text, _ = cb.on_quiz_panel(ask, {"right": 0, "asked": 0, "answered": {}}, spec,
                                                              "en")
    assert style == {"display": "block"} and "dz/dy" in prompt and feedback is None and score_text == "Score 0/0"
    score = {"right": 1, "asked": 1, "answered": {"4": {"ok": True, "given": "12"}}}
    _, prompt, feedback, score_text, _ = cb.on_quiz_panel({**ask, "answered": True}, score, spec, "zh")
    assert "梯度" in prompt and score_text == "得分 1/1"
    words = str(feedback.to_plotly_json())
    assert "答对了" in words and f"{dz_dy():g}" in words and "dz/dy = dz/dz" in words


def test_the_check_and_the_explanation_follow_the_pages_digits():
    """At 2 digits the page shows x's gradient 2/3 as 0.67: typed as read, the answer is right, and the
    explanation writes 0.67; at the default 4 digits the same answer is wrong (torch's 0.6667)."""
    x = torch.tensor([1.0], requires_grad=True)
    (x * x / 3).sum().backward()
    spec = cb.make_spec("x = torch.tensor([1.0], requires_grad=True)\nz = (x * x / 3).sum()\nz.backward()",
                        {}, "auto")
    ask = ask_for(spec, "x")
    empty = {"right": 0, "asked": 0, "answered": {}}
    assert f"{x.grad.item():.2g}" == "0.67"
    right, _, _ = cb.on_quiz_check(ID.QUIZ_CHECK, "0.67", ask, spec, empty, "en", 2)
    wrong, _, _ = cb.on_quiz_check(ID.QUIZ_CHECK, "0.67", ask, spec, empty, "en", 4)
    assert right["right"] == 1 and wrong["right"] == 0
    _, _, feedback, _, _ = cb.on_quiz_panel({**ask, "answered": True}, right, spec, "en", 2)
    assert "0.67" in str(feedback) and "0.6667" not in str(feedback)
