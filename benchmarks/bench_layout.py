"""How long the layered layout takes and how many edge crossings it leaves, next to a naive baseline and dot.

    python benchmarks/bench_layout.py [--repeat 3] [--quick] [--dot-timeout 60]

For MLP-like graphs of about 100, 1,000, 2,000 and 10,000 nodes, and for a few other shapes (an RNN whose
weights are used at every step, a residual network, a tanh chain that reuses its input every step, one wide
layer), prints:
- our layout time, best of --repeat: wall clock, and the CPU time of this process (a busy machine disturbs
  it less), and our crossings (`count_crossings`);
- the crossings of the naive baseline: layers = `nx.topological_generations`, creation order inside a layer,
  straight edges (what `multipartite_layout` over the generations draws; it can show 0 crossings while its
  long edges run straight through other boxes);
- if Graphviz's `dot` is on PATH: its time for the same graph with the same box sizes, and its crossings,
  counted on the polylines through its spline control points (so approximate).
Figures only; nothing here asserts.
"""
from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import time
from pathlib import Path

import networkx as nx
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import explorer
from explorer.drawing.layout import Layout, count_crossings, default_node_size, layered_layout

MLP = """
h = torch.randn(8, 16)
for i in range({n}):
    w = torch.randn(16, 16, requires_grad=True)
    b = torch.zeros(16, requires_grad=True)
    h = F.relu(h @ w.t() + b)
loss = h.sum()
loss.backward()
"""

RNN = """
W = torch.randn(8, 8, requires_grad=True)
U = torch.randn(4, 8, requires_grad=True)
h = torch.zeros(1, 8)
for t in range({n}):
    x = torch.randn(1, 4)
    h = torch.tanh(h @ W + x @ U)
loss = h.sum()
loss.backward()
"""

RESIDUAL = """
x = torch.randn(8, 16, requires_grad=True)
h = x
for i in range({n}):
    w = torch.randn(16, 16, requires_grad=True)
    h = h + torch.tanh(h @ w) * 0.1
    if i % 3 == 0:
        skip = h
    if i % 3 == 2:
        h = h + skip
loss = h.pow(2).mean()
loss.backward()
"""

from programs import CHAIN  # noqa: E402 - benchmarks/ is on sys.path when run as a script

WIDE = """
ws = [torch.randn(4, requires_grad=True) for i in range({n})]
parts = []
for i in range({n}):
    parts.append(ws[i] * ws[(i * 7) % {n}] + 1)
s = torch.stack(parts)
loss = (s * s).sum()
loss.backward()
"""

CASES = [  # (name, program, loop count): about 100, 1,000, 2,000 and 10,000 nodes for the MLP
    ("mlp", MLP, 16),
    ("mlp", MLP, 166),
    ("mlp", MLP, 333),
    ("mlp", MLP, 1666),
    ("rnn (shared W, U)", RNN, 200),
    ("rnn (shared W, U)", RNN, 2000),
    ("residual", RESIDUAL, 300),
    ("residual", RESIDUAL, 1500),
    ("tanh chain + x", CHAIN, 333),
    ("tanh chain + x", CHAIN, 2500),
    ("wide layer", WIDE, 250),
    ("wide layer", WIDE, 2500),
]
QUICK = {("mlp", 16), ("mlp", 166), ("mlp", 333), ("rnn (shared W, U)", 200), ("wide layer", 250)}


def build(source: str) -> nx.MultiDiGraph:
    limits = {"max_ops": 200_000, "time_seconds": 120, "max_steps": 50_000_000,
              "max_loop_iterations": 1_000_000}
    return explorer.trace(source, sandbox=False, limits=limits).to_networkx()


def naive_crossings(graph: nx.MultiDiGraph) -> int:
    """Crossings of the straight-line baseline, counted pair by pair with numpy (same rule as
    `count_crossings`: two straight edges cross when their order flips over the x-range they share)."""
    layer = {node: k for k, gen in enumerate(nx.topological_generations(graph)) for node in gen}
    slot, filled = {}, {}
    for node in graph.nodes:
        slot[node] = filled.get(layer[node], 0)
        filled[layer[node]] = slot[node] + 1
    pieces = sorted({(layer[u], slot[u], layer[v], slot[v]) for u, v in graph.edges()})
    e = np.array(pieces, dtype=float).reshape(-1, 4)
    x0, y0, x1, y1 = e[:, 0], e[:, 1], e[:, 2], e[:, 3]
    slope = (y1 - y0) / (x1 - x0)
    total = 0
    for i in range(0, len(e), 512):  # row blocks: each pair (a, b) with a < b counted once
        a = slice(i, min(i + 512, len(e)))
        left = np.maximum(x0[a, None], x0[None, :])
        right = np.minimum(x1[a, None], x1[None, :])

        def gap(x, a=a):
            mine = y0[a, None] + slope[a, None] * (x - x0[a, None])
            return mine - (y0[None, :] + slope[None, :] * (x - x0[None, :]))

        crosses = (left < right) & (gap(left) * gap(right) < -1e-9)
        upper = np.arange(a.start, a.stop)[:, None] < np.arange(len(e))[None, :]
        total += int(np.count_nonzero(crosses & upper))
    return total


