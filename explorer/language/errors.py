"""Torch's own errors, in torch's words, with a hint that says what to do about them: explorer.errors maps
every exception (`from_exception`); this is its view from the interpreter, where the program itself raised it."""
from __future__ import annotations

from explorer.errors import HINTS, MEMORY_PHRASES, PROGRAM, ProgramError, from_exception

__all__ = ["HINTS", "MEMORY_PHRASES", "runtime_error"]


def runtime_error(e: BaseException) -> ProgramError:
    """A ProgramError for an exception raised while the program ran: `runtime`, or `limit` for memory."""
    return from_exception(e, PROGRAM)
