"""Where to draw each node and edge of an autograd graph: a layered (Sugiyama-style) layout in pure Python.

An autograd graph is a DAG whose edges run forward, from the tensors a program starts with to the value it
backpropagates from. A reader follows it left to right (``direction="LR"``) or top to bottom (``"TB"``), so
the layout puts the nodes in columns ("layers") with every edge pointing forward, and then works hard at the
two things that make such a picture readable: few edge crossings, and straight chains. It runs in five
steps, one function each:

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
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass

import networkx as nx

from explorer.gcpause import without_gc

Point = tuple[float, float]
NodeSize = Callable[[str, dict], "tuple[float, float]"]

NODE_GAP = 18.0  # free space between two boxes in the same layer
EDGE_GAP = 10.0  # free space kept around an edge passing through a layer
LAYER_GAP = 56.0  # space between two layers, where edges slope; more where they are steep
MAX_SLOPE = 4.0  # a gap widens (up to 3x) until its steepest edge rises at most this much per unit
PARALLEL_GAP = 8.0  # distance between parallel edges joining the same two nodes
HELPER_BUDGET_PER_NODE = 8  # helper points allowed per node; beyond, the longest edges are drawn straight
HELPER_BUDGET_MIN = 20_000
TRANSPOSE_ROUNDS = 2  # at most this many rounds of neighbour swaps after each ordering sweep
PLACEMENT_SWEEPS = 4  # at most this many back-and-forth rounds of chain moves in step 4
STRAIGHTEN_SWEEPS = 3  # then at most this many rounds of single-node moves

# Weights of an edge segment when placing nodes across the layers (step 4), as in Graphviz dot: the more an
# edge weighs, the straighter it is drawn.
WEIGHT_HELPER_HELPER = 8.0  # the middle of a long edge
WEIGHT_NODE_HELPER = 2.0  # the first or last segment of a long edge
WEIGHT_CHAIN = 4.0  # an op fed by the op (or leaf) right before it in the longest chain of computation
WEIGHT_SIDE = 1.0  # any other edge: a parameter, a constant, a skip connection


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


# ------------------------------------------------------------------------------------------------------------
# Public API
# ------------------------------------------------------------------------------------------------------------
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
) -> Layout:
    """Lay out `graph` (edges from inputs to the ops using them) in layers; see the module docstring.

    `node_size(node_id, attrs) -> (width, height)` gives each box (default: `default_node_size`);
    `sweeps` is how many crossing-reduction passes (alternately forward and backward) to try at most.
    The result depends only on the graph (node order, edge order and attributes), never on chance.
    """
    # the layout makes many small lists and no reference cycles (see explorer.gcpause)
    return _layered_layout(graph, direction, node_size or default_node_size, sweeps)


def _layered_layout(graph: nx.MultiDiGraph, direction: str, node_size: NodeSize, sweeps: int) -> Layout:
    if direction not in ("LR", "TB"):
        raise ValueError(f'direction must be "LR" or "TB", not {direction!r}')
    ids, sizes, is_output = _read_nodes(graph, node_size)
    if not ids:
        return Layout(direction, {}, {}, {}, {}, 0.0, 0.0)
    n = len(ids)
    index = dict(zip(ids, range(n)))

    pairs, keys, slots = _edge_list(graph, index)
    dag, forward, turned = _acyclic(n, pairs)
    to_sink = _longest_to_sink(dag)
    layer = assign_layers(dag, to_sink, is_output)

    # The extent of each box along the layers (primary) and across them (secondary), in node order.
    widths, heights = map(list, zip(*sizes.values()))
    primary_size, secondary_size = (widths, heights) if direction == "LR" else (heights, widths)

    g = split_long_edges(n, layer, forward, slots, dag.depth, to_sink)
    secondary_size.extend(g.helper_size)
    order = reduce_crossings(g, initial_order(g), sweeps)
    cross = assign_cross_positions(g, order, secondary_size)
    lines, half = layer_lines(g, order, cross, primary_size)

    # Shift so that every box (and every edge) starts at 0 across the layers. Edges run through the centres
    # of boxes and helper points, except parallel edges (shifted apart, within their boxes) and self-loops:
    # if one of those reaches beyond the boxes after all, route again from there.
    low = min([c - s / 2 for c, s in zip(cross, secondary_size)])
    high = max([c + s / 2 for c, s in zip(cross, secondary_size)])
    lr = direction == "LR"
    route_args = (g, keys, forward, turned, lines, half, cross, secondary_size, primary_size)
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


# ------------------------------------------------------------------------------------------------------------
# Step 0: the graph as lists of integers (node i = i-th node in creation order)
# ------------------------------------------------------------------------------------------------------------
def _read_nodes(
    graph: nx.DiGraph, node_size: NodeSize
) -> tuple[list[Hashable], dict[Hashable, Point], list[bool]]:
    """Node ids in creation order, the size of each box (checked, as floats), and which nodes are outputs:
    one pass over the nodes and their attributes (looking each node up again in the graph costs as much as
    the pass)."""
    ids: list[Hashable] = []
    sizes: dict[Hashable, Point] = {}
    is_output: list[bool] = []
    for node, attrs in graph.nodes(data=True):
        size = node_size(node, attrs)
        w, h = float(size[0]), float(size[1])
        if not (w >= 0 and h >= 0):
            raise ValueError(f"node_size must return non-negative (width, height), got {size!r}")
        ids.append(node)
        sizes[node] = (w, h)
        is_output.append(bool(attrs.get("is_output")))
    return ids, sizes, is_output


def _edge_keys(graph: nx.DiGraph) -> Iterable[tuple[Hashable, Hashable, Hashable]]:
    if graph.is_multigraph():
        yield from graph.edges(keys=True)
    else:
        for u, v in graph.edges:
            yield u, v, f"{u}->{v}"


def _edge_list(graph: nx.DiGraph, index: dict) -> tuple[list[tuple[int, int]], list[Hashable], list[int]]:
    """Every edge, in the graph's edge order, as three parallel lists: (source, target) numbers, its key
    (``"u->v"`` in a graph without keys), and its input index at the target (0 if missing or not an int).

    Read straight from `graph.adjacency()`, the same dicts `graph.edges` walks, at a quarter of the cost of
    going through networkx's edge views."""
    pairs: list[tuple[int, int]] = []
    keys: list[Hashable] = []
    slots: list[int] = []
    multi = graph.is_multigraph()
    for u, neighbours in graph.adjacency():
        at_u = index[u]
        for v, data in neighbours.items():
            pair = (at_u, index[v])
            for key, attrs in data.items() if multi else ((f"{u}->{v}", data),):
                slot = attrs.get("input_index", 0)
                pairs.append(pair)
                keys.append(key)
                slots.append(slot if isinstance(slot, int) else 0)
    return pairs, keys, slots


