"""The queue under the jobs: huey, on Redis when REDIS_URL is set, else on a SQLite file.

Why huey: one small, well-kept library that runs on Redis in production AND on SQLite for the
embedded default (RQ and Celery need a broker even for the demo), with periodic tasks built in
(the first-of-the-month billing) and an immediate mode that runs a job in-process (tests).

The queue carries only job ids: a job's parameters, progress and outcome live in the `job` row,
so whatever happens to the queue, the database says what was done. One huey task runs any job;
the worker is `flask --app app jobs-worker` (systemd unit in deploy/, `make run` starts one).
"""
from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext


def make_huey(app):
    from huey import RedisHuey, SqliteHuey, crontab

    name = app.config["JOBS_NAME"]
    if app.config.get("REDIS_URL"):
        huey = RedisHuey(name, url=app.config["REDIS_URL"], utc=True, results=False)
    else:
        huey = SqliteHuey(name, filename=app.config["JOBS_SQLITE"], utc=True, results=False)
    huey.immediate = bool(app.config.get("JOBS_IMMEDIATE"))

    @huey.task(name="run_job")
    def run_job(job_id: int) -> None:
        from sponsorship.jobs.service import execute

        with app.app_context():
            execute(job_id)

    # The first of each month, 00:05 UTC (07:05 WIB): that month's premium invoices.
    @huey.periodic_task(crontab(day="1", hour="0", minute="5"), name="monthly_billing")
    def monthly_billing() -> None:
        from sponsorship.extensions import db
        from sponsorship.jobs.kinds import start_monthly_billing

        with app.app_context():
            from sponsorship.audit.enforce import audit_enforced

            with audit_enforced():
                start_monthly_billing()
                db.session.commit()

    # Every day, 01:10 UTC (08:10 WIB): the quarterly impact reports due (issued once each).
    @huey.periodic_task(crontab(hour="1", minute="10"), name="quarterly_reports")
    def quarterly_reports() -> None:
        from sponsorship.extensions import db
        from sponsorship.jobs.service import start

        with app.app_context():
            from sponsorship.audit.enforce import audit_enforced

            with audit_enforced():
                start("quarterly-reports", actor=None)
                db.session.commit()

    @huey.periodic_task(crontab(minute="*"), name="sweep_stale_jobs")
    def sweep() -> None:
        from sponsorship.jobs.service import sweep_stale

        with app.app_context():
            sweep_stale()

    @huey.on_startup()
    def sweep_at_start() -> None:
        from sponsorship.jobs.service import sweep_stale

        with app.app_context():
            sweep_stale()

    huey.run_job = run_job
    return huey


def init_app(app) -> None:
    app.extensions["huey"] = make_huey(app)
    app.cli.add_command(worker_command)


def huey():
    return current_app.extensions["huey"]


def enqueue(job_id: int) -> None:
    huey().run_job(job_id)


def pending() -> int:
    """Messages waiting in the queue itself (for /metrics; the job table says the same per job)."""
    return huey().pending_count()


@click.command("jobs-worker")
@click.option("--workers", default=2, show_default=True, help="Jobs run at the same time.")
@with_appcontext
def worker_command(workers: int) -> None:
    """Run the job queue's worker (and its schedule) until stopped."""
    queue = huey()
    if queue.immediate:
        raise click.ClickException("JOBS_IMMEDIATE is on: jobs run in the request, no worker needed")
    consumer = queue.create_consumer(workers=workers, worker_type="thread", periodic=True,
                                     check_worker_health=True)
    consumer.run()
