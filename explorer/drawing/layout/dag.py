"""Step 0 of the layout: the graph as lists of integers (node i = i-th node in creation order), with the
edges that close a cycle turned around, a topological order, and each node's longest distances."""
from __future__ import annotations

from collections.abc import Hashable, Iterable
from dataclasses import dataclass

import networkx as nx

from explorer.drawing.layout.model import NodeSize, Point


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
