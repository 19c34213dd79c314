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


if __name__ == "__main__":
    main()
