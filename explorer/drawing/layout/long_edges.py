"""Step 2 of the layout: helper points for the edges that skip layers, shared along trunks."""
from __future__ import annotations

from dataclasses import dataclass

PARALLEL_GAP = 8.0  # distance between parallel edges joining the same two nodes

# Weights of an edge segment when placing nodes across the layers (step 4), as in Graphviz dot: the more an
# edge weighs, the straighter it is drawn.
WEIGHT_HELPER_HELPER = 8.0  # the middle of a long edge
WEIGHT_NODE_HELPER = 2.0  # the first or last segment of a long edge
WEIGHT_CHAIN = 4.0  # an op fed by the op (or leaf) right before it in the longest chain of computation
WEIGHT_SIDE = 1.0  # any other edge: a parameter, a constant, a skip connection


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
    budget: int,
) -> LayeredGraph:
    """Replace every edge that skips layers by a path through helper points, one per layer it passes.

    Long edges leaving the same node share one trunk of helpers; so do long edges entering the same node
    (when their sources have no trunk of their own); others get a trunk of their own. If the helpers would
    exceed `budget` (proportional to the graph: see `layered_layout`), the longest trunks are left out and
    their edges drawn straight. `slots[i]` is edge i's input index at its target (it orders the inputs in step 3).

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
    groups, spans = _trunk_groups(n, layer, pairs, long_edges, budget)

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
    n: int, layer: list[int], pairs: list[tuple[int, int]], long_edges: list[int], budget: int
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
    if total > budget:
        for key in sorted(groups, key=lambda k: (spans[k][0] - spans[k][1], min(groups[k]))):
            if total <= budget:
                break
            a, b = spans.pop(key)
            total -= b - a + 1
            del groups[key]
    return groups, spans
