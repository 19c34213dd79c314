"""Plotting runs as no-ops: `import matplotlib.pyplot as plt` binds a `Plot`, and so does everything reached from it.

A tutorial draws its curves with matplotlib; here the graph of the computation is the picture, so `plt.plot(...)`,
`plt.show()`, `plt.savefig('f.png')` and the rest do nothing. The arguments are still evaluated (as in Python:
`plt.plot(x.numpy())` fails the same way on a tensor that requires grad), then dropped: a Plot keeps nothing a
program gives it, reaches no real matplotlib (it is not even imported), writes no file, and the trace gets one
notice that plotting was skipped.
"""
from __future__ import annotations

import math
from typing import Any

_SUBPLOTS = frozenset({"subplots"})
_FLATTEN = frozenset({"flatten", "ravel"})


class Plot:
    """A figure, axes, line, colour map or module of matplotlib: every attribute is another Plot, calling one does
    nothing and returns a Plot. A grid of axes (`plt.subplots(2, 3)`) has a shape, so that it can be indexed,
    unpacked and looped over like matplotlib's array of axes."""

    __slots__ = ("shape", "role")

    def __init__(self, shape: tuple = (), role: str = "") -> None:
        self.shape = shape  # () for one object
        self.role = role  # the attribute name this Plot was read as, where a call of it means something

    def member(self, name: str) -> Plot:
        if name == "flat":
            return Plot((math.prod(self.shape),) if self.shape else ())
        return Plot(self.shape if name in _FLATTEN else (), name)

    def call(self, args: list, kwargs: dict) -> Any:
        if self.role in _SUBPLOTS:
            rows = _small(kwargs.get("nrows", args[0] if args else 1))
            cols = _small(kwargs.get("ncols", args[1] if len(args) > 1 else 1))
            shape = tuple(n for n in (rows, cols) if n > 1)
            if kwargs.get("squeeze") is False:
                shape = (rows, cols)
            return Plot(), Plot(shape)
        if self.role in _FLATTEN:
            return Plot((math.prod(self.shape),) if self.shape else ())
        return Plot()

    def items(self) -> list[Plot]:
        """What looping over it or unpacking it gives: its rows, or itself alone (`line, = ax.plot(x, y)`)."""
        if not self.shape:
            return [Plot()]
        return [Plot(self.shape[1:]) for _ in range(self.shape[0])]

    def item(self, index: Any) -> Plot:
        depth = len(index) if isinstance(index, tuple) else 1
        return Plot(self.shape[depth:] if isinstance(index, (int, tuple)) else self.shape)

    def __repr__(self) -> str:
        return "<matplotlib object: plotting is skipped here>"


def _small(n: Any) -> int:
    """A count of rows or columns of axes: a whole number from 1 to 20 (anything else counts as 1)."""
    return n if isinstance(n, int) and not isinstance(n, bool) and 1 <= n <= 20 else 1


def make_plotting() -> Plot:
    """What `import matplotlib` (or mpl_toolkits) binds: `matplotlib.pyplot` is a Plot too."""
    return Plot()
