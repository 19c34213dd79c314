"""A classroom under load: many students pressing Run at once while one of them tries to break the server.

    python benchmarks/load.py [--workers 4] [--users 50] [--seconds 30] [--port 0] [--think 1.0]
                              [--no-attacker] [--run-only]

What it does:

1. Starts the app the way the README deploys it for a class
   (`gunicorn -w N -b 127.0.0.1:PORT --timeout 60 explorer.app.wsgi:server`) on a free loopback port,
   and waits until it answers.
2. Reads `/_dash-dependencies` from the running app and picks the run callback (the one whose outputs
   include the graph's figure and the run-spec store), so the requests below have exactly the shape the
   browser sends when Run is clicked (`changedPropIds: ["run-btn.n_clicks"]`).
3. Runs `--users` simulated students in threads for `--seconds` (and at most `--max-requests` requests).
   Each posts gallery programs with a unique marker added (a leaf named `mark_u<user>_r<n>` and a
   `print` of it), so every answer can be checked to belong to ITS request: the returned run-spec must hold
   the program that was sent, the figure and the printed output must name the marker, and the graph's
   stats must match those of the same example measured before the load started. Any mismatch is
   cross-talk (an answer for another request, or from a stale cache) and counts as an error.
   A Run click in the page is more than the run callback: its answer sets stores that other callbacks read,
   and the page then asks the server for those too. Before the load, the page is opened once in headless
   Chromium (when Playwright and Chromium are here) and the requests that follow a Run are recorded; each
   student then posts them after every answer, with the answer's values in them, as the page would
   (`--run-only` leaves them out).
4. Meanwhile one attacker posts, back to back, a memory bomb and an endless loop. Both must come back
   as HTTP 200 with a ProgramError in the error store (kind `limit`), never as a 5xx, a dropped
   connection or a timeout.
5. Stops by itself, stops gunicorn (also on Ctrl+C or an error) and prints requests, errors,
   latency (p50/p95/max) of the gallery runs, the attacker's outcomes and throughput, next to the targets,
   and the server's CPU time per Run click: that of gunicorn's processes and the sandbox processes they
   start (read from /proc, so other work on the machine does not count), split into "web" (HTTP, Dash, the
   figure) and "sandbox" (starting, confining and ending a worker, and the program itself).

Why: the README says the app is safe and fast enough "for a whole class". A teacher's server is a small
machine; this measures whether 50 students get their graphs in under a second while one student's
runaway program is being stopped by the sandbox, and that nobody ever sees somebody else's graph.

Targets (printed, not asserted): 0 errors, p95 <= 1 s for the gallery programs while the attacker runs.
Everything stays on 127.0.0.1; nothing here reaches the network.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from explorer.examples import EXAMPLES  # noqa: E402 - a plain table of programs: no torch import

HOST = "127.0.0.1"  # loopback only, always
TARGET_P95_SECONDS = 1.0
CLIENT_TIMEOUT_SECONDS = 70.0  # longer than gunicorn's --timeout 60, so a killed worker shows as an error

MEMORY_BOMB = "xs = []\nfor i in range(10000):\n    xs.append(torch.ones(1000, 1000))\n"
ENDLESS_LOOP = "i = 0\nwhile True:\n    i = i + 1\n"
ATTACKS = {"memory-bomb": MEMORY_BOMB, "endless-loop": ENDLESS_LOOP}
BROWSER_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                "--no-first-run", "--disable-dev-shm-usage"]


# --- the server -------------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def start_gunicorn(workers: int, port: int, log_path: Path, threads: int = 1) -> subprocess.Popen:
    """The README's deploy command, in its own process group (so that stopping it stops its sandboxes too)."""
    cmd = [sys.executable, "-m", "gunicorn", "-w", str(workers), "--threads", str(threads), "-b", f"{HOST}:{port}",
           "--timeout", "60", "explorer.app.wsgi:server"]
    log = open(log_path, "wb")  # noqa: SIM115 - closed with the process
    return subprocess.Popen(cmd, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)


def stop_gunicorn(proc: subprocess.Popen) -> None:
    """TERM the process group gunicorn leads (master, its workers, their sandbox workers), then KILL."""
    if proc.poll() is None:
        try:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            pass
        except ProcessLookupError:
            return
    try:
        os.killpg(proc.pid, signal.SIGKILL)  # stragglers of the group, if any
    except ProcessLookupError:
        pass
    proc.wait(timeout=5)


