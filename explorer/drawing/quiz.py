"""Predict, then reveal: questions on the gradients a backward pass computes, checked against torch's numbers.

    for q in explorer.quiz(tr):
        print(q.prompt)             # "What gradient reaches y (mul · MulBackward0)? dz/dy = ?"
        q.check("12")               # True: torch's gradient, within rel 1e-3 / abs 1e-4, or as shown
        print(q.explanation)        # the chain-rule step that gives it, with the numbers

One question per node, at the step where the backward pass first reaches it (the step at which the player
reveals its gradient: explorer/drawing/steps.py), in the engine's order. The answer is the gradient that node
received (Step.grad_in), as torch computed it; the explanation reuses the words of explain.py. The app asks
the same questions in quiz mode (explorer/app/callbacks.py on_quiz_check). Pure: reads a Trace.

Numbers follow the page's digits: the explanation writes them so, and an answer copied from what the page shows
(0.33 at 2 digits for torch's 0.333333) is right, because a learner can only read what is written.
"""
from __future__ import annotations

import ast
import json
import math
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from explorer.choices import DEFAULT_DIGITS, DEFAULT_LANG, is_digits, normalize_lang
from explorer.drawing.explain import WORDS, display_name, explain_node
from explorer.drawing.text import node_title, value_short
from explorer.recording.model import Trace

RTOL, ATOL = 1e-3, 1e-4  # as torch.allclose: |answer - torch| <= ATOL + RTOL * |torch|, element by element
MAX_ELEMENTS = 16  # a gradient with more elements is not asked: nobody types 17 numbers
MAX_ANSWER_CHARS = 2_000

QUIZ_WORDS = {
    "en": {"prompt": "What gradient reaches {name} ({title})? {grad} = ?",
           "start": "{grad} = 1: the backward pass starts at {name} (the gradient of a value with respect to itself)",
           "sum": "the gradients from its {n} uses add up: {total}",
           "answer": "torch computes {value}"},
    "zh": {"prompt": "到达 {name}（{title}）的梯度是多少？{grad} = ?",
           "start": "{grad} = 1：反向传播从 {name} 开始（一个值对它自己的梯度）",
           "sum": "它的 {n} 次使用传回的梯度相加：{total}",
           "answer": "torch 算出 {value}"},
}


@dataclass(frozen=True)
class Question:
    """One question: the gradient `node` receives at backward step `step` (an index into
    Trace.backward_steps), in pass `pass_index`."""

    node: str
    step: int
    pass_index: int | None
    prompt: str
    answer: Any  # torch's gradient: a number, or nested lists of numbers (the tensor's shape)
    shape: tuple[int, ...]
    explanation: tuple[str, ...]  # the chain-rule step, line by line, with the numbers
    digits: int = DEFAULT_DIGITS  # significant digits the numbers are shown with

    def check(self, answer: Any) -> bool:
        """Is `answer` (a number, a list, or text such as "12", "[1, 2]", "1, 2") torch's gradient, element
        by element within RTOL / ATOL, or within the rounding of a number shown with `digits` significant
        digits? A single number answers a one-element tensor; unreadable text is wrong."""
        given = parse_answer(answer)
        if given is None:
            return False
        want = _flat(self.answer)
        got = _flat(given)
        if len(got) != len(want):
            return False
        rtol = max(RTOL, shown_rtol(self.digits))
        return all(math.isfinite(g) and abs(g - w) <= ATOL + rtol * abs(w) for g, w in zip(got, want))


def shown_rtol(digits: int) -> float:
    """How far, relatively, a number written with `digits` significant digits may be from the true one: half a
    unit in its last digit is at most 5 * 10**-digits of it (a hair more, for the float arithmetic)."""
    return 5.0 * 10.0 ** -digits * (1 + 1e-9)


def quiz(trace: Trace, lang: str = DEFAULT_LANG, digits: int = DEFAULT_DIGITS) -> Iterator[Question]:
    """The questions of `trace`, in the order the backward passes reach the nodes (see the module docstring),
    their numbers written with `digits` significant digits."""
    lang = normalize_lang(lang)
    seen: set[str] = set()
    for i, s in enumerate(trace.backward_steps):
        node = trace.nodes.get(s.node)
        if node is None or node.kind == "constant" or s.node in seen:
            continue
        seen.add(s.node)
        question = question_at(trace, i, lang, digits)
        if question is not None:
            yield question