def _acyclic(n: int, pairs: list[tuple[int, int]]) -> tuple[_Dag, list[tuple[int, int]], set[int]]:
    """The graph as a `_Dag`, with each edge as a (from, to) pair: as it is when the graph has no cycle (an
    autograd graph never has one), else with the edges that close a cycle turned around
    (`_forward_edges`). Returns the dag, the pairs (one per edge, same order) and the turned edges."""
    dag = _Dag.of(n, pairs)
    if len(dag.topo) == n:  # every node got a place in the topological order: no cycle
        return dag, pairs, set()
    forward, turned = _forward_edges(pairs, _back_edges(n, dag.succ))
    return _Dag.of(n, forward), forward, turned


def _forward_edges(
    pairs: list[tuple[int, int]], back: set[tuple[int, int]]
) -> tuple[list[tuple[int, int]], set[int]]:
    """Each edge as (from, to), with the edges in `back` (those that close a cycle) turned around. Returns
    the pairs (one per edge, same order; a self-loop stays (v, v)) and the indexes of the turned edges."""
    forward, turned = [], set()
    for i, (u, v) in enumerate(pairs):
        if (u, v) in back:
            forward.append((v, u))
            turned.add(i)
        else:
            forward.append((u, v))
    return forward, turned


def _back_edges(n: int, succ: list[list[int]]) -> set[tuple[int, int]]:
    """Edges that go back to a node still on the depth-first stack (empty for a DAG)."""
    state = [0] * n  # 0 new, 1 on the stack, 2 done
    back: set[tuple[int, int]] = set()
    for root in range(n):
        if state[root]:
            continue
        state[root] = 1
        stack = [(root, iter(succ[root]))]
        while stack:
            node, it = stack[-1]
            nxt = next(it, None)
            if nxt is None:
                state[node] = 2
                stack.pop()
            elif state[nxt] == 1:
                back.add((node, nxt))
            elif state[nxt] == 0:
                state[nxt] = 1
                stack.append((nxt, iter(succ[nxt])))
    return back


def _topological_order(n: int, succ: list[list[int]], pred: list[list[int]]) -> tuple[list[int], list[int]]:
    """Kahn's algorithm, taking ready nodes in creation order; it leaves out the nodes on or after a cycle.
    On the way, the depth of each node: the number of edges on a longest path to it from a source (final
    for a node by the time it is taken, since all its inputs were taken before)."""
    waiting = [len(p) for p in pred]
    depth = [0] * n
    order = [v for v in range(n) if waiting[v] == 0]
    for v in order:  # `order` doubles as the queue: nodes are appended as they become ready
        further = depth[v] + 1
        for s in succ[v]:
            if depth[s] < further:
                depth[s] = further
            waiting[s] -= 1
            if waiting[s] == 0:
                order.append(s)
    return order, depth


@dataclass
class _Dag:
    """Who feeds whom (each pair once, no self-loops), a topological order, and the depth of each node
    (see `_topological_order`)."""

    succ: list[list[int]]
    pred: list[list[int]]
    topo: list[int]
    depth: list[int]

    @classmethod
    def of(cls, n: int, pairs: list[tuple[int, int]]) -> _Dag:
        succ: list[list[int]] = [[] for _ in range(n)]
        pred: list[list[int]] = [[] for _ in range(n)]
        for u, v in dict.fromkeys(pairs):  # each pair once, in the order of its first edge
            if u != v:
                succ[u].append(v)
                pred[v].append(u)
        return cls(succ, pred, *_topological_order(n, succ, pred))


def _longest_to_sink(dag: _Dag) -> list[int]:
    """For each node, the number of edges on a longest path from it to a sink. Steps 1 and 2 both need
    it, so it is computed once."""
    pred = dag.pred
    to_sink = [0] * len(pred)
    for v in reversed(dag.topo):
        further = to_sink[v] + 1
        for p in pred[v]:
            if to_sink[p] < further:
                to_sink[p] = further
    return to_sink


# ------------------------------------------------------------------------------------------------------------
# Step 1: layers
# ------------------------------------------------------------------------------------------------------------
def assign_layers(dag: _Dag, to_sink: list[int], is_output: list[bool]) -> list[int]:
    """Layer of each node: by longest distance to a sink (`to_sink`), so the output is last and every
    parameter or constant sits right before its first user. Returns consecutive layers 0, 1, ... with no
    empty one."""
    succ, pred, topo, n = dag.succ, dag.pred, dag.topo, len(dag.succ)
    last = max(to_sink)
    layer = [last - d for d in to_sink]
    for v in range(n):
        if not succ[v] and not pred[v]:
            layer[v] = 0  # a node with no edges at all: with the inputs
    # A side result that feeds nothing (not the output) moves back next to its inputs...
    for v in topo:
        if not succ[v] and pred[v] and not is_output[v]:
            inner = [layer[p] for p in pred[v] if pred[p]]  # inputs that are not sources
            if inner:
                layer[v] = max(inner) + 1
    # ...and the parameters and constants feeding it follow: every source sits right before its first user.
    for v in range(n):
        if not pred[v] and succ[v]:
            users = succ[v]
            layer[v] = (layer[users[0]] if len(users) == 1 else min([layer[s] for s in users])) - 1
    used = sorted(set(layer))
    if used[0] == 0 and used[-1] == len(used) - 1:  # no empty layer: nothing to renumber
        return layer
    renumber = {old: new for new, old in enumerate(used)}
    return [renumber[x] for x in layer]


