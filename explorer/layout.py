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

Cost (benchmarks/bench_layout.py, CPU time, one core): an MLP of 1,000 nodes ~17 ms, 2,000 ~40 ms, 10,000
~0.35 s, all with 0 crossings (Graphviz dot: 0.12 s, 0.7 s, 27 s); other shapes of 10,000 nodes (an RNN
sharing its weights across steps, a residual net, a chain reusing its input, one very wide layer) 0.4-0.8 s.
"""
from __future__ import annotations

import bisect
from collections import deque
from dataclasses import dataclass
from typing import Callable, Hashable, Iterable

import networkx as nx

from .gcpause import without_gc

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
    chars = max(len(label), len(second))
    if attrs.get("kind") in ("leaf", "constant"):
        width = min(max(chars * 6.5 + 16.0, 32.0), 160.0)
        height = 22.0
    else:
        width = min(max(chars * 7.5 + 20.0, 44.0), 180.0)
        height = 30.0
    if second:
        height += 14.0
    return (width, height)


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
    ids: list[Hashable] = list(graph.nodes)
    index = {node: i for i, node in enumerate(ids)}
    sizes = {node: _checked_size(node_size(node, graph.nodes[node])) for node in ids}
    if not ids:
        return Layout(direction, {}, {}, {}, {}, 0.0, 0.0)

    edges = _edge_list(graph, index)
    forward, turned = _forward_edges(len(ids), edges)
    is_output = [bool(graph.nodes[node].get("is_output")) for node in ids]
    dag = _Dag.of(len(ids), forward)
    layer = assign_layers(dag, is_output)

    # The extent of each box along the layers (primary) and across them (secondary).
    along = 0 if direction == "LR" else 1
    primary_size = [sizes[node][along] for node in ids]
    secondary_size = [sizes[node][1 - along] for node in ids]

    slots = [e.input_index for e in edges]
    g = split_long_edges(len(ids), layer, forward, slots, chain_edges(dag, forward))
    secondary_size.extend(g.helper_size)
    order = reduce_crossings(g, initial_order(g), sweeps)
    cross = assign_cross_positions(g, order, secondary_size)
    lines, half = layer_lines(g, order, cross, primary_size)
    routes = route_edges(g, edges, forward, turned, lines, half, cross, secondary_size, primary_size)

    # Shift so that every box (and every edge) starts at 0 across the layers; then name things.
    low = min(min(cross[v] - secondary_size[v] / 2 for v in range(len(cross))), _route_low(routes))
    high = max(max(cross[v] + secondary_size[v] / 2 for v in range(len(cross))), _route_high(routes))
    extent_along = lines[-1] + half[-1]

    def screen(p_along: float, p_across: float) -> Point:
        p_across -= low
        return (p_along, p_across) if direction == "LR" else (p_across, p_along)

    positions = {ids[v]: screen(lines[layer[v]], cross[v]) for v in range(len(ids))}
    routes_out = {key: tuple(screen(a, b) for a, b in pts) for key, pts in routes.items()}
    width, height = screen(extent_along, high)
    return Layout(
        direction=direction,
        positions=positions,
        sizes={node: (float(w), float(h)) for node, (w, h) in sizes.items()},
        routes=routes_out,
        layers={ids[v]: layer[v] for v in range(len(ids))},
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
@dataclass
class _Edge:
    source: int
    target: int
    key: Hashable
    input_index: int


def _edge_keys(graph: nx.DiGraph) -> Iterable[tuple[Hashable, Hashable, Hashable]]:
    if graph.is_multigraph():
        yield from graph.edges(keys=True)
    else:
        for u, v in graph.edges:
            yield u, v, f"{u}->{v}"


def _edge_list(graph: nx.DiGraph, index: dict) -> list[_Edge]:
    if graph.is_multigraph():
        rows = graph.edges(keys=True, data="input_index", default=0)
    else:
        rows = ((u, v, f"{u}->{v}", slot) for u, v, slot in graph.edges(data="input_index", default=0))
    return [_Edge(index[u], index[v], key, slot if isinstance(slot, int) else 0) for u, v, key, slot in rows]


def _checked_size(size: tuple[float, float]) -> tuple[float, float]:
    w, h = float(size[0]), float(size[1])
    if not (w >= 0 and h >= 0):
        raise ValueError(f"node_size must return non-negative (width, height), got {size!r}")
    return (w, h)


def _forward_edges(n: int, edges: list[_Edge]) -> tuple[list[tuple[int, int]], set[int]]:
    """Each edge as (from, to), with self-loops left out and, if the graph has a cycle (autograd graphs
    never do), the edges that close one turned around. Returns the pairs (one per edge, same order; a
    self-loop is (v, v)) and the indexes of the turned edges."""
    succ: list[list[int]] = [[] for _ in range(n)]
    for e in edges:
        if e.source != e.target:
            succ[e.source].append(e.target)
    back = _back_edges(n, succ)
    pairs, turned = [], set()
    for i, e in enumerate(edges):
        if (e.source, e.target) in back:
            pairs.append((e.target, e.source))
            turned.add(i)
        else:
            pairs.append((e.source, e.target))
    return pairs, turned


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


def _topological_order(n: int, succ: list[list[int]], pred: list[list[int]]) -> list[int]:
    """Kahn's algorithm, taking ready nodes in creation order."""
    waiting = [len(p) for p in pred]
    ready = deque(v for v in range(n) if waiting[v] == 0)
    order = []
    while ready:
        v = ready.popleft()
        order.append(v)
        for s in succ[v]:
            waiting[s] -= 1
            if waiting[s] == 0:
                ready.append(s)
    return order


