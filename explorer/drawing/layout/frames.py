"""Frames around groups of nodes (model.Frames): kept apart in the ordering (step 3) and the placement (step 4).

A frame is a rectangle from its first layer to its last, so two frames that are not nested stay apart only if
(1) in every layer each frame's vertices come one after another (a *block*), (2) two blocks come in the same
order in every layer they share, and (3) across the layers each frame's block keeps clear of everything beside
it, also in the layers where the other frame has a vertex and this one has none. The ordering gets (1) and (2)
by sorting each layer by the frames around each vertex first, every frame with one key for all its layers
(`BlockOrder`); the placement gets (3) from `separate_frames`, which pushes the blocks apart as little as it
can after the usual placement: what was clear already does not move, so a layout without frames is the same
as before.

A helper point of a long edge belongs to the frames around the edge's ends that reach its layer (and for a
trunk shared by several edges, to those common to all): an edge inside a frame runs inside it, an edge that
enters a frame runs inside it from the frame's first layer on, one that leaves a frame runs inside it up to
the frame's last layer.
"""
from __future__ import annotations

from dataclasses import dataclass

from explorer.drawing.layout.long_edges import LayeredGraph
from explorer.drawing.layout.model import Frames
from explorer.drawing.layout.placement import EDGE_GAP, NODE_GAP


@dataclass
class Blocks:
    """The frames of a layered graph as numbers: frame f's parent, each vertex's frames (outermost first)."""

    parent: list[int]  # frame -> the frame around it, -1 if none
    chain: list[tuple[int, ...]]  # vertex (real or helper) -> its frames, outermost first
    ident: list[int]  # vertex -> a number for its chain: vertices with the same number may change places
    first: list[int]  # frame -> its first layer (of its real nodes)
    last: list[int]  # frame -> its last layer
    least: list[float]  # frame -> its least extent across the layers (Frames.least), 0: none


def vertex_blocks(frames: Frames, ids: list[str], g: LayeredGraph, pairs: list[tuple[int, int]]) -> Blocks | None:
    """Each vertex's frames as numbers; None if no node has a frame (the layout is then as without)."""
    names: list[str] = []
    chain, parent = node_chains(frames, ids, names)
    if not parent:
        return None
    least = [frames.least.get(name, 0.0) for name in names]
    first = [g.layer_count] * len(parent)
    last = [-1] * len(parent)
    for v in range(g.n):
        k = g.layer_of[v]
        for f in chain[v]:
            if k < first[f]:
                first[f] = k
            if k > last[f]:
                last[f] = k

    def reach(c: tuple[int, ...], k: int) -> tuple[int, ...]:
        """The frames of `c` (outermost first) as far as they all reach layer k."""
        j = 0
        while j < len(c) and first[c[j]] <= k <= last[c[j]]:
            j += 1
        return c[:j]

    helpers: list[tuple[int, ...]] = [()] * (len(g.layer_of) - g.n)
    ends: dict[int, list[tuple[int, int]]] = {}
    for edge, trunk in g.edge_trunk.items():
        ends.setdefault(trunk, []).append(pairs[edge])
    for trunk, points in enumerate(g.trunks):
        edges = ends.get(trunk, ())
        for h in points:
            k = g.layer_of[h]
            inside = []
            for u, v in edges:  # the edge runs in the frames around its ends that reach this layer
                at_u, at_v = reach(chain[u], k), reach(chain[v], k)
                inside.append(at_u if len(at_u) > len(at_v) else at_v)
            helpers[h - g.n] = _common(inside)
    chain.extend(helpers)
    idents: dict[tuple[int, ...], int] = {}
    ident = [idents.setdefault(c, len(idents)) for c in chain]
    return Blocks(parent, chain, ident, first, last, least)