# ------------------------------------------------------------------------------------------------------------
# Step 2: helper points for long edges
# ------------------------------------------------------------------------------------------------------------
@dataclass
class LayeredGraph:
    """Nodes 0..n-1 are the real ones, n.. are helper points; every segment joins consecutive layers."""

    n: int
    layer_of: list[int]  # per vertex (real or helper)
    layer_count: int
    up: list[list[tuple[int, float]]]  # vertex -> [(vertex in the previous layer, weight)], no duplicates
    down: list[list[tuple[int, float]]]  # vertex -> [(vertex in the next layer, weight)]
    slot_of: dict[tuple[int, int], int]  # segment (a, b) -> smallest input index of the edges using it
    gap_segments: list[list[tuple[int, int]]]  # layer k -> segments (a, b), a in layer k, b in layer k+1
    trunks: list[list[int]]  # helper points of each trunk, one per layer, in layer order
    edge_trunk: dict[int, int]  # edge number -> the trunk it runs along (edges that skip layers only)
    helper_size: list[float]  # size across the layers of each helper point (room for parallel edges)


def split_long_edges(
    n: int,
    layer: list[int],
    pairs: list[tuple[int, int]],
    slots: list[int],
    depth: list[int],
    to_sink: list[int],
) -> LayeredGraph:
    """Replace every edge that skips layers by a path through helper points, one per layer it passes.

    Long edges leaving the same node share one trunk of helpers; so do long edges entering the same node
    (when their sources have no trunk of their own); others get a trunk of their own. If the helpers would
    exceed a budget proportional to the graph, the longest trunks are left out and their edges drawn
    straight. `slots[i]` is edge i's input index at its target (it orders the inputs in step 3).

    An edge u -> v between neighbouring layers weighs more in step 4 if it is on a longest chain of
    computation: a longest path from an input through v comes through u (`depth`), and a longest path from
    u to a sink goes on through v (`to_sink`). In an MLP these are h -> mm -> add -> relu -> mm ... (and
    w -> t), not t -> mm or b -> add; in a loop that also computes a side result each step
    (`while b.norm() < 1000: b = b * 2`), b -> mul, not b -> norm. Chains are drawn straight, and the rest
    comes to them."""
    # Each segment (a, b) once (dicts keep them unique, in the order they are made): its weight, and the
    # smallest input index of the edges using it.
    weights: dict[tuple[int, int], float] = {}
    slot_of: dict[tuple[int, int], int] = {}
    long_edges = []
    for i, pair in enumerate(pairs):
        u, v = pair
        span = layer[v] - layer[u]
        if span == 1:  # an edge between neighbouring layers is a segment as it is
            if pair not in weights:
                on_chain = depth[u] + 1 == depth[v] and to_sink[u] == to_sink[v] + 1
                weights[pair] = WEIGHT_CHAIN if on_chain else WEIGHT_SIDE
                slot_of[pair] = slots[i]
            elif slots[i] < slot_of[pair]:
                slot_of[pair] = slots[i]
        elif span > 1:
            long_edges.append(i)
    groups, spans = _trunk_groups(n, layer, pairs, long_edges)

    layer_of = list(layer)
    helper_size: list[float] = []
    trunks: list[list[int]] = []
    edge_trunk: dict[int, int] = {}

    def helper_segment(a: int, b: int, slot: int) -> None:
        """A segment with a helper point at one end (or both)."""
        if (a, b) not in weights:
            weights[(a, b)] = WEIGHT_HELPER_HELPER if a >= n and b >= n else WEIGHT_NODE_HELPER
            slot_of[(a, b)] = slot
        elif slot < slot_of[(a, b)]:
            slot_of[(a, b)] = slot

    for key, members in groups.items():
        a, b = spans[key]
        first = len(layer_of)
        layer_of.extend(range(a, b + 1))
        trunk = list(range(first, len(layer_of)))
        multiplicity: dict[tuple[int, int], int] = {}
        for i in members:
            multiplicity[pairs[i]] = multiplicity.get(pairs[i], 0) + 1
        helper_size.extend([(max(multiplicity.values()) - 1) * PARALLEL_GAP] * len(trunk))
        lowest = min(slots[i] for i in members)
        for h1, h2 in zip(trunk, trunk[1:]):
            helper_segment(h1, h2, lowest)
        for i in members:
            u, v = pairs[i]
            helper_segment(u, trunk[layer[u] + 1 - a], slots[i])
            helper_segment(trunk[layer[v] - 1 - a], v, slots[i])
            edge_trunk[i] = len(trunks)
        trunks.append(trunk)

    vertices = len(layer_of)
    layer_count = max(layer_of) + 1
    up: list[list[tuple[int, float]]] = [[] for _ in range(vertices)]
    down: list[list[tuple[int, float]]] = [[] for _ in range(vertices)]
    gap_segments: list[list[tuple[int, int]]] = [[] for _ in range(layer_count)]
    for pair, w in weights.items():
        a, b = pair
        up[b].append((a, w))
        down[a].append((b, w))
        gap_segments[layer_of[a]].append(pair)
    return LayeredGraph(
        n, layer_of, layer_count, up, down, slot_of, gap_segments, trunks, edge_trunk, helper_size
    )


