"""The trace as a networkx graph: same node ids, same attributes, edges from inputs to the ops using them."""
from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

import networkx as nx

from explorer.gcpause import without_gc

if TYPE_CHECKING:
    from explorer.recording.model import Trace


@without_gc
def to_networkx(trace: Trace, *, constants: bool = True) -> nx.MultiDiGraph:
    """A MultiDiGraph (a DiGraph subclass) so that `y*y` keeps both of its edges from `y`.

    `constants=False` leaves out the constant nodes and their edges: the same graph as removing them
    afterwards, without building what is then thrown away (half the nodes of a long `tanh(y) + 0.1` chain).
    """
    dropped = set() if constants else {n.id for n in trace.nodes.values() if n.kind == "constant"}
    g = nx.MultiDiGraph()
    _fill(
        g,
        ((n.id, vars(n)) for n in trace.nodes.values() if n.id not in dropped),
        ((e.source, e.target, e.id, vars(e)) for e in trace.edges
         if e.source not in dropped and e.target not in dropped),
    )
    return g


def _fill(g: nx.MultiDiGraph, nodes: Iterable[tuple[Any, dict]], edges: Iterable[tuple[Any, Any, Any, dict]]) -> None:
    """What add_node(id, **attrs) and add_edge(source, target, key=key, **attrs) would do, for new nodes
    and new edge keys, written straight into networkx's dicts: those methods check and copy on every call,
    which took as long as all the rest of a 1,000-node figure's text.

    A MultiDiGraph keeps node attributes in g._node[id], out-edges in g._succ[source][target][key] and
    in-edges in g._pred[target][source]: the same {key: attributes} dict as the out-edge. Each attribute
    dict is copied, as add_node and add_edge copy theirs.
    """
    node_attrs, succ, pred = g._node, g._succ, g._pred
    for nid, attrs in nodes:
        node_attrs[nid] = dict(attrs)
        succ[nid] = {}
        pred[nid] = {}
    for source, target, key, attrs in edges:
        if source not in succ or target not in succ:  # an end the trace does not list: bare, as add_edge does
            g.add_nodes_from((source, target))
        by_key = succ[source].get(target)
        if by_key is None:
            by_key = succ[source][target] = pred[target][source] = {}
        by_key[key] = dict(attrs)
