"""The app in a real headless Chromium: how long a learner waits, and how smoothly the steps play.

    .venv/bin/python benchmarks/bench_browser.py [--repeat 5]

Prints, never asserts:
- page load to first graph (the default example drawn), median of a few fresh pages;
- run to graph: from pressing Run to plotly having drawn the new graph, for every gallery example and for a
  1,000-node program (Run pressed in the page, so it includes the sandboxed run, the figure, the transfer
  and plotly's drawing);
- animation: frames per second when ExplorerPlayer.show is driven in a loop in the page on a 500-node graph,
  both back to back (cost of one frame) and paced by requestAnimationFrame (what the screen shows);
- pan and zoom on a 1,000-node graph: mouse moves handled per second while dragging, frames per second the
  screen shows meanwhile, and how long plotly takes to redraw at a new zoom (what each wheel step costs).
Needs Chromium (/usr/bin/chromium) and playwright (the test extra). The app runs in this process, in a
thread, on a free port of 127.0.0.1; nothing leaves the machine.
"""
from __future__ import annotations

import argparse
import logging
import shutil
import socket
import statistics
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--no-first-run", "--disable-dev-shm-usage"]
# No GPU here: WebGL comes from Chromium's software renderer, which must be allowed explicitly. The app uses
# WebGL only on a GPU; pan and zoom are measured in SVG and, forced with ?gl=1 in this second browser, WebGL.
WEBGL_ARGS = [a for a in CHROMIUM_ARGS if a != "--disable-gpu"] + ["--use-angle=swiftshader",
                                                                    "--enable-unsafe-swiftshader"]


