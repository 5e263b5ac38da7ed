"""Requests per second of real pages against a hello-world route of the same app.

Starts the app under gunicorn (2 sync workers, demo data in a fresh SQLite database unless
--database-url names an existing one), signs in as a demo user, and loads each page with
16 concurrent connections for a few seconds: wrk when installed, else a Python client.

Honest by construction:
- before every measurement it waits until the server has drained the previous run's backlog
  (the workers' CPU time stops growing and a single hello-world answers quickly), so a slow
  page does not depress the next measurement;
- every page is measured right after its own hello-world run, and its ratio is taken to that
  hello-world, so drift of the machine (other work, thermal) cancels out;
- rounds repeat the whole plan; the table gives min, median and max of each ratio.
Stops everything it started.

    .venv/bin/python bench/pages.py --rounds 3           # or: make bench
    .venv/bin/python bench/pages.py --database-url sqlite:////tmp/big.db --pages /sponsors/
    .venv/bin/python bench/pages.py --database-url postgresql+psycopg://... --pre-ping  # its cost
"""
from __future__ import annotations

import argparse
import http.client
import os
import re
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"
TARGET_RATIO = 0.25  # pages must stay at least this fraction of hello-world


@dataclass
class Result:
    path: str
    authenticated: bool
    rps: float
    requests: int
    errors: int  # non-2xx answers and socket errors
    tool: str


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def run_flask(env: dict, *args: str) -> None:
    cmd = [sys.executable, "-m", "flask", "--app", "app", *args]
    done = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        sys.exit(f"`flask {' '.join(args)}` failed:\n{done.stdout}\n{done.stderr}")


def wait_until_up(port: int, proc: subprocess.Popen, log: Path, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            sys.exit(f"gunicorn exited ({proc.returncode}):\n{log.read_text()[-3000:]}")
        try:
            status, _, _ = request(port, "GET", "/healthz")
            if status == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    sys.exit(f"gunicorn did not answer /healthz within {timeout:.0f} s:\n{log.read_text()[-3000:]}")


def request(port: int, method: str, path: str, body: str | None = None, headers: dict | None = None):
    conn = http.client.HTTPConnection(HOST, port, timeout=10)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        response = conn.getresponse()
        return response.status, response.getheaders(), response.read().decode("utf-8", "replace")
    finally:
        conn.close()


def cookies_from(headers) -> dict[str, str]:
    jar = {}
    for name, value in headers:
        if name.lower() == "set-cookie":
            pair = value.split(";", 1)[0]
            key, _, val = pair.partition("=")
            jar[key.strip()] = val.strip()
    return jar


def sign_in(port: int, username: str, password: str) -> str:
    """The Cookie header of a signed-in session (CSRF token taken from the login form)."""
    status, headers, html = request(port, "GET", "/login")
    jar = cookies_from(headers)
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html) or re.search(
        r'value="([^"]+)"[^>]*name="csrf_token"', html)
    form = {"username": username, "password": password}
    if match:
        form["csrf_token"] = match.group(1)
    cookie = "; ".join(f"{k}={v}" for k, v in jar.items())
    status, headers, html = request(
        port, "POST", "/login", body=urllib.parse.urlencode(form),
        headers={"Content-Type": "application/x-www-form-urlencoded", "Cookie": cookie},
    )
    if status != 302:
        sys.exit(f"signing in as {username!r} failed: HTTP {status}")
    jar.update(cookies_from(headers))
    return "; ".join(f"{k}={v}" for k, v in jar.items())


def measure_wrk(port: int, path: str, cookie: str | None, seconds: float, connections: int) -> Result:
    threads = min(connections, max(1, os.cpu_count() or 1))
    cmd = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds:g}s", "--latency"]
    if cookie:
        cmd += ["-H", f"Cookie: {cookie}"]
    cmd.append(f"http://{HOST}:{port}{path}")
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    total = int(re.search(r"(\d+) requests in", out).group(1))
    non2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    sock = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    errors = (int(non2xx.group(1)) if non2xx else 0) + (sum(map(int, sock.groups())) if sock else 0)
    return Result(path, bool(cookie), rps, total, errors, "wrk")


