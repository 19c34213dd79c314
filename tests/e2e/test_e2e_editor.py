"""The program editor in a real browser (issue 14, items 5 and 6): a code editor with line numbers, Python
highlighting and soft wrap in a column the user can widen; big programs stay usable and one over the size
limit is refused before it is sent; the cursor's line outlines the nodes it made, and a clicked node marks
its text. The spans are checked against explorer.trace run directly."""
from __future__ import annotations

import pytest
from e2e_support import (
    EDITOR_CONTENT,
    click_node,
    editor_text,
    graph_meta,
    graph_signature,
    open_app,
    paste,
    run_program,
    set_program,
    wait_graph_change,
    wait_idle,
)

import explorer
from explorer import examples
from explorer.app.editor import max_program_chars
from explorer.app.i18n import t

pytestmark = pytest.mark.browser

FIRST = examples.get("first-graph")

LOOP = ("x = torch.tensor([1.0, 2.0], requires_grad=True)\n"
        "total = x.sum()\n"
        "for step in range(3):  # three more nodes\n"
        "    total = total * 2\n"
        "print('done', True)\n"
        "total.backward()\n")


def tokens(page, cls: str) -> list[str]:
    return page.eval_on_selector_all(f"#code-editor .{cls}", "els => els.map(e => e.textContent)")


def line_marks(page) -> list[str]:
    """The nodes outlined over the graph for the editor's line (assets/editor.js drawMarks)."""
    return page.eval_on_selector_all("#graph svg.explorer-linemarks rect.line-node",
                                     "els => els.map(e => e.getAttribute('data-node'))")


def put_cursor_on_line(page, line: int) -> None:
    """A real click at the start of the line's text."""
    page.locator(f"{EDITOR_CONTENT} .cm-line").nth(line - 1).click(position={"x": 2, "y": 4})


def nodes_made_by_line(source: str, line: int, shown: dict) -> set[str]:
    tr = explorer.trace(source)
    return {nid for nid, n in tr.nodes.items()
            if n.span is not None and n.span.line <= line <= n.span.end_line and nid in shown}


def test_python_is_highlighted_and_lines_are_numbered(page):
    open_app(page)
    set_program(page, LOOP)
    assert "for" in tokens(page, "tok-keyword") and "in" in tokens(page, "tok-keyword")
    assert "# three more nodes" in tokens(page, "tok-comment")
    assert "'done'" in tokens(page, "tok-string") and "3" in tokens(page, "tok-number")
    # a keyword is drawn in another colour than a plain name
    colours = page.evaluate("""() => {
      const kw = document.querySelector('#code-editor .tok-keyword');
      const line = document.querySelector('#code-editor .cm-line');
      return [getComputedStyle(kw).color, getComputedStyle(line).color]; }""")
    assert colours[0] != colours[1]
    numbers = page.eval_on_selector_all("#code-editor .cm-lineNumbers .cm-gutterElement",
                                        "els => els.filter(e => e.style.visibility !== 'hidden')"
                                        ".map(e => e.textContent)")
    assert numbers == [str(i) for i in range(1, 8)]


def test_a_long_line_wraps_instead_of_scrolling_sideways(page):
    open_app(page)
    long = "y = " + " + ".join(f"x{i}" for i in range(120)) + "\n"
    set_program(page, long + "z = 1\n")
    sizes = page.evaluate("""() => {
      const line = document.querySelector('#code-editor .cm-line');
      const scroller = document.querySelector('#code-editor .cm-scroller');
      return {h: line.getBoundingClientRect().height, lh: parseFloat(getComputedStyle(line).lineHeight),
              sw: scroller.scrollWidth, cw: scroller.clientWidth}; }""")
    assert sizes["h"] > 3 * sizes["lh"]  # one program line, several rows on screen
    assert sizes["sw"] <= sizes["cw"] + 1  # nothing to scroll sideways
    # line 2 is numbered 2, after the wrapped rows of line 1
    assert page.locator("#code-editor .cm-lineNumbers .cm-gutterElement", has_text="2").count() >= 1


