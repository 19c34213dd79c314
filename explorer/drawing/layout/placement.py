"""Step 4 of the layout: coordinates across the layers, with straight chains and no overlapping boxes."""
from __future__ import annotations

import bisect
from dataclasses import dataclass

from explorer.drawing.layout.long_edges import LayeredGraph

NODE_GAP = 18.0  # free space between two boxes in the same layer
EDGE_GAP = 10.0  # free space kept around an edge passing through a layer
PLACEMENT_SWEEPS = 4  # at most this many back-and-forth rounds of chain moves in step 4
STRAIGHTEN_SWEEPS = 3  # then at most this many rounds of single-node moves


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
            elif delta < 0 and before[v] >= 0:
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
