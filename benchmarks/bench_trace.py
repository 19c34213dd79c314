"""How long tracing takes, next to plain torch running the same program forward and backward.

    python benchmarks/bench_trace.py [--repeat 5] [--sandbox]

Prints, for graphs of about 10, 100, 1,000 and 10,000 nodes, the trace time and its ratio to plain torch,
then the warm trace time of each tutorial program, then -- for the programs with a training loop -- the
trace time with the loop's early iterations recorded lightly (the default) and fully
(explorer.recording.run.LIGHT_LOOPS = False; in-process), then an MLP training loop written with plain tensors
and as a class Net(nn.Module), then the polynomial tutorial's fit with P3 inline and as a torch.autograd.Function of
the program. Aims: tutorial programs under 30 ms each (warm), tracing under 5x plain torch at 10,000 nodes, the
class-based loop about as fast as the plain one, and the Function about as fast as its operations inline.
Figures only; nothing asserts on time.
"""
from __future__ import annotations

import argparse
import math
import statistics
import sys
import time
from pathlib import Path

import torch
import torch.nn.functional as F

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from programs import CHAIN, MLP_CLASS, MLP_PLAIN, P3_FUNCTION, P3_OPS

import explorer
import explorer.recording.run
from explorer.examples import EXAMPLES


def plain_torch(source: str) -> float:
    ns = {"torch": torch, "F": F, "math": math}
    start = time.perf_counter()
    exec(source, ns)  # noqa: S102 - our own benchmark text, trusted
    return time.perf_counter() - start


def best_of(fn, repeat: int) -> float:
    return min(fn() for _ in range(repeat))


def timed_trace(source: str, sandbox: bool, **kw) -> tuple[float, int]:
    start = time.perf_counter()
    tr = explorer.trace(source, sandbox=sandbox, limits={"max_ops": 200_000, "time_seconds": 60}, **kw)
    return time.perf_counter() - start, len(tr.nodes)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--sandbox", action="store_true", help="trace in a worker process, as the app does")
    args = ap.parse_args()
    torch.set_num_threads(1)
    print(f"torch {torch.__version__}, {'sandboxed worker' if args.sandbox else 'in-process'}, best of {args.repeat}")
    print(f"{'nodes':>8} {'plain torch ms':>15} {'trace ms':>10} {'ratio':>7} {'ms/node':>8}")
    for n in (3, 33, 333, 3333):
        src = CHAIN.format(n=n)
        t_plain = best_of(lambda src=src: plain_torch(src), args.repeat)
        runs = [timed_trace(src, args.sandbox) for _ in range(args.repeat)]
        t_trace = min(r[0] for r in runs)
        nodes = runs[0][1]
        print(f"{nodes:>8} {t_plain * 1e3:>15.2f} {t_trace * 1e3:>10.2f} {t_trace / t_plain:>7.1f} "
              f"{t_trace * 1e3 / nodes:>8.3f}")
    print()
    print(f"{'example':<28} {'nodes':>6} {'trace ms (warm)':>16}")
    times = []
    for ex in EXAMPLES:
        timed_trace(ex.source, args.sandbox, inputs=ex.inputs, backward=ex.backward)  # warm up
        runs = [timed_trace(ex.source, args.sandbox, inputs=ex.inputs, backward=ex.backward)
                for _ in range(args.repeat)]
        t = min(r[0] for r in runs)
        times.append(t)
        print(f"{ex.key:<28} {runs[0][1]:>6} {t * 1e3:>16.2f}")
    print(f"median {statistics.median(times) * 1e3:.2f} ms, max {max(times) * 1e3:.2f} ms")
    print()
    print(f"{'training loop':<28} {'passes':>6} {'full ms':>8} {'light ms':>9} {'light/full':>11}")
    for ex in EXAMPLES:
        tr = explorer.trace(ex.source, inputs=ex.inputs, backward=ex.backward, sandbox=False)
        if tr.counts["passes_total"] <= 4:
            continue
        best = {}
        for light in (False, True):
            explorer.recording.run.LIGHT_LOOPS = light
            timed_trace(ex.source, False, inputs=ex.inputs, backward=ex.backward)  # warm up
            best[light] = min(timed_trace(ex.source, False, inputs=ex.inputs, backward=ex.backward)[0]
                              for _ in range(args.repeat))
        explorer.recording.run.LIGHT_LOOPS = True
        print(f"{ex.key:<28} {tr.counts['passes_total']:>6} {best[False] * 1e3:>8.1f} {best[True] * 1e3:>9.1f} "
              f"{best[True] / best[False]:>11.2f}")
    print()
    # aim: a class Net(nn.Module) with nn.Linear layers costs about what the same loop with plain tensors does
    print(f"{'MLP training loop':<28} {'steps':>6} {'plain ms':>9} {'class ms':>9} {'class/plain':>12}")
    for n in (10, 100, 500):
        t = {}
        for name, src in (("plain", MLP_PLAIN.format(n=n)), ("class", MLP_CLASS.format(n=n))):
            timed_trace(src, args.sandbox)  # warm up
            t[name] = min(timed_trace(src, args.sandbox)[0] for _ in range(args.repeat))
        print(f"{'':<28} {n:>6} {t['plain'] * 1e3:>9.1f} {t['class'] * 1e3:>9.1f} {t['class'] / t['plain']:>12.2f}")
    print()
    # aim: a torch.autograd.Function of the program costs about what writing its operations inline does
    print(f"{'polynomial fit':<28} {'steps':>6} {'ops ms':>9} {'Function ms':>12} {'Function/ops':>13}")
    for n in (10, 100, 1000):
        t = {}
        for name, src in (("ops", P3_OPS.format(n=n)), ("function", P3_FUNCTION.format(n=n))):
            timed_trace(src, args.sandbox)  # warm up
            t[name] = min(timed_trace(src, args.sandbox)[0] for _ in range(args.repeat))
        print(f"{'':<28} {n:>6} {t['ops'] * 1e3:>9.1f} {t['function'] * 1e3:>12.1f} "
              f"{t['function'] / t['ops']:>13.2f}")


if __name__ == "__main__":
    main()