def wait_until_up(base: str, proc: subprocess.Popen, timeout: float = 90.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"gunicorn exited with code {proc.returncode} before answering")
        try:
            if requests.get(base + "/_dash-dependencies", timeout=2).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.3)
    raise RuntimeError(f"the app did not answer within {timeout:.0f} s")


# --- the run callback's request ---------------------------------------------------------------------------


def find_run_callback(base: str) -> dict:
    """The callback whose outputs include the graph figure and the spec store (ids from layout.ID)."""
    deps = requests.get(base + "/_dash-dependencies", timeout=10).json()
    for dep in deps:
        outputs = split_outputs(dep["output"])
        names = {(o["id"], o["property"].split("@")[0]) for o in outputs}
        if ("graph", "figure") in names and ("run-spec", "data") in names:
            return dep
    raise RuntimeError("no callback outputs graph.figure and run-spec.data: has the layout changed?")


def split_outputs(output: str) -> list[dict]:
    """'..a.b...c.d@hash..' -> [{'id': 'a', 'property': 'b'}, {'id': 'c', 'property': 'd@hash'}]."""
    parts = output[2:-2].split("...") if output.startswith("..") else [output]
    return [dict(zip(("id", "property"), p.split(".", 1))) for p in parts]


def is_pattern(dep_id: str) -> bool:
    return dep_id.startswith("{")


def run_request(dep: dict, source: str, backward: str = "auto", inputs: dict | None = None) -> dict:
    """The body the browser posts when Run is clicked with `source` in the editor.

    Pattern-matching entries (the input boxes of free names) are lists of the boxes on the page: one per
    input the previous run showed, which is what a student who ran the example before would have."""
    values = {"run-btn.n_clicks": 1, "example.value": None, "backward.value": backward, "boot.data": None,
              "editor.value": source, "theme.value": "light", "direction.value": "LR", "constants.value": [],
              "present.data": False, "run-spec.data": None, "lang-store.data": None, "webgl.data": False,
              "collapse-store.data": None, "group-depth.value": "auto", "canvas.data": None,
              "selected.data": None, "show-all.data": False, "quiz.data": False, "digits.value": 4}
    boxes = {"n_submit": None, "value": None}

    def entry(d: dict):
        if is_pattern(d["id"]):
            pattern = json.loads(d["id"])
            return [{"id": {"name": name, "type": pattern["type"]}, "property": d["property"],
                     "value": input_text(v) if d["property"] == "value" else boxes[d["property"]]}
                    for name, v in (inputs or {}).items()]
        return {"id": d["id"], "property": d["property"], "value": values[f"{d['id']}.{d['property']}"]}

    return {"output": dep["output"], "outputs": split_outputs(dep["output"]),
            "inputs": [entry(d) for d in dep["inputs"]], "state": [entry(d) for d in dep["state"]],
            "changedPropIds": ["run-btn.n_clicks"]}


def input_text(value) -> str:
    return json.dumps(value) if isinstance(value, (list, tuple)) else str(value)


# --- the requests that follow a Run in the page -----------------------------------------------------------


def record_follow_ups(base: str, dep: dict) -> list[dict] | None:
    """The requests the page itself sends after its run callback's answer (a Run click is all of them), as
    the browser sent them: open the app in headless Chromium, run a gallery program twice (the first run
    leaves the gallery's choice behind, as a student's first edit does) and keep what the second run made.

    None when there is no Chromium or Playwright here: then only the run callback is posted."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        return None
    chromium = next((p for p in map(shutil.which, ("chromium", "chromium-browser", "google-chrome")) if p), None)
    if chromium is None:
        return None
    sys.path.insert(0, str(ROOT / "tests" / "e2e"))
    from e2e_support import open_app, run_program, wait_idle  # the one place that knows how to type a program

    sent: list[dict] = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium, headless=True, args=BROWSER_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1500, "height": 950}, locale="en-US")
            page.app_url = base + "/"
            page.on("request", lambda r: sent.append(json.loads(r.post_data or "{}"))
                    if "/_dash-update-component" in r.url else None)
            open_app(page)
            for n in range(2):
                sent.clear()
                run_program(page, marked_program(EXAMPLES[0], 9_998, n)[0])
                page.wait_for_timeout(300)  # the answer arrives, then its follow-ups leave
                wait_idle(page)
                page.wait_for_timeout(500)
                wait_idle(page)
        finally:
            browser.close()
    runs = [body for body in sent if body.get("output") == dep["output"]]
    if len(runs) != 1:
        raise RuntimeError(f"expected the page to post the run callback once per Run, not {len(runs)} times")
    return [body for body in sent if body.get("output") != dep["output"]]


def follow_up_request(template: dict, reply: dict) -> dict:
    """A recorded follow-up with the values the run's answer set (its spec, stats, error, ...) in place of the
    recorded ones, as the page would send it after this answer."""
    response = reply.get("response") or {}
    body = json.loads(json.dumps(template))
    for entry in [*body.get("inputs", []), *body.get("state", [])]:
        if isinstance(entry, dict) and isinstance(entry.get("id"), str):
            answer = response.get(entry["id"]) or {}
            if entry["property"] in answer:
                entry["value"] = answer[entry["property"]]
    return body


# --- what a student sends, and what must come back --------------------------------------------------------


def marked_program(example, user: int, n: int) -> tuple[str, str]:
    """The example's program with a unique marker leaf and print in front. Returns (source, marker)."""
    marker = f"mark_u{user}_r{n}"
    value = user * 10_000 + n
    return f"{marker} = torch.tensor({value}.0, requires_grad=True)\nprint('{marker}')\n" + example.source, marker


