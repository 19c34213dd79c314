"""Where to draw each node and edge of an autograd graph: a layered (Sugiyama-style) layout in pure Python.

An autograd graph is a DAG whose edges run forward, from the tensors a program starts with to the value it
backpropagates from. A reader follows it left to right (``direction="LR"``) or top to bottom (``"TB"``), so
the layout puts the nodes in columns ("layers") with every edge pointing forward, and then works hard at the
two things that make such a picture readable: few edge crossings, and straight chains. It runs in five
steps, one function each, each in a module of its own (`layers`, `long_edges`, `ordering`, `placement`,
`routing`, after `dag`, which reads the graph into lists of integers); `layered_layout` below runs them:

1. **Layers** (`assign_layers`). A node's layer is decided by its distance to the output: the longest path
   from it to a node that feeds nothing further (a sink) -- the topological generations of the reversed
   graph. The output ends up in the last column, and a parameter or constant sits in the column right
   before the operation that uses it. (Layering from the inputs instead, as `topological_generations` does,
   puts *every* parameter in the first column, and their edges then cross everything in between: 55,443
   crossings on a 2,000-node MLP with straight edges, against 0 here.) Side results that feed nothing,
   other than the output, are pulled back next to their inputs; a node with no edges goes in the first column.
2. **Helper points for long edges** (`split_long_edges`). An edge that skips layers gets an invisible helper
   point ("dummy node") in each layer it passes, so it takes part in the ordering below, gets its own slot in
   every column, and never runs over another edge or through a node's box. The long edges leaving one node
   share their helper points (a "trunk" that branches off to each user), and so do the long edges entering
   one node; this keeps a tensor used a thousand times, such as an RNN's weights, from creating a million
   helper points.
3. **Order inside each layer** (`initial_order`, `reduce_crossings`). Start from the order in which a
   depth-first walk from the outputs meets the nodes (inputs first, input 0 of an op before input 1, then
   the other users of each tensor, which keeps things that belong together together). Then sweep through
   the layers, forward and backward, sorting each layer by the barycenter (average position) of its
   neighbours in the layer just visited, and swap neighbours wherever that removes crossings ("transpose",
   as in Graphviz dot). Crossings are counted after each sweep and the best ordering seen is kept. Ties keep
   the current order and the walk follows creation order, so the same graph always gives the same picture.
4. **Coordinates across the layers** (`assign_cross_positions`). Each node is lined up with its heaviest
   neighbour in the previous layer, which cuts the graph into straight *chains* (as in Brandes and Koepf's
   method). An op fed by the op before it on the longest line of computation weighs more than a
   parameter's or a constant's edge, and a long edge's helpers weigh most, so the main line and long edges
   become straight chains and the parameters come to them. The chains are packed as tightly as their order
   allows, once towards each side, and the two packings averaged; then each chain, and at the end each single
   node, moves as far as its neighbours in the layer allow towards the weighted median of its outside
   neighbours. Every such move lowers the weighted sum of edge slopes (the quantity dot minimises), and boxes
   never overlap because every move is clamped by the boxes next to it.
5. **Coordinates along the layers and edge routes** (`layer_lines`, `route_edges`). Layers are as thick as
   their thickest box, with a gap between them (wider where edges are steep). An edge is a polyline from its
   source's centre to its target's centre; inside a layer it runs level (so it cannot cut through a box of
   that layer) and it slopes only in the gaps, where there are no boxes. Parallel edges (``y * y`` uses
   ``y`` twice) are drawn side by side, a few units apart.

Coordinates are in screen units (think pixels at zoom 1): ``x`` grows to the right and **``y`` grows
downward**, as on a screen and in SVG; ``positions`` are box centres, every box lies inside
``[0, width] x [0, height]``. With ``"LR"`` the layers are columns (x grows along the edges); with ``"TB"``
they are rows (y grows along the edges). Nothing here imports plotly or Dash; the figure code flips y if its
axes point up.

Cost (benchmarks/bench_layout.py, CPU time, one core): an MLP of 1,000 nodes ~8 ms, 2,000 ~18 ms, 10,000
~0.17 s, all with 0 crossings (Graphviz dot: 0.12 s, 0.7 s, 27 s); other shapes of 10,000 nodes (an RNN
sharing its weights across steps, a residual net, a chain reusing its input, one very wide layer) 0.35-0.6 s.
The code keeps that cost down by working on lists of integers (node i = i-th node), reading the graph once,
and special-casing what deep graphs have most of: layers with one or two vertices, vertices with one
neighbour on each side, single edges between neighbouring layers.
"""
from __future__ import annotations