def test_dragging_the_handle_widens_the_column_and_the_width_is_remembered(page):
    open_app(page)
    before = page.evaluate("() => document.querySelector('.left-panel').getBoundingClientRect().width")
    box = page.locator("#editor-resize").bounding_box()
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.move(x + 80, y, steps=4)
    page.mouse.move(x + 150, y, steps=4)
    page.mouse.up()
    after = page.evaluate("() => document.querySelector('.left-panel').getBoundingClientRect().width")
    assert abs(after - (before + 150)) <= 3
    editor_width = page.evaluate("() => document.querySelector('#code-editor').getBoundingClientRect().width")
    assert editor_width > before  # the editor grew with its column
    kept = page.evaluate("() => localStorage.getItem('explorer-editor-width')")
    assert kept is not None and abs(float(kept) - after) <= 3
    # the graph fits its narrower column
    page.wait_for_function("""() => { const gd = document.querySelector('#graph .js-plotly-plot');
      return Math.abs(gd._fullLayout.width - gd.getBoundingClientRect().width) <= 2; }""", timeout=10_000)

    page.reload()
    open_app(page)
    again = page.evaluate("() => document.querySelector('.left-panel').getBoundingClientRect().width")
    assert abs(again - after) <= 3

    # the keyboard moves it too, without stepping the timeline
    page.focus("#editor-resize")
    page.keyboard.press("ArrowLeft")
    narrower = page.evaluate("() => document.querySelector('.left-panel').getBoundingClientRect().width")
    assert abs(narrower - (again - 20)) <= 3
    assert page.evaluate("() => window.ExplorerApp.k") == -1


def test_five_thousand_lines_then_a_keystroke(page):
    open_app(page)
    big = "".join(f"a{i % 10} = {i % 7}\n" for i in range(5_000))  # 5,000 lines, under the size limit
    assert len(big) <= max_program_chars()
    set_program(page, big)
    assert page.evaluate("() => window.ExplorerEditor.view.state.doc.lines") == 5_001
    # the editor draws only what is on screen
    assert page.locator(f"{EDITOR_CONTENT} .cm-line").count() < 200
    page.keyboard.press("Control+End")
    page.keyboard.type("b = 1")
    assert editor_text(page) == big + "b = 1"
    # the text reaches the callbacks' #editor once typing stops
    page.wait_for_function("(n) => document.getElementById('editor').value.length === n", arg=len(big) + 5,
                           timeout=10_000)
    assert page.errors == []


