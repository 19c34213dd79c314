"""Pause Python's cyclic garbage collector while building big, acyclic structures.

Why: a trace of a few thousand nodes, its graph, layout and figure are made of hundreds of thousands of
small lists, dicts and tuples, and none of them form reference cycles. Each allocation burst makes the
collector walk every young object, and now and then all of them: measured on a 5,000-node graph, the
layout took 0.58 s with the collector running and 0.15 s without. Reference counting still frees
everything as usual; the collector resumes (and catches up) when the last pause ends.

Process-wide and safe across threads: pauses nest (a counter under a lock), and the collector is turned
back on only when no thread is inside a pause any more, and only if it was on when the first began.
"""
from __future__ import annotations

import contextlib
import functools
import gc
import threading
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

_lock = threading.Lock()
_depth = 0
_was_enabled = False

F = TypeVar("F", bound=Callable[..., Any])


@contextlib.contextmanager
def gc_paused() -> Iterator[None]:
    global _depth, _was_enabled
    with _lock:
        if _depth == 0:
            _was_enabled = gc.isenabled()
            gc.disable()
        _depth += 1
    try:
        yield
    finally:
        with _lock:
            _depth -= 1
            if _depth == 0 and _was_enabled:
                gc.enable()


def without_gc(function: F) -> F:
    """Decorator form of gc_paused."""

    @functools.wraps(function)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        with gc_paused():
            return function(*args, **kwargs)

    return wrapper  # type: ignore[return-value]
