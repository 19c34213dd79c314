#!/usr/bin/env python3
"""Fuzz the explorer's language for longer than the test suite does, and list what broke.

    .venv/bin/python tools/fuzz.py --examples 20000 --seconds 600
    .venv/bin/python tools/fuzz.py --strategy grammar --known    # include snippets of known bugs

Uses the strategies of tests/fuzz_strategies.py (grammar-built programs, mutated tutorials, raw text) and
the same property as tests/test_fuzz.py: only ProgramError, strict JSON out, torch's global state kept.
Unlike the test it does not stop at the first failure: it counts executions and distinct failures
(exception type + first line of its message), keeping the shortest program for each.
"""
from __future__ import annotations

import argparse
import random
import sys
import time
import traceback
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

import fuzz_strategies as fs  # noqa: E402 - from tests/, put on the path above
from hypothesis import HealthCheck, given, seed, settings  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--examples", type=int, default=5_000, help="programs to run in all (default 5000)")
    p.add_argument("--seconds", type=float, default=300.0, help="stop after this long (default 300)")
    p.add_argument("--strategy", choices=["all", "grammar", "mutate", "raw"], default="all")
    p.add_argument("--known", action="store_true", help="also generate snippets that hit bugs already reported")
    p.add_argument("--seed", type=int, default=None, help="random seed of the first batch")
    p.add_argument("--show", type=int, default=3, help="lines of traceback to print per failure")
    args = p.parse_args(argv)

    strategy = {
        "all": fs.any_program(known_bugs=args.known),
        "grammar": fs.grammar_programs(known_bugs=args.known),
        "mutate": fs.mutated_tutorials(),
        "raw": fs.raw_text(),
    }[args.strategy]
    rng = random.Random(args.seed)
    start = time.monotonic()
    stop_at = start + args.seconds
    runs = 0
    kinds: dict[str, int] = {}
    failures: dict[str, dict] = {}

    def one(source: str) -> None:
        nonlocal runs
        if runs >= args.examples or time.monotonic() > stop_at:
            return
        runs += 1
        try:
            err = fs.check_program(source)
            kinds[err.kind if err else "ok"] = kinds.get(err.kind if err else "ok", 0) + 1
        except BaseException as e:
            if isinstance(e, KeyboardInterrupt):
                raise
            first = (str(e).strip().splitlines() or [""])[0][:160]
            key = f"{type(e).__name__}: {first}"
            f = failures.setdefault(key, {"count": 0, "source": source, "tb": traceback.format_exc()})
            f["count"] += 1
            if len(source) < len(f["source"]):
                f["source"] = source

    try:
        while runs < args.examples and time.monotonic() < stop_at:
            batch = min(200, args.examples - runs)
            test = settings(max_examples=batch, deadline=None, database=None, derandomize=False,
                            suppress_health_check=list(HealthCheck))(given(strategy)(one))
            test = seed(rng.randrange(2**32))(test)
            test()
            print(f"  {runs} runs, {len(failures)} distinct failures, {time.monotonic() - start:.0f} s",
                  file=sys.stderr, flush=True)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)

    elapsed = time.monotonic() - start
    print(f"executions: {runs}")
    print(f"outcomes: {', '.join(f'{k}={v}' for k, v in sorted(kinds.items()))}")
    print(f"distinct failures: {len(failures)}")
    for key, f in sorted(failures.items(), key=lambda kv: -kv[1]["count"]):
        print(f"\n== {key}  (x{f['count']})")
        print("-- shortest program:")
        print(f["source"].rstrip("\n"))
        if args.show:
            tb = [line for line in f["tb"].rstrip().splitlines() if line.strip()]
            print("-- traceback (last lines):")
            print("\n".join(tb[-2 * args.show:]))
    print(f"\nelapsed: {elapsed:.1f} s")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
