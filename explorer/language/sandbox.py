"""Run untrusted programs in isolated, pre-started, single-use worker processes.

Why
---
The web app serves whole classes, so every typed program is untrusted. Our interpreter never calls eval or
exec, but a program can still crash torch in C, spin in a C loop that Python cannot interrupt, or ask for a
tensor that eats the machine. So, as defence in depth, each run happens in a separate process: whatever the
program does costs one worker, never the server.

Design
------
::

    server (any thread)                         zygote (imported torch + the target once)
    WorkerPool.run(request, limits)                  │ fork on request
      take an idle worker ─────────────────────► worker: blocks on its request pipe
      write request JSON, close (EOF) ─────────►   read request → rlimits + seccomp → target(request)
      read reply JSON until EOF (cap, deadline) ◄─   write reply JSON, exit
      SIGKILL the worker (always)                zygote reaps it, writes its exit code to a status pipe
    housekeeper thread: reaps used workers, keeps `size` fresh ones waiting

* **Pre-started workers.** Importing torch takes seconds, so a "zygote" process imports it (and the
  target's module) once, then forks workers on request; a fork is ready in milliseconds. A few forked
  workers already wait, blocked on their request pipe, so a normal run pays no start-up at all. (We do not
  use multiprocessing's forkserver: on Python 3.11 it re-runs the server's ``__main__`` script in every
  child, and its preload list is process-wide.) Once loaded, the zygote's memory is put in 2 MB pages
  (hugepages.py), which makes a fork and a worker's exit about three times cheaper.
* **One request per worker.** After its run a worker is killed, never reused: nothing one user's program
  did (globals, torch state, a half-broken allocator) can reach the next user. A housekeeper thread starts
  replacements in the background; a run that finds no idle worker forks its own rather than wait.
* **Limits are set in the worker once the request arrives** (it was started before anyone knew them):
  one torch thread; RLIMIT_AS = address space already in use + memory_mb (torch maps ~600 MB of address
  space at import, so an absolute cap would trip on torch itself); RLIMIT_CPU = ceil(time_seconds) + 2;
  RLIMIT_FSIZE = 0 (no file writes); a small RLIMIT_NOFILE; RLIMIT_NPROC = 0 (no fork, no threads);
  RLIMIT_CORE = 0. Root ignores RLIMIT_NPROC and RLIMIT_FSIZE does not stop creating empty files, so a
  seccomp filter (x86_64 and aarch64) also refuses fork/vfork/execve, non-thread clones, opening files
  for writing, unlink/rename/mkdir/chmod/chown and new sockets. The worker leads its own process group and
  the group is SIGKILLed after the run, so even a fork that got through would leave nothing behind.
* **The parent keeps the clock:** it SIGKILLs the worker at time_seconds + 1 s of wall time, whatever the
  worker is doing, so an infinite loop, a sleep in C or a memory bomb comes back as a `limit` error.
* **JSON, never pickle, from worker to server.** The reply is read as raw bytes with a size cap and parsed
  as JSON (explorer/fastjson.py): unpickling bytes from a compromised worker could run code in the server.
  The zygote sends back only a pid (8 bytes) and a pidfd; exit codes come from the zygote, not the worker.
* Every failure becomes ``{"ok": False, "error": ProgramError(...).to_dict()}``: `limit` for time, CPU,
  memory and result size, `runtime` for crashes (a signal such as SIGSEGV), early exits and malformed
  replies. The server keeps serving: a dead worker, a dead zygote or a closed pool is recreated on demand.

Not covered: workers run as the server's user and can read what it can read (files, /proc of processes of
the same user) and signal its processes; no network or mount namespaces. Run the server as a dedicated
unprivileged user (in a container) for those. Linux only (pidfds, /proc, seccomp). Worker stdout/stderr go
to the server's.
"""
from __future__ import annotations

import atexit
import ctypes
import gc
import importlib
import json
import logging
import math
import os
import platform
import resource
import select
import selectors
import signal
import socket
import struct
import subprocess
import sys
import threading
import time
from collections import deque
from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass
from typing import Any

from explorer import fastjson
from explorer.config import Limits
from explorer.errors import ProgramError
from explorer.gcpause import gc_paused
from explorer.language.hugepages import collapse_into_huge_pages

__all__ = ["WorkerPool", "default_pool"]

log = logging.getLogger(__name__)

