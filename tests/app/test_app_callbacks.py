"""The app's callbacks called as plain functions, and the served page, without a browser."""
from __future__ import annotations

import json
import re

import pytest
import torch
from dash import no_update
from dash.exceptions import PreventUpdate

from explorer import examples
from explorer.app import callbacks as cb
from explorer.app import create_app, urlstate, views
from explorer.app.layout import ID, build_layout
from explorer.drawing.themes import THEMES

FIRST = examples.get("first-graph")


def texts(component) -> str:
    """All the text inside a Dash component tree."""
    if component is None:
        return ""
    if isinstance(component, (str, int, float)):
        return str(component)
    if isinstance(component, (list, tuple)):
        return " ".join(texts(c) for c in component)
    return texts(getattr(component, "children", None))


def find(component, pred):
    out = []
    if isinstance(component, (list, tuple)):
        for c in component:
            out += find(c, pred)
        return out
    if component is None or isinstance(component, (str, int, float)):
        return out
    if pred(component):
        out.append(component)
    return out + find(getattr(component, "children", None), pred)


def run(trigger=ID.RUN, source="", example=None, backward="auto", boot=None, ids=(), values=(), theme="light",
        direction="LR", constants=(), present=False):
    return cb.on_run(trigger, source, example, backward, boot, list(ids), list(values), theme, direction,
                     list(constants), present)


# --- boot and run ---------------------------------------------------------------------------------------


def test_boot_without_a_query_opens_the_first_example():
    editor, example, _backward, theme, direction, constants, lang, boot, booted, digits = cb.on_boot("", False)
    assert editor == FIRST.source and example == FIRST.key and boot["source"] == FIRST.source
    assert theme == "light" and direction == "auto" and constants == [] and lang is no_update and booted is True
    assert digits == 4


def test_boot_reads_the_url_once():
    q = urlstate.encode(urlstate.UrlState(program="z = y*y*2\n", inputs={"y": 5.0}, theme="dark", lang="zh",
                                          constants=True, digits=6))
    editor, example, _backward, theme, _direction, constants, lang, boot, _, digits = cb.on_boot("?" + q, False)
    assert editor == "z = y*y*2\n" and example is None and theme == "dark" and lang == "zh" and digits == 6
    assert cb.on_boot("?" + urlstate.encode(urlstate.UrlState(digits=2)), False)[9] == 2  # the default example
    assert constants == ["on"] and boot["inputs"] == {"y": 5.0}
    with pytest.raises(PreventUpdate):
        cb.on_boot("?" + q, True)  # later changes of the address bar are ours, not a new page


def test_a_run_from_the_boot_draws_the_graph():
    boot = cb.on_boot("", False)[7]
    out = run(ID.BOOT, boot=boot)
    _editor, _backward, spec, fig, stats, error, _notices, panel, style, stdout, example = out
    assert error is None and spec["source"] == FIRST.source and spec["example"] == FIRST.key
    assert example is no_update
    assert stats == {"nodes": 5, "total": 7, "forward": 5, "backward": 5, "big": False}
    assert [t.get("name") for t in fig["data"] if t.get("name") == "nodes"] == ["nodes"]
    assert "3.3333" in texts(stdout)
    assert style == {"display": "none"} and panel == []


def test_picking_an_example_puts_its_text_in_the_editor():
    editor, backward, spec, _fig, _stats, error, *_ = run(ID.EXAMPLE, example="weighted-backward")
    assert editor == examples.get("weighted-backward").source and backward == "auto"
    assert spec["example"] == "weighted-backward" and error is None


def test_editing_an_example_lets_go_of_the_gallery_choice():
    assert run(source=FIRST.source, example=FIRST.key)[10] is no_update  # still the example
    out = run(source=FIRST.source + "# mine\n", example=FIRST.key)
    assert out[10] is None and out[2]["example"] is None


def test_a_program_that_never_ends_is_stopped_with_a_limit_error():
    out = run(source="i = 0\nwhile True:\n    i = i + 1\n")
    assert out[5]["kind"] == "limit" and out[3] is no_update
    assert "Traceback" not in texts(views.render_error(out[5], "en"))


def test_free_names_become_inputs_with_their_values():
    out = run(source="z = y * y * 2\n")
    spec, panel, style = out[2], out[7], out[8]
    assert spec["inputs"] == {"y": 3.0} and style == {"display": "block"}
    box = find(panel, lambda c: getattr(c, "id", None) == {"type": ID.INPUT_VALUE, "name": "y"})[0]
    assert box.value == "3.0"
    # a new value, and an input the new program no longer has (it is dropped, not an error)
    out = run(source="z = y * y * 2\n", ids=[{"type": ID.INPUT_VALUE, "name": "y"},
                                            {"type": ID.INPUT_VALUE, "name": "gone"}], values=["5", "1"])
    assert out[5] is None and out[2]["inputs"] == {"y": 5.0}
    assert cb.trace_for(out[2]).grads["y"] == pytest.approx(20.0)


