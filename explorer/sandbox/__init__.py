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
import threading

from explorer.sandbox.pool import WorkerPool

__all__ = ["WorkerPool", "default_pool"]

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
            _default_pool = WorkerPool(preload=("torch", "explorer.sandbox.warmup", "explorer.recording.run"))
            atexit.register(_default_pool.close)
        return _default_pool
