"""Targets for tests/test_sandbox.py: each misbehaves in one way inside a sandbox worker.

The pool runs `dispatch`, which calls the function named by request["do"]. torch is imported only inside
the functions that use it, so this module itself stays cheap to import.
"""
from __future__ import annotations

import contextlib
import ctypes
import os
import resource
import subprocess
import time


def echo(request: dict) -> dict:
    return {"ok": True, "echo": request.get("payload"), "pid": os.getpid()}


def busy_loop(request: dict) -> dict:
    while True:
        pass


def c_sleep(request: dict) -> dict:
    time.sleep(1000)
    return {"ok": True}


def huge_bytearray(request: dict) -> dict:
    data = bytearray(request.get("bytes", 2 * 1024**3))
    return {"ok": True, "len": len(data)}


def huge_tensor(request: dict) -> dict:
    import torch

    t = torch.ones(request.get("elements", 2**29))  # 2 GB of float32
    return {"ok": True, "sum": float(t.sum())}


def torch_op(request: dict) -> dict:
    import torch

    x = torch.randn(200, 200, requires_grad=True)
    y = (x @ x).tanh().sum()
    y.backward()
    return {"ok": True, "grad_shape": list(x.grad.shape), "threads": torch.get_num_threads()}


def segfault(request: dict) -> dict:
    ctypes.string_at(0)
    return {"ok": True}


def exit_early(request: dict) -> dict:
    os._exit(3)


def giant_result(request: dict) -> dict:
    return {"ok": True, "data": "x" * request["chars"]}


def write_file(request: dict) -> dict:
    try:
        with open(request["path"], "w") as f:
            f.write("written by a sandboxed program\n")
            f.flush()
    except OSError as exc:
        return {"ok": True, "wrote": False, "error": f"{type(exc).__name__}: {exc}"}
    return {"ok": True, "wrote": True}


def spawn(request: dict) -> dict:
    """Try fork, subprocess and a thread; report what happened (a forked child would sleep, harmless)."""
    outcome: dict = {"ok": True}
    try:
        pid = os.fork()
    except OSError as exc:
        outcome["fork"] = f"{type(exc).__name__}: {exc}"
    else:
        if pid == 0:
            time.sleep(60)
            os._exit(0)
        outcome["fork"] = pid
    try:
        subprocess.run(["true"], check=False)
        outcome["subprocess"] = "ran"
    except OSError as exc:
        outcome["subprocess"] = f"{type(exc).__name__}: {exc}"
    return outcome


def not_json(request: dict) -> dict:
    return {"ok": True, "value": {1, 2, 3}}


def not_a_dict(request: dict) -> list:
    return [1, 2, 3]


def raises(request: dict) -> dict:
    raise ValueError("boom")


def memory_error(request: dict) -> dict:
    raise MemoryError


def inspect(request: dict) -> dict:
    """Limits and state as the program sees them."""
    import torch

    status = {}
    with open("/proc/self/status") as f:
        for line in f:
            key, _, value = line.partition(":")
            if key in ("VmSize", "VmRSS", "Threads", "Seccomp", "Uid"):
                status[key] = value.strip()
    names = ("RLIMIT_AS", "RLIMIT_CPU", "RLIMIT_FSIZE", "RLIMIT_NOFILE", "RLIMIT_NPROC", "RLIMIT_CORE")
    limits = {name: resource.getrlimit(getattr(resource, name)) for name in names}
    return {
        "ok": True,
        "status": status,
        "limits": limits,
        "fds": sorted(int(fd) for fd in os.listdir("/proc/self/fd")),
        "torch_threads": torch.get_num_threads(),
        "pgid_is_pid": os.getpgid(0) == os.getpid(),
    }


def flood(request: dict) -> dict:
    """Play a compromised worker: write straight into the result pipe, past any size cap, then exit."""
    fd = _result_pipe()
    chunk = b"x" * (1 << 20)
    for _ in range(request["megabytes"]):
        os.write(fd, chunk)
    os._exit(0)


def garbage(request: dict) -> dict:
    """Play a compromised worker: send bytes that are not JSON, then exit."""
    os.write(_result_pipe(), b"\x80\x04not json at all")
    os._exit(0)


def _result_pipe() -> int:
    for name in os.listdir("/proc/self/fd"):
        fd = int(name)
        with contextlib.suppress(OSError):
            if fd > 2 and os.readlink(f"/proc/self/fd/{name}").startswith("pipe:"):
                return fd
    raise RuntimeError("no result pipe")


def dispatch(request: dict) -> dict:
    return globals()[request["do"]](request)


def _spin(cpu_seconds: float) -> None:
    """Use `cpu_seconds` of CPU time. CPU time, not wall time: the server demotes by CPU time, and on a busy
    machine a worker may spin for seconds of wall time with little CPU."""
    end_at = time.process_time() + cpu_seconds
    while time.process_time() < end_at:
        pass


def niceness(request: dict) -> dict:
    """The worker's nice value at the start and after spinning for request["seconds"] of CPU time."""
    start = os.getpriority(os.PRIO_PROCESS, 0)
    _spin(request.get("seconds", 0.0))
    return {"ok": True, "start": start, "end": os.getpriority(os.PRIO_PROCESS, 0)}


def autogroup_nice(request: dict) -> dict:
    """The nice value of the worker's scheduling autogroup after spinning for request["seconds"] of CPU time
    (None where there is none)."""
    _spin(request.get("seconds", 0.0))
    try:
        with open("/proc/self/autogroup") as f:
            return {"ok": True, "nice": int(f.read().split("nice")[1])}
    except (OSError, IndexError, ValueError):
        return {"ok": True, "nice": None}


def niceness_after_sleep(request: dict) -> dict:
    """The worker's nice value after waiting (no CPU used) for request["seconds"]."""
    time.sleep(request.get("seconds", 0.0))
    return {"ok": True, "end": os.getpriority(os.PRIO_PROCESS, 0)}
