"""The trace as a networkx graph: same node ids, same attributes, edges from inputs to the ops using them."""
from __future__ import annotations

from typing import TYPE_CHECKING

import networkx as nx

from .gcpause import without_gc

if TYPE_CHECKING:
    from .trace.model import Trace


@without_gc
def to_networkx(trace: "Trace") -> nx.MultiDiGraph:
    """A MultiDiGraph (a DiGraph subclass) so that `y*y` keeps both of its edges from `y`."""
    g = nx.MultiDiGraph()
    for n in trace.nodes.values():
        g.add_node(n.id, **vars(n))  # shallow: the values are frozen
    for e in trace.edges:
        g.add_edge(e.source, e.target, key=e.id, **vars(e))
    return g