def response_data(resp: dict, cid: str, prop: str):
    return (resp.get(cid) or {}).get(prop)


def check_gallery(reply: dict, source: str, marker: str, expected_stats: dict | None) -> str | None:
    """None if the reply is this request's successful run; otherwise what is wrong with it."""
    resp = reply.get("response") or {}
    error = response_data(resp, "error-store", "data")
    if error:
        return f"program error {error.get('kind')}: {error.get('message')}"
    spec = response_data(resp, "run-spec", "data") or {}
    if spec.get("source") != source:
        return "cross-talk: run-spec holds another program"
    if marker not in json.dumps(response_data(resp, "graph", "figure")):
        return "cross-talk: the figure does not name this request's marker"
    if marker not in json.dumps(response_data(resp, "stdout", "children")):
        return "cross-talk: the printed output does not name this request's marker"
    stats = response_data(resp, "stats", "data")
    if expected_stats is not None and stats != expected_stats:
        return f"cross-talk: stats {stats} != {expected_stats}"
    return None


def check_attack(reply: dict) -> str:
    """The attack's outcome: 'limit', 'runtime', ... (the ProgramError kind), or 'NO ERROR' if it ran."""
    resp = reply.get("response") or {}
    error = response_data(resp, "error-store", "data")
    if not error:
        return "NO ERROR (the program was not stopped)"
    return str(error.get("kind"))


# --- measurements -----------------------------------------------------------------------------------------


@dataclass
class Results:
    lock: threading.Lock = field(default_factory=threading.Lock)
    gallery_latencies: list[float] = field(default_factory=list)
    by_example: dict = field(default_factory=dict)  # example key -> latencies
    gallery_ok: int = 0
    errors: Counter = field(default_factory=Counter)
    error_examples: dict = field(default_factory=dict)
    attacks: Counter = field(default_factory=Counter)  # (attack, outcome) -> count
    attack_latencies: dict = field(default_factory=lambda: {k: [] for k in ATTACKS})
    follow_ups: int = 0  # requests the page sends after a run's answer, posted after each gallery run
    sent: int = 0

    def take_ticket(self, budget: int) -> bool:
        with self.lock:
            if self.sent >= budget:
                return False
            self.sent += 1
            return True

    def error(self, kind: str, detail: str) -> None:
        with self.lock:
            self.errors[kind] += 1
            self.error_examples.setdefault(kind, detail)


def post(session: requests.Session, base: str, body: dict) -> tuple[int | None, dict | None, float, str]:
    """(status, JSON reply, seconds, problem): status None when the request did not complete."""
    start = time.perf_counter()
    try:
        r = session.post(base + "/_dash-update-component", json=body, timeout=CLIENT_TIMEOUT_SECONDS)
    except requests.RequestException as e:
        return None, None, time.perf_counter() - start, f"{type(e).__name__}: {e}"
    elapsed = time.perf_counter() - start
    if r.status_code != 200:
        return r.status_code, None, elapsed, r.text[:200]
    try:
        return 200, r.json(), elapsed, ""
    except ValueError:
        return 200, None, elapsed, "the reply is not JSON"


