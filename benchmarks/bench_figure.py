"""Program text to figure JSON, stage by stage, next to torchviz + Graphviz on the same graph.

    python benchmarks/bench_figure.py [--sizes 10 100 1000 5000 10000]

For each size: trace (in-process), layout, figure, JSON bytes (total and per node), and -- when torchviz
and the `dot` binary are installed -- torchviz's make_dot(...).pipe("svg") on the same graph, with the
ratio. `app ms` is what a Run costs the web app's server for the same program: the trace made in a sandbox
worker and sent back as JSON, the Trace rebuilt, the figure and its JSON (--no-app skips it). Aims: text to
figure JSON at least 3x faster than torchviz + dot at 1,000 nodes and 10x at 5,000,
and at most 600 bytes of JSON per node. The JSON is what the web app sends: the compact `figure_dict`
(values as numbers, the page writes the text: explorer/drawing/compact.py) encoded the way Dash encodes a
callback's output; --full measures the full-text figure notebooks and exports get (`explorer.figure()`).
Figures only; nothing asserts on time.
"""
from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from plotly.io.json import to_json_plotly

import explorer
from explorer.app.callbacks import make_figure
from explorer.drawing.figure import figure_dict
from explorer.drawing.layout import layered_layout
from explorer.recording.graph import to_networkx

# a deep chain, as in a long unrolled computation: tanh, then add a number -> 2 nodes per iteration
PROGRAM = """
x = torch.linspace(-1.0, 1.0, 4, requires_grad=True)
y = x
for i in range({n}):
    y = torch.tanh(y) + 0.1
loss = y.sum()
loss.backward()
"""


# a deep MLP with its own weights per layer: leaves fan in at every layer -> about 6 nodes per layer
MLP_PROGRAM = """
h = torch.ones(2, 4)
for i in range({n}):
    w = torch.full((4, 4), 0.1, requires_grad=True)
    b = torch.zeros(4, requires_grad=True)
    h = torch.relu(h @ w.t() + b)
loss = h.sum()
loss.backward()
"""


# one weight and one bias shared by every step: two leaves with an edge into each step (fan-out)
SHARED_PROGRAM = """
x = torch.tensor(0.5, requires_grad=True)
w = torch.tensor(0.9, requires_grad=True)
b = torch.tensor(0.1, requires_grad=True)
y = x
for i in range({n}):
    y = torch.tanh(y * w + b)
loss = y
loss.backward()
"""
PROGRAMS = {"chain": PROGRAM, "mlp": MLP_PROGRAM, "shared": SHARED_PROGRAM}
NODES_PER_STEP = {"chain": 2, "mlp": 6, "shared": 3}


DOT_TIMEOUT = 120.0  # seconds; --dot-timeout


def plain_graph(n: int, kind: str = "chain") -> torch.Tensor:
    if kind == "shared":
        x, w, b = (torch.tensor(v, requires_grad=True) for v in (0.5, 0.9, 0.1))
        y = x
        for _ in range(n):
            y = torch.tanh(y * w + b)
        return y, {"x": x, "w": w, "b": b}
    if kind == "mlp":
        h, params = torch.ones(2, 4), {}
        for i in range(n):
            w = torch.full((4, 4), 0.1, requires_grad=True)
            b = torch.zeros(4, requires_grad=True)
            params[f"w{i}"], params[f"b{i}"] = w, b
            h = torch.relu(h @ w.t() + b)
        return h.sum(), params
    x = torch.linspace(-1.0, 1.0, 4, requires_grad=True)
    y = x
    for _ in range(n):
        y = torch.tanh(y) + 0.1
    return y.sum(), {"x": x}


