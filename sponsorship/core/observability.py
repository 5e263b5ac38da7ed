"""Logs, metrics and readiness: what an operator watches, and nothing a resident would not want seen.

- **Logs**: one JSON object per line on standard error (LOG_FORMAT=json): time, level, logger,
  message, and for requests the request id (X-Request-ID from nginx, or made here, and sent back),
  user id, role, route (the URL rule, never the path or its query), method, status and duration.
  Never a NIK, a name or a health fact: requests are logged by their rule only; an exception is
  logged by its type and frames, never its message (a driver's message repeats the row's values);
  and `redact()` replaces any 16-digit number (NIK, KK) left in a message, as a last guard.
- **Metrics** (`/metrics`, Prometheus text format, only from METRICS_ALLOWED, loopback by
  default): request latency histograms per route, request counts by status, and from the database
  at each scrape (so every host and the worker agree): jobs per status (the queue's length is the
  queued ones), failed jobs, registry rows imported, documents issued per kind. With several
  gunicorn workers, PROMETHEUS_MULTIPROC_DIR makes the per-process histograms one.
- **Readiness** (`/readyz`): the database, the shared store (Redis, or the SQLite file), and the
  storage path (writable, with free space); 503 naming what is down. `/healthz` stays the cheap
  liveness probe.
"""
from __future__ import annotations

import json
import logging
import re
import shutil
import sys
import time
import traceback
import uuid
from datetime import UTC, datetime

from flask import Flask, Response, abort, g, request

_NUMBER16 = re.compile(r"(?<!\d)\d{16}(?!\d)")
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
_EXTRA = ("job_id", "job_kind")  # extra fields a log call may add (ids and names of kinds only)
MIN_FREE_BYTES = 200 * 1024 * 1024  # readiness fails below this on the storage path


def redact(text: str) -> str:
    return _NUMBER16.sub("[16 digit]", text)


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        out = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": redact(record.getMessage()),
        }
        for key in ("request_id", "user_id", "role", "route", "method", "status", "duration_ms", *_EXTRA):
            value = getattr(record, key, None)
            if value is not None:
                out[key] = value
        if "request_id" not in out:
            context = _request_fields()
            out.update({k: v for k, v in context.items() if v is not None})
        if record.exc_info and record.exc_info[1] is not None:
            exc = record.exc_info[1]
            # The type and the frames; the message may carry the data being worked on.
            out["exception"] = type(exc).__name__
            out["traceback"] = "".join(traceback.format_tb(exc.__traceback__))
        return json.dumps(out, ensure_ascii=False)


class TextFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        exc_info, record.exc_info = record.exc_info, None
        try:
            line = redact(super().format(record))
        finally:
            record.exc_info = exc_info
        if exc_info and exc_info[1] is not None:
            exc = exc_info[1]
            line += f"\n{type(exc).__name__}\n" + "".join(traceback.format_tb(exc.__traceback__))
        return line


def _request_fields() -> dict:
    from flask import has_request_context

    if not has_request_context():
        return {}
    noted = g.get("log_user")
    if noted is not None:
        return {"request_id": g.get("request_id"), "user_id": noted[0], "role": noted[1],
                "route": request.url_rule.rule if request.url_rule else None, "method": request.method}
    user = g.get("_login_user")  # only if this request loaded it: logging never queries
    user_id = role = None
    from flask_login import AnonymousUserMixin

    if user is not None and not isinstance(user, AnonymousUserMixin):
        # What the object already holds, never a refresh: a log line must not start a query
        # (after the commit the row is expired, and reloading it would begin a transaction).
        from sqlalchemy import inspect

        state = inspect(user, raiseerr=False)
        loaded = state.dict if state is not None else vars(user)
        user_id = state.identity[0] if state is not None and state.identity else loaded.get("id")
        role = loaded.get("role")
    return {"request_id": g.get("request_id"), "user_id": user_id, "role": role,
            "route": request.url_rule.rule if request.url_rule else None, "method": request.method}


def _note_user(_session) -> None:
    """Before a request's commit expires the signed-in user's row, keep who it was for the log."""
    from flask import has_request_context

    if has_request_context() and g.get("log_user") is None and g.get("_login_user") is not None:
        fields = _request_fields()
        if fields.get("user_id") is not None:
            g.log_user = (fields["user_id"], fields["role"])


def _listen_for_commits() -> None:
    from sqlalchemy import event

    from sponsorship.core.db import RequestSession

    if not event.contains(RequestSession, "before_commit", _note_user):
        event.listen(RequestSession, "before_commit", _note_user)


_HANDLER_MARK = "_sponsorship_handler"


def configure_logging(fmt: str) -> None:
    """One handler on the root logger (stderr), in the chosen format; idempotent."""
    root = logging.getLogger()
    formatter = JsonFormatter() if fmt == "json" else TextFormatter(
        "%(asctime)s %(levelname)s %(name)s: %(message)s")
    for handler in root.handlers:
        if getattr(handler, _HANDLER_MARK, False):
            handler.setFormatter(formatter)
            return
    handler = logging.StreamHandler(sys.stderr)
    setattr(handler, _HANDLER_MARK, True)
    handler.setFormatter(formatter)
    root.addHandler(handler)
    # The app's own loggers and the queue's at INFO; libraries stay at the root's WARNING.
    for name in ("sponsorship", "huey"):
        logging.getLogger(name).setLevel(logging.INFO)


# --- metrics ---------------------------------------------------------------------------------

_metrics = None


