"""One exception mapper: explorer.errors.from_exception says, for every place an exception is caught, what the
user reads. The messages here are the ones each place wrote before the mapping was gathered in one module."""
from __future__ import annotations

import pytest

from explorer import errors
from explorer.config import Limits
from explorer.errors import ProgramError, from_exception
from explorer.language.errors import runtime_error
from explorer.recording.run import run_request
from explorer.sandbox import pool, replies, worker

LIMITS = Limits(memory_mb=256)


def said(e: ProgramError) -> tuple:
    return e.kind, e.message, e.hint


def test_a_program_error_is_itself_wherever_it_is_caught():
    e = ProgramError("limit", "too big", line=3)
    assert all(from_exception(e, where) is e for where in errors.PLACES)


@pytest.mark.parametrize("exc,expected", [
    (RecursionError("deep"), ("limit", "the program nests calls too deeply", None)),
    (MemoryError(), ("limit", "the program ran out of memory", "use smaller tensors")),
    (RuntimeError("DefaultCPUAllocator: can't allocate memory: you tried 8 GB"),
     ("limit", "the program needed more memory than allowed", "use smaller tensors")),
    (RuntimeError("mat1 and mat2 shapes cannot be multiplied (2x3 and 2x3)"),
     ("runtime", "mat1 and mat2 shapes cannot be multiplied (2x3 and 2x3)",
      "check the shapes with print(a.shape, b.shape); matrix products need a (n, k) @ (k, m)")),
    (ZeroDivisionError("division by zero"), ("runtime", "ZeroDivisionError: division by zero", None)),
    (KeyError(), ("runtime", "KeyError: KeyError", None)),
    (RuntimeError("x" * 500 + "\nsecond line"), ("runtime", "x" * 400 + "…", None)),
])
def test_the_programs_own_errors(exc, expected):
    assert said(from_exception(exc)) == expected
    assert said(runtime_error(exc)) == expected  # the interpreter's name for the same mapping


@pytest.mark.parametrize("where,exc,expected", [
    (errors.RUN, RecursionError(), ("limit", "the program nests too deeply", None)),
    (errors.RUN, MemoryError(), ("limit", "the program ran out of memory", None)),
    (errors.RUN, KeyError("k"), ("runtime", "internal error: KeyError: 'k'", None)),
    (errors.RUNNER, MemoryError(), ("limit", "the program needed more memory than the 256 MB allowed",
                                    errors.MEMORY_HINT)),
    (errors.RUNNER, RuntimeError("posix_memalign: can't allocate memory"),
     ("limit", "the program needed more memory than the 256 MB allowed", errors.MEMORY_HINT)),
    (errors.RUNNER, NotImplementedError("nope"), ("runtime", "the explorer failed: RuntimeError: nope", None)),
    (errors.RUNNER, TypeError("bad"), ("runtime", "the explorer failed: TypeError: bad", None)),
    (errors.WORKER, OSError("no"), ("runtime", "the worker failed: OSError: no", None)),
    (errors.WORKER, MemoryError(), ("limit", "the program needed more memory than the 256 MB allowed",
                                    errors.MEMORY_HINT)),
    (errors.REPLYING, TypeError("not serializable"),
     ("runtime", "the result could not be turned into JSON: not serializable", None)),
    (errors.STARTING, OSError("fork failed"),
     ("runtime", "the explorer could not start a worker process: fork failed", None)),
    (errors.EXCHANGING, OSError("pipe"), ("runtime", "the explorer failed to run the program: pipe", None)),
    (errors.RECEIVING, ValueError("junk"),
     ("runtime", "the worker sent back a result that is not valid JSON", errors.CRASH_HINT)),
])
def test_failures_past_the_program_say_whose_they_are(where, exc, expected):
    assert said(from_exception(exc, where, memory_mb=LIMITS.memory_mb)) == expected


def test_an_unknown_place_is_refused():
    with pytest.raises(ValueError, match="unknown place"):
        from_exception(KeyError(), "somewhere")


def test_the_callers_ask_the_mapper(monkeypatch):
    """run_request, a worker's runner and reply, and the server's reading of a reply all go through it."""
    assert run_request({"source": "x = 1\n", "backward": "sideways"})["error"]["message"].startswith(
        "backward must be one of")
    monkeypatch.setattr("explorer.recording.run.trace_in_process", lambda *a, **k: {}["missing"])
    assert run_request({"source": "x = 1\n"})["error"]["message"] == "internal error: KeyError: 'missing'"

    def runner(request):
        raise MemoryError

    reply = worker._call_target(runner, {}, LIMITS)
    assert reply["error"]["message"] == "the program needed more memory than the 256 MB allowed"
    assert replies._error_reply(TypeError("t"), errors.REPLYING)["error"]["message"].endswith(": t")
    assert pool._decode_reply(b"{not json")["error"]["hint"] == errors.CRASH_HINT
