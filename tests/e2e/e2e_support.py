"""Helpers the end-to-end tests share: waiting for the graph, clicking a node, reading the player."""
from __future__ import annotations

import time

# --- helpers the tests share ------------------------------------------------------------------------------

# The figure's animation data (layout.meta.explorer), read by the page's own parser (assets/animation.js).
META = "(gd => window.ExplorerPlayer.meta(gd))"

GRAPH_READY = """() => {
  const gd = document.querySelector('#graph .js-plotly-plot');
  return !!(gd && gd.layout && gd.layout.meta && gd.layout.meta.explorer && gd._fullLayout);
}"""


def open_app(page, query: str = "", timeout: float = 30_000):
    page.goto(page.app_url + (("?" + query) if query else ""))
    page.wait_for_function(GRAPH_READY, timeout=timeout)
    wait_idle(page)
    wait_canvas(page)
    return page


def wait_canvas(page, timeout: float = 20_000) -> None:
    """Until the graph's canvas has its size (assets/app.js fitCanvas: a new figure may make it taller or
    shorter, and plotly then draws again): no fit under way, and the same height twice 100 ms apart."""
    page.wait_for_function("""() => { const app = window.ExplorerApp;
        const gd = document.querySelector('#graph .js-plotly-plot');
        if (!gd || (app && app.fitting)) return false;
        const h = gd.getBoundingClientRect().height, same = window.__explorerHeight === h;
        window.__explorerHeight = h; return same; }""", polling=100, timeout=timeout)


def wait_idle(page, timeout: float = 30_000) -> None:
    """Until Dash has no callback in flight (its loading state is on <div data-dash-is-loading>)."""
    page.wait_for_function("() => !document.querySelector('[data-dash-is-loading=\"true\"]')", timeout=timeout)
    time.sleep(0.05)


def graph_meta(page) -> dict:
    return page.evaluate(f"() => {META}(document.querySelector('#graph .js-plotly-plot'))")


def wait_graph_change(page, old_meta_steps: int | None = None, previous: str | None = None, timeout: float = 30_000):
    """Until the graph's node set differs from `previous` (a JSON string of box ids)."""
    page.wait_for_function(
        """(prev) => {
          const gd = document.querySelector('#graph .js-plotly-plot');
          if (!gd || !gd.layout || !gd.layout.meta || !gd.layout.meta.explorer) return false;
          const m = META(gd);
          return JSON.stringify(Object.keys(m.boxes)) + m.steps.length !== prev;
        }""".replace("META", META), arg=previous, timeout=timeout)
    wait_idle(page)


def graph_signature(page) -> str:
    return page.evaluate("""() => { const m = META(document.querySelector('#graph .js-plotly-plot'));
                                    return JSON.stringify(Object.keys(m.boxes)) + m.steps.length; }"""
                         .replace("META", META))


def click_node(page, node_id: str) -> None:
    """A real mouse click on the node's box, where plotly's hover marker for it sits; the page is scrolled to
    the node first if it is out of the window (a small graph's canvas may be taller than the window)."""
    wait_idle(page)
    wait_canvas(page)
    xy = page.evaluate(
        """(nid) => {
          const gd = document.querySelector('#graph .js-plotly-plot');
          const t = gd._fullData.find(d => d.name === 'nodes');
          const i = t.customdata.indexOf(nid);
          const fl = gd._fullLayout;
          const at = () => { const r = gd.getBoundingClientRect();
            return [r.left + fl._size.l + fl.xaxis.d2p(t.x[i]), r.top + fl._size.t + fl.yaxis.d2p(t.y[i])]; };
          const [x, y] = at();
          if (y < 40 || y > window.innerHeight - 40) { window.scrollBy(0, y - window.innerHeight / 2); }
          return at();
        }""", node_id)
    page.mouse.move(xy[0], xy[1])
    page.wait_for_timeout(80)
    page.mouse.click(xy[0], xy[1])
    page.wait_for_function("(nid) => { const d = document.querySelector('#detail [data-node]');"
                           " return d && d.getAttribute('data-node') === nid; }", arg=node_id, timeout=15_000)


def player_state(page) -> dict:
    return page.evaluate("() => ({k: window.ExplorerApp.k, caption: document.getElementById('caption').innerText})")


def highlight(page) -> dict:
    """What the animation's highlight layer currently shows: the lit box, edges and number."""
    return page.evaluate("""() => { const svg = document.querySelector('#graph svg.explorer-overlay');
      if (!svg) return {step: null, node: 0, edge: 0, text: ''};
      return {step: Number(svg.getAttribute('data-step')), node: svg.querySelectorAll('rect.hl-node').length,
              edge: svg.querySelectorAll('path.hl-edge').length,
              text: Array.from(svg.querySelectorAll('text.hl-text')).map(t => t.textContent).join('')}; }""")


# The program editor (assets/editor.js): CodeMirror's editable element, and its text as the user sees it.
EDITOR_CONTENT = "#code-editor .cm-content"


def editor_text(page) -> str:
    """The program in the code editor (what the user sees; #editor's value follows it a moment later)."""
    return page.evaluate("() => window.ExplorerEditor.text()")