def test_a_bad_input_value_says_so_and_runs_nothing():
    out = run(source="z = y * y\n", ids=[{"type": ID.INPUT_VALUE, "name": "y"}], values=["__import__('os')"])
    assert out[5] == {"kind": "input", "name": "y"}
    assert out[3] is no_update and out[2] is no_update


@pytest.mark.parametrize("source,kind,line", [
    ("x = torch.tensor([1.0], requires_grad=True)\ny = x +* 2\n", "syntax", 2),
    ("import sys\n", "not-allowed", 1),
    ("a = torch.ones(2, 3)\nb = torch.ones(4, 5)\nc = a @ b\n", "runtime", 3),
    ("x = (1).__class__\n", "not-allowed", 1),
])
def test_a_bad_program_gives_an_error_and_keeps_the_last_graph(source, kind, line):
    _editor, _backward, spec, fig, stats, error, notices, panel, style, stdout, example = run(source=source)
    assert error["kind"] == kind and error["line"] == line
    assert all(v is no_update for v in (spec, fig, stats, notices, panel, style, example))
    assert stdout is None  # what the previous program printed goes
    shown = views.render_error(error, "en")
    assert f"line {line}" in texts(shown)
    assert "Traceback" not in texts(shown)


def test_an_oversized_program_is_refused_before_running():
    out = run(source="x = 1\n" * 20_000)
    assert out[5]["kind"] == "limit"


def test_an_unexpected_failure_is_a_plain_message(monkeypatch):
    def boom(spec):
        raise RuntimeError("internal detail that must not reach the page")

    monkeypatch.setattr(cb, "trace_for", boom)
    out = run(source="y = 1\n")
    assert out[5] == {"kind": "internal"}
    shown = texts(views.render_error(out[5], "zh"))
    assert "internal detail" not in shown and "探索器" in shown


def test_non_scalar_output_notice_and_choices():
    ex = examples.get("non-scalar-output")
    out = run(ID.EXAMPLE, example=ex.key)
    notices = out[6]
    assert [n["kind"] for n in notices["items"]] == ["non-scalar-output"]
    en, zh = texts(views.render_notices(notices, "en")), texts(views.render_notices(notices, "zh"))
    assert "z.sum()" in en and "scalar" in en and "标量" in zh
    assert texts(views.render_notices(notices, None)) == en  # no language chosen yet: English, said once
    assert "3 elements" not in en and "3 elements" in zh  # in Chinese, torch's English words follow
    out = run(source=ex.source, backward="ones")
    x = torch.tensor([0.5, -1.0, 2.0], requires_grad=True)
    z = (x + 2) * (x + 2) * 2
    z.backward(torch.ones(3))
    assert torch.allclose(torch.tensor(cb.trace_for(out[2]).grads["x"]), x.grad)
    assert out[6]["items"] == []


# --- redraw, select, share, export ----------------------------------------------------------------------


def test_redraw_follows_the_settings():
    spec = run(source=FIRST.source)[2]
    fig, stats = cb.on_redraw("dark", "TB", ["on"], False, spec)
    assert stats["nodes"] == 7  # constants shown
    assert fig["layout"]["paper_bgcolor"] == THEMES["dark"].background != THEMES["light"].background
    fig, _ = cb.on_redraw("light", "LR", [], True, spec)  # presentation: projector theme
    assert cb.figure_meta(fig)["colors"]["value"] == THEMES["projector"].value != THEMES["light"].value
    assert fig["layout"]["font"]["size"] == THEMES["projector"].font_size
    with pytest.raises(PreventUpdate):
        cb.on_redraw("light", "LR", [], False, None)


def test_redraw_in_chinese_translates_the_hover_text():
    spec = run(source=FIRST.source)[2]
    fig, _ = cb.on_redraw("light", "LR", [], False, spec, "zh")
    # the page writes the hover texts (assets/values.js) with the words the compact figure carries
    words = cb.figure_meta(fig)["table"]["words"]
    assert words["shape_word"] == "形状" and words["grad"] == "梯度"