def torchviz_seconds(n: int, kind: str = "chain", timeout: float = DOT_TIMEOUT) -> float | None:
    """make_dot(...).pipe("svg"), timed: the same two steps (make_dot's graph, then `dot -Tsvg` on it), with
    `dot` given at most `timeout` seconds (on a graph of shared weights it can take many minutes); the
    timeout itself when it ran out, None without torchviz or Graphviz."""
    try:
        from torchviz import make_dot
    except ImportError:
        return None
    if shutil.which("dot") is None:
        return None
    loss, params = plain_graph(n, kind)
    sys.setrecursionlimit(max(10_000, 10 * n))  # make_dot recurses once per chained node
    start = time.perf_counter()
    source = make_dot(loss, params=params).source
    try:
        subprocess.run(["dot", "-Tsvg"], input=source.encode(), capture_output=True, check=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return timeout
    return time.perf_counter() - start


def app_seconds(src: str, limits: dict) -> float:
    """A Run in the web app, start to end: sandboxed trace (worker, JSON, Trace), figure dict, its JSON."""
    start = time.perf_counter()
    tr = explorer.trace(src, limits=limits)
    to_json_plotly(make_figure(tr))
    return time.perf_counter() - start


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[10, 100, 1000, 5000, 10000])
    ap.add_argument("--graph", choices=tuple(PROGRAMS), default="chain",
                    help="chain: tanh/add chain (easy for dot); mlp: a deep MLP, a leaf pair per layer; "
                         "shared: a chain whose weight and bias feed every step")
    ap.add_argument("--dot-timeout", type=float, default=DOT_TIMEOUT,
                    help="seconds Graphviz may take on one graph (default %(default)s); beyond, the ratio is a bound")
    ap.add_argument("--no-app", action="store_true", help="skip the web app's path (sandbox worker + figure)")
    ap.add_argument("--full", action="store_true",
                    help="the full-text figure of notebooks and exports, not the app's compact one")
    args = ap.parse_args()
    torch.set_num_threads(1)
    program = PROGRAMS[args.graph]
    for _ in range(2):  # warm up: torch loads kernels on first use, which is not the explorer's cost
        to_json_plotly(figure_dict(explorer.trace(program.format(n=5), sandbox=False)))
        torchviz_seconds(5, args.graph)
    limits = {"max_ops": 200_000, "time_seconds": 120}
    if not args.no_app:
        app_seconds(PROGRAM.format(n=5), limits)  # starts the sandbox's worker pool
    print("layout ms: the layout alone; figure ms: labels, layout, traces and JSON; total: text to figure JSON")
    print(f"{'nodes':>7} {'trace ms':>9} {'layout ms':>10} {'figure ms':>10} {'total ms':>9} {'JSON KB':>8} "
          f"{'B/node':>7} {'torchviz ms':>12} {'speed-up':>9} {'app ms':>7}")
    for size in args.sizes:
        n = max(1, size // NODES_PER_STEP[args.graph])
        src = program.format(n=n)
        t0 = time.perf_counter()
        tr = explorer.trace(src, sandbox=False, limits=limits)
        t1 = time.perf_counter()
        graph = to_networkx(tr)
        graph.remove_nodes_from([k for k, d in graph.nodes(data=True) if d["kind"] == "constant"])
        layered_layout(graph)  # timed alone; figure() below lays out again with label-sized boxes
        t2 = time.perf_counter()
        payload = to_json_plotly(figure_dict(tr, compact=not args.full, lazy_labels=not args.full))
        t3 = time.perf_counter()
        shown = graph.number_of_nodes()
        tv = torchviz_seconds(n, args.graph, args.dot_timeout)
        capped = tv is not None and tv >= args.dot_timeout
        total = (t1 - t0) + (t3 - t2)
        tv_text = f"{'>' if capped else ''}{tv * 1e3:.0f}".rjust(12) if tv is not None else f"{'n/a':>12}"
        ratio = f"{'>' if capped else ''}{tv / total:.1f}x".rjust(9) if tv is not None else f"{'':>9}"
        app = f"{app_seconds(src, limits) * 1e3:>7.0f}" if not args.no_app else f"{'':>7}"
        print(f"{shown:>7} {(t1 - t0) * 1e3:>9.0f} {(t2 - t1) * 1e3:>10.0f} {(t3 - t2) * 1e3:>10.0f} "
              f"{total * 1e3:>9.0f} {len(payload) / 1024:>8.0f} {len(payload) / shown:>7.0f} {tv_text} {ratio} {app}",
              flush=True)


if __name__ == "__main__":
    main()