@dataclass
class _Dag:
    """Who feeds whom (each pair once, no self-loops), and a topological order."""

    succ: list[list[int]]
    pred: list[list[int]]
    topo: list[int]

    @classmethod
    def of(cls, n: int, pairs: list[tuple[int, int]]) -> "_Dag":
        succ: list[list[int]] = [[] for _ in range(n)]
        pred: list[list[int]] = [[] for _ in range(n)]
        seen = set()
        for u, v in pairs:
            if u != v and (u, v) not in seen:
                seen.add((u, v))
                succ[u].append(v)
                pred[v].append(u)
        return cls(succ, pred, _topological_order(n, succ, pred))


# ------------------------------------------------------------------------------------------------------------
# Step 1: layers
# ------------------------------------------------------------------------------------------------------------
def assign_layers(dag: _Dag, is_output: list[bool]) -> list[int]:
    """Layer of each node: by longest distance to a sink, so the output is last and every parameter or
    constant sits right before its first user. Returns consecutive layers 0, 1, ... with no empty one."""
    succ, pred, topo, n = dag.succ, dag.pred, dag.topo, len(dag.succ)
    to_sink = [0] * n
    for v in reversed(topo):
        if succ[v]:
            to_sink[v] = 1 + max(to_sink[s] for s in succ[v])
    last = max(to_sink)
    layer = [last - d for d in to_sink]
    is_source = [not p for p in pred]
    for v in range(n):
        if not succ[v] and not pred[v]:
            layer[v] = 0  # a node with no edges at all: with the inputs
    # A side result that feeds nothing (not the output) moves back next to its inputs...
    for v in topo:
        if not succ[v] and pred[v] and not is_output[v]:
            inner = [layer[p] for p in pred[v] if not is_source[p]]
            if inner:
                layer[v] = max(inner) + 1
    # ...and the parameters and constants feeding it follow: every source sits right before its first user.
    for v in range(n):
        if is_source[v] and succ[v]:
            layer[v] = min(layer[s] for s in succ[v]) - 1
    used = sorted(set(layer))
    renumber = {old: new for new, old in enumerate(used)}
    return [renumber[x] for x in layer]


def chain_edges(dag: _Dag, pairs: list[tuple[int, int]]) -> set[tuple[int, int]]:
    """Edges on a longest chain of computation: u -> v where a longest path from an input through v
    comes through u, and a longest path from u to a sink goes on through v.

    In an MLP these are h -> mm -> add -> relu -> mm ... (and w -> t), not t -> mm or b -> add; in a loop
    that also computes a side result each step (`while b.norm() < 1000: b = b * 2`), b -> mul, not
    b -> norm. Chains are drawn straight, and the rest comes to them."""
    succ, pred, topo, n = dag.succ, dag.pred, dag.topo, len(dag.succ)
    depth = [0] * n
    for v in topo:
        if pred[v]:
            depth[v] = 1 + max(depth[p] for p in pred[v])
    height = [0] * n
    for v in reversed(topo):
        if succ[v]:
            height[v] = 1 + max(height[s] for s in succ[v])
    return {(u, v) for u, v in pairs if u != v and depth[u] + 1 == depth[v] and height[u] == height[v] + 1}


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
    up_key: list[dict[int, int]]  # vertex -> {previous vertex: smallest input index of the edges using it}
    gap_segments: list[list[tuple[int, int]]]  # layer k -> segments (a, b), a in layer k, b in layer k+1
    trunks: list[list[int]]  # helper points of each trunk, one per layer, in layer order
    edge_trunk: dict[int, int]  # edge number -> the trunk it runs along (edges that skip layers only)
    helper_size: list[float]  # size across the layers of each helper point (room for parallel edges)


