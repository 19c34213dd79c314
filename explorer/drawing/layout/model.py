"""What the layout takes and gives: points, the size of each box, and the finished `Layout`."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

Point = tuple[float, float]
NodeSize = Callable[[str, dict], "tuple[float, float]"]


@dataclass(frozen=True)
class Layout:
    """Where everything goes. y grows downward; every box lies in [0, width] x [0, height]."""

    direction: str  # "LR": layers are columns, inputs left, output right; "TB": rows, inputs on top
    positions: dict[str, Point]  # node id -> centre of its box
    sizes: dict[str, Point]  # node id -> (width, height) of the box the layout made room for
    routes: dict[str, tuple[Point, ...]]  # edge key -> polyline from the source centre to the target centre
    layers: dict[str, int]  # node id -> layer index, 0 = first layer (inputs), edges go to higher layers
    width: float
    height: float