DEADLINE_GRACE_SECONDS = 1.0  # the parent kills a worker this long after limits.time_seconds (wall clock)
CPU_GRACE_SECONDS = 2  # RLIMIT_CPU = ceil(time_seconds) + this; SIGKILL follows one second later
EXIT_STATUS_WAIT_SECONDS = 1.0  # how long to wait for the exit code of a worker that sent nothing
SPARE_FILES = 16  # RLIMIT_NOFILE = highest fd open at confinement + 1 + this
ZYGOTE_REPLY_SECONDS = 120.0  # the first fork waits for the zygote to import torch
START_RETRY_SECONDS = 1.0  # the housekeeper's pause after failing to start a worker
SLOW_RUN_SECONDS = 0.25  # a run that has used this much CPU time is demoted to the lowest CPU priority
SLOW_RUN_NICE = 19
SLOW_RUN_CHECK_SECONDS = 0.05  # how often the server looks at a running worker's CPU time
_READ_CHUNK = 1 << 20
_MB = 1 << 20
_PID = struct.Struct("q")
_CLOCK_TICKS = os.sysconf("SC_CLK_TCK")

_TIME_HINT = "look for a loop that never ends or make the tensors smaller"
_MEMORY_HINT = "make the tensors smaller or use fewer of them"
_CRASH_HINT = "the explorer is fine — try smaller or simpler arguments"


# --------------------------------------------------------------------------------------------------------
# Error replies (built in the server and in workers)
# --------------------------------------------------------------------------------------------------------


def _failure(kind: str, message: str, hint: str | None = None) -> dict:
    return {"ok": False, "error": ProgramError(kind, message, hint=hint).to_dict()}


def _time_failure(limits: Limits) -> dict:
    message = f"the program ran longer than {limits.time_seconds:g} s and was stopped"
    return _failure("limit", message, _TIME_HINT)


def _cpu_failure(limits: Limits) -> dict:
    message = f"the program used more than {limits.time_seconds:g} s of CPU time and was stopped"
    return _failure("limit", message, _TIME_HINT)


def _memory_failure(limits: Limits) -> dict:
    message = f"the program needed more memory than the {limits.memory_mb} MB allowed"
    return _failure("limit", message, _MEMORY_HINT)


def _too_large_failure(limits: Limits) -> dict:
    message = f"the result is too large to show (more than {limits.max_result_bytes / 1e6:g} MB)"
    return _failure("limit", message, "keep fewer or smaller tensors, or print less")


def _signal_name(number: int) -> str:
    try:
        return signal.Signals(number).name
    except ValueError:
        return f"signal {number}"


def _explain_exit(exitcode: int | None, limits: Limits) -> dict:
    """The reply for a worker that ended without sending anything."""
    if exitcode == -signal.SIGXCPU:
        return _cpu_failure(limits)
    if exitcode == -signal.SIGKILL:  # not ours: the kernel (OOM killer, hard RLIMIT_CPU)
        message = "the program was stopped by the system, most likely because it needed too much memory"
        return _failure("limit", message, _MEMORY_HINT)
    if exitcode is not None and exitcode < 0:
        message = f"the program crashed inside torch (signal {-exitcode}, {_signal_name(-exitcode)})"
        return _failure("runtime", message, _CRASH_HINT)
    if exitcode is None:
        return _failure("runtime", "the worker process vanished before it sent a result", _CRASH_HINT)
    message = f"the worker process stopped (exit code {exitcode}) before it sent a result"
    return _failure("runtime", message, _CRASH_HINT)


# --------------------------------------------------------------------------------------------------------
# Worker: runs in a process forked from the zygote, serves one request, exits
# --------------------------------------------------------------------------------------------------------


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
        _prepare_torch()
        message = json.loads(_read_until_eof(request_fd))
        os.close(request_fd)
        limits = Limits.from_any(message["limits"])
        _neutralise_inherited_fds(keep={0, 1, 2, result_fd})
        _confine(limits)
        if function is None:
            reply: Any = _failure("runtime", f"the explorer could not load its runner: {load_error}")
        else:
            reply = _call_target(function, message["request"], limits)
        data = _encode_reply(reply, limits)
    except MemoryError:
        data = _encode_reply(_memory_failure(limits), limits)
    except BaseException as exc:  # noqa: BLE001 - whatever happened, the server gets an answer
        data = _encode_reply(_failure("runtime", f"the worker failed: {type(exc).__name__}: {exc}"), limits)
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


def _prepare_torch() -> None:
    torch = sys.modules.get("torch")
    if torch is not None:
        torch.set_num_threads(1)


def _call_target(function: Callable[[dict], Any], request: Any, limits: Limits) -> Any:
    try:
        return function(request)
    except MemoryError:
        return _memory_failure(limits)
    except ProgramError as exc:
        return {"ok": False, "error": exc.to_dict()}
    except RuntimeError as exc:
        if "can't allocate memory" in str(exc):  # torch's CPU allocator under RLIMIT_AS
            return _memory_failure(limits)
        return _failure("runtime", f"the explorer failed: RuntimeError: {exc}")
    except BaseException as exc:  # noqa: BLE001
        return _failure("runtime", f"the explorer failed: {type(exc).__name__}: {exc}")


