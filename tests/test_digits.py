"""How many significant digits the numbers are written with (explorer.choices DIGITS, `digits=`): the notebook
API, the exports, the command line and the detail panel's chain rule take them, and refuse a bad count with a
clear message. That the page writes what Python writes at every count is tests/test_golden_text.py; that the
boxes hold the longer labels, tests/test_readable.py."""
from __future__ import annotations

import re

import pytest
import torch

import explorer
from explorer import cli
from explorer.choices import DEFAULT_DIGITS, MAX_DIGITS, MIN_DIGITS
from explorer.drawing.explain import explain_node
from explorer.drawing.figure import NODE_HOVER, NODE_LABELS
from explorer.errors import ProgramError
from explorer.examples import get

BAD = [0, MAX_DIGITS + 1, 20, -4, "x", "6", 4.5, 6.0, True, None, [6]]


@pytest.fixture(scope="module")
def first_graph():
    ex = get("first-graph")
    return explorer.trace(ex.source, inputs=ex.inputs, backward=ex.backward, sandbox=False)


def torch_grad() -> list[float]:
    """first-graph's x.grad by plain torch: 4 (x + 2) / 3."""
    x = torch.tensor([0.5, -1.0, 2.0], requires_grad=True)
    ((x + 2) * (x + 2) * 2).mean().backward()
    return x.grad.tolist()


def texts_of(fig) -> str:
    by_name = {t.name: t for t in fig.data}
    return " ".join([*by_name[NODE_LABELS].text, *by_name[NODE_HOVER].hovertext])


@pytest.mark.parametrize("digits", [MIN_DIGITS, 2, 3, DEFAULT_DIGITS, 6, MAX_DIGITS])
def test_the_notebook_figure_writes_torchs_numbers_with_the_digits(first_graph, digits):
    fig = explorer.figure(first_graph, digits=digits)
    shown = texts_of(fig)
    want = "[" + ", ".join(f"{g:.{digits}g}" for g in torch_grad()) + "]"
    assert want in shown, (want, shown)
    assert explorer.figure(first_graph).to_plotly_json() == explorer.figure(first_graph, digits=4).to_plotly_json()


@pytest.mark.parametrize("bad", BAD)
def test_a_bad_count_is_a_clear_program_error(first_graph, bad, tmp_path):
    for draw in (lambda: explorer.figure(first_graph, digits=bad),
                 lambda: explorer.export(first_graph, tmp_path / "g.html", digits=bad),
                 lambda: explorer.show(torch.ones(2, requires_grad=True).sum(), digits=bad)):
        with pytest.raises(ProgramError) as caught:
            draw()
        assert caught.value.message == f"digits must be a whole number from 1 to 9, not {bad!r}"
        assert caught.value.hint and "digits=6" in caught.value.hint
    assert not (tmp_path / "g.html").exists()


def test_the_html_export_plays_the_steps_with_the_digits(first_graph, tmp_path):
    html = explorer.export(first_graph, tmp_path / "g.html", digits=6).read_text(encoding="utf-8")
    assert "3.33333, 1.33333, 5.33333" in html
    html = explorer.export(first_graph, tmp_path / "g.html", digits=2).read_text(encoding="utf-8")
    assert "3.3, 1.3, 5.3" in html and "3.333" not in html


def test_the_chain_rule_in_the_details_has_the_digits(first_graph):
    """The detail panel's numbers (explain_node): the gradient a node received, what it sent, the local
    derivative, a leaf's .grad pass by pass."""
    x = next(n.id for n in first_graph.nodes.values() if n.name == "x")
    add = next(n.id for n in first_graph.nodes.values() if n.op == "AddBackward0")
    six, two = explain_node(first_graph, x, digits=6), explain_node(first_graph, x, digits=2)
    assert six["grad_in"] == "[3.33333, 1.33333, 5.33333]" and two["grad_in"] == "[3.3, 1.3, 5.3]"
    assert six["passes"][0]["grad"] == six["grad_in"] and two["passes"][0]["after"] == two["grad_in"]
    chain = explain_node(first_graph, add, digits=6)["chain"]
    assert chain and "3.33333" in chain[0]
    assert explain_node(first_graph, x) == explain_node(first_graph, x, digits=DEFAULT_DIGITS)


def test_the_command_line_exports_with_the_digits(tmp_path, capsys):
    out = tmp_path / "g.html"
    assert cli.main(["export", "--example", "first-graph", "--no-sandbox", "-o", str(out), "--digits", "6"]) == 0
    assert "3.33333" in out.read_text(encoding="utf-8")


@pytest.mark.parametrize("bad", ["0", "20", "x", "6.0", "", "-3"])
def test_the_command_line_refuses_a_bad_count_with_its_usage(tmp_path, capsys, bad):
    out = tmp_path / "g.html"
    with pytest.raises(SystemExit) as ended:
        cli.main(["export", "--example", "first-graph", "--no-sandbox", "-o", str(out), "--digits", bad])
    assert ended.value.code == 2 and not out.exists()
    err = capsys.readouterr().err
    assert re.search(r"argument --digits: must be a whole number from 1 to 9, not '.*'", err), err
    assert "Traceback" not in err
