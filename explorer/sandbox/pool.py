"""Server side: a pool of waiting workers, one request each, with the parent keeping the clock."""
from __future__ import annotations

import json
import logging
import math
import os
import select
import threading
import time
from collections import deque
from collections.abc import Callable
from contextlib import suppress

from explorer import fastjson
from explorer.config import Limits
from explorer.errors import EXCHANGING, RECEIVING, STARTING
from explorer.gcpause import gc_paused
from explorer.sandbox.handle import _Worker, _WorkerGone
from explorer.sandbox.replies import (
    _CRASH_HINT,
    _error_reply,
    _explain_exit,
    _failure,
    _time_failure,
    _too_large_failure,
)
from explorer.sandbox.worker import _split_target
from explorer.sandbox.zygote import _Zygote, _ZygoteGone

log = logging.getLogger(__name__)

DEADLINE_GRACE_SECONDS = 1.0  # the parent kills a worker this long after limits.time_seconds (wall clock)
EXIT_STATUS_WAIT_SECONDS = 1.0  # how long to wait for the exit code of a worker that sent nothing
START_RETRY_SECONDS = 1.0  # the housekeeper's pause after failing to start a worker
SLOW_RUN_CHECK_SECONDS = 0.05  # how often the server looks at a running worker's CPU time
_READ_CHUNK = 1 << 20




class WorkerPool:
    """Pre-started, single-use worker processes that each run `target` on one request, under limits.

    `target` is "module:function": the function takes the JSON-safe request dict and returns a JSON-safe
    dict. `preload` modules (and the target's module) are imported once in the zygote, so workers start
    with them loaded. `run` is thread-safe; `close` stops everything, and a later `run` starts it again.
    """

    def __init__(
        self,
        size: int = 2,
        target: str = "explorer.recording.run:run_request",
        preload: tuple[str, ...] = ("torch", "explorer.recording.run"),
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
            except Exception as exc:
                log.exception("sandbox: could not start a worker")
                return _error_reply(exc, STARTING)
            try:
                return self._exchange(worker, payload, limits)
            except _WorkerGone:
                continue
            except Exception as exc:
                log.exception("sandbox: a run failed")
                return _error_reply(exc, EXCHANGING)
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
        except Exception:
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
    except (ValueError, RecursionError) as exc:
        return _error_reply(exc, RECEIVING)
    if not isinstance(reply, dict):
        return _failure("runtime", "the worker sent back a result that is not a JSON object", _CRASH_HINT)
    return reply


