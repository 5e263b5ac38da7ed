"""Long work off the request path: jobs, their kinds, and how the worker runs them.

A request (or a command, or the schedule) calls `start(kind, actor=..., params=...)`: a `Job` row
is written and audited in the caller's transaction, and put on the queue once that transaction
has committed (so the worker never looks for a job that is not there yet, and a request that
fails queues nothing). The worker then runs `execute(job_id)`:

1. claims the job (`start` move: queued -> running, a compare-and-set, so a job handed out twice
   runs once) in a transaction of its own;
2. runs the kind's work and the `finish` move in ONE transaction: the work is applied whole
   with its "done", or not at all (never half-applied), whatever happens to the worker;
3. on an error, rolls that transaction back and records the reason (`fail` move).

While it runs, the work reports its progress (percent, rows done) to the shared store, not to
the row (the row is inside the work's transaction, invisible until it commits), and the worker
keeps a lease there. A job still "running" whose lease has lapsed lost its worker (restart,
crash, kill -9): `sweep_stale()` (at the worker's start and every minute) queues it again while
it has attempts left, else marks it failed with that reason. The database had already rolled
back whatever that worker had done.

A kind is registered in one line, where its work lives:

    jobs.register("link-registry", _l("Penautan registri"), run_linkage)

`run_linkage(job, progress) -> dict` does the work in the current transaction (flush, audit,
never commit), calls `progress(percent=..., rows_done=..., rows_total=...)` now and then, and
returns the result to show (plain JSON values; never a NIK or a name).
"""
from __future__ import annotations

import logging
import threading
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from flask import current_app
from flask_babel import lazy_gettext as _l

from sponsorship.audit import service as audit
from sponsorship.audit.enforce import audit_enforced
from sponsorship.auth.models import WORKER
from sponsorship.core.db import write_intent
from sponsorship.core.errors import DomainError
from sponsorship.core.ledger import Ledger
from sponsorship.core.models import utcnow
from sponsorship.core.shared import store
from sponsorship.core.workflow import Transition, Workflow
from sponsorship.extensions import db
from sponsorship.jobs.models import DONE, FAILED, JOB_STATUSES, QUEUED, RUNNING, Job

log = logging.getLogger(__name__)

JOB_FLOW = Workflow(
    JOB_STATUSES,
    [
        Transition("start", frozenset({QUEUED}), RUNNING, "job.work", _l("Mulai")),
        Transition("finish", frozenset({RUNNING}), DONE, "job.work", _l("Selesai")),
        Transition("fail", frozenset({QUEUED, RUNNING}), FAILED, "job.work", _l("Gagal")),
        Transition("requeue", frozenset({RUNNING}), QUEUED, "job.work", _l("Antrekan lagi")),
        Transition("retry", frozenset({FAILED}), QUEUED, "job.retry", _l("Coba lagi")),
    ],
    stale_message=_l("Tugas ini baru saja diubah oleh pekerja antrean. Muat ulang halaman."),
)

LEASE_SECONDS = 45  # a running job's worker renews its lease every LEASE_SECONDS / 3
PROGRESS_SECONDS = 24 * 3600
MAX_ERRORS = 200  # row problems kept on the job (the kind's own page may show them all)
UNEXPECTED = _l("Terjadi kesalahan saat menjalankan tugas ini, dan tidak ada yang diterapkan. Tim TI "
                "dapat melihat catatannya; silakan coba lagi.")
LOST_WORKER = _l("Pekerja antrean berhenti saat menjalankan tugas ini (misalnya dimulai ulang); tidak ada "
                 "yang diterapkan.")


class _Worker:
    """The queue's worker as the actor of a job's own moves (audited as "worker")."""

    is_authenticated = True
    is_active = True
    role = WORKER
    id = None
    username = "worker"
    sponsor_id = None


WORKER_ACTOR = _Worker()


@dataclass(frozen=True)
class Kind:
    name: str
    label: Any
    run: Callable[[Job, Progress], dict | None]
    # Where a finished job continues (the preview it made, say); None: its own page shows the result.
    next_url: Callable[[Job], str | None] | None = None
    attempts: int = 2  # runs interrupted by a lost worker are tried again up to this many in all
    on_fail: Callable[[Job], None] | None = None  # after a failure is recorded (clean up its input)
    done_message: Callable[[Job], Any] | None = None  # flashed when a done job continues to next_url