def frame_gaps(g: LayeredGraph, order: list[list[int]], blocks: Blocks, frames: Frames) -> list[float]:
    """The room along the layers the frames need before each layer (0 for the first: the frames reach beyond
    the picture there), after the usual gap: `end` for every frame a node of the layer before ends in, and
    `start` for every frame a node of this layer begins in, as many as the most nested node has. A frame reaches
    along the layers only at its first and last layers, so layers inside it keep the usual gap."""
    chain, first, last = blocks.chain, blocks.first, blocks.last
    n = g.n
    ends, starts = [], []
    for k, layer in enumerate(order):
        most_end = most_start = 0
        for v in layer:
            if v >= n or not chain[v]:
                continue
            e = s = 0
            for f in chain[v]:
                if last[f] == k:
                    e += 1
                if first[f] == k:
                    s += 1
            if e > most_end:
                most_end = e
            if s > most_start:
                most_start = s
        ends.append(most_end * frames.end)
        starts.append(most_start * frames.start)
    return [0.0, *(ends[k - 1] + starts[k] for k in range(1, len(order)))]


def _common(chains) -> tuple[int, ...]:
    """The frames around all of `chains` (their longest common start)."""
    out: tuple[int, ...] | None = None
    for c in chains:
        if out is None:
            out = c
            continue
        k = 0
        while k < len(out) and k < len(c) and out[k] == c[k]:
            k += 1
        out = out[:k]
    return out or ()


class BlockOrder:
    """Sorts layers so that every frame is a block, blocks in the same order in every layer.

    A frame's key is where its vertices are on average (each at its place in its layer, 0 to 1) when the keys
    are taken (`take_keys`); a vertex's sort key is the keys of its frames, outermost first, then its own
    place. Vertices in no frame, or in a frame but in none of its inner frames, sit among those blocks by
    their own place."""

    def __init__(self, blocks: Blocks) -> None:
        self.blocks = blocks
        self.keys: list[float] = [0.0] * len(blocks.parent)

    def take_keys(self, order: list[list[int]]) -> None:
        total = [0.0] * len(self.blocks.parent)
        count = [0] * len(self.blocks.parent)
        chain = self.blocks.chain
        for layer in order:
            size = len(layer)
            for i, v in enumerate(layer):
                x = (i + 0.5) / size
                for f in chain[v]:
                    total[f] += x
                    count[f] += 1
        self.keys = [t / c if c else 0.0 for t, c in zip(total, count)]

    def sort(self, layer: list[int], pos: list[int]) -> None:
        """Sort one layer into blocks (ties: its current order); updates `pos`."""
        chain, keys = self.blocks.chain, self.keys
        size = len(layer)
        if size < 2:
            return

        def key(item: tuple[int, int]) -> list[tuple[float, int, int]]:
            i, v = item
            return [*((keys[f], 0, f) for f in chain[v]), ((i + 0.5) / size, 1, i)]

        layer[:] = [v for _, v in sorted(enumerate(layer), key=key)]
        for i, v in enumerate(layer):
            pos[v] = i

    def sort_all(self, order: list[list[int]], pos: list[int]) -> None:
        """Take the keys from `order`, then sort every layer by them."""
        self.take_keys(order)
        for layer in order:
            self.sort(layer, pos)


