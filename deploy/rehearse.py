"""A multi-host rehearsal on one machine (`make rehearse`): two app instances on 127.0.0.2 and
127.0.0.3 behind nginx (TLS) on 127.0.0.1, one PostgreSQL, one Redis, one shared storage path, one
job worker. It drives, and checks:

1. a login through nginx (TLS, ProxyFix: the session cookie is Secure and works);
2. an upload on instance A and its download from instance B (the shared storage path);
3. a login rate limit that holds across both instances (Redis);
4. a job started on instance A, finished by the worker, its result read on instance B;
5. slow clients holding half-sent requests do not block anyone (nginx buffers them);

then stops everything it started and drops what it made. Traffic stays on loopback; every wait
is bounded. Needs a PostgreSQL and a Redis on 127.0.0.1 (REHEARSE_PG, REHEARSE_REDIS) and nginx.

    .venv/bin/python deploy/rehearse.py            # or: make rehearse
"""
from __future__ import annotations

import http.client
import json
import os
import re
import secrets
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
HOSTS = ("127.0.0.2", "127.0.0.3")
PDF = b"%PDF-1.4\n% rehearsal upload " + secrets.token_hex(8).encode() + b"\n%%EOF\n"
PASSWORD = "pangkalpinang"  # the demo's

NGINX_CONF = """
worker_processes 1;
pid {tmp}/nginx.pid;
error_log {tmp}/nginx-error.log warn;
user root;
events {{ worker_connections 256; }}
http {{
    include /etc/nginx/mime.types;
    access_log {tmp}/nginx-access.log;
    client_body_temp_path {tmp}/nginx-body;
    proxy_temp_path {tmp}/nginx-proxy;
    fastcgi_temp_path {tmp}/nginx-fastcgi;
    uwsgi_temp_path {tmp}/nginx-uwsgi;
    scgi_temp_path {tmp}/nginx-scgi;
    upstream sponsorship_app {{
        server {a}:{app_port} max_fails=2 fail_timeout=10s;
        server {b}:{app_port} max_fails=2 fail_timeout=10s;
        keepalive 8;
    }}
    server {{
        listen 127.0.0.1:{port} ssl;
        server_name localhost;
        ssl_certificate {tmp}/cert.pem;
        ssl_certificate_key {tmp}/key.pem;
        ssl_protocols TLSv1.2 TLSv1.3;
        client_max_body_size 61m;
        client_body_buffer_size 1m;
        client_body_timeout 30s;
        client_header_timeout 15s;
        proxy_request_buffering on;
        proxy_buffering on;
        location /static/ {{ alias {root}/static/; expires 7d; }}
        location / {{
            proxy_pass http://sponsorship_app;
            include {root}/deploy/nginx/sponsorship_proxy.conf;
        }}
    }}
}}
"""


class Fail(SystemExit):
    def __init__(self, message: str) -> None:
        super().__init__(f"REHEARSAL FAILED: {message}")


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as s:
        s.bind((host, 0))
        return s.getsockname()[1]


class Client:
    """A tiny browser: one cookie jar, over https to nginx or http straight to an instance."""

    def __init__(self, cookies: dict | None = None) -> None:
        self.cookies = cookies if cookies is not None else {}

    def request(self, base: str, method: str, path: str, body: bytes | None = None,
                headers: dict | None = None):
        parts = urlsplit(base)
        if parts.scheme == "https":
            conn = http.client.HTTPSConnection(parts.hostname, parts.port, timeout=30,
                                               context=ssl._create_unverified_context())  # noqa: S323
        else:
            conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
        sent = dict(headers or {})
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if parts.scheme == "http":  # straight to an instance: say what nginx would
            sent.setdefault("X-Forwarded-Proto", "https")
            sent.setdefault("X-Forwarded-For", "127.0.0.1")
        try:
            conn.request(method, path, body=body, headers=sent)
            response = conn.getresponse()
            data = response.read()
        finally:
            conn.close()
        for key, value in response.getheaders():
            if key.lower() == "set-cookie":
                name, _, rest = value.partition("=")
                self.cookies[name] = rest.split(";", 1)[0]
        return response.status, {k.lower(): v for k, v in response.getheaders()}, data

    def csrf(self, base: str, path: str) -> str:
        status, _, data = self.request(base, "GET", path)
        found = re.search(rb'name="csrf_token" value="([^"]+)"', data)
        if status != 200 or not found:
            raise Fail(f"GET {path}: {status}, no form")
        return found.group(1).decode()

    def post_form(self, base: str, path: str, fields: dict, files: dict | None = None):
        if not files:
            from urllib.parse import urlencode

            return self.request(base, "POST", path, urlencode(fields).encode(),
                                {"Content-Type": "application/x-www-form-urlencoded",
                                 "Referer": self.origin(base) + path})
        boundary = uuid.uuid4().hex
        chunks = []
        for k, v in fields.items():
            head = f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n'
            chunks.append(f"{head}{v}\r\n".encode())
        for k, (name, content, mime) in files.items():
            chunks.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"; filename="{name}"\r\n'
                          f"Content-Type: {mime}\r\n\r\n".encode() + content + b"\r\n")
        chunks.append(f"--{boundary}--\r\n".encode())
        return self.request(base, "POST", path, b"".join(chunks),
                            {"Content-Type": f"multipart/form-data; boundary={boundary}",
                             "Referer": self.origin(base) + path})

    @staticmethod
    def origin(base: str) -> str:
        """What a browser would send as Referer: https, and the host the app sees (CSRF's check)."""
        parts = urlsplit(base)
        return f"https://{parts.netloc}"


