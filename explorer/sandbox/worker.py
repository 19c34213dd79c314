"""A worker: runs in a process forked from the zygote, confines itself, serves one request, exits."""
from __future__ import annotations

import gc
import importlib
import json
import logging
import math
import os
import resource
import signal
import sys
from collections.abc import Callable
from contextlib import suppress
from typing import Any

from explorer import fastjson
from explorer.config import Limits
from explorer.errors import REPLYING, RUNNER, WORKER
from explorer.sandbox.replies import _error_reply, _failure, _too_large_failure
from explorer.sandbox.seccomp import _PR_SET_PDEATHSIG, _install_seccomp_filter, _prctl, prepare_seccomp_filter

log = logging.getLogger(__name__)

CPU_GRACE_SECONDS = 2  # RLIMIT_CPU = ceil(time_seconds) + this; SIGKILL follows one second later
SPARE_FILES = 16  # RLIMIT_NOFILE = highest fd open at confinement + 1 + this
_READ_CHUNK = 1 << 20
_MB = 1 << 20



def _worker_main(
    request_fd: int, result_fd: int, function: Callable[[dict], Any] | None, load_error: str
) -> None:
    """Wait for one request, run the target on it under limits, write the reply, exit. Never returns."""
    limits = Limits()
    # Single use: whatever the run leaves behind dies with the process, so the cyclic collector would only
    # walk the trace's objects once the run is over (a run pauses it already; see explorer/gcpause.py).
    gc.disable()
    try:
        os.setsid()  # own process group: the server kills the whole group afterwards
        _prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)  # and we die with the zygote
        message = _read_request(_read_until_eof(request_fd))
        os.close(request_fd)
        limits = Limits.from_any(message["limits"])
        highest_fd = _neutralise_inherited_fds(keep={0, 1, 2, result_fd})
        _confine(limits, highest_fd)
        if function is None:
            reply: Any = _failure("runtime", f"the explorer could not load its runner: {load_error}")
        else:
            reply = _call_target(function, message["request"], limits)
        data = _encode_reply(reply, limits)
    except BaseException as exc:  # noqa: BLE001 - whatever happened, the server gets an answer
        data = _encode_reply(_error_reply(exc, WORKER, limits), limits)
    _write_all_blocking(result_fd, data)
    os._exit(0)


def _load_target(target: str) -> tuple[Callable[[dict], Any] | None, str]:
    """Import "module:function" (in the zygote, once); on failure (None, why)."""
    try:
        module_name, function_name = _split_target(target)
        obj: Any = importlib.import_module(module_name)
        for part in function_name.split("."):
            obj = getattr(obj, part)
        return obj, ""
    except Exception as exc:  # noqa: BLE001 - reported to each request instead
        return None, f"{target}: {type(exc).__name__}: {exc}"


def _split_target(target: str) -> tuple[str, str]:
    module_name, sep, function_name = target.partition(":")
    if not (sep and module_name and function_name):
        raise ValueError(f"target must look like 'package.module:function', not {target!r}")
    return module_name, function_name


def prepare_zygote() -> None:
    """What every worker needs and can inherit, done once in the zygote before it forks any: one torch
    thread, and the seccomp filter built (a fresh worker's every Python step writes to memory it shares with
    the zygote and so costs it a copied page: what is done here is not paid again per run)."""
    torch = sys.modules.get("torch")
    if torch is not None:
        torch.set_num_threads(1)
    prepare_seccomp_filter()


def _call_target(function: Callable[[dict], Any], request: Any, limits: Limits) -> Any:
    try:
        return function(request)
    except BaseException as exc:  # noqa: BLE001 - a ProgramError, memory (torch's allocator too), a bug
        return _error_reply(exc, RUNNER, limits)


