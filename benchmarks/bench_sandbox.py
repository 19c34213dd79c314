"""What the sandbox's worker processes cost, measured with the real target (explorer.recording.run:run_request).

    python benchmarks/bench_sandbox.py [--repeat 10]

Prints, as medians and maxima over --repeat runs:

* a worker replacement: one fork from the zygote, until the new worker's pid is known (the pool does this
  in the background after every run);
* a warm round trip: a tiny program sent to a worker that is already waiting, and its answer read back;
* 20 concurrent runs on a pool of 2 (most of them fork their worker on demand);
* the first run after the zygote was killed (a new zygote imports torch again), and the first run of a
  new pool of size 0.

Figures only; nothing here asserts on time. tests/test_sandbox.py checks what the pool does, not how fast.
"""
from __future__ import annotations

import argparse
import os
import signal
import statistics
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from explorer.config import Limits
from explorer.sandbox import WorkerPool

LIMITS = Limits(time_seconds=10.0)
PROGRAM = {"source": "x = torch.tensor(2.0, requires_grad=True)\ny = x * x\ny.backward()\n"}


def report(what: str, seconds: list[float]) -> None:
    print(f"{what:<52} median {statistics.median(seconds) * 1e3:8.1f} ms   max {max(seconds) * 1e3:8.1f} ms")


def timed(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def run_ok(pool: WorkerPool) -> None:
    reply = pool.run(PROGRAM, LIMITS)
    if not reply.get("ok"):
        raise SystemExit(f"the run failed: {reply}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=10)
    args = ap.parse_args()
    print(f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f}, {args.repeat} repeats")

    with WorkerPool(size=2) as pool:
        if not pool.wait_ready(timeout=120):
            raise SystemExit("the workers did not start")

        forks = []
        for _ in range(args.repeat):
            start = time.perf_counter()
            worker = pool._fork_worker()
            forks.append(time.perf_counter() - start)
            worker.kill()
            worker.reap()
        report("worker replacement (fork from the zygote)", forks)

        warm = []
        for _ in range(args.repeat):
            pool.wait_ready()
            warm.append(timed(lambda: run_ok(pool)))
        report("warm round trip (a waiting worker)", warm)

        concurrent = []
        for _ in range(max(1, args.repeat // 3)):
            pool.wait_ready()
            with ThreadPoolExecutor(max_workers=20) as threads:
                concurrent.append(timed(lambda: list(threads.map(lambda _: run_ok(pool), range(20)))))
        report("20 concurrent runs on a pool of 2 (all of them)", concurrent)

        restarts = []
        for _ in range(max(1, args.repeat // 3)):
            pool.wait_ready()
            zygote = pool._zygote
            os.kill(zygote.process.pid, signal.SIGKILL)
            zygote.process.wait()
            restarts.append(timed(lambda: run_ok(pool)))
        report("first run after the zygote was killed", restarts)

    cold = []
    for _ in range(max(1, args.repeat // 3)):
        with WorkerPool(size=0) as pool:
            cold.append(timed(lambda pool=pool: run_ok(pool)))
    report("first run of a new pool of size 0", cold)


if __name__ == "__main__":
    main()
