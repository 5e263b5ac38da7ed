"""Load with invariants: a realistic mix for a bounded time on PostgreSQL, then SQL checks.

Starts gunicorn (4 sync workers) and the job worker on a fresh PostgreSQL database holding the demo
city plus a generated registry (250,000 residents by default, imported through the real import
command), and Redis when REDIS_URL is given. Then for --seconds, --users threads play:

- staff browsing and searching (home, registry search, pledges, companies, billing, jobs),
- sponsors on the portal (portal home, aid fund, documents),
- PDF downloads (issued documents),
- allocations racing for the slots of one small pledge, and payouts racing for the same approved
  proposals (both refused cleanly when lost),
- one registry import (a job) started during the run.

It prints throughput, p50/p95/p99 per route, 5xx and other errors, the load average, and checks
by SQL that no pledge holds more than its quota, no fund paid more than it has (and its balance
matches its payouts), no proposal was paid twice, and no document number was issued twice.
Stops everything it started and drops its database.

    .venv/bin/python bench/load.py --residents 250000 --users 50 --seconds 120
    .venv/bin/python bench/load.py --residents 5000 --users 20 --seconds 20     # a short run
"""
from __future__ import annotations

import argparse
import os
import random
import re
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import uuid
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import pages  # noqa: E402  (the helpers of bench/pages.py: gunicorn, requests, sign-in)

ROOT = pages.ROOT
PASSWORD = os.environ.get("BENCH_PASSWORD", "pangkalpinang")
SETUP = """
from datetime import date
from sponsorship import create_app
from sponsorship.audit.enforce import audit_exempt
from sponsorship.auth.models import User
from sponsorship.extensions import db
from sponsorship.pledges import service
from sponsorship.sponsors.models import Sponsor
app = create_app()
with app.app_context(), audit_exempt("bench setup"):
    staff = db.session.scalar(db.select(User).where(User.username == "staf"))
    sponsor = db.session.scalars(db.select(Sponsor).order_by(Sponsor.id)).first()
    p = service.create_pledge(actor=staff, sponsor=sponsor, data={
        "programme": "premium", "title": "Beban uji", "workers_attested": True,
        "start_month": date(2026, 1, 1), "quota": 25, "months": 12})
    service.transition_pledge(p, "agree", actor=staff, note="bench")
    db.session.commit()
    print(p.id)
"""


class Stats:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.times: dict[str, list[float]] = defaultdict(list)
        self.status: dict[str, dict[int, int]] = defaultdict(lambda: defaultdict(int))
        self.socket_errors = 0

    def add(self, route: str, seconds: float, status: int) -> None:
        with self.lock:
            self.times[route].append(seconds)
            self.status[route][status] += 1