def split_long_edges(
    n: int, layer: list[int], pairs: list[tuple[int, int]], slots: list[int], chain: set[tuple[int, int]]
) -> LayeredGraph:
    """Replace every edge that skips layers by a path through helper points, one per layer it passes.

    Long edges leaving the same node share one trunk of helpers; so do long edges entering the same node
    (when their sources have no trunk of their own); others get a trunk of their own. If the helpers would
    exceed a budget proportional to the graph, the longest trunks are left out and their edges drawn
    straight. `slots[i]` is edge i's input index at its target (it orders the inputs in step 3)."""
    span = [layer[v] - layer[u] for u, v in pairs]
    long_edges = [i for i, (u, v) in enumerate(pairs) if span[i] > 1]
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
    if total > budget:  # drop the longest trunks first (ties: the earliest made), draw them straight
        for key in sorted(groups, key=lambda k: (spans[k][0] - spans[k][1], min(groups[k]))):
            if total <= budget:
                break
            a, b = spans.pop(key)
            total -= b - a + 1
            del groups[key]

    layer_of = list(layer)
    helper_size: list[float] = []
    trunks: list[list[int]] = []
    edge_trunk: dict[int, int] = {}
    weights: dict[tuple[int, int], float] = {}
    slot_of: dict[tuple[int, int], int] = {}

    def segment(a: int, b: int, slot: int) -> None:
        if (a, b) not in weights:
            if a >= n and b >= n:
                weights[(a, b)] = WEIGHT_HELPER_HELPER
            elif a >= n or b >= n:
                weights[(a, b)] = WEIGHT_NODE_HELPER
            else:
                weights[(a, b)] = WEIGHT_CHAIN if (a, b) in chain else WEIGHT_SIDE
            slot_of[(a, b)] = slot
        else:
            slot_of[(a, b)] = min(slot_of[(a, b)], slot)

    for i, (u, v) in enumerate(pairs):
        if span[i] == 1:
            segment(u, v, slots[i])
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
            segment(h1, h2, lowest)
        for i in members:
            u, v = pairs[i]
            segment(u, trunk[layer[u] + 1 - a], slots[i])
            segment(trunk[layer[v] - 1 - a], v, slots[i])
            edge_trunk[i] = len(trunks)
        trunks.append(trunk)

    vertices = len(layer_of)
    layer_count = max(layer_of) + 1
    up: list[list[tuple[int, float]]] = [[] for _ in range(vertices)]
    down: list[list[tuple[int, float]]] = [[] for _ in range(vertices)]
    up_key: list[dict[int, int]] = [{} for _ in range(vertices)]
    gap_segments: list[list[tuple[int, int]]] = [[] for _ in range(layer_count)]
    for (a, b), w in weights.items():
        up[b].append((a, w))
        down[a].append((b, w))
        up_key[b][a] = slot_of[(a, b)]
        gap_segments[layer_of[a]].append((a, b))
    return LayeredGraph(
        n, layer_of, layer_count, up, down, up_key, gap_segments, trunks, edge_trunk, helper_size
    )


# ------------------------------------------------------------------------------------------------------------
# Step 3: order inside each layer
# ------------------------------------------------------------------------------------------------------------
def initial_order(g: LayeredGraph, both_ways: bool = True) -> list[list[int]]:
    """Each layer in the order a depth-first walk back from the sinks meets its vertices.

    The walk starts from the sinks in creation order and visits an op's inputs in their order (input 0
    first), so `a @ b` puts `a` above (or left of) `b`, and each subgraph stays together. With `both_ways`
    the walk also follows edges forward (after the inputs), which keeps cycles of the undirected graph
    (a tensor used by two ops that meet again later) together."""
    seen = [False] * len(g.layer_of)
    met: list[int] = []
    for root in range(len(g.layer_of)):
        if g.down[root] or seen[root]:
            continue
        stack = [root]
        while stack:
            v = stack.pop()
            if seen[v]:
                continue
            seen[v] = True
            met.append(v)
            if both_ways and g.down[v]:
                stack.extend(sorted((u for u, _ in g.down[v] if not seen[u]), reverse=True))
            keys = g.up_key[v]
            if len(keys) == 1:
                stack.extend(u for u in keys if not seen[u])
            elif keys:
                inputs = sorted((u for u in keys if not seen[u]), key=lambda u: (keys[u], u), reverse=True)
                stack.extend(inputs)
    layers: list[list[int]] = [[] for _ in range(g.layer_count)]
    for v in met:
        layers[g.layer_of[v]].append(v)
    return layers