def separate_frames(g: LayeredGraph, order: list[list[int]], cross: list[float], size: list[float],
                    blocks: Blocks, frames: Frames) -> list[float]:
    """Positions across the layers at which no frame overlaps a frame or box it does not hold.

    Every rule is "b at least w after a": between neighbours in a layer (a frame's border standing for the
    vertices it holds, when the two are in different frames), between a frame's borders and what it holds,
    and between a frame's borders and its parent's. Pushing everything forward as little as the rules need
    and, separately, everything back as little as they need, and taking the middle, keeps what was clear where
    it was and moves two blocks that overlapped each by half. Needs the blocks in the same order in every
    layer (BlockOrder); if they are not (the rules go round in a circle), the positions stay as they are."""
    count = len(cross)
    nf = len(blocks.parent)
    low_side = [count + 2 * f for f in range(nf)]  # a frame's border before what it holds
    high_side = [count + 2 * f + 1 for f in range(nf)]  # and after
    rules: list[tuple[int, int, float]] = []
    chain = blocks.chain
    for f, p in enumerate(blocks.parent):
        if p >= 0:
            rules.append((low_side[p], low_side[f], frames.before))
            rules.append((high_side[f], high_side[p], frames.after))
    for v in range(count):
        if chain[v]:
            f = chain[v][-1]
            rules.append((low_side[f], v, frames.before + size[v] / 2))
            rules.append((v, high_side[f], frames.after + size[v] / 2))
    rules.extend(_least_rules(order, size, blocks, frames, high_side))
    for layer in order:
        for a, b in zip(layer, layer[1:]):
            ca, cb = chain[a], chain[b]
            k = 0
            while k < len(ca) and k < len(cb) and ca[k] == cb[k]:
                k += 1
            if k == len(ca) and k == len(cb):  # the same frames: as far apart as the placement keeps them
                rules.append((a, b, (size[a] + size[b]) / 2 + (NODE_GAP if a < g.n and b < g.n else EDGE_GAP)))
                continue
            left, w = (high_side[ca[k]], frames.gap) if k < len(ca) else (a, size[a] / 2 + frames.gap)
            right, w2 = (low_side[cb[k]], 0.0) if k < len(cb) else (b, size[b] / 2)
            rules.append((left, right, w + w2))
    total = count + 2 * nf
    succ: list[list[tuple[int, float]]] = [[] for _ in range(total)]
    waiting = [0] * total
    for a, b, w in rules:
        succ[a].append((b, w))
        waiting[b] += 1
    topo = [v for v in range(total) if waiting[v] == 0]
    for v in topo:
        for b, _ in succ[v]:
            waiting[b] -= 1
            if waiting[b] == 0:
                topo.append(b)
    if len(topo) != total:
        return cross
    inf = float("inf")
    forward = [*cross, *([-inf] * (2 * nf))]
    for a in topo:
        xa = forward[a]
        for b, w in succ[a]:
            if xa + w > forward[b]:
                forward[b] = xa + w
    back = [*cross, *([inf] * (2 * nf))]
    for a in reversed(topo):
        for b, w in succ[a]:
            if back[b] - w < back[a]:
                back[a] = back[b] - w
    return [(forward[v] + back[v]) / 2 for v in range(count)]


def _least_rules(order: list[list[int]], size: list[float], blocks: Blocks, frames: Frames,
                 high_side: list[int]) -> list[tuple[int, int, float]]:
    """Frames at least as wide as Frames.least says (their label's width): a frame's far border at least that
    far after where its frame begins, which is at most `before` per level of frames before the first vertex
    it has in its first layer (the figure draws a frame from its leftmost box, so one vertex is enough: the
    frame begins no later than there)."""
    rules = []
    chain = blocks.chain
    for f, least in enumerate(blocks.least):
        if least <= 0 or blocks.first[f] >= len(order):
            continue
        v = next((v for v in order[blocks.first[f]] if f in chain[v]), None)
        if v is None:
            continue
        levels = len(chain[v]) - chain[v].index(f)
        rules.append((v, high_side[f], least - levels * frames.before - size[v] / 2))
    return rules


FRAME_ROUNDS = 6  # at most this many passes of `spaced_to_sink` (one per level of frames is usually enough)


def node_chains(frames: Frames, ids: list[str], names: list[str] | None = None
                ) -> tuple[list[tuple[int, ...]], list[int]]:
    """Each node's frames as numbers, outermost first, and each frame's parent (-1: none); `names`, if given,
    gets each frame's name, by number."""
    number: dict[str, int] = {}
    parent: list[int] = []
    chain: list[tuple[int, ...]] = []
    for nid in ids:
        held_by = frames.around.get(nid, ())
        out = []
        for k, name in enumerate(held_by):
            if name not in number:
                number[name] = len(parent)
                parent.append(number[held_by[k - 1]] if k else -1)
                if names is not None:
                    names.append(name)
            out.append(number[name])
        chain.append(tuple(out))
    return chain, parent