def _encode_reply(reply: Any, limits: Limits) -> bytes:
    if not isinstance(reply, dict):
        reply = _failure("runtime", f"the runner returned a {type(reply).__name__}, not a dict")
    try:
        data = fastjson.dumps(reply)  # a big trace is megabytes of floats: orjson writes it 10x faster
    except MemoryError:
        data = json.dumps(_memory_failure(limits)).encode()
    except (TypeError, ValueError, RecursionError) as exc:
        data = json.dumps(_failure("runtime", f"the result could not be turned into JSON: {exc}")).encode()
    if len(data) > limits.max_result_bytes:
        data = json.dumps(_too_large_failure(limits)).encode()
    return data


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


def _neutralise_inherited_fds(keep: set[int]) -> None:
    """Point every other inherited fd at /dev/null (dup2, not close: no number gets recycled under us)."""
    devnull = os.open(os.devnull, os.O_RDONLY)
    try:
        for name in os.listdir("/proc/self/fd"):
            fd = int(name)
            if fd not in keep and fd != devnull:
                with suppress(OSError):
                    os.dup2(devnull, fd)
    finally:
        os.close(devnull)


def _confine(limits: Limits) -> None:
    """Lower this worker's resource limits, then refuse new processes and file changes (seccomp)."""
    cpu_seconds = math.ceil(limits.time_seconds) + CPU_GRACE_SECONDS
    _set_limit(resource.RLIMIT_CORE, 0)
    _set_limit(resource.RLIMIT_FSIZE, 0)  # writes fail with EFBIG (Python ignores SIGXFSZ)
    _set_limit(resource.RLIMIT_CPU, cpu_seconds, cpu_seconds + 1)  # SIGXCPU, then SIGKILL
    _set_limit(resource.RLIMIT_NOFILE, _highest_open_fd() + 1 + SPARE_FILES)
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
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmSize:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    log.warning("sandbox: no VmSize in /proc/self/status, so no RLIMIT_AS")
    return None


# ---- prctl and seccomp, through ctypes ------------------------------------------------------------------

_libc = ctypes.CDLL(None, use_errno=True)
_PR_SET_PDEATHSIG = 1
_PR_SET_SECCOMP = 22
_PR_SET_NO_NEW_PRIVS = 38
_SECCOMP_MODE_FILTER = 2


def _prctl(option: int, *args: int | ctypes.c_void_p) -> int:
    """prctl(2), every argument a full machine word (the kernel insists unused ones are 0)."""
    words = [a if isinstance(a, ctypes.c_void_p) else ctypes.c_ulong(a) for a in args]
    words += [ctypes.c_ulong(0)] * (4 - len(words))
    return _libc.prctl(ctypes.c_int(option), *words)


# The filter refuses (EPERM): new processes (fork, vfork, clone without CLONE_THREAD, execve), changes to
# files (opening for writing or creating, truncate, unlink, rename, mkdir, link, chmod, chown, ...) and new
# sockets. clone3 gets ENOSYS: its flags live in memory a filter cannot read, and glibc then falls back to
# clone, which is checked. Every syscall of a foreign ABI (x32, or i386 on x86_64) is refused too.
_SECCOMP_ARCHES: dict[str, tuple[int, dict[str, int]]] = {
    "x86_64": (
        0xC000003E,
        {
            "clone": 56, "clone3": 435, "open": 2, "openat": 257,
            "fork": 57, "vfork": 58, "execve": 59, "execveat": 322, "socket": 41, "openat2": 437,
            "creat": 85, "truncate": 76, "unlink": 87, "unlinkat": 263, "rename": 82, "renameat": 264,
            "renameat2": 316, "rmdir": 84, "mkdir": 83, "mkdirat": 258, "link": 86, "linkat": 265,
            "symlink": 88, "symlinkat": 266, "mknod": 133, "mknodat": 259, "chmod": 90, "fchmod": 91,
            "fchmodat": 268, "fchmodat2": 452, "chown": 92, "fchown": 93, "lchown": 94, "fchownat": 260,
        },
    ),
    "aarch64": (
        0xC00000B7,
        {
            "clone": 220, "clone3": 435, "openat": 56,
            "execve": 221, "execveat": 281, "socket": 198, "openat2": 437, "truncate": 45,
            "unlinkat": 35, "renameat": 38, "renameat2": 276, "mkdirat": 34, "linkat": 37, "symlinkat": 36,
            "mknodat": 33, "fchmod": 52, "fchmodat": 53, "fchmodat2": 452, "fchownat": 54, "fchown": 55,
        },
    ),
}  # fmt: skip
_CHECKED_SYSCALLS = ("clone", "clone3", "open", "openat")  # looked at more closely; all others are refused
_X32_SYSCALL_BIT = 0x40000000
_CLONE_THREAD = 0x00010000
_OPEN_WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_TRUNC
_SECCOMP_RET_ALLOW = 0x7FFF0000
_SECCOMP_RET_ERRNO = 0x00050000
_EPERM, _ENOSYS = 1, 38
_BPF_LD_W_ABS, _BPF_JEQ, _BPF_JGE, _BPF_JSET, _BPF_RET = 0x20, 0x15, 0x35, 0x45, 0x06
# offsets in struct seccomp_data (the low 32 bits of each 64-bit argument, little-endian)
_ARCH, _NR, _ARG0, _ARG1, _ARG2 = 4, 0, 16, 24, 32