def test_selecting_a_node_shows_torch_s_numbers_and_marks_its_source():
    spec = run(source=FIRST.source)[2]
    tr = cb.trace_for(spec)
    x_id = next(n.id for n in tr.nodes.values() if n.label == "x")
    detail, code, selected = cb.on_select(ID.GRAPH, {"points": [{"customdata": x_id}]}, "en", spec, None)
    assert selected == {"node": x_id, "program": cb.program_key(FIRST.source)}
    grad = find(detail, lambda c: getattr(c, "className", "") == "detail-grad")[0]
    x = torch.tensor([0.5, -1.0, 2.0], requires_grad=True)
    ((x + 2) * (x + 2) * 2).mean().backward()
    shown = [float(v) for v in re.findall(r"-?\d+\.?\d*", texts(grad))]
    assert torch.allclose(torch.tensor(shown), x.grad, atol=1e-3)
    mark = find(code, lambda c: type(c).__name__ == "Mark")[0]
    assert mark.children == "torch.tensor([0.5, -1.0, 2.0], requires_grad=True)"
    # the language changes: the same node, in Chinese
    detail, _, again = cb.on_select(ID.LANG, None, "zh", spec, selected)
    assert again == selected and "叶子张量" in texts(detail)
    # a click on something that is not a node changes nothing
    with pytest.raises(PreventUpdate):
        cb.on_select(ID.GRAPH, {"points": [{"x": 1}]}, "en", spec, selected)
    # the same program run again (new inputs, say): the same node, which its id still names
    detail, _, again = cb.on_select(ID.SPEC, None, "en", spec, selected)
    assert again == selected and "x" in texts(detail)
    # a new run of another program forgets the node, though the new graph has a node of that id
    other = run(source="q = w * 2\n")[2]
    assert x_id in cb.trace_for(other).nodes
    detail, code, sel = cb.on_select(ID.SPEC, None, "en", other, selected)
    assert sel is None and code is None and texts(detail) == texts(views.empty_detail("en"))


def test_the_digits_reach_the_graph_the_details_the_link_and_the_exports():
    """The toolbar's digits: the figure the page gets says them (assets/values.js writes with them) and is drawn
    for them, the detail panel writes its numbers with them, the link keeps them, the exports have them; a
    value the page should never send draws with the default."""
    from explorer.drawing.compact import decode_meta

    spec = run(source=FIRST.source)[2]
    tr = cb.trace_for(spec)
    x_id = next(n.id for n in tr.nodes.values() if n.label == "x")
    grads = {2: "[3.3, 1.3, 5.3]", 4: "[3.333, 1.333, 5.333]", 6: "[3.33333, 1.33333, 5.33333]"}
    for digits, grad in grads.items():
        fig, _ = cb.on_redraw("light", "LR", [], False, spec, digits=digits)
        meta = cb.figure_meta(fig)
        assert meta["table"]["digits"] == digits
        assert grad in [s["v"] for s in decode_meta(meta)["steps"]]  # x's gradient, at its backward step
        detail, _, selected = cb.on_select(ID.LANG, None, "en", spec, {"node": x_id, "program":
                                                                       cb.program_key(FIRST.source)}, digits=digits)
        shown = find(detail, lambda c: getattr(c, "className", "") == "detail-grad")[0]
        assert texts(shown) == grad and selected["node"] == x_id  # the same node, its numbers anew
    out = cb.on_run(ID.RUN, FIRST.source, None, "auto", None, [], [], "light", "LR", [], False, digits=6)
    assert cb.figure_meta(out[3])["table"]["digits"] == 6
    for bad in ("x", 20, 0, True, 4.0, None, [6]):
        fig, _ = cb.on_redraw("light", "LR", [], False, spec, digits=bad)
        assert cb.figure_meta(fig)["table"]["digits"] == 4, bad
    q = cb.on_share(spec, "light", "LR", [], None, digits=6)
    assert "digits=6" in q and urlstate.decode(q).digits == 6
    assert "digits" not in cb.on_share(spec, "light", "LR", [], None)  # the default is not written
    data, _ = cb.on_export(ID.EXPORT_HTML, spec, "light", "LR", [], "en", digits=6)
    assert "3.33333" in data["content"]
    data, _ = cb.on_export(ID.EXPORT_HTML, spec, "light", "LR", [], "en")
    assert "3.333" in data["content"] and "3.33333" not in data["content"]


def test_a_mark_after_chinese_text_lands_on_the_right_characters():
    spec = run(source="x = torch.tensor(2.0, requires_grad=True)\ny = x * 3  # 中文\nz = '中文'; w = y * x\n")[2]
    tr = cb.trace_for(spec)
    node = next(n for n in tr.nodes.values() if n.span and n.span.text == "y * x")
    code = views.render_code_view(tr, node.id, "en")
    assert find(code, lambda c: type(c).__name__ == "Mark")[0].children == "y * x"