def question_at(trace: Trace, step: int, lang: str = DEFAULT_LANG,
                digits: int = DEFAULT_DIGITS) -> Question | None:
    """The question of backward step `step`, or None when its gradient is not one to type (unknown, or more
    than MAX_ELEMENTS numbers)."""
    lang = normalize_lang(lang)
    digits = digits if is_digits(digits) else DEFAULT_DIGITS
    if not 0 <= step < len(trace.backward_steps):
        return None
    s = trace.backward_steps[step]
    g = s.grad_in
    if not g or "data" not in g or len(_flat(g["data"])) > MAX_ELEMENTS:
        return None
    node = trace.nodes[s.node]
    w = QUIZ_WORDS[lang]
    name = display_name(node)
    grad = WORDS[lang]["grad_of"].format(loss=_loss_name(trace), x=name)
    title = node_title(node)
    prompt = w["prompt"].format(name=name, title=title, grad=grad)
    if title == name:  # a leaf: "x (x)" says it twice
        prompt = prompt.replace(f" ({title})", "").replace(f"（{title}）", "")
    return Question(node=s.node, step=step, pass_index=s.pass_index, prompt=prompt, answer=g["data"],
                    shape=tuple(g.get("shape") or ()), explanation=tuple(_explain(trace, step, grad, lang, digits)),
                    digits=digits)


def _explain(trace: Trace, step: int, grad: str, lang: str, digits: int) -> list[str]:
    """Where the gradient at step `step` comes from: the chain-rule line of each use of the node that sent it
    one in this pass (explain.explain_node's words), their sum if more than one, and torch's number."""
    s = trace.backward_steps[step]
    w = QUIZ_WORDS[lang]
    node = trace.nodes[s.node]
    name = display_name(node)
    source_of = {e.id: e.source for e in trace.edges}
    senders: list[str] = []
    for earlier in trace.backward_steps[:step]:
        if earlier.pass_index != s.pass_index:
            continue
        for edge_id, g in zip(earlier.edges, earlier.grads_out):
            if source_of.get(edge_id) == s.node and g is not None:
                senders.append(earlier.node)
    lines: list[str] = []
    if not senders:
        lines.append(w["start"].format(grad=grad, name=name))
    for consumer in dict.fromkeys(senders):
        prefix = grad + " ="
        lines.extend(line for line in explain_node(trace, consumer, lang, digits)["chain"] if line.startswith(prefix))
    if len(senders) > 1:
        lines.append(w["sum"].format(n=len(senders), total=value_short(s.grad_in, 8, lang, digits)))
    lines.append(w["answer"].format(value=value_short(s.grad_in, 8, lang, digits)))
    return lines


def _loss_name(trace: Trace) -> str:
    out = trace.output_node
    return display_name(out) if out is not None else "L"


def parse_answer(answer: Any) -> Any:
    """A typed answer as a number or nested lists of numbers, or None if it is not one. Text is read as
    JSON, or as Python's literals ("1.", ".5", "(1, 2)"); never evaluated."""
    if isinstance(answer, str):
        text = answer.strip()
        if not text or len(text) > MAX_ANSWER_CHARS:
            return None
        if text[0] not in "[(" and "," in text:
            text = f"[{text}]"
        try:
            answer = json.loads(text)
        except (ValueError, RecursionError):
            try:
                answer = ast.literal_eval(text)
            except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError, OverflowError):
                return None
    try:
        return _numbers(answer, 0)
    except OverflowError:  # an integer too big for a float
        return None


def _numbers(value: Any, depth: int) -> Any:
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, (list, tuple)) and depth < 8 and len(value) <= MAX_ELEMENTS:
        items = [_numbers(v, depth + 1) for v in value]
        return None if any(v is None for v in items) else items
    return None


def _flat(x: Any) -> list[float]:
    if isinstance(x, list):
        return [v for item in x for v in _flat(item)]
    return [float(x)]
