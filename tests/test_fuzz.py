"""Random programs: parsing and running raise nothing but ProgramError, and torch's global state is kept.

The strategies live in tests/fuzz_strategies.py (shared with tools/fuzz.py, which runs them for longer).
Here they run derandomized, so the suite is repeatable; set EXPLORER_FUZZ_RANDOM=1 for fresh examples.
"""
from __future__ import annotations

import json
import os

import fuzz_strategies as fs
import pytest
import torch
from hypothesis import HealthCheck, given, settings

from explorer.errors import ProgramError
from explorer.recording.run import run_request, trace_in_process

RANDOM = os.environ.get("EXPLORER_FUZZ_RANDOM") == "1"


def fuzz_settings(n: int):
    return settings(
        max_examples=n,
        deadline=None,
        derandomize=not RANDOM,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much],
        print_blob=True,
    )


@fuzz_settings(1500)
@given(fs.grammar_programs())
def test_grammar_programs(source):
    fs.check_program(source)


@fuzz_settings(1800)
@given(fs.mutated_tutorials())
def test_mutated_tutorials(source):
    fs.check_program(source)


@fuzz_settings(2000)
@given(fs.raw_text())
def test_raw_text(source):
    fs.check_program(source)


@pytest.mark.parametrize("name", sorted(fs.TUTORIALS))
def test_tutorials_run_under_the_fuzz_property(name):
    """The seeds of the mutations are themselves fine: they run to the end (with default limits)."""
    assert fs.check_program(fs.TUTORIALS[name], limits={}) is None


def test_the_property_notices_a_state_change(monkeypatch):
    """check_program's state check works: a run that leaves grad mode off is caught."""
    import explorer.recording.run as run_module

    real = run_module.trace_in_process

    def leaky(source, **kw):
        tr = real(source, **kw)
        torch.set_grad_enabled(False)
        return tr

    monkeypatch.setattr(fs, "trace_in_process", leaky)
    try:
        with pytest.raises(AssertionError, match="torch state changed"):
            fs.check_program("x = 1\n")
    finally:
        torch.set_grad_enabled(True)


def test_the_watchdog_stops_a_python_loop():
    with pytest.raises(fs.Hung), fs.watchdog(0.2):
        while True:
            pass


@pytest.mark.parametrize("source, kind", [
    ("x = torch.ones(2, requires_grad=True)\ny = (x * 2).sum()\n", None), ("import sys\n", "not-allowed"),
    ("x = (", "syntax"), ("1 / 0", "runtime"), ("x = torch.ones(10**9)", "limit"),
])
def test_run_request_never_raises_and_replies_in_json(source, kind):
    """A worker's answer: a trace, or the error of the kind the program earns, never an internal error."""
    reply = run_request({"source": source})
    json.dumps(reply, allow_nan=False)
    assert reply["ok"] is (kind is None), reply
    if kind is not None:
        assert reply["error"]["kind"] == kind and reply["error"]["line"] == 1, reply["error"]
        assert "internal error" not in reply["error"]["message"]


# --- bugs the fuzzer found -----------------------------------------------------------------------------------


@pytest.mark.parametrize("source, line", [
    ("x = torch.ones(3, device='meta')\n", 1),
    ("x = torch.ones(3)\ny = x.to('meta')\n", 2),
])
def test_meta_tensors_end_with_a_program_error(source, line):
    """Meta tensors hold no values: asking for one is refused, on the line that asks, in and out of a worker."""
    err = fs.check_program(source)
    assert err is not None and err.kind == "not-allowed", err
    assert "device 'meta' is not available" in err.message and err.line == line
    reply = run_request({"source": source})
    assert reply["ok"] is False and reply["error"]["kind"] == "not-allowed" and reply["error"]["line"] == line


@pytest.mark.parametrize("source", [
    "x = torch.tensor([1j, 2j])\n",
    "x = torch.tensor([1 + 2j], requires_grad=True)\ny = (x * x).abs().sum()\ny.backward()\n",
])
def test_complex_tensors_are_refused_in_json(source):
    """Complex tensors are refused where they are made (line 1), with an error a worker can send as JSON."""
    err = fs.check_program(source)
    assert err is not None and err.kind == "not-allowed" and err.line == 1, err
    assert "complex tensors are not supported" in err.message
    reply = run_request({"source": source})
    json.dumps(reply, allow_nan=False)
    assert reply["ok"] is False and reply["error"]["message"] == err.message


# The hostile one-liners that run: str() of a function is its name (tests/test_rejections.py); seeding, `import os`
# (an empty os.environ), the grad mode (put back after the run), a tensor hook (x is a free name: an input that
# requires grad) and type() are allowed now
HARMLESS_ONE_LINERS = ["import os", "torch.manual_seed(1)", "torch.set_grad_enabled(False)", "x.register_hook(print)",
                       "print(type(torch.sigmoid))", "s = str(torch.sigmoid)"]


def test_errors_point_inside_the_program():
    """The hostile one-liners after some harmless lines: each one's error has the line of that one-liner."""
    ran = []
    for i, stmt in enumerate(fs.HOSTILE_STATEMENTS):
        if "\n" in stmt:
            continue
        source = "a = 1\n" * i + stmt + "\n"
        try:
            trace_in_process(source, limits=fs.FUZZ_LIMITS)
        except ProgramError as e:
            assert e.line == i + 1, (stmt, e.line, e.message)
        else:
            ran.append(stmt)
    assert ran == HARMLESS_ONE_LINERS