def measure_python(port: int, path: str, cookie: str | None, seconds: float, connections: int) -> Result:
    """Fallback load: one thread per connection, reconnecting when the server closes it."""
    headers = {"Cookie": cookie} if cookie else {}
    counts = [0] * connections
    errors = [0] * connections
    stop = time.monotonic() + seconds

    def worker(i: int) -> None:
        conn = None
        while time.monotonic() < stop:
            try:
                if conn is None:
                    conn = http.client.HTTPConnection(HOST, port, timeout=10)
                conn.request("GET", path, headers=headers)
                response = conn.getresponse()
                response.read()
                if response.status >= 300:
                    errors[i] += 1
                counts[i] += 1
                if response.will_close:
                    conn.close()
                    conn = None
            except (OSError, http.client.HTTPException):
                errors[i] += 1
                if conn is not None:
                    conn.close()
                conn = None
        if conn is not None:
            conn.close()

    started = time.monotonic()
    pool = [threading.Thread(target=worker, args=(i,)) for i in range(connections)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    elapsed = time.monotonic() - started
    total = sum(counts)
    return Result(path, bool(cookie), total / elapsed, total, sum(errors), "python")


def start_gunicorn(env: dict, port: int, workers: int, log: Path) -> subprocess.Popen:
    cmd = [sys.executable, "-m", "gunicorn", "--workers", str(workers), "--bind", f"{HOST}:{port}",
           "--log-level", "warning", "app:app"]
    with open(log, "w") as fh:
        return subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=fh, stderr=subprocess.STDOUT,
                                start_new_session=True)


def stop(proc: subprocess.Popen) -> None:
    if proc.poll() is not None:
        return
    proc.send_signal(signal.SIGTERM)  # gunicorn's master stops its workers
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()


def worker_pids(master: int) -> list[int]:
    """The gunicorn master and its workers (their CPU time tells whether work is still queued)."""
    pids = [master]
    children = Path(f"/proc/{master}/task/{master}/children")
    if children.exists():
        pids += [int(p) for p in children.read_text().split()]
    return pids


def cpu_ticks(pids: list[int]) -> int:
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime + stime
    return total


