"""The step format, Python's side: the animation data a gallery example's figure carries, and its captions,
equal a golden copy (tests/data/first_graph_steps.json) that tests/e2e/test_e2e_step_format.py feeds to the
browser's parser (assets/animation.js) too. The format is described in explorer/drawing/steps.py.

The golden file changes only on purpose, by running this file as a script:

    python tests/test_step_format.py --regenerate
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

from explorer import examples, fastjson
from explorer.choices import LANGS

GOLDEN = Path(__file__).resolve().parent / "data" / "first_graph_steps.json"
EXAMPLE = "first-graph"
THEME, DIRECTION = "light", "LR"
REGENERATE = "python tests/test_step_format.py --regenerate"


def current() -> dict:
    """What the golden file holds, made now: the example's figure's animation data and every caption."""
    from explorer.drawing.figure import figure_dict
    from explorer.drawing.steps import carried, label_at, step_caption
    from explorer.recording.run import trace_in_process

    ex = examples.get(EXAMPLE)
    trace = trace_in_process(ex.source, inputs=ex.inputs, backward=ex.backward)
    fig = figure_dict(trace, theme=THEME, direction=DIRECTION)
    raw = fig["layout"]["meta"]["explorer"]
    meta = json.loads(raw)
    assert fastjson.dumps_text(meta) == raw  # the golden copy's JSON is the very string the browser gets
    steps = range(-1, len(meta["steps"]))
    labels = _labels(fig)
    return {
        "example": EXAMPLE, "theme": THEME, "direction": DIRECTION,
        "how": f"written by `{REGENERATE}`; the format: explorer/drawing/steps.py",
        "meta": meta,
        "captions": {lang: [step_caption(meta, k, lang) for k in steps] for lang in LANGS},
        # reveal as it flows: the figure's labels (the "show all" picture), each as it reads before the
        # first step and at every step, and what each edge has carried by then
        "labels": labels,
        "revealed": [{nid: label_at(text, meta["reveal"][nid], meta["colors"], k) for nid, text in labels.items()}
                     for k in steps],
        "carried": [carried(meta, k) for k in steps],
    }


def _labels(fig: dict) -> dict:
    """node id -> its label in the figure (the labels trace, in the order of the hover markers' ids)."""
    from explorer.drawing.figure import NODE_HOVER, NODE_LABELS

    by_name = {t.get("name"): t for t in fig["data"]}
    return dict(zip(by_name[NODE_HOVER]["customdata"], by_name[NODE_LABELS]["text"]))


def golden() -> dict:
    return json.loads(GOLDEN.read_text(encoding="utf-8"))


def test_the_figures_animation_data_is_the_golden_copy():
    from explorer.drawing.figure import figure_dict

    want, now = golden(), current()
    assert now["meta"] == want["meta"], f"the step data changed; if on purpose: {REGENERATE}"
    ex = examples.get(EXAMPLE)
    from explorer.recording.run import trace_in_process

    fig = figure_dict(trace_in_process(ex.source, inputs=ex.inputs, backward=ex.backward), theme=THEME,
                      direction=DIRECTION)
    assert fig["layout"]["meta"]["explorer"] == fastjson.dumps_text(want["meta"])  # byte for byte


def test_the_captions_are_the_golden_ones_in_every_language():
    from explorer.drawing.steps import step_caption

    want = golden()
    meta = want["meta"]
    assert set(want["captions"]) == set(LANGS)
    for lang, captions in want["captions"].items():
        assert len(captions) == len(meta["steps"]) + 1  # before the first step, then one per step
        got = [step_caption(meta, k, lang) for k in range(-1, len(meta["steps"]))]
        assert got == captions, f"captions changed ({lang}); if on purpose: {REGENERATE}"


def test_the_golden_copy_covers_the_format():
    """Forward and backward steps, a step with no edges, one sending two gradients: what captions must handle."""
    meta = golden()["meta"]
    steps = meta["steps"]
    assert {s["p"] for s in steps} == {"f", "b"} and meta["n_forward"] == sum(s["p"] == "f" for s in steps)
    assert any(not s["e"] for s in steps) and any(len(s.get("g", [])) > 1 for s in steps)
    assert set(meta) == {"boxes", "routes", "steps", "n_forward", "titles", "names", "sources", "colors", "reveal"}
    assert all(s["n"] in meta["boxes"] and all(e in meta["routes"] for e in s["e"]) for s in steps)


def test_the_labels_reveal_step_by_step_as_the_golden_copy_says():
    """Before the first step no gradient and no computed value shows; each value appears at its node's forward
    step, each gradient at its node's backward step; at the end the labels are the full picture."""
    want, now = golden(), current()
    assert now["labels"] == want["labels"] and now["revealed"] == want["revealed"], REGENERATE
    assert now["carried"] == want["carried"], REGENERATE
    meta, labels = want["meta"], want["labels"]
    grad, value = f"color:{meta['colors']['grad']}", f"color:{meta['colors']['value']}"
    assert all(grad in text and value in text for text in labels.values())
    first = want["revealed"][0]
    assert not any(grad in text for text in first.values()) and not any(value in text for text in first.values())
    assert want["revealed"][-1] == labels
    for k, s in enumerate(meta["steps"]):
        before, now_ = want["revealed"][k], want["revealed"][k + 1]  # revealed[0] is before step 0
        changed = {nid for nid in labels if before[nid] != now_[nid]}
        assert changed == {s["n"]}, (k, changed)
        mark = value if s["p"] == "f" else grad
        assert mark in now_[s["n"]] and mark not in before[s["n"]]
    assert want["carried"][meta["n_forward"]] == {}  # nothing carried before the first backward step
    assert want["carried"][-1] == {e: g for s in meta["steps"] for e, g in zip(s["e"], s.get("g", [])) if g}


def _dump(value: object, depth: int = 0) -> str:
    """JSON with one line per box, route, step and caption: diffs of the golden file stay readable."""
    if depth >= 3 or not isinstance(value, (dict, list)) or not value:
        return json.dumps(value, ensure_ascii=False)
    pad = " " * (depth + 1)
    if isinstance(value, dict):
        items = [f"{pad}{json.dumps(k, ensure_ascii=False)}: {_dump(v, depth + 1)}" for k, v in value.items()]
        return "{\n" + ",\n".join(items) + "\n" + " " * depth + "}"
    return "[\n" + ",\n".join(pad + _dump(v, depth + 1) for v in value) + "\n" + " " * depth + "]"


def regenerate() -> None:
    data = current()
    assert json.loads(_dump(data)) == data
    GOLDEN.write_text(_dump(data) + "\n", encoding="utf-8")
    print(f"wrote {GOLDEN}")


if __name__ == "__main__":
    if sys.argv[1:] != ["--regenerate"]:
        sys.exit(f"usage: {REGENERATE}")
    regenerate()