import bisect
from collections.abc import Callable
from typing import Any, NamedTuple

import networkx as nx

from explorer.drawing.layout.dag import _acyclic, _edge_keys, _edge_list, _longest_to_sink, _read_nodes
from explorer.drawing.layout.frames import (
    BlockOrder,
    frame_gaps,
    node_chains,
    separate_frames,
    sequence_runs,
    spaced_to_sink,
    vertex_blocks,
)
from explorer.drawing.layout.layers import assign_layers
from explorer.drawing.layout.long_edges import split_long_edges
from explorer.drawing.layout.model import Frames, Layout, NodeSize, Point
from explorer.drawing.layout.ordering import _inversions, initial_order, reduce_crossings
from explorer.drawing.layout.placement import assign_cross_positions
from explorer.drawing.layout.routing import LAYER_GAP, TIGHT_GAP, layer_lines, route_edges
from explorer.gcpause import without_gc

__all__ = ["LAYER_GAP", "TIGHT_GAP", "Frames", "Layout", "NodeSize", "Point", "count_crossings",
           "default_node_size", "layered_layout", "layered_layouts"]

HELPER_BUDGET_PER_NODE = 8  # helper points allowed per node; beyond, the longest edges are drawn straight
HELPER_BUDGET_MIN = 20_000


def default_node_size(node_id: str, attrs: dict) -> tuple[float, float]:
    """A box that fits the node's label (and its variable name, on a second line, if different).

    Leaves and constants are drawn smaller than operations. The layout only reserves the room; the figure
    decides what to write in it.
    """
    label = str(attrs.get("label") or node_id)
    name = attrs.get("name")
    second = str(name) if name and name != label else ""
    chars = len(label) if len(label) >= len(second) else len(second)
    if attrs.get("kind") in ("leaf", "constant"):
        width = _clamp(chars * 6.5 + 16.0, 32.0, 160.0)
        height = 22.0
    else:
        width = _clamp(chars * 7.5 + 20.0, 44.0, 180.0)
        height = 30.0
    if second:
        height += 14.0
    return (width, height)


def _clamp(value: float, low: float, high: float) -> float:
    """`min(max(value, low), high)`, as two comparisons: this runs once per node, and a call to min() or
    max() costs more than the comparison it makes."""
    if value < low:
        return low
    if value > high:
        return high
    return value


@without_gc
def layered_layout(
    graph: nx.MultiDiGraph,
    *,
    direction: str = "LR",
    node_size: NodeSize | None = None,
    sweeps: int = 8,
    frames: Frames | None = None,
    gap: float = LAYER_GAP,
) -> Layout:
    """Lay out `graph` (edges from inputs to the ops using them) in layers; see the module docstring.

    `node_size(node_id, attrs) -> (width, height)` gives each box (default: `default_node_size`);
    `sweeps` is how many crossing-reduction passes (alternately forward and backward) to try at most.
    `frames`: boxes to be drawn around groups of nodes (model.Frames, frames.py): each one's nodes kept
    together, and no two frames that are not nested overlapping.
    `gap` is the least space between two layers (routing.TIGHT_GAP: a tight layout, for a small canvas).
    The result depends only on the graph (node order, edge order and attributes), never on chance.
    """
    # the layout makes many small lists and no reference cycles (see explorer.gcpause)
    return _layered_layout(graph, direction, node_size or default_node_size, sweeps, frames, gap)


def _layered_layout(graph: nx.MultiDiGraph, direction: str, node_size: NodeSize, sweeps: int,
                    frames: Frames | None = None, gap: float = LAYER_GAP) -> Layout:
    if direction not in ("LR", "TB"):
        raise ValueError(f'direction must be "LR" or "TB", not {direction!r}')
    ordered = _ordered(graph, node_size, sweeps, frames)
    if ordered is None:
        return Layout(direction, {}, {}, {}, {}, 0.0, 0.0)
    return _placed(ordered, direction, frames, gap)


