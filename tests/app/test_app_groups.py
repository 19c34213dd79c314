"""The app's groups (explorer/app/groups.py) as plain functions: the collapse state, the toggle, a group's
detail with its parameters' gradient norms (torch's), and what the page is built with."""
from __future__ import annotations

import json

import torch
from torch import nn

from explorer.app import callbacks as cb
from explorer.app import groups
from explorer.app.i18n import t
from explorer.app.layout import ID, build_layout
from explorer.drawing.groups import members_of

MODEL = """import torch
import torch.nn as nn
model = nn.Sequential(nn.Linear(3, 2), nn.Tanh(), nn.Linear(2, 1))
loss = model(torch.ones(4, 3)).pow(2).mean()
loss.backward()
"""


def texts(component) -> str:
    if component is None:
        return ""
    if isinstance(component, (str, int, float)):
        return str(component)
    if isinstance(component, (list, tuple)):
        return " ".join(texts(c) for c in component)
    return texts(getattr(component, "children", None))


def spec() -> dict:
    return cb.make_spec(MODEL, {}, "auto")


def gid(trace, label: str) -> str:
    return next(g.id for g in trace.groups.values() if g.label == label)


def test_the_depth_control_starts_a_state_and_a_click_toggles_a_group():
    s = spec()
    trace = cb.trace_for(s)
    first = gid(trace, "model.0")
    state = groups.on_depth("auto", s)
    assert state == {"program": cb.program_key(MODEL), "base": "auto", "open": [], "closed": []}
    assert not groups.is_collapsed(trace, groups.collapse_for(state, s), first)
    state = groups.on_toggle(first, 1, state, s, "auto", trace)
    assert state["closed"] == [first] and groups.is_collapsed(trace, groups.collapse_for(state, s), first)
    state = groups.on_toggle(first, 1, state, s, "auto", trace)
    assert state["closed"] == [] and state["open"] == [first]
    assert not groups.is_collapsed(trace, groups.collapse_for(state, s), first)
    # another program's state counts for nothing
    other = cb.make_spec(MODEL + "\n", {}, "auto")
    assert groups.collapse_for(state, other, "1") == 1
    assert groups.collapse_for(None, s, "open") == [] and groups.collapse_for(None, s, None) == "auto"


def test_the_figure_follows_the_state():
    s = spec()
    trace = cb.trace_for(s)
    first = gid(trace, "model.0")
    state = groups.on_toggle(first, 1, groups.on_depth("auto", s), s, "auto", trace)
    fig, _ = cb.on_redraw("light", "LR", [], False, s, "en", False, state, "auto")
    meta = json.loads(fig["layout"]["meta"]["explorer"])
    assert meta["titles"][first] == "model.0 · Linear" and meta["groups"][first]["collapsed"]
    fig, _ = cb.on_redraw("light", "LR", [], False, s, "en", False, groups.on_depth("0", s), "0")
    meta = json.loads(fig["layout"]["meta"]["explorer"])
    assert [g["path"] for g in meta["groups"].values() if g["collapsed"]] == ["model"]


def test_a_group_detail_shows_torchs_parameter_gradients_and_its_button():
    s = spec()
    trace = cb.trace_for(s)
    first = gid(trace, "model.0")
    detail, code, selected = cb.on_select(ID.GRAPH, {"points": [{"customdata": first}]}, "en", s, None, None, "auto")
    assert selected == {"node": first, "program": cb.program_key(MODEL)} and code is None
    words = texts(detail)
    assert "model.0 · Linear" in words and t("group.collapse", "en") in words
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(3, 2), nn.Tanh(), nn.Linear(2, 1))
    model(torch.ones(4, 3)).pow(2).mean().backward()
    norm = model[0].weight.grad.norm().item()
    assert f"{norm:.4g}"[:5] in words
    assert "model.0.weight" in words and "2×3" in words
    top = {"node": gid(trace, "model"), "program": cb.program_key(MODEL)}
    zh, _, _ = cb.on_select(ID.LANG, None, "zh", s, top, groups.on_depth("0", s), "0")
    assert t("group.expand", "zh") in texts(zh)  # collapsed at depth 0: the button opens it


def test_the_page_has_the_depth_control_and_the_search_box():
    page = build_layout("zh")
    found = json.dumps(page.to_plotly_json(), default=str, ensure_ascii=False)
    assert ID.GROUP_DEPTH in found and ID.SEARCH in found and ID.COLLAPSE in found
    assert t("search.placeholder", "zh") in found
    assert [o["value"] for o in groups.depth_options("en")] == list(groups.DEPTHS)
    assert all(o["label"] for o in groups.depth_options("zh"))