def _trunk_groups(
    n: int, layer: list[int], pairs: list[tuple[int, int]], long_edges: list[int]
) -> tuple[dict[tuple, list[int]], dict[tuple, tuple[int, int]]]:
    """Which long edges share a trunk (key -> edge numbers), and the layers each trunk spans (key ->
    (first, last)), within the helper budget: past it the longest trunks are left out (ties: the earliest
    made) and their edges are drawn straight."""
    out_count = [0] * n
    for i in long_edges:
        out_count[pairs[i][0]] += 1
    in_count = [0] * n
    for i in long_edges:
        if out_count[pairs[i][0]] < 2:
            in_count[pairs[i][1]] += 1
    groups: dict[tuple, list[int]] = {}
    for i in long_edges:
        u, v = pairs[i]
        if out_count[u] >= 2:
            groups.setdefault(("out", u), []).append(i)
        elif in_count[v] >= 2:
            groups.setdefault(("in", v), []).append(i)
        else:
            groups.setdefault(("own", i), []).append(i)

    def extent(members: list[int]) -> tuple[int, int]:
        return (min(layer[pairs[i][0]] for i in members) + 1, max(layer[pairs[i][1]] for i in members) - 1)

    spans = {key: extent(m) for key, m in groups.items()}
    total = sum(b - a + 1 for a, b in spans.values())
    budget = max(HELPER_BUDGET_MIN, HELPER_BUDGET_PER_NODE * n)
    if total > budget:
        for key in sorted(groups, key=lambda k: (spans[k][0] - spans[k][1], min(groups[k]))):
            if total <= budget:
                break
            a, b = spans.pop(key)
            total -= b - a + 1
            del groups[key]
    return groups, spans


# ------------------------------------------------------------------------------------------------------------
# Step 3: order inside each layer
# ------------------------------------------------------------------------------------------------------------
def initial_order(g: LayeredGraph, both_ways: bool = True) -> list[list[int]]:
    """Each layer in the order a depth-first walk back from the sinks meets its vertices.

    The walk starts from the sinks in creation order and visits an op's inputs in their order (input 0
    first), so `a @ b` puts `a` above (or left of) `b`, and each subgraph stays together. With `both_ways`
    the walk also follows edges forward (after the inputs), which keeps cycles of the undirected graph
    (a tensor used by two ops that meet again later) together."""
    up, down, slot_of, layer_of = g.up, g.down, g.slot_of, g.layer_of
    seen = [False] * len(g.layer_of)
    layers: list[list[int]] = [[] for _ in range(g.layer_count)]
    for root in range(len(g.layer_of)):
        if down[root] or seen[root]:
            continue
        stack = [root]
        while stack:
            v = stack.pop()
            if seen[v]:
                continue
            seen[v] = True
            layers[layer_of[v]].append(v)
            # pushed last, popped first: the users of v (if both_ways), then its inputs, input 0 on top
            users, inputs = down[v], up[v]
            if both_ways and users:
                if len(users) == 1:
                    if not seen[users[0][0]]:
                        stack.append(users[0][0])
                else:
                    stack.extend(sorted([u for u, _ in users if not seen[u]], reverse=True))
            if len(inputs) == 1:
                if not seen[inputs[0][0]]:
                    stack.append(inputs[0][0])
            elif inputs:
                by_slot = sorted([(slot_of[(u, v)], u) for u, _ in inputs if not seen[u]], reverse=True)
                stack.extend([u for _, u in by_slot])
    return layers


def reduce_crossings(g: LayeredGraph, order: list[list[int]], sweeps: int) -> list[list[int]]:
    """Barycenter sweeps, alternately forward (using the previous layer) and backward (the next layer),
    each followed by swaps of neighbours that remove crossings ("transpose", as in dot).

    After each sweep the crossings are counted and the best ordering is kept; stops early at zero crossings
    or when a forward-and-backward round no longer improves."""
    pos = [0] * len(g.layer_of)
    for layer in order:
        for i, v in enumerate(layer):
            pos[v] = i
    best = sum(_gap_crossings(g, pos))
    if best == 0:  # nothing to improve (deep chains and MLPs often start there)
        return order
    order = [list(layer) for layer in order]  # the sweeps reorder these; the caller's lists stay as they are
    best_order = [list(layer) for layer in order]
    stale = 0
    for sweep in range(sweeps):
        if best == 0:
            break
        forward = sweep % 2 == 0
        ks = range(1, g.layer_count) if forward else range(g.layer_count - 2, -1, -1)
        for k in ks:
            _sort_by_barycenter(order[k], g.up if forward else g.down, pos)
        per_gap = _gap_crossings(g, pos)
        crossings = sum(per_gap) - _transpose(g, order, pos, per_gap)
        if crossings < best:
            best, best_order, stale = crossings, [list(layer) for layer in order], 0
        else:
            stale += 1
            if stale >= 2:
                break
    return best_order


def _transpose(g: LayeredGraph, order: list[list[int]], pos: list[int], per_gap: list[int]) -> int:
    """Swap neighbours in a layer whenever that removes crossings with both adjacent layers, until no swap
    helps (or a few rounds have passed). Only layers next to a gap with crossings (`per_gap`) are tried at
    first. Returns how many crossings the swaps removed (a swap changes only those between the two)."""
    up, down = g.up, g.down
    dirty = [(k > 0 and per_gap[k - 1] > 0) or per_gap[k] > 0 for k in range(len(order))]
    removed = 0
    for _ in range(TRANSPOSE_ROUNDS):
        any_swap = False
        for k, layer in enumerate(order):
            if not dirty[k]:
                continue
            dirty[k] = False
            for i in range(len(layer) - 1):
                u, v = layer[i], layer[i + 1]
                gain = _swap_gain(up[u], up[v], pos) + _swap_gain(down[u], down[v], pos)
                if gain > 0:
                    removed += gain
                    layer[i], layer[i + 1] = v, u
                    pos[u], pos[v] = i + 1, i
                    any_swap = True
                    dirty[k] = True
                    if k > 0:
                        dirty[k - 1] = True
                    if k + 1 < len(order):
                        dirty[k + 1] = True
        if not any_swap:
            break
    return removed