KINDS: dict[str, Kind] = {}


def register(name: str, label: Any, run: Callable | None = None, *, next_url=None, attempts: int = 2,
             on_fail=None, done_message=None):
    """Register a kind of job: `register(name, label, run)`, or as a decorator over `run`."""
    def add(fn):
        known = KINDS.get(name)
        if known is not None and known.run.__qualname__ != fn.__qualname__:
            raise ValueError(f"job kind {name!r} is registered twice")
        KINDS[name] = Kind(name, label, fn, next_url, attempts, on_fail, done_message)
        return fn

    return add(run) if run is not None else add


def kind_of(job: Job) -> Kind | None:
    _load_kinds()
    return KINDS.get(job.kind)


def _load_kinds() -> None:
    from sponsorship.jobs import kinds  # noqa: F401  (registers the kinds of this app)


# --- starting ------------------------------------------------------------------------------

def _send(job_ids: list[int]) -> None:
    from sponsorship.jobs import queue

    for job_id in job_ids:
        queue.enqueue(job_id)


_to_send = Ledger("jobs-to-send", on_commit=_send)


def start(kind: str, *, actor, params: dict | None = None, rows_total: int | None = None) -> Job:
    """A new job, queued once the caller's transaction commits (audited in it)."""
    _load_kinds()
    if kind not in KINDS:
        raise ValueError(f"unknown job kind {kind!r}")
    job = Job(kind=kind, status=QUEUED, params=params or {}, rows_total=rows_total,
              actor_id=getattr(actor, "id", None))
    db.session.add(job)
    db.session.flush()
    audit.record_create(job, actor=actor)
    _to_send.add(db.session(), job.id)
    return job


def retry(job: Job, *, actor) -> None:
    """Queue a failed job again (its work had been rolled back)."""
    JOB_FLOW.move(job, "retry", actor=actor, values={"error": None, "percent": 0, "rows_done": 0,
                                                     "finished_at": None})
    _to_send.add(db.session(), job.id)


# --- progress ------------------------------------------------------------------------------

class Progress:
    """What the work reports as it goes: visible on the job's page at once (the shared store)."""

    def __init__(self, job: Job) -> None:
        self.job_id = job.id
        self.percent, self.rows_done, self.rows_total = 0, 0, job.rows_total
        self.errors: list[dict] = []

    def __call__(self, percent: float | None = None, *, rows_done: int | None = None,
                 rows_total: int | None = None) -> None:
        if rows_total is not None:
            self.rows_total = rows_total
        if rows_done is not None:
            self.rows_done = rows_done
        if percent is None and self.rows_total:
            percent = 100 * self.rows_done / self.rows_total
        if percent is not None:
            self.percent = max(self.percent, min(99, int(percent)))  # 100 is "done", set by finish
        store().set(f"job:{self.job_id}:progress", {"percent": self.percent, "rows_done": self.rows_done,
                                                    "rows_total": self.rows_total}, PROGRESS_SECONDS)

    def error(self, line: int | None, reason: Any) -> None:
        """A row-level problem worth showing on the job's page (the first MAX_ERRORS are kept)."""
        if len(self.errors) < MAX_ERRORS:
            self.errors.append({"line": line, "reason": str(reason)})


def progress_of(job: Job) -> dict:
    """The job's figures as its page shows them: live while it runs, else from the row."""
    figures = {"percent": job.percent, "rows_done": job.rows_done, "rows_total": job.rows_total}
    if job.status == RUNNING:
        live = store().get(f"job:{job.id}:progress")
        if live:
            figures.update(live)
    elif job.status == DONE:
        figures["percent"] = 100
    return figures


class _Lease:
    """The running worker's claim on a job, renewed in the shared store until the work ends."""

    def __init__(self, app, job_id: int) -> None:
        self.app, self.key, self.done = app, f"job:{job_id}:lease", threading.Event()
        self.thread = threading.Thread(target=self._renew, name=f"job-lease-{job_id}", daemon=True)

    def __enter__(self):
        store().set(self.key, 1, LEASE_SECONDS)
        self.thread.start()
        return self

    def _renew(self) -> None:
        with self.app.app_context():
            while not self.done.wait(LEASE_SECONDS / 3):
                try:
                    store().set(self.key, 1, LEASE_SECONDS)
                except Exception:  # noqa: BLE001 - a missed renewal only risks a retry
                    log.warning("could not renew a job lease", exc_info=True)

    def __exit__(self, *exc):
        self.done.set()
        self.thread.join(timeout=5)
        store().delete(self.key)