class _SockFilter(ctypes.Structure):
    _fields_ = [
        ("code", ctypes.c_ushort),
        ("jt", ctypes.c_ubyte),
        ("jf", ctypes.c_ubyte),
        ("k", ctypes.c_uint),
    ]


class _SockFprog(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.POINTER(_SockFilter))]


def _seccomp_program(arch: int, numbers: dict[str, int]) -> list[tuple[int, int, int, int]]:
    """BPF as (code, jt, jf, k); jumps are written to labels (None = next instruction), resolved below."""
    refused = [number for name, number in numbers.items() if name not in _CHECKED_SYSCALLS]
    asm: list[tuple] = [
        ("ld", _ARCH),
        ("jeq", arch, None, "deny"),
        ("ld", _NR),
        ("jge", _X32_SYSCALL_BIT, "deny", None),
        *[("jeq", number, "deny", None) for number in refused],
        *([("jeq", numbers["open"], "open", None)] if "open" in numbers else []),
        ("jeq", numbers["openat"], "openat", None),
        ("jeq", numbers["clone3"], "enosys", None),
        ("jeq", numbers["clone"], None, "allow"),
        ("ld", _ARG0),  # clone(flags, ...)
        ("jset", _CLONE_THREAD, "allow", "deny"),
        ("label", "open"),
        ("ld", _ARG1),  # open(path, flags, mode)
        ("jset", _OPEN_WRITE_FLAGS, "deny", "allow"),
        ("label", "openat"),
        ("ld", _ARG2),  # openat(dirfd, path, flags, mode)
        ("jset", _OPEN_WRITE_FLAGS, "deny", "allow"),
        ("label", "allow"),
        ("ret", _SECCOMP_RET_ALLOW),
        ("label", "deny"),
        ("ret", _SECCOMP_RET_ERRNO | _EPERM),
        ("label", "enosys"),
        ("ret", _SECCOMP_RET_ERRNO | _ENOSYS),
    ]
    code: list[tuple] = []
    labels: dict[str, int] = {}
    for op in asm:
        if op[0] == "label":
            labels[op[1]] = len(code)
        else:
            code.append(op)

    def jump(here: int, label: str | None) -> int:
        return 0 if label is None else labels[label] - here - 1

    jumps = {"jeq": _BPF_JEQ, "jge": _BPF_JGE, "jset": _BPF_JSET}
    program = []
    for i, op in enumerate(code):
        if op[0] in jumps:
            program.append((jumps[op[0]], jump(i, op[2]), jump(i, op[3]), op[1]))
        else:
            program.append((_BPF_LD_W_ABS if op[0] == "ld" else _BPF_RET, 0, 0, op[1]))
    return program


def _install_seccomp_filter() -> bool:
    """Install the seccomp filter; False (nothing installed) on an unknown architecture or kernel."""
    arch = _SECCOMP_ARCHES.get(platform.machine())
    if arch is None:
        return False
    program = _seccomp_program(*arch)
    filters = (_SockFilter * len(program))(*[_SockFilter(*op) for op in program])
    fprog = _SockFprog(len(program), filters)
    if _prctl(_PR_SET_NO_NEW_PRIVS, 1) != 0:
        return False
    return _prctl(_PR_SET_SECCOMP, _SECCOMP_MODE_FILTER, ctypes.c_void_p(ctypes.addressof(fprog))) == 0


# --------------------------------------------------------------------------------------------------------
# Zygote: a process that imported torch once and forks workers on request
# --------------------------------------------------------------------------------------------------------