def reduce_crossings(g: LayeredGraph, order: list[list[int]], sweeps: int) -> list[list[int]]:
    """Barycenter sweeps, alternately forward (using the previous layer) and backward (the next layer),
    each followed by swaps of neighbours that remove crossings ("transpose", as in dot).

    After each sweep the crossings are counted and the best ordering is kept; stops early at zero crossings
    or when a forward-and-backward round no longer improves."""
    order = [list(layer) for layer in order]
    pos = [0] * len(g.layer_of)
    for layer in order:
        for i, v in enumerate(layer):
            pos[v] = i
    best = sum(_gap_crossings(g, pos))
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
                keep_up, swap_up = _pair_crossings(up[u], up[v], pos)
                keep_down, swap_down = _pair_crossings(down[u], down[v], pos)
                if swap_up + swap_down < keep_up + keep_down:
                    removed += keep_up + keep_down - swap_up - swap_down
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


def _pair_crossings(
    first: list[tuple[int, float]], second: list[tuple[int, float]], pos: list[int]
) -> tuple[int, int]:
    """Crossings between the edges of two neighbouring vertices, as they are and if they were swapped."""
    if not first or not second:
        return 0, 0
    if len(first) == 1 and len(second) == 1:
        pa, pb = pos[first[0][0]], pos[second[0][0]]
        return (1, 0) if pa > pb else (0, 1) if pa < pb else (0, 0)
    if len(first) * len(second) > 64:  # many edges (a tensor used by many ops): count by bisection
        below = sorted(pos[b] for b, _ in second)
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
    movable = []
    slots = []
    for i, v in enumerate(layer):
        nb = neighbours[v]
        if nb:
            movable.append((sum(pos[u] for u, _ in nb) / len(nb), i, v))
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
    return [
        _inversions(sorted((pos[a], pos[b]) for a, b in segments)) if len(segments) > 1 else 0
        for segments in g.gap_segments
    ]


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
    seps = [_separations(layer, size, g.n) for layer in order]
    root = _line_up_chains(g, order, index)
    place = _pack_chains(order, seps, root)
    if place is None:  # cannot happen with non-crossing chains; fall back to single vertices
        root = list(range(count))
        place = _pack_chains(order, seps, root)
        assert place is not None
    pos = [place[root[v]] for v in range(count)]
    neighbours = [g.up[v] + g.down[v] for v in range(count)]

    # What limits each vertex: the vertex before it in its layer and the one after, with their distances.
    before: list[tuple[int, float] | None] = [None] * count
    after: list[tuple[int, float] | None] = [None] * count
    for layer, sep in zip(order, seps):
        for i in range(len(layer) - 1):
            after[layer[i]] = (layer[i + 1], sep[i])
            before[layer[i + 1]] = (layer[i], sep[i])

    chains: dict[int, list[int]] = {}
    for layer in order:
        for v in layer:
            chains.setdefault(root[v], []).append(v)
    movers = [
        _Chain(members, [(v, u, w) for v in members for u, w in neighbours[v] if root[u] != r])
        for r, members in sorted(chains.items(), key=lambda item: (g.layer_of[item[0]], index[item[0]]))
    ]
    movers = [c for c in movers if c.pulls]
    for sweep in range(PLACEMENT_SWEEPS):
        moved = False
        for chain in movers if sweep % 2 == 0 else reversed(movers):
            moved |= _move_chain(chain, before, after, pos)
        if not moved:
            break
    singles = [v for layer in order for v in layer if neighbours[v]]
    for sweep in range(STRAIGHTEN_SWEEPS):
        moved = False
        for v in singles if sweep % 2 == 0 else reversed(singles):
            moved |= _move_chain(_Chain([v], [(v, u, w) for u, w in neighbours[v]]), before, after, pos)
        if not moved:
            break
    return pos


