"""The zygote: a process that imported torch once and forks workers on request."""
from __future__ import annotations

import importlib
import json
import logging
import os
import selectors
import signal
import socket
import subprocess
import sys
import threading
from collections.abc import Callable
from contextlib import suppress

from explorer.sandbox.handle import _PID, _Worker
from explorer.sandbox.hugepages import collapse_into_huge_pages
from explorer.sandbox.worker import _load_target, _worker_main, prepare_zygote

log = logging.getLogger(__name__)

ZYGOTE_REPLY_SECONDS = 120.0  # the first fork waits for the zygote to import torch



# numpy's OpenBLAS would otherwise start a thread pool at import: a zygote with threads is not safe to fork.
_ONE_THREAD_ENV = {"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}

# Run with `python -c`; argv[1] is JSON {"sys_path", "control_fd", "preload", "target"}.
_ZYGOTE_BOOT = (
    "import json, sys\n"
    "config = json.loads(sys.argv[1])\n"
    "sys.path[:] = config['sys_path']\n"
    "from explorer.sandbox.zygote import _zygote_main\n"
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
    prepare_zygote()
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
