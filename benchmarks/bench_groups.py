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
Then a training loop of a few steps on a small class model (31-300 nodes: "auto" lays out its candidates
until one reads at 1280x720, explorer/drawing/groups.py): the time of that choice, made once per trace.
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


TRAINING = """import torch
import torch.nn as nn
import torch.nn.functional as F

class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(8, 16)
        self.fc2 = nn.Linear(16, 8)
        self.fc3 = nn.Linear(8, 3)
    def forward(self, x):
        return self.fc3(F.relu(self.fc2(F.relu(self.fc1(x)))))

net = Net()
opt = torch.optim.SGD(net.parameters(), lr=0.1, momentum=0.9)
x, t = torch.randn(16, 8), torch.randint(0, 3, (16,))
for step in range(STEPS):
    opt.zero_grad()
    loss = F.cross_entropy(net(x), t)
    loss.backward()
    opt.step()
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

    from explorer.drawing import groups

    small = trace_in_process(TRAINING.replace("STEPS", "3"))

    def choose():
        groups._AUTO_CHOSEN.clear()  # the choice is remembered per trace: time it as a new run makes it
        return groups.collapsed_runs(small, "auto")

    _, wall, cpu = best(choose, args.repeat)
    view = group_view(small, "auto")
    print(f"a training loop of 3 steps, {len(small.nodes)} nodes: the auto choice {wall * 1000:6.1f} ms wall "
          f"{cpu * 1000:6.1f} ms CPU, draws {len(view.trace.nodes)} nodes, hides {view.hidden}")


if __name__ == "__main__":
    main()
