"""Tracing a chain of 1,000 / 5,000 / 10,000 nodes, and the trace's way from a sandbox worker to the server.

    python benchmarks/bench_trace_json.py [--sizes 1000 5000 10000] [--repeat 5]

First table: plain torch running the program (forward and backward), the trace in-process, and their ratio
(aim: at most 5x at 10,000 nodes). Second table, for the readable trace JSON (`to_dict()`, format 1, what
exports write) and the packed one (`to_dict(packed=True)`, format 2, what a worker sends): bytes per node,
the worker's part (to_dict + JSON) and the server's part (JSON parse + Trace.from_dict, as the pool does it
with the collector paused, and the collector's catch-up on the new objects afterwards). CPU time, best of
--repeat, so that other processes on the machine count for less. Figures only; nothing asserts on time.
"""
from __future__ import annotations

import argparse
import gc
import math
import sys
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from programs import CHAIN

from explorer import fastjson
from explorer.gcpause import gc_paused
from explorer.recording.model import Trace
from explorer.recording.run import trace_in_process

LIMITS = {"max_ops": 200_000, "time_seconds": 120}
NODES_PER_ITERATION = 4  # CHAIN: tanh, mul, the number 1.01, add
clock = time.process_time


def plain_torch(source: str) -> float:
    ns = {"torch": torch, "math": math}
    with gc_paused():  # as the trace runs
        start = clock()
        exec(source, ns)  # noqa: S102 - our own benchmark text, trusted
        return clock() - start


def traced(source: str) -> tuple[float, Trace]:
    start = clock()
    tr = trace_in_process(source, limits=LIMITS)
    return clock() - start, tr


def worker_part(tr: Trace, packed: bool) -> tuple[float, bytes]:
    with gc_paused():  # a worker runs with the collector off
        start = clock()
        data = fastjson.dumps(tr.to_dict(packed=packed))
        return clock() - start, data


def server_part(data: bytes) -> float:
    start = clock()
    with gc_paused():
        d = fastjson.loads(data)
    tr = Trace.from_dict(d)
    del d
    gc.collect(0)  # the catch-up the collector makes on its next turn: it walks every object made meanwhile
    spent = clock() - start
    del tr
    return spent


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[1000, 5000, 10000])
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    torch.set_num_threads(1)
    sources = {n: CHAIN.format(n=max(1, n // NODES_PER_ITERATION)) for n in args.sizes}
    traced(sources[args.sizes[0]])  # warm up
    print(f"chain program, CPU ms, best of {args.repeat}")
    print(f"{'nodes':>7} {'plain torch':>12} {'trace':>8} {'ratio':>6}")
    traces = {}
    for n, src in sources.items():
        t_plain = min(plain_torch(src) for _ in range(args.repeat))
        runs = [traced(src) for _ in range(args.repeat)]
        t_trace = min(t for t, _ in runs)
        traces[n] = runs[-1][1]
        del runs
        print(f"{len(traces[n].nodes):>7} {t_plain * 1e3:>12.1f} {t_trace * 1e3:>8.1f} {t_trace / t_plain:>6.1f}")
    print()
    print(f"{'nodes':>7} {'format':>9} {'B/node':>7} {'worker ms':>10} {'server ms':>10}")
    for tr in traces.values():
        for packed in (False, True):
            runs = [worker_part(tr, packed) for _ in range(args.repeat)]
            data = runs[0][1]
            t_worker = min(t for t, _ in runs)
            t_server = min(server_part(data) for _ in range(args.repeat))
            print(f"{len(tr.nodes):>7} {'packed' if packed else 'readable':>9} {len(data) / len(tr.nodes):>7.0f} "
                  f"{t_worker * 1e3:>10.1f} {t_server * 1e3:>10.1f}")


if __name__ == "__main__":
    main()
