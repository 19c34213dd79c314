"""How readable each gallery example is in the app, opened as a user would, in headless Chromium.

    .venv/bin/python benchmarks/bench_readability.py [--size 1280x720] [--size 1600x1000] [--shots DIR]

For every gallery example (opened by its link, `?ex=<key>`), prints the number of nodes, the direction the
graph was drawn in, the plot's size in pixels, the share of the plot's width and height the graph spans, and
the smallest and largest node-label text on screen in CSS pixels (each label line's computed font size times
the scale the screen draws it at; "hidden" when a big graph's labels wait for a zoom). The classroom rule
(issue 14) is at least 14 px for every graph of up to 30 nodes; rows that miss it are marked. Prints, never
asserts: tests/e2e/test_e2e_readable.py holds the rule. `--shots DIR` also saves a screenshot per example.
Needs Chromium and playwright (the test extra); the app runs in this process, on 127.0.0.1.
"""
from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests" / "e2e"))

from bench_browser import CHROMIUM_ARGS, serve  # noqa: E402
from e2e_support import canvas_use, label_px, open_app  # noqa: E402

READABLE_PX = 14.0  # the smallest node text a class reads from the back row (issue 14)
SMALL_GRAPH = 30  # ... on graphs of up to this many nodes


def measure(browser, url: str, key: str, width: int, height: int, shots: Path | None) -> dict:
    ctx = browser.new_context(viewport={"width": width, "height": height}, locale="en-US")
    page = ctx.new_page()
    page.app_url = url
    try:
        # "all=1": every value and gradient shown ("Show all"): the labels start hidden otherwise, revealed
        # step by step, and the measure would read none
        open_app(page, f"v=1&ex={key}&all=1", timeout=60_000)
        page.wait_for_timeout(300)  # the labels' fit runs after plotly's last draw
        px, use = label_px(page), canvas_use(page)
        if shots is not None:
            page.mouse.move(2, 2)
            page.screenshot(path=str(shots / f"{key}-{width}x{height}.png"))
    finally:
        ctx.close()
    return {**px, **use}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size", action="append", help="window size, WxH (default 1280x720; repeatable)")
    parser.add_argument("--only", action="append", help="only these examples (keys; repeatable)")
    parser.add_argument("--shots", type=Path, help="save a screenshot per example and size into this folder")
    args = parser.parse_args()
    sizes = [tuple(map(int, s.lower().split("x"))) for s in (args.size or ["1280x720"])]
    exe = next((p for p in map(shutil.which, ("chromium", "chromium-browser", "google-chrome")) if p), None)
    if exe is None:
        print("needs Chromium: apt-get install chromium")
        return 1
    if args.shots:
        args.shots.mkdir(parents=True, exist_ok=True)
    from playwright.sync_api import sync_playwright

    from explorer import examples

    httpd, url = serve()
    keys = [ex.key for ex in examples.EXAMPLES if not args.only or ex.key in args.only]
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=exe, args=CHROMIUM_ARGS)
        for width, height in sizes:
            print(f"\n{width}x{height}: smallest node text on screen (rule: >= {READABLE_PX:g} px up to "
                  f"{SMALL_GRAPH} nodes)")
            print(f"  {'example':<22} {'nodes':>5} {'dir':>4} {'plot px':>10} {'span w':>7} {'span h':>7} "
                  f"{'min px':>7} {'max px':>7}")
            misses, smallest = [], []
            for key in keys:
                r = measure(browser, url, key, width, height, args.shots)
                low = r["min"]
                small = r["nodes"] <= SMALL_GRAPH
                miss = small and (low is None or low < READABLE_PX)
                if miss:
                    misses.append(key)
                if small and low is not None:
                    smallest.append(low)
                shown = "hidden" if low is None else f"{low:.1f}"
                top = "" if r.get("max") is None else f"{r['max']:.1f}"
                print(f"  {key:<22} {r['nodes']:>5} {r['direction'] or '?':>4} "
                      f"{r['width']:>4.0f}x{r['height']:<5.0f} {r['used_w']:>7.0%} {r['used_h']:>7.0%} "
                      f"{shown:>7} {top:>7}{'  < ' + format(READABLE_PX, 'g') + ' px' if miss else ''}")
            print(f"  graphs of up to {SMALL_GRAPH} nodes: smallest text {min(smallest, default=0):.1f} px; "
                  f"{len(misses)} below {READABLE_PX:g} px{': ' + ', '.join(misses) if misses else ''}")
        browser.close()
    httpd.shutdown()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