# A paste, as the browser delivers one: CodeMirror's own paste handling inserts the text (typing it key by key
# would auto-indent each new line, and Chromium's text input is slow for thousands of lines).
PASTE = """(text) => {
  const dt = new DataTransfer();
  dt.setData('text/plain', text);
  document.querySelector('#code-editor .cm-content').dispatchEvent(
    new ClipboardEvent('paste', {clipboardData: dt, bubbles: true, cancelable: true}));
}"""


def paste(page, text: str) -> None:
    """Paste `text` where the editor's cursor is (replacing its selection)."""
    page.evaluate(PASTE, text)


def set_program(page, source: str) -> None:
    """Replace the editor's text with `source` as a user would: click in it, select all, paste (CodeMirror gets
    it as input, not through an API). Nothing is run."""
    page.wait_for_function("() => window.ExplorerEditor && window.ExplorerEditor.view")
    page.click(EDITOR_CONTENT)
    page.keyboard.press("Control+a")
    if source:
        paste(page, source)
    else:
        page.keyboard.press("Delete")
    page.wait_for_function("(src) => window.ExplorerEditor.text() === src", arg=source, timeout=10_000)


def run_program(page, source: str) -> None:
    """Type `source` into the editor (replacing what is there) and press Ctrl+Enter."""
    set_program(page, source)
    page.keyboard.press("Control+Enter")


def set_group_depth(page, label: str) -> None:
    """Choose in the toolbar's group control (explorer/app/groups.py): "All open", "Automatic", "Repeated blocks
    once", "Modules to depth 1", ..."""
    page.click("#group-depth")
    page.get_by_role("option", name=label, exact=True).click()
    wait_idle(page)


# --- how readable the graph is ----------------------------------------------------------------------------

# The smallest node label on screen, in CSS pixels: for every line (tspan) of every label of the labels trace
# (explorer/drawing/figure.py NODE_LABELS), its computed font size times the scale the screen draws it at
# (getScreenCTM: plotly's plot transform and the label's own fit transform, assets/animation.js fitText).
# null when no label is drawn (a big graph zoomed out: labels are hidden until one zooms in).
LABEL_PX_JS = """() => {
  const gd = document.querySelector('#graph .js-plotly-plot');
  const i = gd._fullData.findIndex(d => d.name === 'labels');
  if (i < 0 || gd._fullData[i].visible === false) return {min: null, labels: 0};
  const layer = gd.querySelectorAll('.scatterlayer .trace')[i];
  let min = null, max = null, labels = 0;
  for (const t of (layer ? layer.querySelectorAll('.textpoint text') : [])) {
    if (!t.textContent.trim()) continue;
    labels += 1;
    const m = t.getScreenCTM();
    const scale = Math.hypot(m.a, m.b);
    const parts = t.querySelectorAll('tspan').length ? t.querySelectorAll('tspan') : [t];
    for (const s of parts) {
      if (!s.textContent.trim()) continue;
      const px = parseFloat(getComputedStyle(s).fontSize) * scale;
      if (min === null || px < min) min = px;
      if (max === null || px > max) max = px;
    }
  }
  return {min: min, max: max, labels: labels};
}"""

# How the graph uses its canvas: the plot's size in pixels and the share of it the drawn graph covers.
CANVAS_JS = """() => {
  const gd = document.querySelector('#graph .js-plotly-plot');
  const fl = gd._fullLayout, xa = fl.xaxis, ya = fl.yaxis;
  const boxes = window.ExplorerPlayer.meta(gd).boxes;
  let x0 = Infinity, y0 = Infinity, x1 = -Infinity, y1 = -Infinity;
  for (const b of Object.values(boxes)) {
    x0 = Math.min(x0, xa.l2p(b[0]), xa.l2p(b[2])); x1 = Math.max(x1, xa.l2p(b[0]), xa.l2p(b[2]));
    y0 = Math.min(y0, ya.l2p(b[1]), ya.l2p(b[3])); y1 = Math.max(y1, ya.l2p(b[1]), ya.l2p(b[3]));
  }
  return {width: fl._size.w, height: fl._size.h, used_w: (x1 - x0) / fl._size.w, used_h: (y1 - y0) / fl._size.h,
          nodes: Object.keys(boxes).length, direction: (gd.layout.meta.fit || {}).direction || null};
}"""


def label_px(page) -> dict:
    """{"min": smallest node-label text on screen in px (None if none is drawn), "max", "labels": how many}."""
    return page.evaluate(LABEL_PX_JS)


def canvas_use(page) -> dict:
    """The plot's size in px and the fraction of its width and height the graph's boxes span."""
    return page.evaluate(CANVAS_JS)


def caption_fits(page) -> dict:
    """Whether the step caption shows all its text: not scrolled or cut inside its box, and inside the window."""
    return page.evaluate("""() => { const c = document.getElementById('caption');
      const r = c.getBoundingClientRect();
      return {scroll: c.scrollHeight, client: c.clientHeight, top: r.top, bottom: r.bottom,
              viewport: window.innerHeight, text: c.innerText,
              fits: c.scrollHeight <= c.clientHeight + 1 && r.top >= 0 && r.bottom <= window.innerHeight}; }""")