def dot_layout(graph: nx.MultiDiGraph, timeout: float) -> tuple[float | None, int | None]:
    """(seconds, crossings) of Graphviz dot on the same graph, or (None, None) past the timeout."""
    ids = {node: f"v{i}" for i, node in enumerate(graph.nodes)}
    lines = ["digraph G { rankdir=LR; nodesep=0.25; ranksep=0.75;",
             'node [shape=box, fixedsize=true, label=""];']
    for node, attrs in graph.nodes(data=True):
        w, h = default_node_size(node, attrs)
        lines.append(f"{ids[node]} [width={w / 72:.3f}, height={h / 72:.3f}];")
    lines += [f"{ids[u]} -> {ids[v]};" for u, v in graph.edges()]
    lines.append("}")
    start = time.perf_counter()
    try:
        out = subprocess.run(["dot", "-Tplain"], input="\n".join(lines), capture_output=True, text=True,
                             timeout=timeout, check=True).stdout
    except subprocess.TimeoutExpired:
        return None, None
    except subprocess.CalledProcessError as e:  # dot does crash on some long graphs
        return -float(e.returncode or 1), None
    seconds = time.perf_counter() - start
    back = {v: k for k, v in ids.items()}
    positions, routes, keys = {}, {}, {}
    for u, v, key in graph.edges(keys=True):
        keys.setdefault((ids[u], ids[v]), []).append(key)
    for line in out.splitlines():
        p = line.split()
        if p[0] == "node":
            positions[back[p[1]]] = (float(p[2]) * 72, -float(p[3]) * 72)
        elif p[0] == "edge":
            n = int(p[3])
            pts = [(float(p[4 + 2 * i]) * 72, -float(p[5 + 2 * i]) * 72) for i in range(n)]
            ends = (positions[back[p[1]]], positions[back[p[2]]])
            routes[keys[(p[1], p[2])].pop(0)] = tuple(sorted([ends[0], *pts, ends[1]]))
    drawn = Layout("LR", positions, {}, routes, {}, 0.0, 0.0)
    return seconds, count_crossings(graph, drawn)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--quick", action="store_true", help="only the graphs up to about 2,000 nodes")
    ap.add_argument("--dot-timeout", type=float, default=60.0)
    args = ap.parse_args()
    has_dot = shutil.which("dot") is not None
    print(f"{'graph':<20} {'nodes':>6} {'edges':>6} {'ours ms':>8} {'cpu ms':>7} {'ours X':>7} {'naive X':>9}"
          + (f" {'dot ms':>8} {'dot X~':>7}" if has_dot else "  (dot not installed)"))
    for name, source, n in CASES:
        if args.quick and (name, n) not in QUICK:
            continue
        graph = build(source.format(n=n))
        best = best_cpu = float("inf")
        for _ in range(args.repeat):
            start, start_cpu = time.perf_counter(), time.process_time()
            layout = layered_layout(graph)
            best = min(best, time.perf_counter() - start)
            best_cpu = min(best_cpu, time.process_time() - start_cpu)
        row = (f"{name:<20} {graph.number_of_nodes():>6} {graph.number_of_edges():>6} {best * 1e3:>8.1f} "
               f"{best_cpu * 1e3:>7.1f} {count_crossings(graph, layout):>7} {naive_crossings(graph):>9}")
        if has_dot:
            seconds, crossings = dot_layout(graph, args.dot_timeout)
            if seconds is None:
                row += f" {'>' + str(int(args.dot_timeout)) + ' s':>8} {'-':>7}"
            elif crossings is None:
                row += f" {'crashed':>8} {'-':>7}"
            else:
                row += f" {seconds * 1e3:>8.0f} {crossings:>7}"
        print(row, flush=True)


if __name__ == "__main__":
    main()