@without_gc
def layered_layouts(graph: nx.MultiDiGraph, directions: tuple[str, ...], *, node_size: NodeSize | None = None,
                    sweeps: int = 8, gap: float = LAYER_GAP,
                    pick: Callable[[list[Layout]], int] | None = None) -> list[Layout]:
    """`layered_layout(graph, direction=d, ...)` for each of `directions`, the same layouts, at less than
    their cost: layers, long edges and the order inside the layers do not depend on the direction (only the
    boxes' extents along and across the layers do), so they are worked out once. Without frames: a frame's
    room depends on the direction.

    `pick`: the caller wants only one of them, chosen by its size (layouts whose `routes` are still empty ->
    the index of the one to keep): only that one's edges are routed, and the list holds it alone. (Where no
    two edges join the same nodes, routes stay within the boxes' extent, so the size is known before them.)"""
    for d in directions:
        if d not in ("LR", "TB"):
            raise ValueError(f'direction must be "LR" or "TB", not {d!r}')
    ordered = _ordered(graph, node_size or default_node_size, sweeps, None)
    if ordered is None:
        return [Layout(d, {}, {}, {}, {}, 0.0, 0.0) for d in directions]
    if pick is None or len(directions) < 2 or not _routes_within_boxes(ordered.forward):
        layouts = [_placed(ordered, d, None, gap) for d in directions]
        return layouts if pick is None else [layouts[pick(layouts)]]
    unrouted = [_placed(ordered, d, None, gap, routed=False) for d in directions]
    return [_placed(ordered, unrouted[pick(unrouted)].direction, None, gap)]


def _routes_within_boxes(pairs: list[tuple[int, int]]) -> bool:
    """Whether every route stays within the boxes' extent across the layers (route_edges): no two edges join
    the same two nodes (drawn side by side) and none is a self-loop."""
    return len(set(pairs)) == len(pairs) and all(u != v for u, v in pairs)


class _Ordered(NamedTuple):
    """What the layout decides before it knows the direction: each node's layer and place in its layer."""

    ids: list
    sizes: dict
    keys: list
    forward: list
    turned: set
    layer: list[int]
    g: Any
    order: list[list[int]]
    blocks: Any


def _ordered(graph: nx.MultiDiGraph, node_size: NodeSize, sweeps: int, frames: Frames | None) -> _Ordered | None:
    """Steps 1 to 3 of the module docstring (None for an empty graph)."""
    ids, sizes, is_output = _read_nodes(graph, node_size)
    if not ids:
        return None
    n = len(ids)
    index = dict(zip(ids, range(n)))

    pairs, keys, slots = _edge_list(graph, index)
    dag, forward, turned = _acyclic(n, pairs)
    to_sink = _longest_to_sink(dag)
    if frames is not None:
        chain, parents = node_chains(frames, ids)
        if parents:
            runs = sequence_runs(frames, ids)
            to_sink = spaced_to_sink(dag.pred, dag.topo, to_sink, chain, len(parents), runs)
    layer = assign_layers(dag, to_sink, is_output)

    budget = max(HELPER_BUDGET_MIN, HELPER_BUDGET_PER_NODE * n)  # helper points, at most
    g = split_long_edges(n, layer, forward, slots, dag.depth, to_sink, budget)
    blocks = vertex_blocks(frames, ids, g, forward) if frames is not None else None
    order = reduce_crossings(g, initial_order(g), sweeps, None if blocks is None else BlockOrder(blocks))
    return _Ordered(ids, sizes, keys, forward, turned, layer, g, order, blocks)