def _swap_gain(first: list[tuple[int, float]], second: list[tuple[int, float]], pos: list[int]) -> int:
    """How many crossings between the edges of two neighbouring vertices (into one adjacent layer) swapping
    them removes; negative if it adds some. Most vertices have at most one such edge each."""
    if not first or not second:
        return 0
    if len(first) == 1 and len(second) == 1:
        pa, pb = pos[first[0][0]], pos[second[0][0]]
        return 1 if pa > pb else -1 if pa < pb else 0
    now, swapped = _pair_crossings(first, second, pos)
    return now - swapped


def _pair_crossings(
    first: list[tuple[int, float]], second: list[tuple[int, float]], pos: list[int]
) -> tuple[int, int]:
    """Crossings between the edges of two neighbouring vertices, as they are and if they were swapped."""
    if len(first) * len(second) > 64:  # many edges (a tensor used by many ops): count by bisection
        below = sorted([pos[b] for b, _ in second])
        now = swapped = 0
        for a, _ in first:
            now += bisect.bisect_left(below, pos[a])
            swapped += len(below) - bisect.bisect_right(below, pos[a])
        return now, swapped
    now = swapped = 0
    for a, _ in first:
        pa = pos[a]
        for b, _ in second:
            pb = pos[b]
            if pa > pb:
                now += 1
            elif pa < pb:
                swapped += 1
    return now, swapped


def _sort_by_barycenter(layer: list[int], neighbours: list[list[tuple[int, float]]], pos: list[int]) -> bool:
    """Sort one layer by the average position of each vertex's neighbours in the fixed layer. Vertices with
    no such neighbour keep their slot; ties keep the current order. Updates `pos`; True if anything moved."""
    if len(layer) == 1:  # nothing to sort (a deep chain has many such layers)
        return False
    movable = []
    slots = []
    for i, v in enumerate(layer):
        nb = neighbours[v]
        if len(nb) == 1:
            movable.append((pos[nb[0][0]], i, v))  # the average of one position: itself (same sort key)
            slots.append(i)
        elif nb:
            movable.append((sum([pos[u] for u, _ in nb]) / len(nb), i, v))
            slots.append(i)
    movable.sort()
    changed = False
    for slot, (_, _, v) in zip(slots, movable):
        if layer[slot] != v:
            changed = True
            layer[slot] = v
            pos[v] = slot
    return changed


def _gap_crossings(g: LayeredGraph, pos: list[int]) -> list[int]:
    """Crossings in each gap between consecutive layers, for the order given by `pos`."""
    counts = []
    for segments in g.gap_segments:
        if len(segments) == 2:  # common in deep graphs: they cross if their ends are in opposite orders
            (a1, b1), (a2, b2) = segments
            counts.append(1 if (pos[a1] - pos[a2]) * (pos[b1] - pos[b2]) < 0 else 0)
        elif len(segments) > 2:
            counts.append(_inversions(sorted([(pos[a], pos[b]) for a, b in segments])))
        else:
            counts.append(0)
    return counts


def _inversions(pairs: list[tuple[float, float]]) -> int:
    """Pairs (a, b) sorted by a then b: how many i < j have a_i < a_j and b_i > b_j (pieces that cross)."""
    seen: list[float] = []
    count = 0
    for _, b in pairs:
        at = bisect.bisect_right(seen, b)
        count += len(seen) - at
        seen.insert(at, b)
    return count


# ------------------------------------------------------------------------------------------------------------
# Step 4: coordinates across the layers
# ------------------------------------------------------------------------------------------------------------
def assign_cross_positions(g: LayeredGraph, order: list[list[int]], size: list[float]) -> list[float]:
    """Position of every vertex across the layers: level with its neighbours, boxes never overlapping.

    1. Chains: each vertex is lined up with its heaviest neighbour in the previous layer (if that one is
       free and the line would not cross another), which cuts the graph into rigid straight chains.
    2. A first placement: chains packed towards one side, packed towards the other, and the two averaged.
    3. Each chain in turn moves, as far as the vertices beside it allow, towards the weighted median of
       where its outside neighbours would have it (sweeps until nothing moves, at most PLACEMENT_SWEEPS);
       then single vertices do the same (at most STRAIGHTEN_SWEEPS). Each move lowers dot's objective,
       the weighted sum of edge slopes, so the result is never worse than the first placement.
    """
    count = len(g.layer_of)
    index = [0] * count
    for layer in order:
        for i, v in enumerate(layer):
            index[v] = i
    limits = _Limits.of(order, size, g.n)
    root = _line_up_chains(g, order, index)
    pos = _pack_chains(order, limits, root)
    if pos is None:  # cannot happen with non-crossing chains; fall back to single vertices
        root = list(range(count))
        pos = _pack_chains(order, limits, root)
        assert pos is not None
    up, down = g.up, g.down

    # The chains, in the order of their first vertex (layer by layer, top to bottom in each layer).
    chains: dict[int, list[int]] = {}
    for layer in order:
        for v in layer:
            if root[v] == v:
                chains[v] = [v]
            else:
                chains[root[v]].append(v)
    movers = []
    for r, members in chains.items():
        pulls = [(v, u, w) for v in members for nb in (up[v], down[v]) for u, w in nb if root[u] != r]
        if pulls:
            movers.append(_Chain(members, pulls))
    for sweep in range(PLACEMENT_SWEEPS):
        moved = False
        for chain in movers if sweep % 2 == 0 else reversed(movers):
            moved |= _move_chain(chain, limits, pos)
        if not moved:
            break
    singles = [v for layer in order for v in layer if up[v] or down[v]]
    _move_vertices(singles, up, down, limits, pos, STRAIGHTEN_SWEEPS)
    return pos


