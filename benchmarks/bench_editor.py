"""The program editor (assets/editor.js, CodeMirror) in a real headless Chromium: does a big program freeze it?

    .venv/bin/python benchmarks/bench_editor.py [--lines 5000] [--keys 60]

Prints, never asserts:
- paste: milliseconds for the editor to take a paste of `--lines` lines (the paste event handled, then the
  next frame painted), and how many lines it keeps in the page (it draws only those on screen);
- keystrokes after it: milliseconds from a typed character to the next painted frame, median and worst of
  `--keys`, at the end of the big program and in its middle; and the same keys pressed through the
  browser's input (Playwright's keyboard), per key, which adds the driver's own round trip;
- the copy to the callbacks: milliseconds for editor.js's flush (the text to #editor through Dash's
  set_props) with the big program in it;
- a 3 MB paste (over the size limit): milliseconds to refuse it, and whether the text stayed as it was.
Needs Chromium (/usr/bin/chromium) and playwright (the test extra). The app runs in this process, in a
thread, on a free port of 127.0.0.1; nothing leaves the machine.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench_browser import CHROMIUM_ARGS, READY, serve, wait_quiet

# The paste handled and the next frame painted, in the page's own clock.
PASTE_TIMED = """async (text) => {
  const dt = new DataTransfer();
  dt.setData('text/plain', text);
  const content = document.querySelector('#code-editor .cm-content');
  const t0 = performance.now();
  content.dispatchEvent(new ClipboardEvent('paste', {clipboardData: dt, bubbles: true, cancelable: true}));
  const handled = performance.now() - t0;
  await new Promise(r => requestAnimationFrame(() => setTimeout(r, 0)));
  return {handled: handled, painted: performance.now() - t0};
}"""

# One character typed as CodeMirror gets typing (a user event "input.type"), then the next painted frame.
KEYS_TIMED = """async ([n, where]) => {
  const view = window.ExplorerEditor.view;
  const pos = where === 'end' ? view.state.doc.length : view.state.doc.line(Math.floor(view.state.doc.lines / 2)).to;
  view.dispatch({selection: {anchor: pos}, scrollIntoView: true});
  await new Promise(r => requestAnimationFrame(() => setTimeout(r, 0)));
  const out = [];
  for (let i = 0; i < n; i++) {
    const at = view.state.selection.main.head;
    const t0 = performance.now();
    view.dispatch({changes: {from: at, insert: 'k'}, selection: {anchor: at + 1}, userEvent: 'input.type',
                   scrollIntoView: true});
    await new Promise(r => requestAnimationFrame(() => setTimeout(r, 0)));
    out.push(performance.now() - t0);
  }
  return out;
}"""

FLUSH_TIMED = """() => {
  const ed = window.ExplorerEditor;
  ed.dirty = true;
  const t0 = performance.now();
  ed.flush();
  return performance.now() - t0;
}"""


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--lines", type=int, default=5_000)
    ap.add_argument("--keys", type=int, default=60)
    args = ap.parse_args()
    from playwright.sync_api import sync_playwright

    from explorer.app.editor import max_program_chars

    httpd, url = serve()
    chromium = "/usr/bin/chromium"
    big = "".join(f"a{i % 10} = {i % 7}\n" for i in range(args.lines))
    print(f"program: {args.lines:,} lines, {len(big):,} characters (the limit is {max_program_chars():,})")
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS, headless=True)
            page = browser.new_page(viewport={"width": 1500, "height": 950})
            page.goto(url)
            page.wait_for_function(READY, timeout=120_000)
            wait_quiet(page)
            page.click("#code-editor .cm-content")
            page.keyboard.press("Control+a")
            t = page.evaluate(PASTE_TIMED, big)
            lines = page.evaluate("() => window.ExplorerEditor.view.state.doc.lines")
            drawn = page.evaluate("() => document.querySelectorAll('#code-editor .cm-line').length")
            print(f"paste {args.lines:,} lines: handled in {t['handled']:.1f} ms, painted after {t['painted']:.1f} ms"
                  f" ({lines:,} lines in the editor, {drawn} drawn)")
            for where in ("end", "middle"):
                times = page.evaluate(KEYS_TIMED, [args.keys, where])
                print(f"keystroke to painted frame, {where} of the program: median {statistics.median(times):.1f} ms,"
                      f" worst {max(times):.1f} ms ({len(times)} keys)")
            page.keyboard.press("Control+End")
            t0 = time.perf_counter()
            for _ in range(args.keys):
                page.keyboard.press("k")
            per_key = (time.perf_counter() - t0) * 1000 / args.keys
            print(f"keys pressed through the browser's input: {per_key:.1f} ms a key (with the driver's round trip)")
            flushes = [page.evaluate(FLUSH_TIMED) for _ in range(5)]
            print(f"copy to #editor (set_props) with the big program: median {statistics.median(flushes):.1f} ms")
            before = page.evaluate("() => window.ExplorerEditor.text().length")
            huge = "w = 1\n" * 500_000  # 3 MB
            t = page.evaluate(PASTE_TIMED, huge)
            after = page.evaluate("() => window.ExplorerEditor.text().length")
            refused = page.evaluate("() => window.ExplorerEditor.refused")
            print(f"paste of {len(huge) / 1e6:.0f} MB: refused in {t['handled']:.1f} ms, painted after "
                  f"{t['painted']:.1f} ms; text unchanged: {before == after}, refusals: {refused}")
            browser.close()
    finally:
        httpd.shutdown()
    return 0


if __name__ == "__main__":
    sys.exit(main())