class Session:
    def __init__(self, port: int, username: str, stats: Stats) -> None:
        self.port, self.stats = port, stats
        signed = pages.sign_in(port, username, PASSWORD)
        self.jar = dict(pair.split("=", 1) for pair in signed.split("; ") if "=" in pair)

    @property
    def cookie(self) -> str:
        return "; ".join(f"{k}={v}" for k, v in self.jar.items())

    def _keep(self, headers) -> None:
        self.jar.update(pages.cookies_from(headers))  # the session stores its CSRF secret on first use

    def get(self, route: str, path: str):
        return self._do(route, "GET", path)

    def post(self, route: str, path: str, form_path: str, fields: dict):
        try:
            _, headers, html = pages.request(self.port, "GET", form_path, headers={"Cookie": self.cookie})
        except OSError:
            with self.stats.lock:
                self.stats.socket_errors += 1
            return 0, ""
        self._keep(headers)
        token = re.search(r'name="csrf_token" value="([^"]+)"', html)
        fields = {**fields, "csrf_token": token.group(1) if token else ""}
        return self._do(route, "POST", path, urllib.parse.urlencode(fields),
                        {"Content-Type": "application/x-www-form-urlencoded"})

    def _do(self, route, method, path, body=None, headers=None):
        started = time.perf_counter()
        try:
            status, got, html = pages.request(self.port, method, path, body=body,
                                              headers={"Cookie": self.cookie, **(headers or {})})
            self._keep(got)
        except OSError:
            with self.stats.lock:
                self.stats.socket_errors += 1
            return 0, ""
        self.stats.add(f"{method} {route}", time.perf_counter() - started, status)
        return status, html


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pg", default=os.environ.get("BENCH_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"))
    parser.add_argument("--redis", default=os.environ.get("REDIS_URL", ""))
    parser.add_argument("--residents", type=int, default=250_000)
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=120)
    parser.add_argument("--workers", type=int, default=4)
    args = parser.parse_args(argv)

    from sqlalchemy import create_engine, text

    tmp = Path(tempfile.mkdtemp(prefix="bench-load-"))
    name = f"bench_load_{uuid.uuid4().hex[:8]}"
    db_url = args.pg.rsplit("/", 1)[0] + f"/{name}"
    admin = create_engine(args.pg, isolation_level="AUTOCOMMIT")
    env = {**os.environ, "DATABASE_URL": db_url, "SECRET_KEY": secrets.token_urlsafe(32),
           "NIK_ENCRYPTION_KEY": secrets.token_urlsafe(32), "SESSION_COOKIE_SECURE": "0",
           "UPLOAD_DIR": str(tmp / "storage"), "PUBLIC_BASE_URL": f"http://{pages.HOST}",
           "FLASK_DEBUG": "0", "LOG_FORMAT": "text", "REDIS_NAMESPACE": f"bench-{uuid.uuid4().hex[:6]}"}
    if args.redis:
        env["REDIS_URL"] = args.redis
    procs = []
    stats = Stats()
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        t0 = time.monotonic()
        pages.run_flask(env, "db", "upgrade", "heads")
        pages.run_flask(env, "seed-demo")
        registry = tmp / "residents.csv"
        subprocess.run([sys.executable, str(ROOT / "bench" / "gen_residents.py"), str(registry),
                        "--rows", str(args.residents)], check=True, capture_output=True)
        pages.run_flask(env, "import-beneficiaries", str(registry), "--source", "dukcapil")
        done = subprocess.run([sys.executable, "-c", SETUP], cwd=ROOT, env=env, capture_output=True,
                              text=True, check=True)
        race_pledge = int(done.stdout.strip().splitlines()[-1])
        print(f"prepared {args.residents:,} residents in {time.monotonic() - t0:.0f} s", flush=True)

        port = pages.free_port()
        log = tmp / "gunicorn.log"
        procs.append(pages.start_gunicorn(env, port, args.workers, log))
        with open(tmp / "worker.log", "w") as fh:
            procs.append(subprocess.Popen([sys.executable, "-m", "flask", "--app", "app", "jobs-worker"],
                                          cwd=ROOT, env=env, stdout=fh, stderr=subprocess.STDOUT,
                                          start_new_session=True))
        pages.wait_until_up(port, procs[0], log)

        # What the mix points at: residents, documents, approved proposals, search words.
        staff = Session(port, "staf", stats)
        _, html = staff.get("/beneficiaries/", "/beneficiaries/")
        residents = [int(x) for x in re.findall(r'href="/beneficiaries/(\d+)"', html)]
        for page in range(2, 6):
            _, html = staff.get("/beneficiaries/", f"/beneficiaries/?page={page}")
            residents += [int(x) for x in re.findall(r'href="/beneficiaries/(\d+)"', html)]
        _, html = staff.get("/documents/", "/documents/")
        documents = sorted({int(x) for x in re.findall(r'href="/documents/(\d+)\.pdf"', html)})
        _, html = staff.get("/proposals/", "/proposals/?status=approved")
        approved = sorted({int(x) for x in re.findall(r'href="/disbursements/new/(\d+)"', html)}) or sorted(
            {int(x) for x in re.findall(r'href="/proposals/(\d+)"', html)})[:3]
        form = staff.get("/disbursements/new/<id>",
                         f"/disbursements/new/{approved[0]}")[1] if approved else ""
        fund = re.search(r'name="pledge_id"[^>]*>\s*<option[^>]*value="(\d+)"', form)
        words = ["Siti", "Budi", "Ahmad", "Dewi", "Rahma", "Hasan", "Putri"]

        deadline = time.monotonic() + args.seconds
        import_started = threading.Event()

        def staff_user():
            s = Session(port, "staf", stats)
            while time.monotonic() < deadline:
                r = random.random()
                if r < 0.25:
                    s.get("/", "/")
                elif r < 0.55:
                    s.get("/beneficiaries/?q=", f"/beneficiaries/?q={random.choice(words)}")
                elif r < 0.7:
                    s.get("/pledges/", "/pledges/")
                elif r < 0.8:
                    s.get("/sponsors/", "/sponsors/")
                elif r < 0.9:
                    s.get("/billing/", "/billing/")
                elif residents:
                    s.get("/beneficiaries/<id>", f"/beneficiaries/{random.choice(residents)}")

        def sponsor_user():
            s = Session(port, "bsb", stats)
            while time.monotonic() < deadline:
                r = random.random()
                if r < 0.5:
                    s.get("/portal/", "/portal/")
                elif r < 0.75:
                    s.get("/portal/fund/", "/portal/fund/")
                else:
                    s.get("/documents/", "/documents/")

        def pdf_user():
            s = Session(port, "staf", stats)
            while time.monotonic() < deadline and documents:
                s.get("/documents/<id>.pdf", f"/documents/{random.choice(documents)}.pdf")

        def racer():
            s = Session(port, "staf", stats)
            while time.monotonic() < deadline:
                if residents and random.random() < 0.7:
                    s.post("/allocations/pledge/<id>/add", f"/allocations/pledge/{race_pledge}/add",
                           f"/allocations/pledge/{race_pledge}",
                           {"beneficiary_id": random.choice(residents), "start_month": "2026-03"})
                elif approved and fund:
                    pid = random.choice(approved)
                    url = f"/disbursements/new/{pid}"
                    s.post("/disbursements/new/<id>", url, url,
                           {"pledge_id": fund.group(1), "amount": "1000",
                            "paid_on": time.strftime("%Y-%m-%d"), "method": "cash"})
                if not import_started.is_set():
                    import_started.set()
                    importer_run(s)

        def importer_run(s):
            subprocess.run([sys.executable, str(ROOT / "bench" / "gen_residents.py"), str(tmp / "extra.csv"),
                            "--rows", "2000", "--seed", "77"], capture_output=True, check=True)
            boundary = uuid.uuid4().hex
            _, got, html = pages.request(port, "GET", "/beneficiaries/import", headers={"Cookie": s.cookie})
            s._keep(got)
            token = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
            body = (f'--{boundary}\r\nContent-Disposition: form-data; name="csrf_token"\r\n\r\n{token}\r\n'
                    f'--{boundary}\r\nContent-Disposition: form-data; name="source"\r\n\r\ndinsos\r\n'
                    f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="extra.csv"\r\n'
                    "Content-Type: text/csv\r\n\r\n").encode() + (tmp / "extra.csv").read_bytes() + \
                f"\r\n--{boundary}--\r\n".encode()
            started = time.perf_counter()
            status, _, _ = pages.request(port, "POST", "/beneficiaries/import", body=body, headers={
                "Cookie": s.cookie, "Content-Type": f"multipart/form-data; boundary={boundary}"})
            stats.add("POST /beneficiaries/import", time.perf_counter() - started, status)

        def guarded(play):
            def run():
                while time.monotonic() < deadline:
                    try:
                        play()
                        return
                    except (OSError, SystemExit):  # sign-in timed out on a loaded machine: again
                        with stats.lock:
                            stats.socket_errors += 1
            return run

        mix = ([staff_user] * 5 + [sponsor_user] * 2 + [pdf_user] + [racer] * 2)
        threads = [threading.Thread(target=guarded(mix[i % len(mix)])) for i in range(args.users)]
        load_before = os.getloadavg()
        started = time.monotonic()
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=args.seconds + 120)
        elapsed = time.monotonic() - started
        load_after = os.getloadavg()

        # Invariants, by SQL.
        check = create_engine(db_url)
        with check.connect() as conn:
            over_quota = conn.execute(text(
                "SELECT p.id FROM pledge p WHERE p.programme = 'premium' AND "
                "(SELECT count(*) FROM allocation a WHERE a.pledge_id = p.id "
                "AND a.status IN ('reserved', 'active')) > p.quota")).all()
            overdrawn = conn.execute(text(
                "SELECT p.id FROM pledge p WHERE p.programme = 'aid_fund' AND "
                "(p.disbursed_amount > p.total_amount OR p.disbursed_amount <> "
                "(SELECT coalesce(sum(d.amount), 0) FROM aid_disbursement d "
                "WHERE d.pledge_id = p.id))")).all()
            paid_twice = conn.execute(text(
                "SELECT proposal_id FROM aid_disbursement GROUP BY proposal_id HAVING count(*) > 1")).all()
            numbers_twice = conn.execute(text(
                "SELECT kind, number FROM document GROUP BY kind, number HAVING count(*) > 1")).all()
            beyond_counter = conn.execute(text(
                "SELECT c.kind FROM document_counter c WHERE c.last_seq < (SELECT count(*) FROM document d "
                "WHERE d.kind = c.kind AND d.version = 1 AND extract(year FROM d.issued_at) = c.year "
                "AND d.kind NOT IN ('berita_acara'))")).all()
            slots = conn.execute(text("SELECT count(*) FROM allocation WHERE pledge_id = :p AND status IN "
                                      "('reserved', 'active')"), {"p": race_pledge}).scalar()
            jobs = conn.execute(text("SELECT kind, status, rows_done FROM job ORDER BY id")).all()
        check.dispose()
    finally:
        for proc in procs:
            pages.stop(proc)
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
        shutil.rmtree(tmp, ignore_errors=True)

    total = sum(len(v) for v in stats.times.values())
    five = sum(n for s in stats.status.values() for code, n in s.items() if code >= 500)
    print(f"\n{args.users} users, {elapsed:.0f} s, gunicorn {args.workers} workers on PostgreSQL, "
          f"{args.residents:,} residents; {total:,} requests, {total / elapsed:.1f} req/s")
    print(f"load average before {load_before[0]:.2f}, after {load_after[0]:.2f} on {os.cpu_count()} cores "
          "(the machine is shared: other work counts in these figures)")
    print(f"\n{'route':<36} {'n':>6} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8}  statuses")
    for route in sorted(stats.times):
        t = stats.times[route]
        codes = ", ".join(f"{c}:{n}" for c, n in sorted(stats.status[route].items()))
        print(f"{route:<36} {len(t):>6} {percentile(t, 50) * 1000:>8.0f} {percentile(t, 95) * 1000:>8.0f} "
              f"{percentile(t, 99) * 1000:>8.0f}  {codes}")
    pages_p95 = [percentile(t, 95) for r, t in stats.times.items() if r.startswith("GET") and ".pdf" not in r]
    pdf_p95 = [percentile(t, 95) for r, t in stats.times.items() if ".pdf" in r]
    print(f"\n5xx: {five}; socket errors: {stats.socket_errors}; median of page p95s "
          f"{statistics.median(pages_p95) * 1000 if pages_p95 else 0:.0f} ms (target < 200), "
          f"PDF p95 {max(pdf_p95) * 1000 if pdf_p95 else 0:.0f} ms (target < 1000)")
    print(f"race pledge: {slots} of 25 slots held; jobs: {[tuple(j) for j in jobs]}")
    problems = {"pledges over quota": over_quota, "funds overdrawn or out of balance": overdrawn,
                "proposals paid twice": paid_twice, "document numbers issued twice": numbers_twice,
                "documents beyond their counter": beyond_counter}
    for label, rows in problems.items():
        print(f"invariant {label}: {'none' if not rows else rows}")
    return 1 if five or any(problems.values()) else 0


if __name__ == "__main__":
    sys.exit(main())