# --- running ---------------------------------------------------------------------------------

def _reason(exc: BaseException) -> str:
    if isinstance(exc, DomainError):
        return str(exc.message)
    return str(UNEXPECTED)


def _log_failure(job_id: int, kind: str, exc: BaseException) -> None:
    if isinstance(exc, DomainError):
        log.info("job refused", extra={"job_id": job_id, "job_kind": kind})
        return
    # The frames only: an exception's message can carry the data it was working on.
    frames = "".join(traceback.format_tb(exc.__traceback__))
    log.error("job failed: %s\n%s", type(exc).__name__, frames,
              extra={"job_id": job_id, "job_kind": kind})


def execute(job_id: int) -> str:
    """Run one job (in the worker, or at its request's commit in immediate mode); its outcome."""
    from sponsorship.core import observability

    app = current_app._get_current_object()
    with audit_enforced():
        with write_intent():
            job = db.session.get(Job, job_id)
            if job is None or job.status != QUEUED:  # already taken by another worker, or retried
                db.session.rollback()
                return "skipped"
            kind = kind_of(job)
            if kind is None:
                JOB_FLOW.move(job, "fail", actor=WORKER_ACTOR, values={
                    "error": str(UNEXPECTED), "finished_at": utcnow()}, note=f"unknown kind {job.kind}")
                db.session.commit()
                return FAILED
            JOB_FLOW.move(job, "start", actor=WORKER_ACTOR,
                          values={"started_at": utcnow(), "attempts": job.attempts + 1})
            db.session.commit()
        progress = Progress(job)
        try:
            with _Lease(app, job_id), write_intent():
                result = kind.run(job, progress) or {}
                JOB_FLOW.move(job, "finish", actor=WORKER_ACTOR, values={
                    "percent": 100, "rows_done": progress.rows_done, "rows_total": progress.rows_total,
                    "errors": progress.errors or None, "result": result, "finished_at": utcnow()})
                db.session.commit()
            observability.job_finished(kind.name, DONE)
            return DONE
        except Exception as exc:  # noqa: BLE001 - every failure is recorded on the job
            db.session.rollback()
            _log_failure(job_id, kind.name, exc)
            with write_intent():
                job = db.session.get(Job, job_id)
                JOB_FLOW.move(job, "fail", actor=WORKER_ACTOR, values={
                    "error": _reason(exc), "errors": progress.errors or None, "finished_at": utcnow()})
                db.session.commit()
            if kind.on_fail is not None:
                kind.on_fail(job)
            observability.job_finished(kind.name, FAILED)
            return FAILED
        finally:
            store().delete(f"job:{job_id}:progress")


def sweep_stale() -> dict[str, int]:
    """Jobs left "running" by a worker that stopped: queued again, or failed with the reason."""
    counts = {"requeued": 0, "failed": 0}
    horizon = utcnow() - timedelta(seconds=LEASE_SECONDS)
    with audit_enforced(), write_intent():
        running = db.session.scalars(db.select(Job).where(Job.status == RUNNING, Job.started_at < horizon)
                                     .order_by(Job.id)).all()
        for job in running:
            if store().get(f"job:{job.id}:lease") is not None:
                continue
            kind = kind_of(job)
            if kind is not None and job.attempts < kind.attempts:
                JOB_FLOW.move(job, "requeue", actor=WORKER_ACTOR, note=str(LOST_WORKER))
                _to_send.add(db.session(), job.id)
                counts["requeued"] += 1
            else:
                JOB_FLOW.move(job, "fail", actor=WORKER_ACTOR, values={
                    "error": str(LOST_WORKER), "finished_at": utcnow()})
                counts["failed"] += 1
        db.session.commit()
    return counts


def queue_length() -> int:
    """Jobs waiting for a worker (for /metrics)."""
    return db.session.scalar(db.select(db.func.count()).select_from(Job).where(Job.status == QUEUED))