def student(user: int, base: str, dep: dict, reference: dict, stop: threading.Event, results: Results,
            budget: int, think: float, follow_ups: list[dict]) -> None:
    rng = random.Random(user)
    session = requests.Session()
    n = 0
    time.sleep(rng.uniform(0, think))  # students don't all click in the same millisecond
    while not stop.is_set() and results.take_ticket(budget):
        example = EXAMPLES[(user + n) % len(EXAMPLES)]
        source, marker = marked_program(example, user, n)
        body = run_request(dep, source, example.backward, example.inputs)
        status, reply, seconds, problem = post(session, base, body)
        n += 1
        if status is None:
            results.error("no answer (timeout / connection)", problem)
        elif status != 200:
            results.error(f"HTTP {status}", problem)
        elif reply is None:
            results.error("bad reply", problem)
        else:
            wrong = check_gallery(reply, source, marker, reference.get(example.key))
            with results.lock:
                results.gallery_latencies.append(seconds)
                results.by_example.setdefault(example.key, []).append(seconds)
                if wrong is None:
                    results.gallery_ok += 1
            if wrong is not None:
                results.error(wrong.split(":")[0], f"{example.key}: {wrong}")
            for template in follow_ups:  # what the page sends next, one after another
                status, _reply, _seconds, problem = post(session, base, follow_up_request(template, reply))
                with results.lock:
                    results.follow_ups += 1
                if status not in (200, 204):
                    results.error(f"follow-up HTTP {status}", problem)
        if think > 0:
            stop.wait(rng.expovariate(1 / think))


def attacker(base: str, dep: dict, stop: threading.Event, results: Results, budget: int) -> None:
    session = requests.Session()
    names = list(ATTACKS)
    n = 0
    while not stop.is_set() and results.take_ticket(budget):
        name = names[n % len(names)]
        n += 1
        status, reply, seconds, _problem = post(session, base, run_request(dep, ATTACKS[name]))
        if status is None:
            outcome = "NO ANSWER"
        elif status != 200:
            outcome = f"HTTP {status}"
        elif reply is None:
            outcome = "bad reply"
        else:
            outcome = check_attack(reply)
        with results.lock:
            results.attacks[(name, outcome)] += 1
            results.attack_latencies[name].append(seconds)


def measure_reference(base: str, dep: dict) -> tuple[dict, list[float]]:
    """The graph stats of each example (with a marker), one at a time before the load: what users must get.

    Also returns the latency of each of these unloaded runs: the service time the load is compared with."""
    session = requests.Session()
    reference, latencies = {}, []
    for example in EXAMPLES:
        source, marker = marked_program(example, 9_999, 0)
        request = run_request(dep, source, example.backward, example.inputs)
        status, reply, seconds, problem = post(session, base, request)
        if status != 200 or reply is None:
            raise RuntimeError(f"example {example.key} failed before the load: HTTP {status} {problem}")
        wrong = check_gallery(reply, source, marker, None)
        if wrong:
            raise RuntimeError(f"example {example.key} failed before the load: {wrong}")
        reference[example.key] = response_data(reply["response"], "stats", "data")
        latencies.append(seconds)
    return reference, latencies


# --- report -----------------------------------------------------------------------------------------------


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * len(ordered)) - 1))]


def machine_busy_seconds() -> float:
    """CPU seconds all cores spent busy since boot (/proc/stat), to tell server load from ours."""
    with open("/proc/stat") as f:
        fields = [int(v) for v in f.readline().split()[1:]]
    idle = fields[3] + fields[4]  # idle + iowait
    return (sum(fields) - idle) / os.sysconf("SC_CLK_TCK")


def own_cpu_seconds() -> float:
    times = os.times()
    return times.user + times.system


def _processes() -> dict[int, tuple[int, float, float]]:
    """pid -> (parent pid, own CPU seconds, reaped children's CPU seconds) of every process (/proc)."""
    table = {}
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat", "rb") as f:
                fields = f.read().rsplit(b")", 1)[1].split()
        except OSError:
            continue  # it ended meanwhile
        ticks = os.sysconf("SC_CLK_TCK")
        table[int(name)] = (int(fields[1]), (int(fields[11]) + int(fields[12])) / ticks,
                            (int(fields[13]) + int(fields[14])) / ticks)
    return table


