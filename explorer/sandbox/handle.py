"""A forked worker as the server sees it: its pid, a pidfd, the server's ends of its pipes, its CPU time."""
from __future__ import annotations

import logging
import math
import os
import select
import signal
import struct
from contextlib import suppress
from dataclasses import dataclass

log = logging.getLogger(__name__)

SLOW_RUN_SECONDS = 0.25  # a run that has used this much CPU time is demoted to the lowest CPU priority
SLOW_RUN_NICE = 19
_PID = struct.Struct("q")  # pids and exit codes travel as 8 bytes
_CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


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