def _registry_metrics():
    global _metrics
    if _metrics is None:
        from prometheus_client import Counter, Histogram

        _metrics = {
            "latency": Histogram("http_request_duration_seconds", "Time to answer a request, per route",
                                 ["route", "method"],
                                 buckets=(0.01, 0.025, 0.05, 0.1, 0.2, 0.3, 0.5, 1, 2, 5, 10, 30)),
            "requests": Counter("http_requests_total", "Requests answered, per route and status",
                                ["route", "method", "status"]),
            "jobs": Counter("sponsorship_jobs_finished_total", "Jobs finished by this worker",
                            ["kind", "outcome"]),
        }
    return _metrics


def job_finished(kind: str, outcome: str) -> None:
    _registry_metrics()["jobs"].labels(kind=kind, outcome=outcome).inc()


class _DatabaseCollector:
    """Figures read from the database at each scrape: the same on every host."""

    def __init__(self, app: Flask) -> None:
        self.app = app

    def collect(self):
        from prometheus_client.core import GaugeMetricFamily

        from sponsorship.beneficiaries.models import ImportBatch
        from sponsorship.documents.models import Document
        from sponsorship.extensions import db
        from sponsorship.jobs.models import JOB_STATUSES, Job

        with self.app.app_context():
            by_status = dict(db.session.execute(
                db.select(Job.status, db.func.count()).group_by(Job.status)).all())
            jobs = GaugeMetricFamily("sponsorship_jobs", "Jobs per status", labels=["status"])
            for status in JOB_STATUSES:
                jobs.add_metric([status], by_status.get(status, 0))
            yield jobs
            yield GaugeMetricFamily("sponsorship_job_queue_length", "Jobs waiting for a worker",
                                    value=by_status.get("queued", 0))
            yield GaugeMetricFamily("sponsorship_jobs_failed", "Jobs that ended failed",
                                    value=by_status.get("failed", 0))
            rows = db.session.scalar(db.select(db.func.coalesce(db.func.sum(ImportBatch.total_rows), 0))
                                     .where(ImportBatch.status == "applied"))
            yield GaugeMetricFamily("sponsorship_import_rows", "Registry rows in applied imports",
                                    value=int(rows or 0))
            issued = GaugeMetricFamily("sponsorship_documents_issued", "Documents issued, per kind",
                                       labels=["kind"])
            for kind, count in db.session.execute(
                    db.select(Document.kind, db.func.count()).group_by(Document.kind)).all():
                issued.add_metric([kind], count)
            yield issued
            db.session.remove()


def _metrics_allowed(app: Flask) -> bool:
    import ipaddress

    try:
        address = ipaddress.ip_address(request.remote_addr or "")
    except ValueError:
        return False
    allowed = app.config.get("METRICS_ALLOWED")
    if not allowed:
        return address.is_loopback
    return any(address in network for network in allowed)


def _metrics_response(app: Flask) -> Response:
    from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest, multiprocess

    _registry_metrics()
    registry = CollectorRegistry()
    directory = app.config.get("PROMETHEUS_MULTIPROC_DIR")
    if directory:
        multiprocess.MultiProcessCollector(registry, path=directory)
    else:
        from prometheus_client import REGISTRY

        for collector in list(REGISTRY._collector_to_names):
            registry.register(collector)
    registry.register(_DatabaseCollector(app))
    return Response(generate_latest(registry), mimetype=CONTENT_TYPE_LATEST)


# --- readiness -------------------------------------------------------------------------------

def readiness(app: Flask) -> tuple[dict, bool]:
    from sponsorship.core.shared import store
    from sponsorship.core.uploads import upload_root
    from sponsorship.extensions import db

    checks: dict[str, str] = {}
    try:
        db.session.execute(db.text("SELECT 1"))
        checks["database"] = "ok"
    except Exception:  # noqa: BLE001 - any failure means not ready
        db.session.rollback()
        checks["database"] = "unreachable"
    try:
        store().ping()
        checks["shared_store"] = "ok"
    except Exception:  # noqa: BLE001
        checks["shared_store"] = "unreachable"
    try:
        root = upload_root()
        probe = root / f".ready-{uuid.uuid4().hex}"
        probe.write_bytes(b"ok")
        probe.unlink()
        free = shutil.disk_usage(root).free
        checks["storage"] = "ok" if free >= MIN_FREE_BYTES else "nearly full"
    except OSError:
        checks["storage"] = "not writable"
    ready = all(v == "ok" for v in checks.values())
    return {"status": "ok" if ready else "error", **checks}, ready


# --- wiring ------------------------------------------------------------------------------------

def init_app(app: Flask) -> None:
    configure_logging(app.config.get("LOG_FORMAT", "json"))
    _listen_for_commits()
    request_log = logging.getLogger("sponsorship.request")

    @app.before_request
    def _start():
        g.request_started = time.perf_counter()
        given = request.headers.get("X-Request-ID", "")
        g.request_id = given if _REQUEST_ID.match(given) else uuid.uuid4().hex

    @app.after_request
    def _finish(response):
        started = g.get("request_started")
        if started is None:
            return response
        duration = time.perf_counter() - started
        route = request.url_rule.rule if request.url_rule else "(no route)"
        response.headers.setdefault("X-Request-ID", g.get("request_id", ""))
        if request.endpoint != "static":
            metrics = _registry_metrics()
            metrics["latency"].labels(route=route, method=request.method).observe(duration)
            metrics["requests"].labels(route=route, method=request.method,
                                       status=str(response.status_code)).inc()
        fields = _request_fields()
        request_log.info("request", extra={**fields, "route": route, "status": response.status_code,
                                           "duration_ms": round(duration * 1000, 1)})
        return response

    @app.route("/metrics")
    def metrics():
        if not _metrics_allowed(app):
            abort(404)
        return _metrics_response(app)

    @app.route("/readyz")
    def readyz():
        body, ready = readiness(app)
        return body, 200 if ready else 503