def server_cpu_seconds(root: int) -> dict[str, float]:
    """CPU seconds used so far by the server's processes, by part: "web" (gunicorn's master and workers:
    HTTP, Dash, the figure) and "sandbox" (the zygotes and the workers they fork: the programs). Counts the
    processes still running and those already ended (in their parent's reaped children's time), so the
    difference of two readings is what the server used in between, whatever else the machine was doing."""
    table = _processes()
    children: dict[int, list[int]] = {}
    for pid, (ppid, _own, _reaped) in table.items():
        children.setdefault(ppid, []).append(pid)
    parts = {"web": 0.0, "sandbox": 0.0}
    if root not in table:
        return parts
    parts["web"] += table[root][1]
    for worker in children.get(root, []):  # gunicorn's workers
        parts["web"] += table[worker][1]
        for zygote in children.get(worker, []):  # each worker's sandbox zygote (and its reaped workers)
            parts["sandbox"] += table[zygote][1] + table[zygote][2]
            for sandboxed in children.get(zygote, []):  # its workers still alive
                parts["sandbox"] += table[sandboxed][1] + table[sandboxed][2]
    return parts


def report(args, results: Results, elapsed: float, log_path: Path, cpu: tuple[float, float] | None = None,
           server: dict[str, float] | None = None) -> None:
    lat = results.gallery_latencies
    n_attacks = sum(results.attacks.values())
    n_errors = sum(results.errors.values())
    total = (len(lat) + n_attacks + results.follow_ups
             + sum(v for k, v in results.errors.items() if k.startswith(("HTTP", "no ", "bad"))))
    print()
    attacker = "" if args.no_attacker else " + 1 attacker"
    print(f"load: {args.users} students{attacker}, gunicorn -w {args.workers}, {elapsed:.1f} s, "
          f"think time {args.think:g} s (mean, exponential)")
    print(f"  requests        {total}  ({len(lat)} gallery answers, {results.follow_ups} requests that follow them "
          f"in the page, {n_attacks} attacks)")
    print(f"  errors          {n_errors}   (target 0)")
    for kind, count in results.errors.most_common():
        print(f"    {count:6d}  {kind}   e.g. {results.error_examples[kind][:160]}")
    if lat:
        p95 = percentile(lat, 95)
        verdict = "meets" if p95 <= TARGET_P95_SECONDS else "MISSES"
        print(f"  gallery latency p50 {percentile(lat, 50) * 1000:.0f} ms   p95 {p95 * 1000:.0f} ms   "
              f"max {max(lat) * 1000:.0f} ms   mean {statistics.fmean(lat) * 1000:.0f} ms   "
              f"(target p95 <= {TARGET_P95_SECONDS * 1000:.0f} ms: {verdict})")
    if results.by_example:
        slow = sorted(results.by_example.items(), key=lambda kv: -percentile(kv[1], 50))[:3]
        print("  slowest examples (p50)  " + ", ".join(f"{k} {percentile(v, 50) * 1000:.0f} ms" for k, v in slow))
    print(f"  throughput      {total / elapsed:.1f} requests/s  ({results.gallery_ok / elapsed:.1f} good gallery "
          "runs/s)")
    print("  attacker (each must be HTTP 200 with a ProgramError in the error store):"
          + ("  none (--no-attacker)" if args.no_attacker else ""))
    for (name, outcome), count in sorted(results.attacks.items()):
        alat = results.attack_latencies[name]
        ok = "ok" if outcome in ("limit", "runtime") else "FAILURE"
        print(f"    {name:13s} -> {outcome:10s} x{count:<4d} latency p50 {percentile(alat, 50):.2f} s, "
              f"max {max(alat):.2f} s   [{ok}]")
    if cpu is not None:
        busy, own = cpu
        cores = os.cpu_count() or 1
        print(f"  cpu             machine {busy / (elapsed * cores):.0%} busy ({cores} cores); the server "
              f"{(busy - own) / max(1, len(lat) + n_attacks) * 1000:.0f} ms per run (gallery or attack) and what "
              f"follows it; this load generator "
              f"{own / busy if busy else 0:.0%} of the busy time")
    if server is not None:
        clicks = max(1, len(lat))
        per_click = 1 + results.follow_ups / clicks
        print(f"  server cpu      {sum(server.values()) / clicks * 1000:.1f} ms per Run click ({per_click:.1f} requests"
              f"{'' if args.no_attacker else ', the attacker included'}), its own processes only: "
              + ", ".join(f"{part} {seconds / clicks * 1000:.1f}" for part, seconds in server.items()))
    log_text = log_path.read_text(errors="replace") if log_path.exists() else ""
    problems = [line for line in log_text.splitlines()
                if any(w in line for w in ("Traceback", "WORKER TIMEOUT", "[ERROR]", "Worker was sent"))]
    print(f"  gunicorn log    {log_path}  ({len(problems)} error/timeout lines)")
    for line in problems[:5]:
        print(f"    {line[:160]}")