def _placed(o: _Ordered, direction: str, frames: Frames | None, gap: float = LAYER_GAP,
            routed: bool = True) -> Layout:
    """Steps 4 and 5 of the module docstring, in `direction`; without `routed`, no routes (and the size
    their parallel edges and self-loops may add: layered_layouts)."""
    ids, sizes, g, order, layer = o.ids, o.sizes, o.g, o.order, o.layer
    # The extent of each box along the layers (primary) and across them (secondary), in node order.
    widths, heights = map(list, zip(*sizes.values()))
    primary_size, secondary_size = (widths, heights) if direction == "LR" else (heights, widths)
    secondary_size.extend(g.helper_size)
    cross = assign_cross_positions(g, order, secondary_size)
    room = None
    if o.blocks is not None and frames is not None:
        cross = separate_frames(g, order, cross, secondary_size, o.blocks, frames)
        room = frame_gaps(g, order, o.blocks, frames)
    lines, half = layer_lines(g, order, cross, primary_size, gap, room)

    # Shift so that every box (and every edge) starts at 0 across the layers. Edges run through the centres
    # of boxes and helper points, except parallel edges (shifted apart, within their boxes) and self-loops:
    # if one of those reaches beyond the boxes after all, route again from there.
    low = min([c - s / 2 for c, s in zip(cross, secondary_size)])
    high = max([c + s / 2 for c, s in zip(cross, secondary_size)])
    lr = direction == "LR"
    route_args = (g, o.keys, o.forward, o.turned, lines, half, cross, secondary_size, primary_size)
    routes: dict = {}
    if routed:
        routes, reach_low, reach_high = route_edges(*route_args, low, lr)
        if reach_low < low or reach_high > high:
            low, high = min(low, reach_low), max(high, reach_high)
            routes, _, _ = route_edges(*route_args, low, lr)

    # Then name things, in screen coordinates.
    extent_along = lines[-1] + half[-1]
    centres = [(lines[k], c - low) for k, c in zip(layer, cross)]  # (along, across), real nodes only
    if lr:
        positions = dict(zip(ids, centres))
        width, height = extent_along, high - low
    else:
        positions = {node: (b, a) for node, (a, b) in zip(ids, centres)}
        width, height = high - low, extent_along
    return Layout(
        direction=direction,
        positions=positions,
        sizes=sizes,
        routes=routes,
        layers=dict(zip(ids, layer)),
        width=float(width),
        height=float(height),
    )


def count_crossings(graph: nx.MultiDiGraph, layout: Layout) -> int:
    """How many times two drawn edges cross, counted between consecutive layers on the routed polylines.

    Layer lines are the distinct positions of node centres along the layers. Between two neighbouring lines
    every edge that spans them is a straight piece (true of our routes, and of straight-line drawings), and
    two pieces cross exactly when their order at one line is the reverse of their order at the other. Pieces
    that coincide (edges bundled along a shared trunk, parallel edges) are drawn once and counted once; pieces
    that merely share an end point do not cross. Routes are assumed monotone along the layers.
    """
    along = 0 if layout.direction == "LR" else 1
    lines = sorted({round(p[along], 6) for p in layout.positions.values()})
    if len(lines) < 2:
        return 0
    gaps: list[set[tuple[float, float]]] = [set() for _ in range(len(lines) - 1)]
    for u, v, key in _edge_keys(graph):
        route = layout.routes.get(key) or (layout.positions[u], layout.positions[v])
        pts = [(p[along], p[1 - along]) for p in route]
        if pts[0][0] > pts[-1][0]:
            pts.reverse()
        values = _values_at_lines(pts, lines)
        for (k, a), (k2, b) in zip(values, values[1:]):
            if k2 == k + 1:
                gaps[k].add((a, b))
    return sum(_inversions(sorted(pieces)) for pieces in gaps)


def _values_at_lines(pts: list[Point], lines: list[float]) -> list[tuple[int, float]]:
    """The polyline's position across the layers where it meets each layer line it spans."""
    start, end = pts[0][0], pts[-1][0]
    k = bisect.bisect_left(lines, start - 1e-6)
    out = []
    seg = 0
    while k < len(lines) and lines[k] <= end + 1e-6:
        x = lines[k]
        while seg < len(pts) - 2 and pts[seg + 1][0] < x - 1e-9:
            seg += 1
        (x0, y0), (x1, y1) = pts[seg], pts[seg + 1]
        y = y0 if x1 - x0 <= 1e-12 else y0 + (y1 - y0) * min(max((x - x0) / (x1 - x0), 0.0), 1.0)
        out.append((k, round(y, 6)))
        k += 1
    return out
