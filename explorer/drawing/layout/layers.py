"""Step 1 of the layout: the layer of each node, by its longest distance to a sink."""
from __future__ import annotations

from explorer.drawing.layout.dag import _Dag


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
