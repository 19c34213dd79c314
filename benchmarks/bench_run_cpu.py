"""CPU time of one Run of each gallery example, split where the app splits it: worker and server.

    python benchmarks/bench_run_cpu.py [--repeat 5]

worker: trace the program and write the trace JSON it sends back (what a sandbox worker does: `run_request`).
server: read that JSON back into a Trace, make the figure and its JSON (what the web app's server does for a
Run, less Dash's own work and the pipes). A quiet-machine stand-in for `benchmarks/load.py`'s "server ms per
request", which counts every process on the machine: here each part is the CPU time of this process alone,
best of --repeat, summed over the gallery. Figures only; nothing asserts on time.
"""
from __future__ import annotations

import argparse
import gc
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


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    torch.set_num_threads(1)
    print(f"CPU ms per Run, best of {args.repeat}")
    print(f"{'example':<28} {'nodes':>6} {'JSON KB':>8} {'worker':>7} {'server':>7}")
    total_worker = total_server = 0.0
    for ex in EXAMPLES:
        worker_part(ex)  # warm up
        runs = [worker_part(ex) for _ in range(args.repeat)]
        t_worker, data = min(t for t, _ in runs), runs[0][1]
        server_part(data)
        t_server = min(server_part(data) for _ in range(args.repeat))
        total_worker += t_worker
        total_server += t_server
        nodes = len(Trace.from_dict(fastjson.loads(data)["trace"]).nodes)
        print(f"{ex.key:<28} {nodes:>6} {len(data) / 1024:>8.1f} {t_worker * 1e3:>7.1f} {t_server * 1e3:>7.1f}")
    n = len(EXAMPLES)
    print(f"{'mean per Run':<28} {'':>6} {'':>8} {total_worker / n * 1e3:>7.1f} {total_server / n * 1e3:>7.1f}")


if __name__ == "__main__":
    main()