def wait_for_idle(port: int, master: int, timeout: float = 60.0) -> float:
    """Block until the previous load has drained; returns the seconds waited.

    wrk stops sending when its time is up, but requests already accepted keep the workers busy
    (seconds after a slow page). Idle means: no CPU used by the server over 0.3 s, and a single
    hello-world request answered in under 50 ms, twice in a row.
    """
    started = time.monotonic()
    quiet = 0
    while time.monotonic() - started < timeout:
        pids = worker_pids(master)
        before = cpu_ticks(pids)
        time.sleep(0.3)
        busy = cpu_ticks(pids) - before
        t0 = time.monotonic()
        try:
            status, _, _ = request(port, "GET", "/bench/hello")
        except OSError:
            status = 0
        fast = status == 200 and time.monotonic() - t0 < 0.05
        quiet = quiet + 1 if (busy <= 1 and fast) else 0
        if quiet >= 2:
            break
    return time.monotonic() - started


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", help="use this database as it is (no migration, no demo data)")
    parser.add_argument("--pages", nargs="*", default=[], metavar="PATH",
                        help="more paths to measure with the signed-in cookie, e.g. /pledges/")
    parser.add_argument("--login", default="staf", help="demo user to sign in as (default: staf)")
    parser.add_argument("--password", default=os.environ.get("BENCH_PASSWORD", "pangkalpinang"))
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=3,
                        help="measure the whole plan this many times; min, median and max "
                             "of each ratio are printed")
    parser.add_argument("--tool", choices=("auto", "wrk", "python"), default="auto")
    parser.add_argument("--pre-ping", action="store_true",
                        help="DB_PRE_PING=1: ping each pooled connection before use (compare the "
                             "rates with and without to see what the ping costs)")
    args = parser.parse_args(argv)

    tool = args.tool
    if tool == "auto":
        tool = "wrk" if shutil.which("wrk") else "python"
    if tool == "wrk" and not shutil.which("wrk"):
        sys.exit("wrk not found (apt-get install -y wrk), or use --tool python")
    measure = measure_wrk if tool == "wrk" else measure_python

    tmp = Path(tempfile.mkdtemp(prefix="bench-pages-"))
    env = {
        **os.environ,
        "DATABASE_URL": args.database_url or f"sqlite:///{tmp / 'bench.db'}",
        "SECRET_KEY": os.environ.get("SECRET_KEY") or secrets.token_urlsafe(32),
        "BENCH_ROUTES": "1",
        "SESSION_COOKIE_SECURE": "0",
        "UPLOAD_DIR": str(tmp / "uploads"),
        "PUBLIC_BASE_URL": f"http://{HOST}",  # the demo's documents are issued by seed-demo
        "FLASK_DEBUG": "0",
        "DB_PRE_PING": "1" if args.pre_ping else "0",
    }
    proc = None
    try:
        if not args.database_url:
            print("preparing a fresh SQLite database with the demo data ...", flush=True)
            run_flask(env, "db", "upgrade", "heads")
            run_flask(env, "seed-demo")
        port = free_port()
        log = tmp / "gunicorn.log"
        proc = start_gunicorn(env, port, args.workers, log)
        wait_until_up(port, proc, log)
        cookie = sign_in(port, args.login, args.password)

        # The signed-in home is "/", or where "/" sends this role (a sponsor's is /portal/).
        status, headers, _ = request(port, "GET", "/", headers={"Cookie": cookie})
        location = dict((k.lower(), v) for k, v in headers).get("location", "/")
        home = urllib.parse.urlsplit(location).path if status in (301, 302, 303) else "/"
        plan = [("/bench/hello", None), ("/login", None), (home, cookie)]
        plan += [(path, cookie) for path in args.pages if path != home]
        for path, jar in plan:  # every page must answer 200 before it is timed
            status, _, _ = request(port, "GET", path, headers={"Cookie": jar} if jar else {})
            if status != 200:
                sys.exit(f"GET {path} answered {status}, not 200")

        load, cores = os.getloadavg()[0], os.cpu_count() or 1
        if load > cores / 2:
            print(f"warning: load average {load:.1f} on {cores} cores: other work skews the figures",
                  flush=True)
        print(f"gunicorn {args.workers} sync workers on {HOST}:{port}; pre-ping "
              f"{'on' if args.pre_ping else 'off'}; {tool}, "
              f"{args.connections} connections, {args.seconds:g} s per page; signed in as "
              f"{args.login}", flush=True)
        for path, jar in plan:
            measure(port, path, jar, 1.0, args.connections)  # warm-up
        ratios: dict[str, list[float]] = {path: [] for path, _ in plan[1:]}
        rates: dict[str, list[float]] = {path: [] for path, _ in plan}
        errors: dict[str, int] = {path: 0 for path, _ in plan}
        waited: list[float] = []
        for n in range(1, max(1, args.rounds) + 1):
            for path, jar in plan[1:]:
                waited.append(wait_for_idle(port, proc.pid))
                hello = measure(port, "/bench/hello", None, args.seconds, args.connections)
                waited.append(wait_for_idle(port, proc.pid))
                page = measure(port, path, jar, args.seconds, args.connections)
                rates["/bench/hello"].append(hello.rps)
                rates[path].append(page.rps)
                errors["/bench/hello"] += hello.errors
                errors[path] += page.errors
                ratios[path].append(page.rps / hello.rps if hello.rps else 0.0)
                print(f"  round {n} {path}: {page.rps:,.0f} req/s, hello {hello.rps:,.0f} "
                      f"-> {ratios[path][-1]:.2f}", flush=True)
    finally:
        if proc is not None:
            stop(proc)
        shutil.rmtree(tmp, ignore_errors=True)

    print(f"\nwaited for the backlog to drain before each run: median "
          f"{statistics.median(waited):.1f} s, max {max(waited):.1f} s")
    print(f"load average at the end: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    hello_rates = rates["/bench/hello"]
    print(f"\n/bench/hello: min {min(hello_rates):,.0f}, median {statistics.median(hello_rates):,.0f}, "
          f"max {max(hello_rates):,.0f} req/s over {len(hello_rates)} runs")
    print(f"\n{'page':<32} {'signed in':>9} {'median req/s':>12} {'ratio min':>9} {'median':>7} "
          f"{'max':>6} {'errors':>7}")
    for path, jar in plan[1:]:
        rs = ratios[path]
        flag = "" if statistics.median(rs) >= TARGET_RATIO else "  < target"
        print(f"{path:<32} {'yes' if jar else 'no':>9} {statistics.median(rates[path]):>12,.0f} "
              f"{min(rs):>9.2f} {statistics.median(rs):>7.2f} {max(rs):>6.2f} "
              f"{errors[path]:>7}{flag}")
    print(f"\ntarget: every page's median ratio at least {TARGET_RATIO} of /bench/hello "
          f"measured just before it")
    return 1 if any(errors.values()) else 0


if __name__ == "__main__":
    sys.exit(main())