def _encode_reply(reply: Any, limits: Limits) -> bytes:
    if not isinstance(reply, dict):
        reply = _failure("runtime", f"the runner returned a {type(reply).__name__}, not a dict")
    try:
        data = fastjson.dumps(reply)  # a big trace is megabytes of floats: orjson writes it 10x faster
    except (MemoryError, TypeError, ValueError, RecursionError) as exc:
        data = json.dumps(_error_reply(exc, REPLYING, limits)).encode()
    if len(data) > limits.max_result_bytes:
        data = json.dumps(_too_large_failure(limits)).encode()
    return data


def _read_request(data: bytes) -> Any:
    """The server's request (written by json.dumps): orjson reads it with less work, json what orjson refuses
    (NaN, integers beyond 64 bits) as before."""
    try:
        return fastjson.loads(data)
    except ValueError:
        return json.loads(data)


def _read_until_eof(fd: int) -> bytes:
    chunks = []
    while chunk := os.read(fd, _READ_CHUNK):
        chunks.append(chunk)
    return b"".join(chunks)


def _write_all_blocking(fd: int, data: bytes) -> None:
    view = memoryview(data)
    with suppress(OSError):  # the server stopped listening (deadline): nothing left to do
        while view:
            view = view[os.write(fd, view) :]
    with suppress(OSError):
        os.close(fd)


def _neutralise_inherited_fds(keep: set[int]) -> int:
    """Point every other inherited fd at /dev/null (dup2, not close: no number gets recycled under us).
    Returns the highest fd open afterwards."""
    devnull = os.open(os.devnull, os.O_RDONLY)
    fds = [int(name) for name in os.listdir("/proc/self/fd")]
    try:
        for fd in fds:
            if fd not in keep and fd != devnull:
                with suppress(OSError):
                    os.dup2(devnull, fd)
    finally:
        os.close(devnull)
    return max(fd for fd in fds if fd != devnull)  # the directory's own fd is closed again, but was open


def _confine(limits: Limits, highest_fd: int | None = None) -> None:
    """Lower this worker's resource limits, then refuse new processes and file changes (seccomp).
    `highest_fd`: the highest fd open, if known (else read from /proc)."""
    cpu_seconds = math.ceil(limits.time_seconds) + CPU_GRACE_SECONDS
    _set_limit(resource.RLIMIT_CORE, 0)
    _set_limit(resource.RLIMIT_FSIZE, 0)  # writes fail with EFBIG (Python ignores SIGXFSZ)
    _set_limit(resource.RLIMIT_CPU, cpu_seconds, cpu_seconds + 1)  # SIGXCPU, then SIGKILL
    highest = _highest_open_fd() if highest_fd is None else highest_fd
    _set_limit(resource.RLIMIT_NOFILE, highest + 1 + SPARE_FILES)
    _set_limit(resource.RLIMIT_NPROC, 0)  # no fork, no thread; root is exempt, hence the seccomp filter
    in_use = _address_space_in_use()
    if in_use is not None:
        _set_limit(resource.RLIMIT_AS, in_use + limits.memory_mb * _MB)
    _install_seccomp_filter()


def _set_limit(which: int, soft: int, hard: int | None = None) -> None:
    """Set soft and hard limit, never above the current hard limit (which only root could raise)."""
    hard = soft if hard is None else hard
    _, current_hard = resource.getrlimit(which)
    if current_hard != resource.RLIM_INFINITY:
        soft, hard = min(soft, current_hard), min(hard, current_hard)
    resource.setrlimit(which, (soft, hard))


def _highest_open_fd() -> int:
    return max(int(name) for name in os.listdir("/proc/self/fd"))


def _address_space_in_use() -> int | None:
    """VmSize of this process in bytes."""
    try:
        with open("/proc/self/status", "rb") as status:
            _, found, rest = status.read().partition(b"\nVmSize:")
        if found:
            return int(rest.split(None, 1)[0]) * 1024
    except (OSError, ValueError):
        pass
    log.warning("sandbox: no VmSize in /proc/self/status, so no RLIMIT_AS")
    return None