@dataclass
class _Chain:
    members: list[int]
    pulls: list[tuple[int, int, float]]  # (member, outside neighbour, weight)


def _line_up_chains(g: LayeredGraph, order: list[list[int]], index: list[int]) -> list[int]:
    """Root (first vertex) of the chain each vertex belongs to. A vertex joins the chain of its heaviest
    neighbour in the previous layer (the median one among equals), heaviest links first, if that neighbour
    has no follower yet and the link does not cross a link already made in this gap (as in Brandes-Koepf)."""
    root = list(range(len(g.layer_of)))
    taken = [False] * len(g.layer_of)
    for k in range(1, g.layer_count):
        wishes = []
        for v in order[k]:
            nb = g.up[v]
            if len(nb) == 1:
                wishes.append((-nb[0][1], 0, index[v], index[nb[0][0]], v))
                continue
            if not nb:
                continue
            heaviest = max(w for _, w in nb)
            best = sorted(index[u] for u, w in nb if w == heaviest)
            middle = (len(best) - 1) / 2
            by_closeness = sorted(range(len(best)), key=lambda i: (abs(i - middle), i))
            for rank, i in enumerate(by_closeness):
                wishes.append((-heaviest, rank, index[v], best[i], v))
        wishes.sort()
        made: list[tuple[int, int]] = []  # (index of follower, index of leader), sorted, never crossing
        linked = set()
        layer_above = order[k - 1]
        for _, _, at_v, at_u, v in wishes:
            u = layer_above[at_u]
            if v in linked or taken[u]:
                continue
            spot = bisect.bisect_left(made, (at_v, at_u))
            if spot > 0 and made[spot - 1][1] >= at_u:
                continue
            if spot < len(made) and made[spot][1] <= at_u:
                continue
            made.insert(spot, (at_v, at_u))
            linked.add(v)
            taken[u] = True
            root[v] = root[u]
    return root


def _pack_chains(order: list[list[int]], seps: list[list[float]], root: list[int]) -> dict[int, float] | None:
    """Chains packed as tightly as possible towards low coordinates, and towards high ones, averaged.
    None if the chains cannot be ordered (they would have to cross)."""
    after: dict[int, list[tuple[int, float]]] = {}
    waiting: dict[int, int] = {}
    for layer, sep in zip(order, seps):
        for v in layer:
            waiting.setdefault(root[v], 0)
        for (a, b), s in zip(zip(layer, layer[1:]), sep):
            after.setdefault(root[a], []).append((root[b], s))
            waiting[root[b]] += 1
    ready = deque(r for r, count in waiting.items() if count == 0)
    topo = []
    while ready:
        r = ready.popleft()
        topo.append(r)
        for r2, _ in after.get(r, ()):
            waiting[r2] -= 1
            if waiting[r2] == 0:
                ready.append(r2)
    if len(topo) != len(waiting):
        return None
    low = dict.fromkeys(topo, 0.0)
    for r in topo:
        for r2, s in after.get(r, ()):
            low[r2] = max(low[r2], low[r] + s)
    high = dict.fromkeys(topo, 0.0)
    for r in reversed(topo):
        for r2, s in after.get(r, ()):
            high[r] = min(high[r], high[r2] - s)
    shift = max(low.values()) - max(high.values())
    return {r: (low[r] + high[r] + shift) / 2 for r in topo}


def _move_chain(
    chain: _Chain,
    before: list[tuple[int, float] | None],
    after: list[tuple[int, float] | None],
    pos: list[float],
) -> bool:
    """Move a whole chain towards the weighted median of its outside neighbours, as far as there is room.
    True if it moved."""
    pulls = chain.pulls
    if len(pulls) == 1:
        v, u, _ = pulls[0]
        delta = pos[u] - pos[v]
    else:
        delta = _weighted_median([(pos[u] - pos[v], w) for v, u, w in pulls])
    if delta > 0:
        for v in chain.members:
            limit = after[v]
            if limit is not None:
                delta = min(delta, pos[limit[0]] - limit[1] - pos[v])
    elif delta < 0:
        for v in chain.members:
            limit = before[v]
            if limit is not None:
                delta = max(delta, pos[limit[0]] + limit[1] - pos[v])
    if abs(delta) <= 1e-9:
        return False
    for v in chain.members:
        pos[v] += delta
    return True


def _separations(layer: list[int], size: list[float], n: int) -> list[float]:
    """Distance between the centres of each pair of neighbours in a layer: half of each plus a gap."""
    sep = []
    for a, b in zip(layer, layer[1:]):
        gap = NODE_GAP if a < n and b < n else EDGE_GAP
        sep.append((size[a] + size[b]) / 2 + gap)
    return sep


