"""How many real tutorial programs run and match plain torch, and how long each takes in the sandbox.

    python benchmarks/tutorial_corpus.py [--in-process]

Two sets: the corpus in tests/data/tutorial_corpus/ (see tests/test_tutorial_corpus.py), and the course notes'
programs as learners paste them (../shared/tutorial-programs-verbatim.json beside the checkout, when present).
Each program runs in plain torch (the oracle) and through `explorer.trace(source)` (a sandboxed worker, as the
app runs it; --in-process for sandbox=False). Prints one line per program: ok, DIFF (runs, but its numbers or
output differ from torch) or FAIL (the explorer stops it), the trace time, and the reason; then the totals.
Figures only; nothing here asserts.
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from test_tutorial_corpus import CORPUS, plain_torch, problems_with  # noqa: E402 - after the path set-up

import explorer  # noqa: E402

VERBATIM = ROOT.parent / "shared" / "tutorial-programs-verbatim.json"


def measure(title: str, programs: dict[str, str], sandbox: bool) -> None:
    print(f"\n== {title}: {len(programs)} programs")
    ran = matched = 0
    times = []
    for name, source in programs.items():
        try:
            plain = plain_torch(source, name)
        except Exception as e:  # noqa: BLE001 - report, don't stop the benchmark
            print(f"SKIP {'':>8} {name}: plain torch raised {type(e).__name__}: {e}")
            continue
        start = time.perf_counter()
        try:
            tr = explorer.trace(source, sandbox=sandbox)
        except Exception as e:  # noqa: BLE001
            took = time.perf_counter() - start
            print(f"FAIL {took:7.3f}s {name}: {str(e).splitlines()[0][:160]}")
            continue
        took = time.perf_counter() - start
        ran += 1
        times.append(took)
        problems = problems_with(plain, tr)
        matched += not problems
        print(f"{'DIFF' if problems else 'ok  '} {took:7.3f}s {name}" + (f": {problems[0][:160]}" if problems else ""))
    slowest = f", slowest {max(times):.3f} s" if times else ""
    print(f"{title}: {ran}/{len(programs)} run, {matched}/{len(programs)} match plain torch{slowest}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--in-process", action="store_true", help="trace with sandbox=False instead of a worker")
    args = ap.parse_args()
    sandbox = not args.in_process
    if sandbox:
        explorer.trace("x = torch.ones(2, requires_grad=True)\n")  # start the worker pool before timing anything
    corpus = {p.name: p.read_text(encoding="utf-8") for p in sorted(CORPUS.glob("*.py"))}
    measure("tests/data/tutorial_corpus", corpus, sandbox)
    if VERBATIM.exists():
        cases = json.loads(VERBATIM.read_text(encoding="utf-8"))
        measure(f"{VERBATIM.parent.name}/{VERBATIM.name}", {c["id"]: c["program"] for c in cases}, sandbox)
    else:
        print(f"\n(no {VERBATIM}: the course notes' programs were skipped)")


if __name__ == "__main__":
    main()
