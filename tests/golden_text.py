"""The text the figures show, for every gallery example, as a golden copy (tests/data/golden_text.json).

What a learner reads on a graph: each node's label (the "show all" picture), its hover text, each step's
caption, the value a step lights and the gradients it sends along its edges (the edge labels), in every
language. Written once from the figure code as it was before the figure's numbers travelled as numbers
(explorer/drawing/compact.py), and read by tests/test_golden_text.py, which renders the examples again
through Python and through the browser's formatter (assets/values.js, run by node) and compares exactly.

The golden file changes only on purpose:

    python tests/golden_text.py --regenerate
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from explorer import examples
from explorer.choices import LANGS

GOLDEN = Path(__file__).resolve().parent / "data" / "golden_text.json"
THEME, DIRECTION = "light", "LR"
REGENERATE = "python tests/golden_text.py --regenerate"
COLLAPSED = {"class-mlp": 1}  # example -> the collapse it is also drawn with (a depth: module calls as nodes)


def example_trace(key: str):
    from explorer.recording.run import trace_in_process

    ex = examples.get(key)
    return trace_in_process(ex.source, inputs=ex.inputs, backward=ex.backward)


def rendered(fig: dict, lang: str) -> dict:
    """The texts a figure_dict shows (full-text form): labels and hovers by node id, the steps' value and
    gradient texts, and every caption in `lang`."""
    from explorer.drawing.figure import NODE_HOVER, NODE_LABELS, figure_meta
    from explorer.drawing.steps import step_caption

    by_name = {t.get("name"): t for t in fig["data"]}
    ids = by_name[NODE_HOVER]["customdata"]
    meta = figure_meta(fig)
    return {
        "labels": dict(zip(ids, by_name[NODE_LABELS]["text"])),
        "hovers": dict(zip(ids, by_name[NODE_HOVER]["hovertext"])),
        "steps": [[s["v"], s.get("g", [])] for s in meta["steps"]],
        "captions": [step_caption(meta, k, lang) for k in range(-1, len(meta["steps"]))],
    }


def current() -> dict:
    from explorer.drawing.figure import figure_dict

    out = {}
    for key in examples.keys():  # noqa: SIM118 (the gallery's function, not a dict)
        trace = example_trace(key)
        out[key] = {lang: rendered(figure_dict(trace, theme=THEME, direction=DIRECTION, lang=lang), lang)
                    for lang in LANGS}
    for key, collapse in COLLAPSED.items():  # groups drawn as one node: their own caption line and hover lines
        trace = example_trace(key)
        out[f"{key} collapse={collapse}"] = {
            lang: rendered(figure_dict(trace, theme=THEME, direction=DIRECTION, lang=lang, collapse=collapse), lang)
            for lang in LANGS}
    return out


def golden() -> dict:
    return json.loads(GOLDEN.read_text(encoding="utf-8"))


def regenerate() -> None:
    data = current()
    GOLDEN.write_text(json.dumps(data, ensure_ascii=False, indent=0) + "\n", encoding="utf-8")
    print(f"wrote {GOLDEN}")


if __name__ == "__main__":
    if sys.argv[1:] != ["--regenerate"]:
        sys.exit(f"usage: {REGENERATE}")
    regenerate()
