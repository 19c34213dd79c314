"""Readable in front of a class (issue 14): the app at 1280x720, as a projector shows it.

- every gallery example of up to READABLE_MAX_NODES nodes, opened by its link, draws no node text smaller
  than READABLE_PX on screen (benchmarks/bench_readability.py prints the sizes for every example); a bigger
  one that "Automatic" groups collapse to an overview, none smaller than AUTO_LEGIBLE_PX;
- the canvas follows the graph: a left-to-right chain does not leave most of the canvas empty;
- presentation mode shows the whole step caption, its longest lines included.
"""
from __future__ import annotations

from pathlib import Path

import pytest
from e2e_support import canvas_use, caption_fits, graph_meta, label_px, open_app, wait_idle

import explorer
from explorer import examples
from explorer.choices import AUTO_LEGIBLE_PX, READABLE_MAX_NODES, READABLE_PX

pytestmark = pytest.mark.browser

PROJECTOR = {"width": 1280, "height": 720}


@pytest.fixture
def small_page(browser, live_app):
    """A fresh page in a 1280x720 window (a classroom projector's)."""
    context = browser.new_context(viewport=PROJECTOR, locale="en-US")
    page = context.new_page()
    page.errors = []
    page.on("pageerror", lambda e: page.errors.append(str(e)))
    page.app_url = live_app.url
    yield page
    context.close()


def _settled(page) -> None:
    """Until the canvas has its final size and the labels their fit (assets/app.js fitCanvas, fitText)."""
    wait_idle(page)
    page.wait_for_function("""() => { const gd = document.querySelector('#graph .js-plotly-plot');
        const h = gd.getBoundingClientRect().height;
        const still = window.__lastH === h; window.__lastH = h; return still; }""", polling=300, timeout=20_000)
    page.wait_for_timeout(200)


@pytest.mark.parametrize("key", [ex.key for ex in examples.EXAMPLES])
def test_small_graphs_are_readable_at_1280x720(small_page, key):
    open_app(small_page, f"v=1&ex={key}&all=1")  # every value and gradient shown: the widest labels
    _settled(small_page)
    use, px = canvas_use(small_page), label_px(small_page)
    if use["nodes"] > READABLE_MAX_NODES:
        pytest.skip(f"{use['nodes']} nodes: a big graph is fitted to the window, zoom in to read")
    assert px["min"] is not None, "no node label drawn"
    collapsed = bool(graph_meta(small_page).get("hidden"))  # a bigger graph's overview (groups.py "auto")
    bar = AUTO_LEGIBLE_PX if collapsed else READABLE_PX
    assert px["min"] >= bar, (
        f"{key}: smallest node text {px['min']:.1f} px < {bar:g} px ({use['nodes']} nodes, "
        f"{use['direction']}, plot {use['width']:.0f}x{use['height']:.0f} px)")
    assert not small_page.errors


def test_a_left_to_right_chain_fills_its_canvas(small_page):
    """first-graph drawn left to right (the user's choice) is a flat chain of 5 boxes: the canvas shrinks to it
    instead of leaving two thirds of its height empty."""
    open_app(small_page, "v=1&ex=first-graph&dir=LR")
    _settled(small_page)
    use = canvas_use(small_page)
    assert use["used_w"] > 0.8 and use["used_h"] > 0.6, use
    assert use["direction"] == "LR"


def _open_presenting(page, query: str) -> None:
    """Open the app at `query` and press P: presentation mode, the canvas and labels settled."""
    open_app(page, query)
    _settled(page)
    page.locator("body").click(position={"x": 3, "y": 3})
    page.keyboard.press("p")
    page.wait_for_function("() => document.body.classList.contains('present')")
    _settled(page)


def test_presentation_mode_shows_the_whole_caption(small_page):
    _open_presenting(small_page, "v=1&ex=first-graph")
    # the longest captions are the backward steps that send to two inputs: look at every step
    n = small_page.evaluate("() => window.ExplorerPlayer.count(document.querySelector('#graph .js-plotly-plot'))")
    worst = None
    for k in range(n):
        small_page.keyboard.press("ArrowRight")
        small_page.wait_for_function(f"() => window.ExplorerApp.k === {k}")
        small_page.wait_for_timeout(60)
        fit = caption_fits(small_page)
        if worst is None or fit["bottom"] > worst["bottom"] or not fit["fits"]:
            worst = fit
        assert fit["fits"], f"step {k + 1}: caption cut off: {fit}"
    assert worst is not None and worst["text"]


# --- exported images: every label inside its box ----------------------------------------------------------

LABEL_EXTENTS_JS = """(labelsIndex) => {
  const svg = document.querySelector('svg');
  const layer = svg.querySelectorAll('.scatterlayer .trace')[labelsIndex];
  return Array.from(layer.querySelectorAll('.textpoint text')).map(t => {
    const r = t.getBoundingClientRect();
    return [r.left, r.top, r.right, r.bottom];
  });
}"""


