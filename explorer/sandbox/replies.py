"""Error replies of the sandbox: what a run that failed in a worker, or as a worker, tells the user.

An exception becomes its reply through explorer.errors.from_exception (`_error_reply`); what the server
sees without an exception (a deadline passed, a worker's exit code, too large a result) is said here.
"""
from __future__ import annotations

import logging
import signal

from explorer.config import Limits
from explorer.errors import CRASH_HINT, MEMORY_HINT, ProgramError, from_exception

log = logging.getLogger(__name__)

_TIME_HINT = "look for a loop that never ends or make the tensors smaller"
_MEMORY_HINT = MEMORY_HINT
_CRASH_HINT = CRASH_HINT


def _failure(kind: str, message: str, hint: str | None = None) -> dict:
    return {"ok": False, "error": ProgramError(kind, message, hint=hint).to_dict()}


def _error_reply(exc: BaseException, where: str, limits: Limits | None = None) -> dict:
    """The reply for an exception caught at `where` (explorer.errors.PLACES)."""
    memory_mb = limits.memory_mb if limits is not None else None
    return {"ok": False, "error": from_exception(exc, where, memory_mb=memory_mb).to_dict()}


def _time_failure(limits: Limits) -> dict:
    message = f"the program ran longer than {limits.time_seconds:g} s and was stopped"
    return _failure("limit", message, _TIME_HINT)


def _cpu_failure(limits: Limits) -> dict:
    message = f"the program used more than {limits.time_seconds:g} s of CPU time and was stopped"
    return _failure("limit", message, _TIME_HINT)


def _too_large_failure(limits: Limits) -> dict:
    message = f"the result is too large to show (more than {limits.max_result_bytes / 1e6:g} MB)"
    return _failure("limit", message, "keep fewer or smaller tensors, or print less")


def _signal_name(number: int) -> str:
    try:
        return signal.Signals(number).name
    except ValueError:
        return f"signal {number}"


def _explain_exit(exitcode: int | None, limits: Limits) -> dict:
    """The reply for a worker that ended without sending anything."""
    if exitcode == -signal.SIGXCPU:
        return _cpu_failure(limits)
    if exitcode == -signal.SIGKILL:  # not ours: the kernel (OOM killer, hard RLIMIT_CPU)
        message = "the program was stopped by the system, most likely because it needed too much memory"
        return _failure("limit", message, _MEMORY_HINT)
    if exitcode is not None and exitcode < 0:
        message = f"the program crashed inside torch (signal {-exitcode}, {_signal_name(-exitcode)})"
        return _failure("runtime", message, _CRASH_HINT)
    if exitcode is None:
        return _failure("runtime", "the worker process vanished before it sent a result", _CRASH_HINT)
    message = f"the worker process stopped (exit code {exitcode}) before it sent a result"
    return _failure("runtime", message, _CRASH_HINT)