# --- main -------------------------------------------------------------------------------------------------


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--workers", type=int, default=4,
                   help="gunicorn workers (default 4: the README's command, two per core of a 2-core machine)")
    p.add_argument("--threads", type=int, default=1, help="threads per gunicorn worker (default 1)")
    p.add_argument("--users", type=int, default=50, help="simulated students (default 50)")
    p.add_argument("--seconds", type=float, default=30.0, help="how long the load runs (default 30)")
    p.add_argument("--port", type=int, default=0, help="port on 127.0.0.1 (default: a free one)")
    p.add_argument("--think", type=float, default=1.0,
                   help="mean seconds a student waits between runs (default 1.0; 0 = click as fast as answered)")
    p.add_argument("--max-requests", type=int, default=20_000, help="stop after this many requests in all")
    p.add_argument("--no-attacker", action="store_true", help="leave the attacker out (for a baseline)")
    p.add_argument("--run-only", action="store_true",
                   help="post only the run callback, not the requests the page sends after its answer (by "
                        "default they are recorded once in headless Chromium and posted after every gallery run)")
    return p.parse_args(argv)


def interrupt(_signum, _frame) -> None:
    raise KeyboardInterrupt  # SIGTERM ends the run like Ctrl+C: gunicorn is stopped on the way out


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    signal.signal(signal.SIGTERM, interrupt)
    port = args.port or free_port()
    base = f"http://{HOST}:{port}"
    log_path = Path(tempfile.mkdtemp(prefix="explorer-load-")) / "gunicorn.log"
    print(f"starting gunicorn -w {args.workers} on {base} (log: {log_path})", flush=True)
    proc = start_gunicorn(args.workers, port, log_path, args.threads)
    stop = threading.Event()
    try:
        wait_until_up(base, proc)
        dep = find_run_callback(base)
        print("up; measuring each example once before the load ...", flush=True)
        reference, unloaded = measure_reference(base, dep)
        print(f"unloaded, one at a time: p50 {percentile(unloaded, 50) * 1000:.0f} ms, "
              f"max {max(unloaded) * 1000:.0f} ms per run over {len(unloaded)} examples "
              f"(at best about {args.workers / statistics.median(unloaded):.0f} runs/s with {args.workers} workers)",
              flush=True)
        follow_ups = [] if args.run_only else record_follow_ups(base, dep)
        if follow_ups is None:
            print("no Chromium or Playwright here: posting the run callback only, not what follows it in the page")
            follow_ups = []
        elif not args.run_only:
            print(f"a Run click in the page: the run callback and {len(follow_ups)} more requests "
                  f"({', '.join(split_outputs(b['output'])[0]['id'] for b in follow_ups) or 'none'})", flush=True)
        results = Results()
        threads = [threading.Thread(target=student, daemon=True, name=f"student-{u}",
                                    args=(u, base, dep, reference, stop, results, args.max_requests, args.think,
                                          follow_ups))
                   for u in range(args.users)]
        if not args.no_attacker:
            threads.append(threading.Thread(target=attacker, daemon=True, name="attacker",
                                            args=(base, dep, stop, results, args.max_requests)))
        print(f"load: {args.users} students{'' if args.no_attacker else ' + 1 attacker'} for "
              f"{args.seconds:g} s ...", flush=True)
        start = time.perf_counter()
        busy0, own0, server0 = machine_busy_seconds(), own_cpu_seconds(), server_cpu_seconds(proc.pid)
        for th in threads:
            th.start()
        stop.wait(args.seconds)
        stop.set()  # requests in flight finish (bounded by the client timeout)
        for th in threads:
            th.join(timeout=CLIENT_TIMEOUT_SECONDS + 5)
        elapsed = time.perf_counter() - start
        cpu = (machine_busy_seconds() - busy0, own_cpu_seconds() - own0)
        server = {part: seconds - server0[part] for part, seconds in server_cpu_seconds(proc.pid).items()}
        report(args, results, elapsed, log_path, cpu, server)
        return 0
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    finally:
        stop.set()
        stop_gunicorn(proc)


if __name__ == "__main__":
    sys.exit(main())