@pytest.mark.parametrize("key", ["relu-tanh", "control-flow", "class-mlp", "himmelblau-adam"])
def test_exported_svg_labels_sit_inside_their_boxes(small_page, key):
    """An SVG made by the export path (kaleido), drawn by Chromium: each label's drawn extent, measured by the
    browser, lies inside its node's box (today 'tanh · TanhBackward0' spilled over its border)."""
    from explorer.drawing.export import to_image
    from explorer.drawing.figure import NODE_LABELS, figure, figure_meta

    ex = examples.get(key)
    fig = figure(explorer.trace(ex.source, inputs=ex.inputs, backward=ex.backward, sandbox=False))
    svg = to_image(fig, "svg").decode()
    index = [t.name for t in fig.data].index(NODE_LABELS)
    _assert_labels_inside(small_page, key, svg, index, list(figure_meta(fig)["boxes"].values()))


@pytest.mark.parametrize("key", ["relu-tanh", "control-flow"])
def test_the_apps_svg_download_keeps_labels_inside_their_boxes(small_page, key):
    """The app's own SVG button (plotly.js's image export in the page, assets/app.js downloadImage): the
    picture is drawn at the graph's own size, not squeezed to the window with the labels left at full size."""
    open_app(small_page, f"v=1&ex={key}&dir=LR&all=1")
    _settled(small_page)
    boxes, index = small_page.evaluate("""() => { const gd = document.querySelector('#graph .js-plotly-plot');
        return [Object.values(window.ExplorerPlayer.meta(gd).boxes),
                gd.data.findIndex(t => t.name === 'labels')]; }""")
    with small_page.expect_download() as info:
        small_page.click("#exp-svg")
    svg = Path(info.value.path()).read_text(encoding="utf-8")
    _assert_labels_inside(small_page, key, svg, index, boxes)


def _assert_labels_inside(page, key: str, svg: str, labels_index: int, boxes: list) -> None:
    """Draw `svg` in the page and check that each label's drawn extent lies inside its box (`boxes`, in layout
    units, in the order of the labels trace, which is trace `labels_index`)."""
    page.set_content(f"<html><body style='margin:0'>{svg}</body></html>")
    extents = page.evaluate(LABEL_EXTENTS_JS, labels_index)
    assert len(extents) == len(boxes) > 0
    # image px per layout unit, from the labels' centres (each label is centred on its box)
    xs = [((b[0] + b[2]) / 2, (e[0] + e[2]) / 2) for b, e in zip(boxes, extents)]
    ys = [((b[1] + b[3]) / 2, (e[1] + e[3]) / 2) for b, e in zip(boxes, extents)]
    pairs = max((xs, ys), key=lambda p: max(u for u, _ in p) - min(u for u, _ in p))
    (u0, p0), (u1, p1) = min(pairs), max(pairs)
    scale = (p1 - p0) / (u1 - u0)
    for (x0, y0, x1, y1), (left, top, right, bottom) in zip(boxes, extents):
        assert right - left <= (x1 - x0) * scale, f"{key}: a label {right - left:.0f} px wide, its box " \
                                                  f"{(x1 - x0) * scale:.0f} px"
        assert bottom - top <= (y1 - y0) * scale + 1, f"{key}: a label taller than its box"


# --- exported images: the gradients on the edges, as on screen ------------------------------------------------


def _step_to(page, k: int) -> None:
    """The player at step k (0-based), by the keyboard, as a user steps."""
    page.locator("body").click(position={"x": 3, "y": 3})
    while page.evaluate("() => window.ExplorerApp.k") < k:
        before = page.evaluate("() => window.ExplorerApp.k")
        page.keyboard.press("ArrowRight")
        page.wait_for_function(f"() => window.ExplorerApp.k > {before}")


def test_the_apps_svg_download_shows_the_edge_gradients_of_the_step(small_page):
    """At a backward step, the app's SVG button draws the gradients the step's edges carry, as the screen does
    (they are on the player's own layer over the plot, which plotly.js's image export does not see)."""
    open_app(small_page, "v=1&ex=first-graph")
    _settled(small_page)
    meta = small_page.evaluate("() => window.ExplorerPlayer.meta(document.querySelector('#graph .js-plotly-plot'))")
    k = next(j for j in range(meta["n_forward"], len(meta["steps"])) if any(meta["steps"][j]["g"]))
    _step_to(small_page, k)
    on_screen = small_page.evaluate(
        "() => Array.from(document.querySelectorAll('svg.explorer-overlay g.edge-grad text')).map(t => t.textContent)")
    assert on_screen and set(on_screen) == {g for g in meta["steps"][k]["g"] if g}
    with small_page.expect_download() as info:
        small_page.click("#exp-svg")
    svg = Path(info.value.path()).read_text(encoding="utf-8")
    for g in on_screen:
        assert f">{g}<" in svg, f"the SVG lacks the edge label {g!r}"