def test_exports_show_the_groups_as_the_screen_does(monkeypatch):
    """PDF, GIF and HTML are drawn with the groups collapsed and open as on the screen: a collapsed module
    is one node in the exported picture, and the ops it hides are not drawn."""
    import explorer.drawing.export as export

    s = spec()
    trace = cb.trace_for(s)
    first = gid(trace, "model.0")
    hidden = members_of(trace)[first]
    assert hidden
    state = groups.on_toggle(first, 1, groups.on_depth("auto", s), s, "auto", trace)
    drawn: list = []
    for name, empty in (("to_html", ""), ("to_gif", b""), ("to_image", b"")):
        monkeypatch.setattr(export, name, lambda fig, *a, empty=empty, **k: drawn.append(fig) or empty)
    for button in (ID.EXPORT_HTML, ID.EXPORT_GIF, ID.EXPORT_PDF):
        data, msg = cb.on_export(button, s, "light", "LR", [], "en", None, state, "auto")
        assert msg == "", msg
    assert len(drawn) == 3
    for fig in drawn:
        meta = json.loads(fig.layout.meta["explorer"])
        assert meta["groups"][first]["collapsed"] and first in meta["boxes"]
        assert not set(hidden) & set(meta["boxes"])
    # and without a state of this program, as the depth control says (here: everything open)
    drawn.clear()
    cb.on_export(ID.EXPORT_HTML, s, "light", "LR", [], "en", None, None, "open")
    meta = json.loads(drawn[0].layout.meta["explorer"])
    assert set(hidden) <= set(meta["boxes"])



def test_the_detail_of_a_collapsed_run_speaks_of_the_whole_run():
    """Automatic draws a training loop's earlier iterations as one node, `loop ×2`, 38 nodes inside: its detail
    said `iteration 198` and 19 nodes (the first iteration alone). It names the iterations the node stands for
    and counts every node inside it; Expand opens them all."""
    from explorer import examples
    from explorer.drawing.groups import group_view

    s = cb.make_spec(examples.get("himmelblau-adam").source, {}, "auto")
    trace = cb.trace_for(s)
    view = group_view(trace, "auto")
    (cid, run), = view.runs.items()
    assert len(run) == 2
    first, last = (trace.groups[g].index + 1 for g in (run[0], run[-1]))
    detail, _, _ = cb.on_select(ID.GRAPH, {"points": [{"customdata": cid}]}, "en", s, None, None, "auto")
    words = texts(detail)
    assert f"iterations {first}–{last}" in words and str(len(view.members[cid])) in words
    assert len(view.members[cid]) == sum(len(members_of(trace)[g]) for g in run)
    assert t("group.expand", "en") in words
    zh, _, _ = cb.on_select(ID.GRAPH, {"points": [{"customdata": cid}]}, "zh", s, None, None, "auto")
    assert f"第 {first}–{last} 次迭代" in texts(zh)
    state = groups.on_toggle(cid, 1, None, s, "auto", trace)
    assert not group_view(trace, groups.collapse_for(state, s, "auto")).runs  # both iterations open


def test_the_detail_of_a_run_of_layers_lists_every_layers_parameters():
    """`net.blocks.0–2 · Block ×3` stands for three layers: its detail lists the parameters of all three, each
    with torch's gradient norm, and counts them all (it listed the first layer's)."""
    from explorer.drawing.groups import group_view

    source = ("import torch\nimport torch.nn as nn\n"
              "blocks = nn.Sequential(nn.Linear(3, 3), nn.Linear(3, 3), nn.Linear(3, 3))\n"
              "loss = blocks(torch.ones(2, 3)).sum()\nloss.backward()\n")
    s = cb.make_spec(source, {}, "auto")
    trace = cb.trace_for(s)
    view = group_view(trace, "repeated")
    (cid, run), = view.runs.items()
    assert [trace.groups[g].label for g in run] == ["blocks.0", "blocks.1", "blocks.2"]
    state = groups.on_depth("repeated", s)
    detail, _, _ = cb.on_select(ID.GRAPH, {"points": [{"customdata": cid}]}, "en", s, None, state, "repeated")
    words = texts(detail)
    torch.manual_seed(0)
    blocks = nn.Sequential(nn.Linear(3, 3), nn.Linear(3, 3), nn.Linear(3, 3))
    blocks(torch.ones(2, 3)).sum().backward()
    for i in range(3):
        assert f"blocks.{i}.weight" in words and f"{blocks[i].weight.grad.norm().item():.4g}"[:5] in words
    assert "blocks.0–2 · Linear ×3" in words and t("group.params", "en", n="36") in words