@dataclass
class _Chain:
    members: list[int]
    pulls: list[tuple[int, int, float]]  # (member, outside neighbour, weight)


@dataclass
class _Limits:
    """What limits each vertex across the layers: the vertex before it in its layer and the one after
    (-1: none), and how far their centres must stay from its centre."""

    before: list[int]
    before_gap: list[float]
    after: list[int]
    after_gap: list[float]

    @classmethod
    def of(cls, order: list[list[int]], size: list[float], n: int) -> _Limits:
        """Neighbours in a layer keep half of each box (or of the room for parallel edges at a helper point)
        apart, plus a gap: NODE_GAP between boxes, EDGE_GAP next to a helper point."""
        count = sum(len(layer) for layer in order)
        limits = cls([-1] * count, [0.0] * count, [-1] * count, [0.0] * count)
        for layer in order:
            for i in range(len(layer) - 1):
                a, b = layer[i], layer[i + 1]
                gap = (size[a] + size[b]) / 2 + (NODE_GAP if a < n and b < n else EDGE_GAP)
                limits.after[a], limits.after_gap[a] = b, gap
                limits.before[b], limits.before_gap[b] = a, gap
        return limits


def _line_up_chains(g: LayeredGraph, order: list[list[int]], index: list[int]) -> list[int]:
    """Root (first vertex) of the chain each vertex belongs to. A vertex joins the chain of its heaviest
    neighbour in the previous layer (the median one among equals), heaviest links first, if that neighbour
    has no follower yet and the link does not cross a link already made in this gap (as in Brandes-Koepf)."""
    root = list(range(len(g.layer_of)))
    taken = [False] * len(g.layer_of)  # a vertex already has a follower in the next layer
    linked = [False] * len(g.layer_of)  # a vertex already follows one in the previous layer
    up = g.up
    for k in range(1, g.layer_count):
        layer, layer_above = order[k], order[k - 1]
        if len(layer) == 1 and len(up[layer[0]]) == 1:  # a deep chain: one vertex, one link to make
            v = layer[0]
            u = up[v][0][0]
            if not taken[u]:
                taken[u] = True
                root[v] = root[u]
            continue
        wishes = []
        for v in layer:
            nb = up[v]
            if len(nb) == 1:
                wishes.append((-nb[0][1], 0, index[v], index[nb[0][0]], v))
                continue
            if not nb:
                continue
            heaviest = nb[0][1]
            for _, w in nb:
                if w > heaviest:
                    heaviest = w
            best = sorted([index[u] for u, w in nb if w == heaviest])
            if len(best) == 1:
                wishes.append((-heaviest, 0, index[v], best[0], v))
                continue
            middle = (len(best) - 1) / 2
            by_closeness = sorted(range(len(best)), key=lambda i: (abs(i - middle), i))
            for rank, i in enumerate(by_closeness):
                wishes.append((-heaviest, rank, index[v], best[i], v))
        if len(wishes) == 1:  # one link to make: nothing it could cross
            _, _, _, at_u, v = wishes[0]
            u = layer_above[at_u]
            if not taken[u]:
                taken[u] = True
                root[v] = root[u]
            continue
        wishes.sort()
        made: list[tuple[int, int]] = []  # (index of follower, index of leader), sorted, never crossing
        for _, _, at_v, at_u, v in wishes:
            u = layer_above[at_u]
            if linked[v] or taken[u]:
                continue
            spot = bisect.bisect_left(made, (at_v, at_u))
            if spot > 0 and made[spot - 1][1] >= at_u:
                continue
            if spot < len(made) and made[spot][1] <= at_u:
                continue
            made.insert(spot, (at_v, at_u))
            linked[v] = True
            taken[u] = True
            root[v] = root[u]
    return root


def _pack_chains(order: list[list[int]], limits: _Limits, root: list[int]) -> list[float] | None:
    """Position of every vertex with the chains packed as tightly as possible towards low coordinates, and
    towards high ones, averaged. None if the chains cannot be ordered (they would have to cross).

    Chains are known by their root; lists indexed by vertex hold the values of the roots."""
    count = len(root)
    after: list[list[tuple[int, float]]] = [[] for _ in range(count)]  # root -> [(next root, distance)]
    waiting = [0] * count
    for layer in order:
        for a in layer[:-1]:  # every vertex but the last has one after it
            r, r2 = root[a], root[limits.after[a]]
            after[r].append((r2, limits.after_gap[a]))
            waiting[r2] += 1
    roots = [v for v in range(count) if root[v] == v]
    topo = [r for r in roots if waiting[r] == 0]
    for r in topo:  # `topo` doubles as the queue of chains whose predecessors are all placed
        for r2, _ in after[r]:
            waiting[r2] -= 1
            if waiting[r2] == 0:
                topo.append(r2)
    if len(topo) != len(roots):
        return None
    # Longest paths do not depend on which topological order visits them, so any order gives the same sums.
    low = [0.0] * count
    for r in topo:
        for r2, gap in after[r]:
            if low[r] + gap > low[r2]:
                low[r2] = low[r] + gap
    high = [0.0] * count
    for r in reversed(topo):
        for r2, gap in after[r]:
            if high[r2] - gap < high[r]:
                high[r] = high[r2] - gap
    shift = max([low[r] for r in topo]) - max([high[r] for r in topo])
    place = [0.0] * count
    for r in topo:
        place[r] = (low[r] + high[r] + shift) / 2
    return [place[r] for r in root]


