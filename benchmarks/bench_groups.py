"""How long a big model takes from program text to a collapsed overview, and to draw again when a group opens.

    python benchmarks/bench_groups.py [--layers 600] [--repeat 3]

The program is a deep MLP written as a class (`nn.ModuleList` of `nn.Linear`, tanh between them), called once
and differentiated: some 5 nodes per layer, 3,000 nodes at 600 layers. Prints, best of --repeat (wall clock
and this process's CPU time):
- trace: the program text to a Trace, in this process (the sandbox adds a worker's round trip);
- overview: the Trace to the figure the app opens with (figure_dict, collapse="auto": a graph over 300 nodes
  opens collapsed), with how many nodes it draws and hides;
- expand: the figure again after the collapsed run of layers is opened (its layers then drawn one node each),
  and after one of those layers is opened in turn;
- the whole way: text to overview, what a Run costs before the browser draws.
Figures only; nothing here asserts (aim: under a second each on this 2-core machine).
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

PROGRAM = """import torch
import torch.nn as nn

class MLP(nn.Module):
    def __init__(self, depth):
        super().__init__()
        self.layers = nn.ModuleList([nn.Linear(8, 8) for _ in range(depth)])
    def forward(self, x):
        for layer in self.layers:
            x = torch.tanh(layer(x))
        return x

net = MLP(LAYERS)
loss = net(torch.ones(2, 8)).pow(2).mean()
loss.backward()
"""


def best(fn, repeat: int):
    """(result, best wall seconds, best CPU seconds) of `repeat` calls."""
    walls, cpus, out = [], [], None
    for _ in range(repeat):
        w, c = time.perf_counter(), time.process_time()
        out = fn()
        walls.append(time.perf_counter() - w)
        cpus.append(time.process_time() - c)
    return out, min(walls), min(cpus)


def drawn(fig: dict) -> tuple[int, int]:
    meta = json.loads(fig["layout"]["meta"]["explorer"])
    return len(meta["boxes"]), int(meta.get("hidden", 0))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--layers", type=int, default=600)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    from explorer.drawing.figure import figure_dict
    from explorer.drawing.groups import group_view
    from explorer.recording.run import trace_in_process

    source = PROGRAM.replace("LAYERS", str(args.layers))
    tr, wall, cpu = best(lambda: trace_in_process(source), args.repeat)
    print(f"program: an MLP of {args.layers} layers, {len(tr.nodes):,} nodes, {len(tr.groups):,} groups")
    print(f"  trace            {wall:6.3f} s wall  {cpu:6.3f} s CPU")
    traced = wall

    fig, wall, cpu = best(lambda: figure_dict(tr, collapse="auto", lazy_labels=True), args.repeat)
    shown, hidden = drawn(fig)
    print(f"  overview         {wall:6.3f} s wall  {cpu:6.3f} s CPU   draws {shown} nodes, hides {hidden:,}")
    overview = wall

    run = next(iter(group_view(tr, "auto").runs.values()))
    opened = {"base": "auto", "open": [run[0]]}
    fig, wall, cpu = best(lambda: figure_dict(tr, collapse=opened, lazy_labels=True), args.repeat)
    shown, hidden = drawn(fig)
    print(f"  expand the run   {wall:6.3f} s wall  {cpu:6.3f} s CPU   draws {shown} nodes, hides {hidden:,}")

    layer = next(g.id for g in tr.groups.values() if g.label == f"net.layers.{args.layers // 2}")
    deeper = {"base": "auto", "open": [run[0], layer]}
    fig, wall, cpu = best(lambda: figure_dict(tr, collapse=deeper, lazy_labels=True), args.repeat)
    shown, hidden = drawn(fig)
    print(f"  expand a layer   {wall:6.3f} s wall  {cpu:6.3f} s CPU   draws {shown} nodes, hides {hidden:,}")

    print(f"  text to overview {traced + overview:6.3f} s wall")


if __name__ == "__main__":
    main()