def sequence_runs(frames: Frames, ids: list[str]) -> list[list[list[int]]]:
    """`frames.sequence` as node numbers: for each run, the nodes inside each of its frames, in the run's order
    (a frame no node is drawn in is left out)."""
    if not frames.sequence:
        return []
    inside: dict[str, list[int]] = {}
    for v, nid in enumerate(ids):
        for name in frames.around.get(nid, ()):
            inside.setdefault(name, []).append(v)
    runs = []
    for run in frames.sequence:
        held = [inside[name] for name in run if name in inside]
        if len(held) > 1:
            runs.append(held)
    return runs


def _sequenced(pred: list[list[int]], runs: list[list[list[int]]]) -> tuple[list[list[int]], list[int]] | None:
    """The graph with one more vertex (a *hub*) between each two frames that follow each other in a run: every
    node of the first frame comes before the hub, the hub before every node of the second, so that the longest
    distance to a sink puts all of the second's layers after the first's (a hub takes no layer of its own:
    spaced_to_sink counts no length on the edges leaving it). Returns (pred, topological order) of
    that graph, or None if it has a cycle (a later frame feeding an earlier one: the runs are then ignored)."""
    if not runs:
        return None
    pred = [list(p) for p in pred]
    for run in runs:
        for before, after in zip(run, run[1:]):
            hub = len(pred)
            pred.append(list(before))
            for w in after:
                pred[w].append(hub)
    total = len(pred)
    waiting = [len(p) for p in pred]
    succ: list[list[int]] = [[] for _ in range(total)]
    for v, ps in enumerate(pred):
        for p in ps:
            succ[p].append(v)
    order = [v for v in range(total) if not waiting[v]]
    for v in order:
        for w in succ[v]:
            waiting[w] -= 1
            if not waiting[w]:
                order.append(w)
    if len(order) != total:
        return None
    return pred, order


def spaced_to_sink(pred: list[list[int]], topo: list[int], to_sink: list[int], chain: list[tuple[int, ...]],
                   frame_count: int, runs: list[list[list[int]]] | None = None) -> list[int]:
    """The longest distance to a sink (layers count back from it: layers.py), with every edge that enters a
    frame from outside made long enough that its source comes before every node of that frame.

    Then a frame that feeds another (`net.fc1` into `net.fc2`, one loop iteration into the next) ends before
    the other begins, and their frames stand side by side along the layers instead of one over the other.
    `runs` (sequence_runs): frames that follow each other along the layers even where no edge says so.
    A frame's extent depends on the lengths, so this goes round until nothing changes (or FRAME_ROUNDS)."""
    n = len(pred)
    sequenced = _sequenced(pred, runs or [])
    if sequenced is not None:
        pred, topo = sequenced
        chain = [*chain, *([()] * (len(pred) - n))]
        to_sink = _longest(pred, topo, n)
    for _ in range(FRAME_ROUNDS):
        top = [-1] * frame_count
        for v, c in enumerate(chain):
            d = to_sink[v]
            for f in c:
                if d > top[f]:
                    top[f] = d
        out = [0] * len(pred)
        for v in reversed(topo):
            cv = chain[v]
            further = out[v] + 1
            for p in pred[v]:
                # a hub (p >= n) is no layer of its own: as far from the sink as the frame after it reaches
                step = 1 if p < n else 0
                need = further - 1 + step
                cp = chain[p]
                if cv and cp != cv:
                    k = 0
                    while k < len(cp) and k < len(cv) and cp[k] == cv[k]:
                        k += 1
                    for f in cv[k:]:
                        if top[f] + step > need:
                            need = top[f] + step
                if out[p] < need:
                    out[p] = need
        if out == to_sink:
            break
        to_sink = out
    return to_sink[:n]


def _longest(pred: list[list[int]], topo: list[int], n: int) -> list[int]:
    """The longest distance from each vertex to a sink, `topo` a topological order (dag._longest_to_sink); no
    length on the edges leaving a hub (vertex n and after: _sequenced)."""
    out = [0] * len(pred)
    for v in reversed(topo):
        for p in pred[v]:
            further = out[v] + 1 if p < n else out[v]
            if out[p] < further:
                out[p] = further
    return out
