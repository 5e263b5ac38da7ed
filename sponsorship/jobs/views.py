"""A page per job (progress, result, errors), its figures as JSON for static/js/jobs.js, the list."""
from __future__ import annotations

from flask import Blueprint, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from sponsorship import policy
from sponsorship.extensions import db
from sponsorship.jobs import service
from sponsorship.jobs.models import DONE, FAILED, Job

bp = Blueprint("jobs", __name__, url_prefix="/jobs")


def _job(job_id: int) -> Job:
    return policy.get_or_404(Job, job_id, "job.view")


@bp.route("/")
@policy.require("job.list")
def index():
    jobs = db.session.scalars(db.select(Job).order_by(Job.id.desc()).limit(50)).all()
    return render_template("jobs/index.html", jobs=jobs, kind_of=service.kind_of)


@bp.route("/<int:job_id>")
@policy.require("job.view")
def detail(job_id: int):
    job = _job(job_id)
    kind = service.kind_of(job)
    # A finished job that made something to look at (an import preview) continues there.
    if job.status == DONE and kind and kind.next_url and not request.args.get("stay"):
        target = kind.next_url(job)
        if target:
            if kind.done_message:
                flash(kind.done_message(job), "success")
            return redirect(target)
    return render_template("jobs/detail.html", job=job, kind=kind, figures=service.progress_of(job),
                           can_retry=job.status == FAILED and policy.can("job.retry", job))


@bp.route("/<int:job_id>/status")
@policy.require("job.view")
def status(job_id: int):
    job = _job(job_id)
    return jsonify(status=job.status, finished=job.status in (DONE, FAILED), **service.progress_of(job))


@bp.route("/<int:job_id>/retry", methods=["POST"])
@policy.require("job.retry")
def retry(job_id: int):
    from flask_wtf import FlaskForm

    job = _job(job_id)
    if not FlaskForm().validate_on_submit():
        flash(_l("Formulir kedaluwarsa atau tidak sah. Muat ulang halaman dan coba lagi."), "danger")
    else:
        service.retry(job, actor=current_user)
        flash(_l("Tugas diantrekan lagi."), "success")
    return redirect(url_for(".detail", job_id=job.id))