def _move_chain(chain: _Chain, limits: _Limits, pos: list[float]) -> bool:
    """Move a whole chain towards the weighted median of its outside neighbours, as far as there is room.
    True if it moved."""
    delta = _median_pull(chain.pulls, pos)
    if delta > 0:
        after, after_gap = limits.after, limits.after_gap
        for v in chain.members:
            if after[v] >= 0:
                room = pos[after[v]] - after_gap[v] - pos[v]
                if room < delta:
                    delta = room
    elif delta < 0:
        before, before_gap = limits.before, limits.before_gap
        for v in chain.members:
            if before[v] >= 0:
                room = pos[before[v]] + before_gap[v] - pos[v]
                if room > delta:
                    delta = room
    if abs(delta) <= 1e-9:
        return False
    for v in chain.members:
        pos[v] += delta
    return True


def _move_vertices(
    vertices: list[int],
    up: list[list[tuple[int, float]]],
    down: list[list[tuple[int, float]]],
    limits: _Limits,
    pos: list[float],
    rounds: int,
) -> None:
    """`_move_chain` for each vertex alone, pulled by all its neighbours (`up` and `down`), in sweeps
    (forward, backward, ...) until one moves nothing, at most `rounds`. The same moves, written as one loop:
    this runs once per vertex and sweep, and building a chain for each would cost more than the moves."""
    before, before_gap, after, after_gap = limits.before, limits.before_gap, limits.after, limits.after_gap
    for sweep in range(rounds):
        moved = False
        for v in vertices if sweep % 2 == 0 else reversed(vertices):
            ups, downs = up[v], down[v]
            p = pos[v]
            if len(ups) == 1 and len(downs) == 1:  # most vertices of a deep graph
                (u1, w1), (u2, w2) = ups[0], downs[0]
                delta = _weighted_median_of_two(pos[u1] - p, w1, pos[u2] - p, w2)
            elif len(ups) + len(downs) == 1:
                delta = pos[(ups or downs)[0][0]] - p
            else:
                delta = _weighted_median([(pos[u] - p, w) for nb in (ups, downs) for u, w in nb])
            if delta > 0:
                if after[v] >= 0:
                    room = pos[after[v]] - after_gap[v] - p
                    if room < delta:
                        delta = room
            elif delta < 0:
                if before[v] >= 0:
                    room = pos[before[v]] + before_gap[v] - p
                    if room > delta:
                        delta = room
            if abs(delta) > 1e-9:
                pos[v] = p + delta
                moved = True
        if not moved:
            break


def _median_pull(pulls: list[tuple[int, int, float]], pos: list[float]) -> float:
    """How far the outside neighbours pull a chain: the weighted median of their offsets from its members."""
    if len(pulls) == 1:
        v, u, _ = pulls[0]
        return pos[u] - pos[v]
    if len(pulls) == 2:
        (v1, u1, w1), (v2, u2, w2) = pulls
        return _weighted_median_of_two(pos[u1] - pos[v1], w1, pos[u2] - pos[v2], w2)
    return _weighted_median([(pos[u] - pos[v], w) for v, u, w in pulls])


def _weighted_median_of_two(x1: float, w1: float, x2: float, w2: float) -> float:
    """`_weighted_median([(x1, w1), (x2, w2)])` with the same arithmetic, without a list to sort: most
    vertices of a deep graph have two neighbours, one in each adjacent layer."""
    if x2 < x1 or (x2 == x1 and w2 < w1):  # sorted by (offset, weight), as `sorted` would
        x1, w1, x2, w2 = x2, w2, x1, w1
    half = (w1 + w2) / 2
    if w1 > half + 1e-9:
        return x1
    if w1 >= half - 1e-9:
        return (x1 + x2) / 2
    return x2


def _weighted_median(items: list[tuple[float, float]]) -> float:
    """The value that splits the total weight in half (the middle of the two middle values on a tie)."""
    if len(items) == 1:
        return items[0][0]
    items = sorted(items)
    half = sum([w for _, w in items]) / 2
    acc = 0.0
    for i, (x, w) in enumerate(items):
        acc += w
        if acc > half + 1e-9:
            return x
        if acc >= half - 1e-9:
            return (x + items[i + 1][0]) / 2
    return items[-1][0]


# ------------------------------------------------------------------------------------------------------------
# Step 5: coordinates along the layers, and edge routes
# ------------------------------------------------------------------------------------------------------------
def layer_lines(
    g: LayeredGraph, order: list[list[int]], cross: list[float], primary_size: list[float]
) -> tuple[list[float], list[float]]:
    """Centre line and half thickness of each layer along the edges' direction. The gap after a layer grows
    with the steepest segment crossing it, so that edges stay readable."""
    # This runs once per layer and per segment, so min() and max() are spelled out as comparisons: a call
    # costs more than the comparison it makes.
    n = g.n
    half = []
    for layer in order:
        thickest = -1.0  # no box yet
        for v in layer:
            if v < n and primary_size[v] > thickest:
                thickest = primary_size[v]
        half.append(thickest / 2 if thickest >= 0 else 0.0)
    gap_segments = g.gap_segments
    widest = 3 * LAYER_GAP
    line = half[0]
    lines = [line]
    for k in range(1, g.layer_count):
        rise = 0.0
        for a, b in gap_segments[k - 1]:
            if abs(cross[a] - cross[b]) > rise:
                rise = abs(cross[a] - cross[b])
        # the gap: LAYER_GAP, or wider for a steep segment, up to `widest`
        gap = rise / MAX_SLOPE
        if not gap > LAYER_GAP:
            gap = LAYER_GAP
        elif widest < gap:
            gap = widest
        line = line + half[k - 1] + gap + half[k]
        lines.append(line)
    return lines, half


