"""Jobs: queued after the request commits, run whole or not at all, progress on their page,
audited, retried or failed after a lost worker; and one job through a real worker on Redis."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from datetime import date, timedelta
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from sponsorship.extensions import db
from sponsorship.jobs import service
from sponsorship.jobs.models import Job
from tests import factories
from tests.factories import make_allocation, make_residents
from tests.pages import after_job

ROOT = Path(__file__).resolve().parents[2]


def _job(job_id: int) -> Job:
    db.session.expire_all()
    return db.session.get(Job, job_id)


def _premium_pledge(company):
    pledge = factories.make_pledge(sponsor=company, status="active", quota=10, months=12,
                                   start_month=date(2026, 1, 1))
    for b in make_residents(2):
        make_allocation(pledge, b, date(2026, 1, 1))
    db.session.commit()
    return pledge


def test_the_billing_button_runs_a_job_whose_page_shows_the_counts(login, staff, company_a):
    from sponsorship.audit.models import AuditEvent
    from sponsorship.billing.models import Invoice

    _premium_pledge(company_a)
    client = login(staff)
    page = after_job(client, client.post("/billing/run", data={"month": "2026-02"}))
    soup = BeautifulSoup(page.data, "html.parser")
    assert soup.select_one("[data-testid=job-status]")["data-status"] == "done"
    assert soup.select_one("[data-result=created]").text == "1"
    assert soup.select_one("[data-testid=job-percent]").text == "100"
    assert db.session.scalar(db.select(db.func.count()).select_from(Invoice)) == 1
    job = db.session.scalar(db.select(Job))
    assert job.actor_id == staff.id and job.result["month"] == "2026-02"
    actions = db.session.scalars(db.select(AuditEvent.action).where(AuditEvent.object_type == "job")
                                 .order_by(AuditEvent.id)).all()
    assert actions == ["create", "status:start", "status:finish"]
    status = client.get(f"/jobs/{job.id}/status").get_json()
    assert status == {"status": "done", "finished": True, "percent": 100, "rows_done": 0, "rows_total": None}


def test_a_failed_job_applies_nothing_says_why_and_can_be_retried(app, login, staff, company_a):
    from sponsorship.sponsors.models import Sponsor

    attempts = []

    def half_then_fail(job, progress):
        attempts.append(job.id)
        from sponsorship.sponsors.service import create_sponsor

        create_sponsor(actor=job.actor, data={"name": "PT Setengah Jadi", "npwp": factories.valid_npwp(91),
                                              "legal_form": "PT"})
        progress(50, rows_done=1, rows_total=2)
        if len(attempts) == 1:
            raise RuntimeError("the second row broke")
        return {"rows": 2}

    service.register("test-half", "uji", half_then_fail)
    with app.test_request_context():
        job = service.start("test-half", actor=staff)
        db.session.commit()
    failed = _job(job.id)
    assert failed.status == "failed" and "tidak ada yang diterapkan" in failed.error
    assert db.session.scalar(db.select(Sponsor.id).where(Sponsor.name == "PT Setengah Jadi")) is None
    client = login(staff)
    page = BeautifulSoup(client.get(f"/jobs/{job.id}").data, "html.parser")
    assert "tidak ada yang diterapkan" in page.select_one("[data-testid=job-error]").text
    assert client.post(f"/jobs/{job.id}/retry").status_code == 302
    assert _job(job.id).status == "done" and _job(job.id).attempts == 2
    assert db.session.scalar(db.select(Sponsor.id).where(Sponsor.name == "PT Setengah Jadi")) is not None


def test_progress_is_visible_while_the_job_runs(app, staff):
    seen = {}

    def counting(job, progress):
        progress(rows_done=30, rows_total=120)
        with app.app_context():  # another request, as the job page polls
            seen.update(service.progress_of(db.session.get(Job, job.id)))
        return {}

    service.register("test-progress", "uji", counting)
    with app.test_request_context():
        job = service.start("test-progress", actor=staff)
        db.session.commit()
    assert seen == {"percent": 25, "rows_done": 30, "rows_total": 120}
    assert (_job(job.id).rows_done, _job(job.id).rows_total, _job(job.id).percent) == (30, 120, 100)


def test_a_request_that_fails_queues_nothing(app, staff):
    ran = []
    service.register("test-never", "uji", lambda job, progress: ran.append(job.id))
    with app.test_request_context():
        service.start("test-never", actor=staff)
        db.session.rollback()
    assert ran == [] and db.session.scalar(db.select(db.func.count()).select_from(Job)) == 0


def _stuck(kind: str, attempts: int) -> int:
    """A job a worker took and then lost (restart, kill -9): running, no lease, started a while ago."""
    job = Job(kind=kind, status="running", params={}, attempts=attempts,
              started_at=service.utcnow() - timedelta(minutes=5))
    db.session.add(job)
    db.session.commit()
    return job.id


def test_a_job_whose_worker_was_lost_is_run_again_then_failed_with_the_reason(app, staff):
    runs = []
    service.register("test-lost", "uji", lambda job, progress: runs.append(job.id) or {"ok": 1})
    again, given_up = _stuck("test-lost", attempts=1), _stuck("test-lost", attempts=2)
    with app.test_request_context():
        assert service.sweep_stale() == {"requeued": 1, "failed": 1}
    assert runs == [again] and _job(again).status == "done"
    assert _job(given_up).status == "failed" and "Pekerja antrean berhenti" in _job(given_up).error


def test_a_running_job_with_a_live_lease_is_left_alone(app, staff):
    from sponsorship.core.shared import store

    service.register("test-leased", "uji", lambda job, progress: {})
    job_id = _stuck("test-leased", attempts=1)
    with app.test_request_context():
        store().set(f"job:{job_id}:lease", 1, 60)
        assert service.sweep_stale() == {"requeued": 0, "failed": 0}
        store().delete(f"job:{job_id}:lease")
    assert _job(job_id).status == "running"


def test_monthly_billing_is_scheduled_on_the_first(app):
    from datetime import datetime

    huey = app.extensions["huey"]

    def due(when):
        return {task.name for task in huey.read_periodic(when)}

    assert "monthly_billing" in due(datetime(2026, 3, 1, 0, 5))  # 07:05 WIB on the first
    assert "monthly_billing" not in due(datetime(2026, 3, 2, 0, 5))
    assert "sweep_stale_jobs" in due(datetime(2026, 3, 2, 0, 5))


def test_the_scheduled_run_bills_this_month(app, company_a):
    from sponsorship.billing.models import Invoice
    from sponsorship.jobs.kinds import start_monthly_billing

    _premium_pledge(company_a)
    with app.test_request_context():
        from sponsorship.audit.enforce import audit_enforced

        with audit_enforced():
            job = start_monthly_billing(today=date(2026, 4, 1))
            db.session.commit()
    assert _job(job.id).status == "done" and _job(job.id).actor_id is None
    assert db.session.scalar(db.select(Invoice.month)) == date(2026, 4, 1)


@pytest.fixture
def redis_url():
    import redis

    url = "redis://127.0.0.1:6379/0"
    try:
        redis.Redis.from_url(url, socket_connect_timeout=2).ping()
    except redis.RedisError:
        pytest.skip("no Redis on 127.0.0.1:6379")
    return url


def test_a_job_runs_on_a_real_worker_through_redis(app, database_url, redis_url, tmp_path, staff, company_a):
    """The web side queues on Redis; `flask jobs-worker` (another process) runs it."""
    from sponsorship import create_app

    _premium_pledge(company_a)
    queue = f"test-{uuid.uuid4().hex[:10]}"
    settings = {"SQLALCHEMY_DATABASE_URI": database_url, "REDIS_URL": redis_url, "JOBS_NAME": queue,
                "SECRET_KEY": "test-secret-key", "INSTANCE_PATH": str(tmp_path / "web"),
                "UPLOAD_DIR": app.config["UPLOAD_DIR"],
                "NIK_ENCRYPTION_KEY": app.config["NIK_ENCRYPTION_KEY"], "PUBLIC_BASE_URL": "https://csr.test"}
    web = create_app(settings)
    with web.app_context():
        from sponsorship.audit.enforce import audit_enforced
        from sponsorship.auth.models import User

        with audit_enforced():
            job = service.start("bill-month", actor=db.session.get(User, staff.id),
                                params={"month": "2026-03", "pdf": False})
            db.session.commit()
        job_id = job.id
        assert web.extensions["huey"].pending_count() == 1
    env = {**os.environ, "DATABASE_URL": database_url, "REDIS_URL": redis_url, "REDIS_NAMESPACE": queue,
           "SECRET_KEY": "test-secret-key", "NIK_ENCRYPTION_KEY": app.config["NIK_ENCRYPTION_KEY"],
           "UPLOAD_DIR": app.config["UPLOAD_DIR"], "PUBLIC_BASE_URL": "https://csr.test",
           "FLASK_DEBUG": "0"}
    command = [sys.executable, "-m", "flask", "--app", "app", "jobs-worker", "--workers", "1"]
    worker = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                              start_new_session=True)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and _job(job_id).status in ("queued", "running"):
            db.session.rollback()
            time.sleep(0.3)
        done = _job(job_id)
        assert done.status == "done", (done.status, done.error)
        assert done.result["created"] == 1
    finally:
        os.killpg(worker.pid, signal.SIGINT)
        try:
            worker.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(worker.pid, signal.SIGKILL)
            worker.wait()
        with web.app_context():
            web.extensions["huey"].storage.flush_all()
            db.engine.dispose()