def _weighted_median(items: list[tuple[float, float]]) -> float:
    """The value that splits the total weight in half (the middle of the two middle values on a tie)."""
    if len(items) == 1:
        return items[0][0]
    items = sorted(items)
    half = sum(w for _, w in items) / 2
    acc = 0.0
    for i, (x, w) in enumerate(items):
        acc += w
        if acc > half + 1e-9:
            return x
        if acc >= half - 1e-9:
            return (x + items[i + 1][0]) / 2
    return items[-1][0]


def layer_lines(
    g: LayeredGraph, order: list[list[int]], cross: list[float], primary_size: list[float]
) -> tuple[list[float], list[float]]:
    """Centre line and half thickness of each layer along the edges' direction. The gap after a layer grows
    with the steepest segment crossing it, so that edges stay readable."""
    half = [max((primary_size[v] / 2 for v in layer if v < g.n), default=0.0) for layer in order]
    lines = [half[0]]
    for k in range(1, g.layer_count):
        rise = max((abs(cross[a] - cross[b]) for a, b in g.gap_segments[k - 1]), default=0.0)
        gap = min(max(LAYER_GAP, rise / MAX_SLOPE), 3 * LAYER_GAP)
        lines.append(lines[-1] + half[k - 1] + gap + half[k])
    return lines, half


def route_edges(
    g: LayeredGraph,
    edges: list[_Edge],
    pairs: list[tuple[int, int]],
    turned: set[int],
    lines: list[float],
    half: list[float],
    cross: list[float],
    secondary_size: list[float],
    primary_size: list[float],
) -> dict[Hashable, list[Point]]:
    """Polylines (along, across) for every edge: level inside each layer, sloping only in the gaps, with
    the points where nothing bends left out. Parallel edges are shifted apart, all but at their ends."""
    trunk_lines = [_trunk_polyline(trunk, g, lines, half, cross) for trunk in g.trunks]
    layer = g.layer_of
    together: dict[tuple[int, int], list[int]] = {}
    for i, (u, v) in enumerate(pairs):
        together.setdefault((u, v), []).append(i)
    routes: dict[Hashable, list[Point]] = {}
    for (u, v), members in together.items():
        ku, kv = layer[u], layer[v]
        # parallel edges fan out by PARALLEL_GAP, but never beyond the middle 80% of either end's box
        step = 0.0
        if len(members) > 1:
            step = min(PARALLEL_GAP, 0.8 * min(secondary_size[u], secondary_size[v]) / (len(members) - 1))
        for rank, i in enumerate(members):
            shift = (rank - (len(members) - 1) / 2) * step
            if u == v:
                pts = _self_loop(lines[ku], cross[u], primary_size[u], secondary_size[u], shift)
            elif kv - ku > 1 and i not in g.edge_trunk:  # over the helper budget: straight
                pts = [(lines[ku], cross[u]), (lines[kv], cross[v])]
            elif kv - ku == 1 and not shift and cross[u] == cross[v]:  # level with its neighbour
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
            routes[edges[i].key] = pts
    return routes


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
    for p in pts[1:]:
        b = out[-1]
        if abs(p[0] - b[0]) < 1e-9 and abs(p[1] - b[1]) < 1e-9:
            continue
        if len(out) >= 2:
            a = out[-2]
            turn = (b[0] - a[0]) * (p[1] - b[1]) - (b[1] - a[1]) * (p[0] - b[0])
            onward = (b[0] - a[0]) * (p[0] - b[0]) + (b[1] - a[1]) * (p[1] - b[1])
            if abs(turn) < 1e-6 and onward >= 0:
                out[-1] = p
                continue
        out.append(p)
    return out


def _self_loop(along: float, across: float, length: float, thickness: float, shift: float) -> list[Point]:
    """A small loop leaving the far side of the box and coming back (autograd graphs have none)."""
    out = along + length / 2 + LAYER_GAP / 3 + abs(shift)
    return [(along, across), (out, across - thickness / 4), (out, across + thickness / 4), (along, across)]


def _route_low(routes: dict) -> float:
    return min((p[1] for pts in routes.values() for p in pts), default=float("inf"))


def _route_high(routes: dict) -> float:
    return max((p[1] for pts in routes.values() for p in pts), default=float("-inf"))


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
