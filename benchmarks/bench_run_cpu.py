"""CPU time of one Run of each gallery example, split where the app splits it: worker, sandbox and server.

    python benchmarks/bench_run_cpu.py [--repeat 5] [--no-sandbox]

worker: trace the program and write the trace JSON it sends back (what a sandbox worker does: `run_request`),
in this process, warm.
sandbox: the same program through a real sandbox pool: the CPU time of the zygote and the workers it forks
(the fork, the worker confining itself, the run, its exit), read from /proc, per run (mean of --repeat). The
difference from "worker" is what a fresh, single-use process costs: the fork, and every page of the zygote the
run writes to (a Python object's reference count is a write) being copied for it, and given back at exit.
server: read that JSON back into a Trace, make the figure and its JSON (what the web app's server does for a
Run, less Dash's own work and the pipes).
A quiet-machine stand-in for `benchmarks/load.py`'s "server cpu per Run click" (web + sandbox). "worker" and
"server" are the best of --repeat. Figures only; nothing asserts on time.
"""
from __future__ import annotations

import argparse
import gc
import os
import sys
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from plotly.io.json import to_json_plotly

from explorer import fastjson
from explorer.app.callbacks import make_figure
from explorer.examples import EXAMPLES
from explorer.gcpause import gc_paused
from explorer.recording.model import Trace
from explorer.recording.run import run_request

clock = time.process_time


def worker_part(example) -> tuple[float, bytes]:
    request = {"source": example.source, "inputs": example.inputs, "backward": example.backward}
    was = gc.isenabled()
    gc.disable()  # as in a worker
    try:
        start = clock()
        data = fastjson.dumps(run_request(request))
        return clock() - start, data
    finally:
        if was:
            gc.enable()


def server_part(data: bytes) -> float:
    start = clock()
    with gc_paused():  # as the pool reads a reply
        reply = fastjson.loads(data)
    tr = Trace.from_dict(reply["trace"])
    to_json_plotly(make_figure(tr))
    return clock() - start


def _process_seconds(pid: int) -> float:
    """CPU seconds of a process and of its children it has reaped (/proc/PID/stat)."""
    with open(f"/proc/{pid}/stat", "rb") as f:
        fields = f.read().rsplit(b")", 1)[1].split()
    return sum(int(v) for v in fields[11:15]) / os.sysconf("SC_CLK_TCK")


def sandbox_part(pool, example, repeat: int) -> float:
    """Mean CPU seconds of the sandbox's processes per run of `example` (the replacement fork included)."""
    from explorer.config import Limits

    request = {"source": example.source, "inputs": example.inputs, "backward": example.backward}
    pool.run(request, Limits())  # a warm pool: its next worker is waiting
    zygote = pool._zygote.process.pid
    time.sleep(0.2)
    start = _process_seconds(zygote)
    for _ in range(repeat):
        if not pool.run(request, Limits()).get("ok"):
            raise SystemExit(f"{example.key} failed in the sandbox")
    time.sleep(0.3)  # the last worker is reaped, its replacement forked
    return (_process_seconds(zygote) - start) / repeat


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--no-sandbox", action="store_true", help="leave out the sandbox column (no worker processes)")
    args = ap.parse_args()
    torch.set_num_threads(1)
    pool = None
    if not args.no_sandbox:
        from explorer.sandbox import WorkerPool

        pool = WorkerPool(preload=("torch", "explorer.sandbox.warmup", "explorer.recording.run"))
        pool.wait_ready(timeout=120)
    print(f"CPU ms per Run: worker and server best of {args.repeat}, sandbox mean of {args.repeat * 4}")
    print(f"{'example':<28} {'nodes':>6} {'JSON KB':>8} {'worker':>7} {'sandbox':>8} {'server':>7}")
    total_worker = total_server = total_sandbox = 0.0
    try:
        for ex in EXAMPLES:
            worker_part(ex)  # warm up
            runs = [worker_part(ex) for _ in range(args.repeat)]
            t_worker, data = min(t for t, _ in runs), runs[0][1]
            server_part(data)
            t_server = min(server_part(data) for _ in range(args.repeat))
            t_sandbox = sandbox_part(pool, ex, args.repeat * 4) if pool is not None else float("nan")
            total_worker += t_worker
            total_server += t_server
            total_sandbox += t_sandbox
            nodes = len(Trace.from_dict(fastjson.loads(data)["trace"]).nodes)
            print(f"{ex.key:<28} {nodes:>6} {len(data) / 1024:>8.1f} {t_worker * 1e3:>7.1f} {t_sandbox * 1e3:>8.1f} "
                  f"{t_server * 1e3:>7.1f}")
    finally:
        if pool is not None:
            pool.close()
    n = len(EXAMPLES)
    print(f"{'mean per Run':<28} {'':>6} {'':>8} {total_worker / n * 1e3:>7.1f} {total_sandbox / n * 1e3:>8.1f} "
          f"{total_server / n * 1e3:>7.1f}")


if __name__ == "__main__":
    main()