def test_a_paste_over_the_size_limit_is_refused_in_both_languages(page):
    open_app(page)
    limit = max_program_chars()
    page.click(EDITOR_CONTENT)
    page.keyboard.press("Control+End")
    big = "w = 1\n" * (limit // 6 + 10)
    paste(page, big)
    n = len(FIRST.source) + len(big)
    assert page.inner_text("#editor-msg") == t("editor.too_long", "en", n=f"{n:,}", limit=f"{limit:,}")
    assert editor_text(page) == FIRST.source  # nothing was added
    assert page.evaluate("() => window.ExplorerEditor.refused") == 1
    # nor sent: Run runs the program that was there
    page.click("#run-btn")
    wait_idle(page)
    assert page.inner_text("#error-box").strip() == "" and page.input_value("#editor") == FIRST.source

    # a program of exactly the limit goes in, in characters as Python counts them (one 𝑥 is one character)
    exact = "# 𝑥" + "#" * (limit - 4) + "\n"
    assert len(exact) == limit
    page.click(EDITOR_CONTENT)
    page.keyboard.press("Control+a")
    paste(page, exact)
    assert editor_text(page) == exact
    assert not page.is_visible("#editor-msg")

    # one more typed character is refused, here in Chinese
    page.click("#lang-zh")
    page.wait_for_function("() => window.ExplorerEditor.lang === 'zh'")
    label = page.get_attribute(EDITOR_CONTENT, "aria-label")
    assert label == t("editor.label", "zh")
    page.click(EDITOR_CONTENT)
    page.keyboard.press("Control+End")
    page.keyboard.type("z")
    assert page.inner_text("#editor-msg") == t("editor.too_long", "zh", n=f"{limit + 1:,}", limit=f"{limit:,}")
    assert editor_text(page) == exact

    # deleting is always allowed, and the message goes away with the next change that fits
    page.keyboard.press("Backspace")
    assert editor_text(page) == exact[:-1]
    assert not page.is_visible("#editor-msg")
    assert page.errors == []


def test_the_cursor_on_a_line_outlines_the_nodes_it_made(page):
    open_app(page)
    before = graph_signature(page)
    run_program(page, LOOP)
    wait_graph_change(page, previous=before)
    page.wait_for_function("(src) => document.querySelector('#graph .js-plotly-plot').layout.meta.spans"
                           " && window.ExplorerEditor.spansSource === src", arg=LOOP, timeout=15_000)
    shown = graph_meta(page)["boxes"]
    put_cursor_on_line(page, 4)  # the loop body: three multiplications
    want = nodes_made_by_line(LOOP, 4, shown)
    assert len(want) == 3
    page.wait_for_function("(n) => document.querySelectorAll('svg.explorer-linemarks rect.line-node').length === n",
                           arg=len(want), timeout=5_000)
    assert set(line_marks(page)) == want
    titles = graph_meta(page)["titles"]
    assert all(titles[nid].startswith("mul") for nid in want)

    page.keyboard.press("ArrowUp")
    page.keyboard.press("ArrowUp")  # line 2: total = x.sum()
    want = nodes_made_by_line(LOOP, 2, shown)
    page.wait_for_function("(n) => document.querySelectorAll('svg.explorer-linemarks rect.line-node').length === n",
                           arg=len(want), timeout=5_000)
    assert set(line_marks(page)) == want and len(want) == 1

    page.keyboard.press("ArrowDown")  # line 3 (the for line) makes none of the nodes
    page.wait_for_function("() => document.querySelectorAll('svg.explorer-linemarks rect.line-node').length === 0",
                           timeout=5_000)

    # once the text is edited the old spans say nothing: no outline until the next run
    put_cursor_on_line(page, 4)
    page.wait_for_function("() => document.querySelectorAll('svg.explorer-linemarks rect.line-node').length === 3")
    page.keyboard.press("End")
    page.keyboard.type(" + 1")
    page.wait_for_function("() => document.querySelectorAll('svg.explorer-linemarks rect.line-node').length === 0")
    # undone, the text is the program that ran again
    for _ in range(4):  # typing is undone in one step, or a few on a slow machine
        page.keyboard.press("Control+z")
        if editor_text(page) == LOOP:
            break
    assert editor_text(page) == LOOP
    page.keyboard.press("ArrowLeft")
    page.wait_for_function("() => document.querySelectorAll('svg.explorer-linemarks rect.line-node').length === 3")
    assert page.errors == []


def test_clicking_a_node_marks_its_text_in_the_editor(page):
    open_app(page)
    meta = graph_meta(page)
    add = next(nid for nid, title in meta["titles"].items() if title.startswith("add"))
    click_node(page, add)
    page.wait_for_selector("#code-editor .cm-node-span", timeout=10_000)
    tr = explorer.trace(FIRST.source)
    assert page.inner_text("#code-editor .cm-node-span") == tr.nodes[add].span.text  # "x + 2"
    mean = next(nid for nid, title in meta["titles"].items() if title.startswith("mean"))
    click_node(page, mean)
    page.wait_for_function("(t) => document.querySelector('#code-editor .cm-node-span').textContent === t",
                           arg=tr.nodes[mean].span.text, timeout=10_000)
    assert page.locator("#code-editor .cm-node-span").count() == 1


def test_the_timeline_keys_type_in_the_editor_and_ctrl_enter_runs(page):
    open_app(page)
    page.click(EDITOR_CONTENT)
    page.keyboard.press("Control+End")
    for key in (" ", "ArrowRight", "ArrowLeft", "Home", "End", "p", "P"):
        page.keyboard.press(key)
    assert editor_text(page) == FIRST.source + " pP"
    assert page.evaluate("() => window.ExplorerApp.k") == -1  # no step taken
    assert not page.evaluate("() => document.body.classList.contains('present')")
    # Tab indents in the editor (four spaces) and keeps the focus there
    page.keyboard.press("Tab")
    assert editor_text(page) == FIRST.source + "    " + " pP"
    assert page.evaluate("() => !!document.activeElement.closest('#code-editor')")

    # Ctrl+Enter runs what is typed (and adds no line)
    set_program(page, "a = torch.tensor(2.0, requires_grad=True)\nb = a * a * a\nb.backward()\n")
    page.keyboard.press("Control+Enter")
    page.wait_for_function("() => { const gd = document.querySelector('#graph .js-plotly-plot');"
                           " return window.ExplorerPlayer.meta(gd) && Object.keys(window.ExplorerPlayer.meta(gd)"
                           ".boxes).length === 3; }", timeout=15_000)
    wait_idle(page)
    assert editor_text(page).count("\n") == 3
    assert page.errors == []


def test_a_link_and_an_example_fill_the_editor(page):
    ex = examples.get("two-paths")
    open_app(page, f"v=1&ex={ex.key}")
    assert editor_text(page) == ex.source
    page.click(EDITOR_CONTENT)
    page.keyboard.press("Control+End")
    page.keyboard.type("# mine")
    page.click("#example")
    page.get_by_role("option", name=FIRST.title("en")).click()
    page.wait_for_function("(src) => window.ExplorerEditor.text() === src", arg=FIRST.source, timeout=15_000)
    wait_idle(page)
    page.wait_for_timeout(400)  # longer than the editor's copy delay: the old text must not come back
    assert editor_text(page) == FIRST.source
    assert page.input_value("#editor") == FIRST.source
