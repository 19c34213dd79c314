"""The trace as a networkx graph, checked against one built with networkx's public API.

explorer.recording.graph fills networkx's dicts directly (add_node/add_edge copy and check on every call); if a
networkx release stores graphs differently, these tests say so."""
from __future__ import annotations

import networkx as nx
import pytest

import explorer
from explorer.examples import EXAMPLES
from explorer.recording.graph import to_networkx

PROGRAMS = {ex.key: (ex.source, ex.inputs, ex.backward) for ex in EXAMPLES if ex.key in
            ("first-graph", "second-derivative", "mlp", "two-paths", "accumulate")}


def built_with_public_api(trace, constants: bool = True) -> nx.MultiDiGraph:
    g = nx.MultiDiGraph()
    for n in trace.nodes.values():
        g.add_node(n.id, **vars(n))
    for e in trace.edges:
        g.add_edge(e.source, e.target, key=e.id, **vars(e))
    if not constants:
        g.remove_nodes_from([n for n, d in g.nodes(data=True) if d["kind"] == "constant"])
    return g


def same(a: nx.MultiDiGraph, b: nx.MultiDiGraph) -> None:
    assert list(a.nodes(data=True)) == list(b.nodes(data=True))
    assert list(a.edges(keys=True, data=True)) == list(b.edges(keys=True, data=True))
    assert list(a.in_edges(keys=True, data=True)) == list(b.in_edges(keys=True, data=True))
    for n in a.nodes:
        assert list(a.predecessors(n)) == list(b.predecessors(n))
        assert list(a.successors(n)) == list(b.successors(n))
        assert a.in_degree(n) == b.in_degree(n) and a.out_degree(n) == b.out_degree(n)
    assert list(nx.topological_sort(a)) == list(nx.topological_sort(b))


@pytest.mark.parametrize("key", sorted(PROGRAMS))
@pytest.mark.parametrize("constants", [True, False])
def test_the_graph_is_the_one_networkx_itself_builds(key, constants):
    source, inputs, backward = PROGRAMS[key]
    trace = explorer.trace(source, inputs=inputs, backward=backward, sandbox=False)
    g = to_networkx(trace, constants=constants)
    same(g, built_with_public_api(trace, constants))
    assert any(d["kind"] == "constant" for _, d in g.nodes(data=True)) == (
        constants and any(n.kind == "constant" for n in trace.nodes.values()))


def test_a_node_used_twice_keeps_both_edges_and_the_graph_can_be_changed_as_usual():
    trace = explorer.trace("x = torch.tensor(3.0, requires_grad=True)\ny = x * x\n", sandbox=False)
    g = to_networkx(trace)
    leaf = next(n.id for n in trace.nodes.values() if n.kind == "leaf")
    mul = next(n.id for n in trace.nodes.values() if n.op == "MulBackward0")
    assert g.number_of_edges(leaf, mul) == 2
    g.add_edge(leaf, "extra", key="k")  # a later edit goes through networkx as usual
    g.remove_node(mul)
    assert list(g.successors(leaf)) == ["extra"] and "extra" in g.nodes
    g.graph["changed"] = True
    g2 = to_networkx(trace)  # a new graph each time: nothing shared with the edited one
    assert g2.number_of_edges(leaf, mul) == 2 and "extra" not in g2
