"""Step 3 of the layout: the order inside each layer, by barycenter sweeps and neighbour swaps."""
from __future__ import annotations

import bisect

from explorer.drawing.layout.frames import BlockOrder
from explorer.drawing.layout.long_edges import LayeredGraph

TRANSPOSE_ROUNDS = 2  # at most this many rounds of neighbour swaps after each ordering sweep


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


def reduce_crossings(g: LayeredGraph, order: list[list[int]], sweeps: int,
                     blocks: BlockOrder | None = None) -> list[list[int]]:
    """Barycenter sweeps, alternately forward (using the previous layer) and backward (the next layer),
    each followed by swaps of neighbours that remove crossings ("transpose", as in dot).

    After each sweep the crossings are counted and the best ordering is kept; stops early at zero crossings
    or when a forward-and-backward round no longer improves. With `blocks` (frames around groups of nodes,
    frames.py) every layer is kept sorted into blocks, each frame's vertices together, and only vertices in
    the same frames swap places."""
    pos = [0] * len(g.layer_of)
    if blocks is not None:
        order = [list(layer) for layer in order]
        blocks.sort_all(order, pos)
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
        if blocks is not None:
            blocks.take_keys(order)
        for k in ks:
            _sort_by_barycenter(order[k], g.up if forward else g.down, pos)
            if blocks is not None:
                blocks.sort(order[k], pos)
        per_gap = _gap_crossings(g, pos)
        crossings = sum(per_gap) - _transpose(g, order, pos, per_gap, blocks)
        if blocks is not None:  # the keys moved with the sweep: every layer sorted by the same ones again
            blocks.sort_all(order, pos)
            crossings = sum(_gap_crossings(g, pos))
        if crossings < best:
            best, best_order, stale = crossings, [list(layer) for layer in order], 0
        else:
            stale += 1
            if stale >= 2:
                break
    return best_order


def _transpose(g: LayeredGraph, order: list[list[int]], pos: list[int], per_gap: list[int],
               blocks: BlockOrder | None = None) -> int:
    """Swap neighbours in a layer whenever that removes crossings with both adjacent layers, until no swap
    helps (or a few rounds have passed). Only layers next to a gap with crossings (`per_gap`) are tried at
    first. Returns how many crossings the swaps removed (a swap changes only those between the two). With
    `blocks`, only neighbours in the same frames swap."""
    up, down = g.up, g.down
    ident = blocks.blocks.ident if blocks is not None else None
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
                if ident is not None and ident[u] != ident[v]:
                    continue
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