def route_edges(
    g: LayeredGraph,
    keys: list[Hashable],
    pairs: list[tuple[int, int]],
    turned: set[int],
    lines: list[float],
    half: list[float],
    cross: list[float],
    secondary_size: list[float],
    primary_size: list[float],
    low: float,
    lr: bool,
) -> tuple[dict[Hashable, tuple[Point, ...]], float, float]:
    """Polylines for every edge (by key): level inside each layer, sloping only in the gaps, with the points
    where nothing bends left out. Parallel edges are shifted apart, all but at their ends.

    They are worked out as (along, across) and returned in screen coordinates: `low` subtracted across the
    layers, and (along, across) as (x, y) if `lr`, else (y, x). Also returns how far the polylines of parallel
    edges and self-loops reach across the layers (lowest, highest; before the shift): every other polyline
    passes only through the centres of boxes and helper points, so only these can reach beyond a box."""
    trunk_lines = [_trunk_polyline(trunk, g, lines, half, cross) for trunk in g.trunks]
    layer = g.layer_of
    together: dict[tuple[int, int], list[int]] = {}  # parallel edges (same two ends) are drawn together
    for i, pair in enumerate(pairs):
        if pair in together:
            together[pair].append(i)
        else:
            together[pair] = [i]
    routes: dict[Hashable, tuple[Point, ...]] = {}
    reach_low, reach_high = float("inf"), float("-inf")
    for (u, v), members in together.items():
        ku, kv = layer[u], layer[v]
        if kv - ku == 1 and len(members) == 1:  # most edges: alone, into the next layer
            i = members[0]
            cu, cv = cross[u], cross[v]
            if cu == cv:  # level with its neighbour: straight, made in screen coordinates right away
                if lr:
                    ends = ((lines[ku], cu - low), (lines[kv], cv - low))
                else:
                    ends = ((cu - low, lines[ku]), (cv - low, lines[kv]))
                routes[keys[i]] = ends[::-1] if i in turned else ends
                continue
            # level inside each layer, sloping in the gap
            pts = _corners(
                [(lines[ku], cu), (lines[ku] + half[ku], cu), (lines[kv] - half[kv], cv), (lines[kv], cv)]
            )
            if i in turned:
                pts.reverse()
            routes[keys[i]] = _to_screen(pts, low, lr)
            continue
        # parallel edges fan out by PARALLEL_GAP, but never beyond the middle 80% of either end's box
        step = 0.0
        if len(members) > 1:
            step = min(PARALLEL_GAP, 0.8 * min(secondary_size[u], secondary_size[v]) / (len(members) - 1))
        for rank, i in enumerate(members):
            shift = (rank - (len(members) - 1) / 2) * step
            if u == v:
                pts = _self_loop(lines[ku], cross[u], primary_size[u], secondary_size[u], shift)
            elif kv - ku > 1 and i not in g.edge_trunk or kv - ku == 1 and not shift and cross[u] == cross[v]:  # over the helper budget: straight
                pts = [(lines[ku], cross[u]), (lines[kv], cross[v])]
            else:
                pts = [(lines[ku], cross[u]), (lines[ku] + half[ku], cross[u] + shift)]
                if i in g.edge_trunk:
                    t = g.edge_trunk[i]
                    trunk, (corners, alongs) = g.trunks[t], trunk_lines[t]
                    first = layer[trunk[0]]
                    start, end = lines[ku + 1] - half[ku + 1], lines[kv - 1] + half[kv - 1]
                    pts.append((start, cross[trunk[ku + 1 - first]] + shift))
                    first_in = bisect.bisect_right(alongs, start + 1e-6)
                    inside = corners[first_in : bisect.bisect_left(alongs, end - 1e-6)]
                    pts.extend((a, b + shift) for a, b in inside)
                    pts.append((end, cross[trunk[kv - 1 - first]] + shift))
                pts.append((lines[kv] - half[kv], cross[v] + shift))
                pts.append((lines[kv], cross[v]))
                pts = _corners(pts)
            if i in turned:
                pts.reverse()
            routes[keys[i]] = _to_screen(pts, low, lr)
            if u == v or len(members) > 1:
                for _, b in pts:
                    if b < reach_low:
                        reach_low = b
                    if b > reach_high:
                        reach_high = b
    return routes, reach_low, reach_high


def _to_screen(pts: list[Point], low: float, lr: bool) -> tuple[Point, ...]:
    """A polyline (along, across) in screen coordinates: see `route_edges`."""
    if lr:
        return tuple([(a, b - low) for a, b in pts])
    return tuple([(b - low, a) for a, b in pts])


def _trunk_polyline(
    trunk: list[int], g: LayeredGraph, lines: list[float], half: list[float], cross: list[float]
) -> tuple[list[Point], list[float]]:
    """The corners of a trunk's polyline, and their positions along the layers (for slicing)."""
    pts = []
    for h in trunk:
        k = g.layer_of[h]
        pts.append((lines[k] - half[k], cross[h]))
        pts.append((lines[k] + half[k], cross[h]))
    corners = _corners(pts)
    return corners, [a for a, _ in corners]


def _corners(pts: list[Point]) -> list[Point]:
    """The polyline without repeated points and without points in the middle of a straight stretch."""
    out = [pts[0]]
    ax = ay = 0.0  # the corner before the last one (once there are two)
    bx, by = pts[0]  # the last corner
    for p in pts[1:]:
        px, py = p
        if abs(px - bx) < 1e-9 and abs(py - by) < 1e-9:
            continue
        if len(out) >= 2:
            turn = (bx - ax) * (py - by) - (by - ay) * (px - bx)
            onward = (bx - ax) * (px - bx) + (by - ay) * (py - by)
            if abs(turn) < 1e-6 and onward >= 0:  # b lies on the straight line from a to p
                out[-1] = p
                bx, by = px, py
                continue
        out.append(p)
        ax, ay, bx, by = bx, by, px, py
    return out


def _self_loop(along: float, across: float, length: float, thickness: float, shift: float) -> list[Point]:
    """A small loop leaving the far side of the box and coming back (autograd graphs have none)."""
    out = along + length / 2 + LAYER_GAP / 3 + abs(shift)
    return [(along, across), (out, across - thickness / 4), (out, across + thickness / 4), (along, across)]


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