def chain_program(nodes: int) -> str:
    """A tanh chain with three ops per link (mul, add, tanh): about `nodes` graph nodes, constants aside."""
    links = max(1, (nodes - 3) // 3)
    return ("x = torch.tensor(0.5, requires_grad=True)\nw = torch.tensor(0.9, requires_grad=True)\n"
            "b = torch.tensor(0.1, requires_grad=True)\ny = x\n"
            f"for i in range({links}):\n    y = torch.tanh(y * w + b)\n")


def serve():
    from werkzeug.serving import make_server

    from explorer.app import create_app
    from explorer.sandbox import default_pool

    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    app = create_app()
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    httpd = make_server("127.0.0.1", port, app.server, threaded=True)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    default_pool().wait_ready(timeout=60)
    return httpd, f"http://127.0.0.1:{port}/"


READY = """() => { const gd = document.querySelector('#graph .js-plotly-plot');
  return !!(gd && gd.layout && gd.layout.meta && gd.layout.meta.explorer && gd._fullLayout); }"""


def wait_quiet(page) -> None:
    page.wait_for_function("() => !document.querySelector('[data-dash-is-loading=\"true\"]')", timeout=120_000)


def run_and_time(page, source: str) -> float:
    """Seconds from pressing Run to plotly having drawn the new figure."""
    drawn = page.evaluate("() => window.ExplorerApp.drawn")
    page.evaluate("(s) => { const ed = document.getElementById('editor');"
                  " const set = Object.getOwnPropertyDescriptor(HTMLTextAreaElement.prototype, 'value').set;"
                  " set.call(ed, s); ed.dispatchEvent(new Event('input', {bubbles: true})); }", source)
    page.wait_for_timeout(50)
    t0 = time.perf_counter()
    page.click("#run-btn")
    page.wait_for_function(f"() => window.ExplorerApp.drawn > {drawn}", timeout=120_000, polling=10)
    elapsed = time.perf_counter() - t0
    error = page.inner_text("#error-box").strip()
    if error:
        print(f"    (the program failed: {error.splitlines()[0]})")
    wait_quiet(page)
    return elapsed


FPS_JS = """async ([frames, how]) => {
  const gd = document.querySelector('#graph .js-plotly-plot');
  const n = window.ExplorerPlayer.count(gd);
  // "app": the app's highlight layer (assets/app.js); "restyle": ExplorerPlayer.show, plotly restyles traces
  const P = how === 'app' ? {show: (g, k) => window.ExplorerApp.show(k)} : window.ExplorerPlayer;
  // back to back, with the browser made to lay out each frame (reading a size forces it)
  let t0 = performance.now();
  for (let i = 0; i < frames; i++) { P.show(gd, i % n); void gd.getBoundingClientRect().width;
    const o = gd.querySelector('svg.explorer-overlay'); if (o && o.firstChild) o.firstChild.getBBox(); }
  const tight = performance.now() - t0;
  t0 = performance.now();
  await new Promise(resolve => { let i = 0;
    const tick = () => { P.show(gd, i % n); i += 1; if (i < frames) requestAnimationFrame(tick); else resolve(); };
    requestAnimationFrame(tick); });
  const paced = performance.now() - t0;
  return {n: n, frames: frames, tight_ms: tight, paced_ms: paced};
}"""


ZOOM_JS = """async (readable) => {
  // readable: a window as wide as the plot in pixels (labels at full size); else an eighth of the graph
  const gd = document.querySelector('#graph .js-plotly-plot');
  const xr = gd._fullLayout.xaxis.range.slice(), times = [];
  const w = readable ? gd._fullLayout.xaxis._length : (xr[1] - xr[0]) / 8;
  for (let i = 0; i < 8; i++) {
    const t = performance.now();
    await Plotly.relayout(gd, {'xaxis.range': [xr[0] + i * w / 4, xr[0] + i * w / 4 + w]});
    await new Promise(r => setTimeout(r, 0));  // a label change (assets/animation.js) redraws once more
    times.push(performance.now() - t);
  }
  await Plotly.relayout(gd, {'xaxis.autorange': true, 'yaxis.autorange': true});
  times.sort((a, b) => a - b);
  return {median: times[4], max: times[7]};
}"""


def drag(page, moves: int = 40) -> tuple[float, float]:
    """Drag the graph sideways with the mouse: (mouse moves handled per second, frames per second)."""
    box = page.query_selector("#graph .nsewdrag").bounding_box()
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    page.evaluate("window.__frames = 0; (function f() { window.__frames++; requestAnimationFrame(f); })()")
    page.mouse.move(x, y)
    page.mouse.down()
    f0, t0 = page.evaluate("window.__frames"), time.perf_counter()
    for i in range(moves):
        page.mouse.move(x - 5 * i, y)
    f1, seconds = page.evaluate("window.__frames"), time.perf_counter() - t0
    page.mouse.up()
    return moves / seconds, (f1 - f0) / seconds


def pan_and_zoom(page) -> None:
    run_and_time(page, chain_program(1000))
    shown = page.inner_text("#status").split()[0]
    moves, fps = drag(page)
    far, near = page.evaluate(ZOOM_JS, False), page.evaluate(ZOOM_JS, True)
    gl = page.evaluate("() => document.querySelector('#graph .js-plotly-plot')._fullData"
                       ".some(t => t.type === 'scattergl')")
    print(f"pan and zoom on {shown} nodes ({'lines in WebGL' if gl else 'all SVG'}): dragging {moves:.0f} mouse "
          f"moves/s, {fps:.0f} frames/s; redraw at a new zoom: zoomed out (labels too small to read, hidden) "
          f"median {far['median']:.0f} ms (max {far['max']:.0f}), labels readable median {near['median']:.0f} ms "
          f"(max {near['max']:.0f})")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=5, help="fresh page loads to time (default 5)")
    parser.add_argument("--frames", type=int, default=200, help="animation frames to time (default 200)")
    args = parser.parse_args()
    browser_exe = next((p for p in map(shutil.which, ("chromium", "chromium-browser", "google-chrome")) if p), None)
    if browser_exe is None:
        print("needs Chromium: apt-get install chromium")
        return 1
    from playwright.sync_api import sync_playwright

    from explorer import examples

    httpd, url = serve()
    print(f"app on {url} · Chromium {browser_exe}")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=browser_exe, args=CHROMIUM_ARGS)
        loads = []
        for _ in range(args.repeat):
            ctx = browser.new_context(viewport={"width": 1500, "height": 950})
            page = ctx.new_page()
            t0 = time.perf_counter()
            page.goto(url)
            page.wait_for_function(READY, timeout=60_000, polling=10)
            loads.append(time.perf_counter() - t0)
            ctx.close()
        print(f"page load to first graph: median {statistics.median(loads) * 1000:.0f} ms "
              f"(min {min(loads) * 1000:.0f}, max {max(loads) * 1000:.0f}; {len(loads)} fresh pages)")

        ctx = browser.new_context(viewport={"width": 1500, "height": 950})
        page = ctx.new_page()
        page.goto(url)
        page.wait_for_function(READY, timeout=60_000)
        wait_quiet(page)
        print("run to graph, gallery (Run pressed -> plotly drew it):")
        times = []
        for ex in examples.EXAMPLES:
            s = run_and_time(page, ex.source)
            nodes = len(page.evaluate("() => { const r = document.querySelector('#graph .js-plotly-plot')"
                                      ".layout.meta.explorer; return Object.keys(typeof r === 'string' ?"
                                      " JSON.parse(r).boxes : r.boxes); }"))
            times.append(s)
            print(f"  {ex.key:<24} {s * 1000:7.0f} ms  {nodes:5d} nodes")
        print(f"  median {statistics.median(times) * 1000:.0f} ms, max {max(times) * 1000:.0f} ms")
        for n in (500, 1000):
            s = run_and_time(page, chain_program(n))
            status = page.inner_text("#status").splitlines()[0]
            print(f"run to graph, {n}-node program: {s * 1000:.0f} ms  ({status})")
            s = run_and_time(page, chain_program(n) + "# again: the cache answers\n")
            print(f"  the same again (program text changed, so run again): {s * 1000:.0f} ms")

        run_and_time(page, chain_program(500))
        shown = page.inner_text("#status").split()[0]
        for how, frames, label in (("app", args.frames, "the app's highlight layer"),
                                   ("restyle", 10, "ExplorerPlayer.show (plotly restyle)")):
            r = page.evaluate(FPS_JS, [frames, how])
            print(f"animation on {shown} nodes ({r['n']} steps), {label}: back to back "
                  f"{r['frames'] / r['tight_ms'] * 1000:.0f} frames/s ({r['tight_ms'] / r['frames']:.2f} ms a frame); "
                  f"paced by requestAnimationFrame {r['frames'] / r['paced_ms'] * 1000:.0f} frames/s")
        pan_and_zoom(page)
        gl_browser = p.chromium.launch(executable_path=browser_exe, args=WEBGL_ARGS)
        gl_ctx = gl_browser.new_context(viewport={"width": 1500, "height": 950})
        gl_page = gl_ctx.new_page()
        gl_page.goto(url + "?gl=1")  # WebGL even from the software renderer (a GPU draws it faster)
        gl_page.wait_for_function(READY, timeout=60_000)
        wait_quiet(gl_page)
        pan_and_zoom(gl_page)
        gl_browser.close()
        page.click("#speed")
        page.get_by_role("option", name="4×").click()
        t0 = time.perf_counter()
        page.click("#tl-first")
        page.click("#tl-play")
        page.wait_for_function("() => window.ExplorerApp.k >= 19", timeout=60_000, polling=10)
        s = time.perf_counter() - t0
        print(f"play at 4× (175 ms a step, Dash interval + clientside callback): 20 steps in {s:.2f} s "
              f"({20 / s:.1f} steps/s)")
        ctx.close()
        browser.close()
    httpd.shutdown()
    return 0


if __name__ == "__main__":
    sys.exit(main())