def test_share_then_decode_is_the_same_run():
    spec = run(source="z = y*y*2\n", ids=[{"type": ID.INPUT_VALUE, "name": "y"}], values=["[1, 2]"])[2]
    q = cb.on_share(spec, "dark", "TB", ["on"], "zh")
    s = urlstate.decode(q)
    assert (s.program, s.inputs, s.theme, s.direction, s.constants, s.lang) == (
        "z = y*y*2\n", {"y": [1.0, 2.0]}, "dark", "TB", True, "zh")
    boot = cb.on_boot("?" + q, False)[7]
    again = run(ID.BOOT, boot=boot)[2]
    assert cb.trace_for(again).grads == cb.trace_for(spec).grads


# --- a Run click is one request: its answer draws what its stores used to make other callbacks draw -------


def test_a_run_s_answer_draws_the_status_error_box_notices_and_share_link():
    out = run(source="y = torch.ones(2, requires_grad=True) * 3\n")
    status, error_box, notices_box, detail, code, selected, share = cb.on_run_shown(
        out, "zh", None, theme="dark", direction="TB", constants=["on"], show_all=True, digits=2)
    spec, stats = out[2], out[4]
    assert status == views.render_status(stats, "zh") and "节点" in texts(status)
    assert error_box is None
    assert texts(notices_box) == texts(views.render_notices(out[6], "zh")) and "y" in texts(notices_box)
    assert (detail, code, selected) == (no_update, no_update, no_update)  # nothing selected: the panel is empty
    assert share == cb.on_share(spec, "dark", "TB", ["on"], "zh", True, False, 2)
    assert urlstate.decode(share).program == spec["source"] and urlstate.decode(share).digits == 2


def test_a_failed_run_s_answer_draws_its_error_and_keeps_the_rest():
    out = run(source="import sys\n")
    status, error_box, notices_box, detail, code, selected, share = cb.on_run_shown(out, "en")
    assert "not allowed" in texts(error_box).lower()
    assert texts(error_box) == texts(views.render_error(out[5], "en"))
    assert all(v is no_update for v in (status, notices_box, detail, code, selected, share))


def test_a_run_s_answer_draws_the_selected_node_again_or_forgets_it():
    spec = run(source=FIRST.source)[2]
    x_id = next(n.id for n in cb.trace_for(spec).nodes.values() if n.label == "x")
    selected = cb.on_select(ID.GRAPH, {"points": [{"customdata": x_id}]}, "en", spec, None)[2]
    # the same program again: the same node, drawn from the new run, with the page's digits
    detail, _code, again = cb.on_run_shown(run(source=FIRST.source), "en", selected, digits=2)[3:6]
    assert again == selected
    assert texts(detail) == texts(cb.on_select(ID.LANG, None, "en", spec, selected, digits=2)[0])
    assert texts(detail) != texts(cb.on_select(ID.LANG, None, "en", spec, selected, digits=6)[0])
    # another program: the panel is emptied
    detail, code, again = cb.on_run_shown(run(source="q = w * 2\n"), "en", selected)[3:6]
    assert again is None and code is None and texts(detail) == texts(views.empty_detail("en"))


def test_no_server_callback_waits_for_what_a_run_sets():
    """What the run callback sets (its stores, the figure) must not be the Input of another server callback:
    the page would send that callback's request after every Run (on_run_shown draws those parts instead)."""
    client = create_app().server.test_client()
    deps = client.get("/_dash-dependencies").get_json()
    run_dep = next(d for d in deps if "run-spec.data" in d["output"] and "graph.figure" in d["output"])
    set_by_run = {part.split("@")[0] for part in run_dep["output"].strip(".").split("...")}
    set_by_run -= {"example.value", "editor.value", "backward.value"}  # a gallery pick, not a Run click
    for dep in deps:
        if dep is run_dep or dep.get("clientside_function"):
            continue
        waits = {f"{i['id']}.{i['property']}" for i in dep["inputs"]} & set_by_run
        assert not waits, f"{dep['output'][:80]} runs after every Run: it waits for {sorted(waits)}"


def test_export_json_and_html_and_names():
    spec = run(ID.EXAMPLE, example="first-graph")[2]
    data, msg = cb.on_export(ID.EXPORT_JSON, spec, "light", "LR", [], "en")
    assert data["filename"] == "autograd-first-graph.json" and msg == ""
    assert json.loads(data["content"])["grads"]["x"][0] == pytest.approx(10 / 3, rel=1e-5)
    data, _ = cb.on_export(ID.EXPORT_HTML, spec, "dark", "LR", [], "en")
    assert data["filename"] == "autograd-first-graph.html" and "ExplorerPlayer" in data["content"]
    assert cb.export_name({"example": None}, "pdf") == "autograd-program.pdf"
    assert cb.on_export(ID.EXPORT_PDF, None, "light", "LR", [], "zh") == (
        no_update, "请先运行一个程序：现在还没有可以导出的计算图。")