# numpy's OpenBLAS would otherwise start a thread pool at import: a zygote with threads is not safe to fork.
_ONE_THREAD_ENV = {"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}

# Run with `python -c`; argv[1] is JSON {"sys_path", "control_fd", "preload", "target"}.
_ZYGOTE_BOOT = (
    "import json, sys\n"
    "config = json.loads(sys.argv[1])\n"
    "sys.path[:] = config['sys_path']\n"
    "from explorer.language.sandbox import _zygote_main\n"
    "_zygote_main(config['control_fd'], config['preload'], config['target'])\n"
)


def _zygote_main(control_fd: int, preload: list[str], target: str) -> None:
    """Import `preload` and the target, then fork a worker for each request until the server hangs up.

    Protocol on the control socket (SOCK_SEQPACKET): the server sends b"F" with three fds (the worker's
    request read end, result write end, and a status write end); the zygote forks and answers with the
    pid (8 bytes, -1 if fork failed) and a pidfd. When the worker exits the zygote writes its exit code
    (8 bytes, negative = signal) to the status pipe and closes it.
    """
    for name in preload:
        try:
            importlib.import_module(name)
        except Exception as exc:  # noqa: BLE001 - a missing preload only costs time later
            print(f"sandbox zygote: could not preload {name}: {exc}", file=sys.stderr)
    function, load_error = _load_target(target)
    collapse_into_huge_pages()  # everything is loaded: workers fork and exit ~3x faster (see hugepages.py)
    control = socket.socket(fileno=control_fd)
    wake_r, wake_w = os.pipe()
    os.set_blocking(wake_r, False)
    os.set_blocking(wake_w, False)
    signal.set_wakeup_fd(wake_w)
    signal.signal(signal.SIGCHLD, lambda *_: None)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    statuses: dict[int, int] = {}  # worker pid -> its status write end
    selector = selectors.DefaultSelector()
    selector.register(control, selectors.EVENT_READ)
    selector.register(wake_r, selectors.EVENT_READ)

    def in_worker(fds: list[int]) -> None:
        signal.set_wakeup_fd(-1)
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        selector.close()
        control.close()
        for fd in (wake_r, wake_w, fds[2], *statuses.values()):
            os.close(fd)
        _worker_main(fds[0], fds[1], function, load_error)

    while True:
        for key, _ in selector.select():
            if key.fileobj is control:
                if not _zygote_fork(control, statuses, in_worker):
                    return  # the server closed the pool or exited; workers die with us (PDEATHSIG)
            else:
                with suppress(BlockingIOError):
                    os.read(wake_r, 4096)
                _zygote_reap(statuses)


def _zygote_fork(
    control: socket.socket, statuses: dict[int, int], in_worker: Callable[[list[int]], None]
) -> bool:
    """Serve one fork request; False once the server has hung up."""
    try:
        message, fds, _, _ = socket.recv_fds(control, 16, 3)
    except ConnectionError:
        return False
    if not message:
        return False
    try:
        pid = os.fork() if len(fds) == 3 else -1
    except OSError:
        pid = -1
    if pid == 0:
        try:
            in_worker(fds)
        finally:
            os._exit(70)
    pidfds = []
    if pid > 0:
        statuses[pid] = fds[2]
        with suppress(OSError, AttributeError):
            pidfds.append(os.pidfd_open(pid))
    for fd in fds[:2] if pid > 0 else fds:
        os.close(fd)
    try:
        socket.send_fds(control, [_PID.pack(pid)], pidfds)
    except OSError:
        return False
    finally:
        for fd in pidfds:
            os.close(fd)
    return True


def _zygote_reap(statuses: dict[int, int]) -> None:
    while True:
        try:
            pid, status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return
        fd = statuses.pop(pid, None)
        if fd is not None:
            with suppress(OSError):
                os.write(fd, _PID.pack(os.waitstatus_to_exitcode(status)))
            os.close(fd)


class _ZygoteGone(Exception):
    """The zygote died or stopped answering; start another."""


class _Zygote:
    """The server's handle on one zygote process. `fork` is thread-safe."""

    def __init__(self, preload: tuple[str, ...], target: str) -> None:
        server_end, zygote_end = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        config = {
            "sys_path": [path or os.getcwd() for path in sys.path],
            "control_fd": zygote_end.fileno(),
            "preload": list(preload),
            "target": target,
        }
        try:
            self.process = subprocess.Popen(
                [sys.executable, "-c", _ZYGOTE_BOOT, json.dumps(config)],
                stdin=subprocess.DEVNULL,
                env={**os.environ, **_ONE_THREAD_ENV},
                pass_fds=(zygote_end.fileno(),),
                start_new_session=True,  # a ^C in the server's terminal is the server's business
            )
        finally:
            zygote_end.close()
        server_end.settimeout(ZYGOTE_REPLY_SECONDS)
        self.control = server_end
        self.lock = threading.Lock()

    def fork(self) -> _Worker:
        request_r, request_w = os.pipe()
        result_r, result_w = os.pipe()
        status_r, status_w = os.pipe()
        try:
            with self.lock:
                socket.send_fds(self.control, [b"F"], [request_r, result_w, status_w])
                message, pidfds, _, _ = socket.recv_fds(self.control, 16, 1, socket.MSG_CMSG_CLOEXEC)
        except OSError as exc:  # includes the timeout
            for fd in (request_w, result_r, status_r):
                os.close(fd)
            raise _ZygoteGone(str(exc)) from exc
        finally:
            for fd in (request_r, result_w, status_w):
                os.close(fd)
        pid = _PID.unpack(message)[0] if len(message) == _PID.size else -1
        if pid <= 0:
            for fd in (request_w, result_r, status_r, *pidfds):
                os.close(fd)
            if not message:
                raise _ZygoteGone("the zygote hung up")
            raise RuntimeError("the zygote could not fork a worker (too many processes?)")
        return _Worker(pid, pidfds[0] if pidfds else None, request_w, result_r, status_r)

    def close(self) -> None:
        """Hang up and stop the zygote; its workers die with it (PDEATHSIG)."""
        self.control.close()
        with suppress(ProcessLookupError):
            self.process.kill()  # it keeps no state worth a graceful exit, and may be busy importing torch
        self.process.wait()


# --------------------------------------------------------------------------------------------------------
# Server side
# --------------------------------------------------------------------------------------------------------


class _WorkerGone(Exception):
    """The worker died before it took the request (e.g. its zygote went away); try another."""


@dataclass(eq=False)
class _Worker:
    """A forked worker, as the server sees it: its pid, a pidfd, and the server's ends of three pipes."""

    pid: int
    pidfd: int | None
    requests: int  # write one JSON request, then close (EOF)
    results: int  # read one JSON reply until EOF
    status: int  # the zygote writes the exit code here
    killed: bool = False
    _exitcode: int | None = None
    _released: bool = False

    def has_exited(self) -> bool:
        return _wait_readable(self.status, 0)

    def kill(self) -> None:
        """SIGKILL the worker's process group (anything it started) and the worker; close its pipes."""
        if self.killed:
            return
        self.killed = True
        if not self.has_exited():  # not reaped yet, so the pid (and its group id) cannot have been reused
            with suppress(ProcessLookupError, PermissionError):
                os.killpg(self.pid, signal.SIGKILL)
            if self.pidfd is None:
                with suppress(ProcessLookupError, PermissionError):
                    os.kill(self.pid, signal.SIGKILL)
        if self.pidfd is not None:
            with suppress(OSError):
                signal.pidfd_send_signal(self.pidfd, signal.SIGKILL)
        self.close_pipe("requests")
        self.close_pipe("results")

    def demote_if_busy(self) -> bool:
        """Demote the worker once it has used SLOW_RUN_SECONDS of CPU time. Returns True once done (or if
        its CPU time cannot be read), so the caller stops asking. CPU time, not wall time: on a busy server
        a quick program can wait long for a CPU, and demoting it would only make it wait longer."""
        used = self.cpu_seconds()
        if used is None or used >= SLOW_RUN_SECONDS:
            if used is not None:
                self.demote()
            return True
        return False

    def cpu_seconds(self) -> float | None:
        """User + system CPU time of the worker so far (/proc/PID/stat), None if it cannot be read."""
        try:
            with open(f"/proc/{self.pid}/stat", "rb") as f:
                fields = f.read().rsplit(b")", 1)[1].split()
            return (int(fields[11]) + int(fields[12])) / _CLOCK_TICKS  # utime, stime (fields 14 and 15)
        except (OSError, IndexError, ValueError):
            return None

    def demote(self) -> None:
        """Lowest CPU priority for the worker's process group. A run that takes long (an endless loop, a
        memory bomb, a big optimizer loop) then only gets CPU time that quick runs leave over: one student's
        runaway program no longer halves the server for the rest of the class while the clock runs out."""
        if not self.has_exited():  # not reaped yet, so the pid (and its group id) cannot have been reused
            with suppress(OSError):
                os.setpriority(os.PRIO_PGRP, self.pid, SLOW_RUN_NICE)
            # The worker leads its own session, and where the kernel groups sessions for fair CPU shares
            # (sched_autogroup, on in most distributions) a nice value only counts inside the group: the
            # group itself must be demoted too, or the runaway still gets as much CPU as the whole server.
            with suppress(OSError), open(f"/proc/{self.pid}/autogroup", "w") as group:
                group.write(str(SLOW_RUN_NICE))

    def close_pipe(self, name: str) -> None:
        """Close the server's end of the "requests" or "results" pipe, once (-1 marks it closed)."""
        fd = getattr(self, name)
        if fd >= 0:
            setattr(self, name, -1)
            os.close(fd)

    def exitcode(self, timeout: float) -> int | None:
        """The exit code the zygote reported (negative: signal); None if unknown by `timeout`."""
        if self._exitcode is None and not self._released and _wait_readable(self.status, timeout):
            data = os.read(self.status, _PID.size)
            self._exitcode = _PID.unpack(data)[0] if len(data) == _PID.size else None
        return self._exitcode

    def reap(self) -> None:
        """Kill, wait briefly for the zygote to reap it, release the remaining fds."""
        self.kill()
        self.exitcode(timeout=5.0)
        if not self._released:
            self._released = True
            for fd in (self.status, self.pidfd):
                if fd is not None:
                    with suppress(OSError):
                        os.close(fd)


def _wait_readable(fd: int, timeout: float) -> bool:
    poller = select.poll()
    poller.register(fd, select.POLLIN)
    return bool(poller.poll(max(0, math.ceil(timeout * 1000))))


class WorkerPool:
    """Pre-started, single-use worker processes that each run `target` on one request, under limits.

    `target` is "module:function": the function takes the JSON-safe request dict and returns a JSON-safe
    dict. `preload` modules (and the target's module) are imported once in the zygote, so workers start
    with them loaded. `run` is thread-safe; `close` stops everything, and a later `run` starts it again.
    """

    def __init__(
        self,
        size: int = 2,
        target: str = "explorer.run:run_request",
        preload: tuple[str, ...] = ("torch", "explorer.run"),
    ) -> None:
        if size < 0:
            raise ValueError("size must be >= 0")
        module_name, _ = _split_target(target)
        self.size = size
        self.target = target
        self.preload = tuple(dict.fromkeys([*preload, module_name]))
        self._cond = threading.Condition()
        self._idle: deque[_Worker] = deque()
        self._used: list[_Worker] = []  # killed, waiting for the housekeeper to reap them
        self._housekeeper: threading.Thread | None = None
        self._zygote: _Zygote | None = None
        self._zygote_lock = threading.Lock()
        with self._cond:
            self._ensure_housekeeper()

    # ---- public API ----------------------------------------------------------------------------------

    def run(self, request: dict, limits: Limits | dict | None = None) -> dict:
        """Run the target on `request` (JSON-safe) in a fresh worker; always returns a dict, errors included.

        `limits` bound the worker (time, memory, result size); they are not added to `request` itself.
        """
        limits = Limits.from_any(limits)
        payload = json.dumps({"request": request, "limits": limits.to_dict()}).encode()
        for _attempt in range(3):
            try:
                worker = self._take()
            except Exception as exc:  # noqa: BLE001 - the server keeps serving
                log.exception("sandbox: could not start a worker")
                return _failure("runtime", f"the explorer could not start a worker process: {exc}")
            try:
                return self._exchange(worker, payload, limits)
            except _WorkerGone:
                continue
            except Exception as exc:  # noqa: BLE001 - a bug of ours must not take the server down
                log.exception("sandbox: a run failed")
                return _failure("runtime", f"the explorer failed to run the program: {exc}")
            finally:
                self._discard(worker)
        return _failure("runtime", "the explorer could not reach a worker process", "run the program again")

    def wait_ready(self, timeout: float = 60.0) -> bool:
        """Block until `size` workers are waiting (e.g. at server start-up); False on timeout."""
        deadline = time.monotonic() + timeout
        with self._cond:
            self._ensure_housekeeper()
            while len(self._idle) < self.size:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                self._cond.wait(remaining)
        return True

    def close(self) -> None:
        """Stop the housekeeper and the zygote; kill and reap all workers (runs in flight fail)."""
        with self._cond:
            housekeeper, self._housekeeper = self._housekeeper, None
            self._cond.notify_all()
        if housekeeper is not None and housekeeper is not threading.current_thread():
            housekeeper.join(timeout=30)
        with self._cond:
            workers = [*self._idle, *self._used]
            self._idle.clear()
            self._used.clear()
        for worker in workers:
            worker.kill()
        with self._zygote_lock:
            zygote, self._zygote = self._zygote, None
        if zygote is not None:
            zygote.close()
        for worker in workers:
            worker.reap()

    def __enter__(self) -> WorkerPool:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # ---- one run -----------------------------------------------------------------------------------------

    def _exchange(self, worker: _Worker, payload: bytes, limits: Limits) -> dict:
        deadline = time.monotonic() + limits.time_seconds + DEADLINE_GRACE_SECONDS
        if not _send(worker.requests, payload, deadline):
            return _time_failure(limits)
        worker.close_pipe("requests")  # EOF: the request is complete
        data, status = _receive(worker.results, limits.max_result_bytes, deadline,
                                every=SLOW_RUN_CHECK_SECONDS, tick=worker.demote_if_busy)
        if status == "timeout":
            return _time_failure(limits)
        if status == "too-large":
            return _too_large_failure(limits)
        if data:
            return _decode_reply(data)
        return _explain_exit(worker.exitcode(timeout=EXIT_STATUS_WAIT_SECONDS), limits)

    # ---- workers -----------------------------------------------------------------------------------------

    def _take(self) -> _Worker:
        """An idle worker that is still alive, or one forked right now for this run."""
        with self._cond:
            self._ensure_housekeeper()
            while self._idle:
                worker = self._idle.popleft()
                self._cond.notify_all()  # the housekeeper forks a replacement
                if not worker.has_exited():
                    return worker
                worker.kill()
                self._used.append(worker)
        return self._fork_worker()

    def _discard(self, worker: _Worker) -> None:
        worker.kill()
        with self._cond:
            if self._housekeeper is not None:
                self._used.append(worker)
                self._cond.notify_all()
                return
        worker.reap()

    def _fork_worker(self) -> _Worker:
        """Fork a worker from the zygote, (re)starting the zygote if it is missing or dead."""
        for attempt in range(2):
            with self._zygote_lock:
                if self._zygote is None or self._zygote.process.poll() is not None:
                    if self._zygote is not None:
                        self._zygote.close()
                    self._zygote = _Zygote(self.preload, self.target)
                zygote = self._zygote
            try:
                return zygote.fork()
            except _ZygoteGone:
                log.warning("sandbox: the zygote went away; starting a new one")
                with self._zygote_lock:
                    if self._zygote is zygote:
                        self._zygote = None
                zygote.close()
                if attempt:
                    raise
        raise AssertionError("unreachable")

    def _ensure_housekeeper(self) -> None:
        """Start the housekeeper thread if there is none (new or closed pool). Call with self._cond held."""
        if self._housekeeper is None:
            self._housekeeper = threading.Thread(
                target=self._housekeep, name="sandbox-housekeeper", daemon=True
            )
            self._housekeeper.start()

    def _housekeep(self) -> None:
        me = threading.current_thread()
        while True:
            with self._cond:
                while self._housekeeper is me and not self._used and len(self._idle) >= self.size:
                    self._cond.wait()
                if self._housekeeper is not me:
                    return
                used, self._used = self._used, []
                short = len(self._idle) < self.size
            for worker in used:
                worker.reap()
            if short:
                self._add_idle_worker(me)

    def _add_idle_worker(self, me: threading.Thread) -> None:
        try:
            worker = self._fork_worker()
        except Exception:  # noqa: BLE001 - e.g. the zygote cannot start; try again later
            log.exception("sandbox: could not start a worker")
            time.sleep(START_RETRY_SECONDS)
            return
        with self._cond:
            if self._housekeeper is me:
                self._idle.append(worker)
                self._cond.notify_all()
                return
        worker.reap()  # the pool was closed meanwhile


def _send(fd: int, payload: bytes, deadline: float) -> bool:
    """Write the whole request; False if the deadline passed first."""
    os.set_blocking(fd, False)
    poller = select.poll()
    poller.register(fd, select.POLLOUT)
    view = memoryview(payload)
    try:
        while view:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return False
            if poller.poll(math.ceil(remaining * 1000)):
                with suppress(BlockingIOError):
                    view = view[os.write(fd, view) :]
    except BrokenPipeError as exc:
        raise _WorkerGone from exc
    return True


def _receive(fd: int, cap: int, deadline: float, every: float = math.inf,
             tick: Callable[[], bool] | None = None) -> tuple[bytes, str]:
    """Read until EOF, at most `cap` bytes, until `deadline`: (data, "eof" | "timeout" | "too-large").
    While waiting, `tick()` is called every `every` seconds until it returns True."""
    os.set_blocking(fd, False)
    poller = select.poll()
    poller.register(fd, select.POLLIN)
    chunks: list[bytes] = []
    size = 0
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return b"", "timeout"
        wait = remaining if tick is None else min(remaining, every)
        if not poller.poll(math.ceil(wait * 1000)):
            if tick is not None and tick():
                tick = None
            continue
        try:
            chunk = os.read(fd, _READ_CHUNK)
        except BlockingIOError:
            continue
        if not chunk:
            return b"".join(chunks), "eof"
        size += len(chunk)
        if size > cap:
            return b"", "too-large"
        chunks.append(chunk)


def _decode_reply(data: bytes) -> dict:
    """Parse a worker's reply: JSON only, never pickle (a compromised worker must not run code here)."""
    try:
        with gc_paused():  # a big trace is some 50,000 lists and dicts, none in a cycle
            reply = fastjson.loads(data)
    except (ValueError, RecursionError):
        return _failure("runtime", "the worker sent back a result that is not valid JSON", _CRASH_HINT)
    if not isinstance(reply, dict):
        return _failure("runtime", "the worker sent back a result that is not a JSON object", _CRASH_HINT)
    return reply


# --------------------------------------------------------------------------------------------------------
# The process-wide pool
# --------------------------------------------------------------------------------------------------------

_default_pool: WorkerPool | None = None
_default_pool_lock = threading.Lock()


def default_pool() -> WorkerPool:
    """The server's pool, created on first use and closed when the interpreter exits."""
    global _default_pool
    with _default_pool_lock:
        if _default_pool is None:
            _default_pool = WorkerPool(preload=("torch", "explorer.language.warmup", "explorer.run"))
            atexit.register(_default_pool.close)
        return _default_pool
