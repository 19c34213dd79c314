"""Render the example graphs shown in the README into docs/ (run after changing the figure's look).

    python tools/render_docs.py
"""
from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import explorer  # noqa: E402
from explorer.examples import get  # noqa: E402

RENDERS = [
    ("first-graph", "light", "LR", "graph-first-graph.png"),
    ("two-paths", "light", "LR", "graph-two-paths.png"),
    ("mlp", "dark", "LR", "graph-mlp-dark.png"),
    ("second-derivative", "projector", "TB", "graph-second-derivative-projector.png"),
]

# The README's groups pictures: a model of three blocks in a ModuleList and a head.
MODEL = """import torch
import torch.nn as nn

class Block(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(3, 3)
    def forward(self, x):
        return torch.tanh(self.fc(x))

class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.blocks = nn.ModuleList([Block() for _ in range(3)])
        self.head = nn.Linear(3, 1)
    def forward(self, x):
        for b in self.blocks:
            x = b(x)
        return self.head(x)

net = Net()
loss = net(torch.ones(2, 3)).sum()
loss.backward()
"""
GROUP_RENDERS = [
    (1, "groups-collapsed.png"),
    ({"base": 1, "open": ["net.blocks.1"]}, "groups-one-open.png"),
]


def main() -> None:
    (ROOT / "docs").mkdir(exist_ok=True)
    for key, theme, direction, name in RENDERS:
        ex = get(key)
        tr = explorer.trace(ex.source, inputs=ex.inputs, backward=ex.backward, sandbox=False)
        path = explorer.export(tr, ROOT / "docs" / name, theme=theme, direction=direction, scale=1.5)
        print(f"wrote {path.relative_to(ROOT)}")
    ex = get("first-graph")
    tr = explorer.trace(ex.source, sandbox=False)
    print(f"wrote {explorer.export(tr, ROOT / 'docs' / 'first-graph-steps.gif').relative_to(ROOT)}")
    tr = explorer.trace(MODEL, sandbox=False)
    for collapse, name in GROUP_RENDERS:
        path = explorer.export(tr, ROOT / "docs" / name, direction="LR", collapse=collapse, scale=1.0)
        print(f"wrote {path.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