def test_the_pdf_export_draws_the_steps_edge_labels():
    """The server's PDF (and any image through kaleido) at the player's step, "show all" or not: the callback
    behind the PDF button makes the picture figure_at_step draws, whose SVG carries the edge labels' text."""
    from explorer.app.callbacks import make_figure
    from explorer.drawing.export import to_image
    from explorer.drawing.figure import as_figure, edge_grads, figure_at_step, figure_meta

    ex = examples.get("first-graph")
    fig = as_figure(make_figure(explorer.trace(ex.source, inputs=ex.inputs, backward=ex.backward, sandbox=False)))
    meta = figure_meta(fig)
    k = meta["n_forward"] + 1
    for show_all in (False, True):
        grads = edge_grads(meta, k, show_all)
        assert grads
        svg = to_image(figure_at_step(fig, k, show_all=show_all), "svg").decode()
        for g in grads.values():
            assert f">{g}<" in svg, (show_all, g)


def test_edge_labels_on_screen_cover_no_node(small_page):
    """first-graph left to right, every backward step: each gradient label's frame on the player's layer
    (assets/animation.js labelSpot) overlaps no node's box, both measured in screen pixels."""
    open_app(small_page, "v=1&ex=first-graph&dir=LR")
    _settled(small_page)
    meta = small_page.evaluate("() => window.ExplorerPlayer.meta(document.querySelector('#graph .js-plotly-plot'))")
    for k in range(meta["n_forward"], len(meta["steps"])):
        _step_to(small_page, k)
        hits = small_page.evaluate("""() => {
            const gd = document.querySelector('#graph .js-plotly-plot'), m = window.ExplorerPlayer.meta(gd);
            const fl = gd._fullLayout, svg = document.querySelector('svg.explorer-overlay').getBoundingClientRect();
            const X = v => svg.left + fl.xaxis.l2p(v), Y = v => svg.top + fl.yaxis.l2p(v);
            const boxes = Object.values(m.boxes).map(b => [X(b[0]), Y(b[1]), X(b[2]), Y(b[3])]);
            return Array.from(document.querySelectorAll('svg.explorer-overlay g.edge-grad rect')).flatMap(r => {
              const q = r.getBoundingClientRect();
              return boxes.filter(b => q.left < b[2] && b[0] < q.right && q.top < b[3] && b[1] < q.bottom)
                          .map(b => [q.left, q.top, q.right, q.bottom, ...b]);
            });
        }""")
        assert not hits, f"step {k}: a label covers a node: {hits}"


def test_frame_labels_sharing_a_strip_do_not_run_into_each_other_when_shrunk(small_page):
    """class-mlp in presentation mode is drawn smaller than its layout (zoom < 1): the labels of a frame's strip
    (`for step · iteration 18 ›`, then `net · Net`) are shrunk from their start, so each still begins after the
    one before ends (shrunk about their middles, they overlapped)."""
    _open_presenting(small_page, "v=1&ex=class-mlp")
    found = small_page.evaluate("""() => {
        const labels = [...document.querySelectorAll('#graph .scatterlayer .textpoint text')]
          .filter(t => t.getAttribute('text-anchor') === 'start').map(t => {
            const b = t.getBoundingClientRect();
            return {text: t.textContent, left: b.left, right: b.right, top: b.top}; });
        const hits = [];
        for (let i = 0; i < labels.length; i++) for (let j = i + 1; j < labels.length; j++) {
          const a = labels[i], c = labels[j];
          if (Math.abs(a.top - c.top) < 3 && a.left < c.right && c.left < a.right) hits.push([a.text, c.text]);
        }
        return {labels: labels.length, hits: hits}; }""")
    assert found["labels"] >= 6 and not found["hits"], found


# Every step's number (the value or gradient written by the lit node, assets/animation.js overlay) drawn at step
# k: the ones whose text reaches outside the overlay, i.e. is cut off by the picture's edge.
NUMBERS_OUTSIDE_JS = """(big) => { const gd = document.querySelector('#graph .js-plotly-plot');
  const P = window.ExplorerPlayer, svg = P.svgLayer(gd, 'explorer-overlay'), n = P.meta(gd).steps.length;
  const w = +svg.getAttribute('width'), h = +svg.getAttribute('height'), out = [];
  let shown = 0;
  for (let k = 0; k < n; k++) {
    P.overlay(gd, k, big);
    const t = svg.querySelector('text.hl-text');
    if (!t) continue;
    shown += 1;
    const b = t.getBBox();
    if (b.x < -0.5 || b.y < -0.5 || b.x + b.width > w + 0.5 || b.y + b.height > h + 0.5)
      out.push([k, t.textContent, Math.round(b.x), Math.round(b.y), Math.round(b.width), w, h]);
  }
  return {shown: shown, out: out}; }"""


@pytest.mark.parametrize("key", ["himmelblau-adam", "class-mlp"])
def test_the_lit_nodes_number_is_never_cut_off_by_the_pictures_edge(small_page, key):
    """In presentation mode a box in the top row had its number written above it, outside the picture: half of
    `-6.741` was cut off. Every step's number now lies inside, below the box when there is no room above."""
    _open_presenting(small_page, f"v=1&ex={key}")
    result = small_page.evaluate(NUMBERS_OUTSIDE_JS, True)
    assert result["shown"] > 5 and result["out"] == []
    assert not small_page.errors