@pytest.mark.browser
def test_export_pdf_through_kaleido():
    spec = run(ID.EXAMPLE, example="first-graph")[2]
    data, msg = cb.on_export(ID.EXPORT_PDF, spec, "light", "LR", [], "en")
    assert msg == "" and data["filename"] == "autograd-first-graph.pdf"
    import base64

    assert base64.b64decode(data["content"])[:5] == b"%PDF-"


# --- words ----------------------------------------------------------------------------------------------


def test_translate_fills_every_word_and_option():
    ids = [{"t": "run", "n": 0}, {"t": "examples", "n": 1}]
    out = cb.on_translate("zh", ids)
    assert out[0] == ["运行", "示例"]
    example_options = next(o for o in out if isinstance(o, list) and o and isinstance(o[0], dict)
                           and o[0].get("value") == "first-graph")
    assert example_options[0]["label"] == "第一张计算图"
    assert len(example_options) == len(examples.EXAMPLES)
    assert out[-1] == "zh"


def test_status_and_example_summary():
    assert views.render_status(None, "en") == "Run a program to see its graph."
    big = views.render_status({"nodes": 1000, "forward": 1, "backward": 1, "big": True}, "en")
    assert "1000 nodes" in texts(big)
    assert cb.on_example_summary("dot", "zh") == examples.get("dot").summary("zh")
    assert cb.on_example_summary("nope", "zh") == ""


# --- the page -------------------------------------------------------------------------------------------


def test_layout_ids_are_unique_and_words_all_have_keys():
    seen = set()

    def walk(c):
        if isinstance(c, (list, tuple)):
            for x in c:
                walk(x)
            return
        if c is None or isinstance(c, (str, int, float)):
            return
        cid = getattr(c, "id", None)
        if cid is not None:
            key = json.dumps(cid, sort_keys=True)
            assert key not in seen, f"duplicate id {cid}"
            seen.add(key)
        walk(getattr(c, "children", None))

    walk(build_layout())
    assert json.dumps(ID.EDITOR) in seen and json.dumps(ID.GRAPH) in seen


def test_the_page_is_served_from_this_server_only():
    app = create_app()
    client = app.server.test_client()
    page = client.get("/")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    srcs = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert srcs and all(s.startswith("/") for s in srcs), srcs
    for asset in ("/assets/app.js", "/assets/animation.js", "/assets/explorer.css"):
        assert asset in html
        assert client.get(asset).status_code == 200
    layout = client.get("/_dash-layout").get_json()
    assert "editor" in json.dumps(layout)


def test_the_wsgi_module_gives_a_flask_server():
    from explorer.app import wsgi

    assert wsgi.server is wsgi.app.server
    assert wsgi.server.test_client().get("/").status_code == 200


def test_explorer_serve_and_bare_explorer_start_the_app(monkeypatch):
    from explorer import cli

    calls = []

    class FakeApp:
        def run(self, **kwargs):
            calls.append(kwargs)

    import explorer.app

    monkeypatch.setattr(explorer.app, "create_app", lambda **kw: FakeApp())
    assert cli.main(["serve", "--host", "127.0.0.1", "--port", "9123"]) == 0
    assert cli.main([]) == 0
    assert calls == [{"host": "127.0.0.1", "port": 9123, "debug": False},
                     {"host": "127.0.0.1", "port": 8050, "debug": False}]


def test_the_detail_panel_lists_what_autograd_saved_for_the_node():
    spec = run(source=FIRST.source)[2]
    tr = cb.trace_for(spec)
    mul = next(n.id for n in tr.nodes.values() if n.op == "MulBackward0" and n.name is None)  # y * y
    detail, _, _ = cb.on_select(ID.GRAPH, {"points": [{"customdata": mul}]}, "zh", spec, None)
    table = find(detail, lambda c: getattr(c, "className", "") == "detail-saved")[0]
    y = torch.tensor([0.5, -1.0, 2.0]) + 2  # y*y saves both factors: y, twice
    assert texts(table).count("_saved_") == 2 and texts(table).count("y 的值") == 2
    shown = [float(v) for v in re.findall(r"-?\d+\.?\d*", texts(table).split("_saved_self")[1])][:3]
    assert torch.allclose(torch.tensor(shown), y, atol=1e-3)
    assert "为反向传播保存的值" in texts(detail)