def login(client: Client, base: str, username: str, password: str) -> int:
    token = client.csrf(base, "/login")
    status, _, body = client.post_form(base, "/login", {"csrf_token": token, "username": username,
                                                        "password": password})
    if status not in (302, 401, 429):
        message = re.search(rb'data-testid="error-message">([^<]*)', body)
        print(f"   login answered {status}: {message.group(1).decode() if message else body[:200]!r}")
    return status


def wait_ready(base: str, procs: list, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        for name, proc in procs:
            if proc.poll() is not None:
                raise Fail(f"{name} exited with {proc.returncode}")
        try:
            status, _, _ = Client().request(base, "GET", "/readyz")
            if status == 200:
                return
        except OSError:
            pass
        time.sleep(0.5)
    raise Fail(f"{base}/readyz not ready within {seconds:.0f} s")


def step(text: str) -> None:
    print(f"== {text}", flush=True)


def main() -> int:
    pg = os.environ.get("REHEARSE_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
    redis_url = os.environ.get("REHEARSE_REDIS", "redis://127.0.0.1:6379/0")
    tmp = Path(tempfile.mkdtemp(prefix="rehearse-"))
    storage = tmp / "storage"  # the shared volume
    database = f"rehearse_{uuid.uuid4().hex[:8]}"
    queue = f"rehearse-{uuid.uuid4().hex[:8]}"
    app_port, port = free_port(HOSTS[0]), free_port()
    db_url = pg.rsplit("/", 1)[0] + f"/{database}"
    env = {**os.environ, "DATABASE_URL": db_url, "REDIS_URL": redis_url, "REDIS_NAMESPACE": queue,
           "UPLOAD_DIR": str(storage), "SECRET_KEY": secrets.token_urlsafe(32),
           "NIK_ENCRYPTION_KEY": secrets.token_urlsafe(32), "TRUSTED_PROXIES": "1",
           "PUBLIC_BASE_URL": f"https://127.0.0.1:{port}", "SESSION_COOKIE_SECURE": "1",
           "LOG_FORMAT": "json", "FLASK_DEBUG": "0"}
    procs: list[tuple[str, subprocess.Popen]] = []
    logs = []
    nginx_started = False
    from sqlalchemy import create_engine, text

    admin = create_engine(pg, isolation_level="AUTOCOMMIT")
    try:
        step(f"one PostgreSQL database ({database}), one Redis (queue {queue}), storage {storage}")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{database}"'))
        for args in (["db", "upgrade", "heads"], ["seed-demo"]):
            done = subprocess.run([PY, "-m", "flask", "--app", "app", *args], cwd=ROOT, env=env,
                                  capture_output=True, text=True, timeout=300, check=False)
            if done.returncode != 0:
                raise Fail(f"flask {' '.join(args)}: {done.stderr[-1500:]}")
        subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                        "-subj", "/CN=127.0.0.1", "-keyout", str(tmp / "key.pem"),
                        "-out", str(tmp / "cert.pem")], check=True, capture_output=True, timeout=60)

        step(f"two app instances ({HOSTS[0]}, {HOSTS[1]}:{app_port}), the worker, nginx on 127.0.0.1:{port}")
        for host in HOSTS:
            log = open(tmp / f"gunicorn-{host}.log", "w")  # noqa: SIM115 - closed at the end
            logs.append(log)
            procs.append((f"gunicorn {host}", subprocess.Popen(
                [PY, "-m", "gunicorn", "--workers", "2", "--bind", f"{host}:{app_port}", "app:app"],
                cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)))
        log = open(tmp / "worker.log", "w")  # noqa: SIM115
        logs.append(log)
        procs.append(("worker", subprocess.Popen([PY, "-m", "flask", "--app", "app", "jobs-worker"], cwd=ROOT,
                                                 env=env, stdout=log, stderr=subprocess.STDOUT,
                                                 start_new_session=True)))
        for sub in ("nginx-body", "nginx-proxy", "nginx-fastcgi", "nginx-uwsgi", "nginx-scgi"):
            (tmp / sub).mkdir()
        (tmp / "nginx.conf").write_text(NGINX_CONF.format(tmp=tmp, root=ROOT, a=HOSTS[0], b=HOSTS[1],
                                                          app_port=app_port, port=port))
        subprocess.run([NGINX, "-p", str(tmp), "-c", str(tmp / "nginx.conf")], check=True, timeout=30)
        nginx_started = True
        proxy = f"https://127.0.0.1:{port}"
        a, b = (f"http://{h}:{app_port}" for h in HOSTS)
        for base in (a, b):
            wait_ready(base, procs)
        wait_ready(proxy, procs)

        step("1. login through nginx")
        staff = Client()
        if login(staff, proxy, "staf", PASSWORD) != 302:
            raise Fail("staff login through nginx did not redirect")
        status, headers, _ = staff.request(proxy, "GET", "/")
        if status != 200:
            raise Fail(f"home after login: {status}")
        status, headers, _ = Client().request(proxy, "GET", "/static/js/app.js")
        if status != 200 or "gunicorn" in headers.get("server", ""):
            raise Fail("static files are not served by nginx")
        print(f"   signed in; /static/ from {headers.get('server')}")

        step("2. upload on instance A, download from instance B")
        _, _, listing = staff.request(a, "GET", "/proposals/")
        proposal = re.search(rb'href="/proposals/(\d+)"', listing)
        if not proposal:
            raise Fail("no proposal in the demo data")
        pid = proposal.group(1).decode()
        token = staff.csrf(a, f"/proposals/{pid}")
        status, _, _ = staff.post_form(a, f"/proposals/{pid}/attachments",
                                       {"csrf_token": token, "kind": "kk"},
                                       {"file": ("kk.pdf", PDF, "application/pdf")})
        if status != 302:
            raise Fail(f"upload on A answered {status}")
        _, _, detail = staff.request(b, "GET", f"/proposals/{pid}")
        ids = [int(x) for x in re.findall(rf'/proposals/{pid}/attachments/(\d+)'.encode(), detail)]
        if not ids:
            raise Fail("instance B does not list the upload")
        status, headers, data = staff.request(b, "GET", f"/proposals/{pid}/attachments/{max(ids)}")
        attached = headers.get("content-disposition", "").startswith("attachment")
        if status != 200 or data != PDF or not attached:
            raise Fail(f"download from B: {status}, {len(data)} bytes")
        print(f"   {len(PDF)} bytes uploaded on A, the same bytes downloaded from B (as an attachment)")

        step("3. a login rate limit across both instances")
        username = f"nobody-{uuid.uuid4().hex[:8]}"
        statuses = [login(Client(), (a, b)[i % 2], username, "wrong-password") for i in range(7)]
        if statuses != [401] * 5 + [429] * 2:
            raise Fail(f"failed logins alternating A/B answered {statuses}")
        print(f"   7 wrong passwords alternating A and B: {statuses}")

        step("4. a job started on A, run by the worker, read on B")
        token = staff.csrf(a, "/billing/")
        status, headers, _ = staff.post_form(a, "/billing/run", {"csrf_token": token, "month": "2026-02"})
        job_path = urlsplit(headers.get("location", "")).path
        if status != 302 or not job_path.startswith("/jobs/"):
            raise Fail(f"billing run on A: {status} {job_path}")
        deadline, state = time.monotonic() + 90, {}
        while time.monotonic() < deadline:
            _, _, data = staff.request(b, "GET", job_path + "/status")
            state = json.loads(data)
            if state.get("finished"):
                break
            time.sleep(0.5)
        if state.get("status") != "done":
            raise Fail(f"job {job_path}: {state}")
        print(f"   {job_path}: {state['status']} at {state['percent']} %, seen from B")

        step("5. slow clients do not block the app")
        slow = []
        for _ in range(6):
            s = socket.create_connection(("127.0.0.1", port), timeout=5)
            tls = ssl._create_unverified_context().wrap_socket(s, server_hostname="127.0.0.1")  # noqa: S323
            tls.sendall(b"POST /login HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 100000\r\n\r\nusername=")
            slow.append(tls)
        started = time.monotonic()
        status, _, _ = Client().request(proxy, "GET", "/healthz")
        took = time.monotonic() - started
        for s in slow:
            s.close()
        if status != 200 or took > 5:
            raise Fail(f"with 6 half-sent requests, /healthz took {took:.1f} s ({status})")
        print(f"   6 half-sent requests held by nginx; /healthz answered in {took * 1000:.0f} ms")
        print("REHEARSAL PASSED")
        return 0
    finally:
        step("stopping everything")
        if nginx_started:
            subprocess.run([NGINX, "-p", str(tmp), "-c", str(tmp / "nginx.conf"), "-s", "stop"],
                           check=False, timeout=30)
        for name, proc in procs:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGINT if name == "worker" else signal.SIGTERM)
        for _name, proc in procs:
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
        for log in logs:
            log.close()
        try:
            import redis

            client = redis.Redis.from_url(redis_url, socket_connect_timeout=2)
            for key in client.scan_iter(f"huey.*{queue}*"):
                client.delete(key)
            for pattern in (f"{queue}:*", f"LIMITS:LIMITER/{queue}/*"):
                for key in client.scan_iter(pattern):
                    client.delete(key)
        except Exception as exc:  # noqa: BLE001 - cleaning up is best effort
            print(f"   (redis clean-up: {exc.__class__.__name__})")
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'))
        admin.dispose()
        if os.environ.get("REHEARSE_KEEP"):
            print(f"   logs kept in {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
