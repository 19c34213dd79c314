"""What the layout takes and gives: points, the size of each box, and the finished `Layout`."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

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


@dataclass(frozen=True)
class Frames:
    """Boxes drawn around sets of nodes (a module call, a loop iteration), nested like the groups they show.

    The layout keeps each frame's nodes together in every layer, puts frames that hold no node of each other
    in the same order in every layer, and leaves room across the layers for the frames: `before` between a
    frame's low side (top in "LR", where its label goes) and what it holds, `after` on its other side, and
    `gap` between a frame and a box or frame beside it. Along the layers, `start` before a frame's first layer
    (where its label goes in "TB") and `end` after its last: only there, in the gaps between layers, so a
    frame spanning many layers does not push the layers inside it apart (frames.frame_gaps). `sequence`: runs of
    frames, each drawn after the one before it along the layers, all its layers after theirs (the iterations
    of a loop one under the other, top to bottom, even where no edge leads from one to the next:
    frames.spaced_to_sink). `least`: a frame's least extent across the layers (the width of its label, in
    "TB"; frames.separate_frames)."""

    around: dict[str, tuple[str, ...]]  # node id -> the frames drawn around it, outermost first
    before: float = 8.0
    after: float = 8.0
    gap: float = 12.0
    start: float = 0.0
    end: float = 0.0
    sequence: tuple[tuple[str, ...], ...] = ()
    least: dict[str, float] = field(default_factory=dict)
