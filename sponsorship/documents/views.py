"""Downloading issued documents (policy-checked) and the public verification page."""
from __future__ import annotations

import io
import json

import click
from flask import Blueprint, abort, flash, redirect, render_template, request, send_file, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from sponsorship import policy
from sponsorship.documents import official, service
from sponsorship.documents.forms import StoryForm, VerifyUploadForm
from sponsorship.documents.models import APPROVAL_LETTER, MINUTES, VERIFICATION_SHEET, Document
from sponsorship.documents.readiness import NotReady
from sponsorship.extensions import db, limiter

bp = Blueprint("documents", __name__, url_prefix="/documents", cli_group=None)
verify_bp = Blueprint("verify", __name__, url_prefix="/verify")

MAX_VERIFY_BYTES = 20 * 1024 * 1024


@bp.app_errorhandler(NotReady)
def not_ready(e: NotReady):
    """Issuing refused: what is missing, each with a link to where it is filled in."""
    db.session.rollback()
    return render_template("verify/not_ready.html", error=e), 409


def send_document(document: Document):
    """The stored bytes, exactly: the sha256 on /verify is the sha256 of this response body."""
    try:
        data = service.read_bytes(document)
    except FileNotFoundError:
        abort(404)
    response = send_file(io.BytesIO(data), mimetype="application/pdf", download_name=document.filename,
                         as_attachment=False, max_age=0)
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


@bp.route("/")
@policy.require("document.list")
def index():
    stmt = policy.scope(db.select(Document), Document).order_by(Document.id.desc()).limit(200)
    return render_template("verify/documents.html", documents=db.session.scalars(stmt).all())


@bp.route("/<int:document_id>.pdf")
@login_required  # get_or_404 decides: office, or the sponsor the document belongs to; else 404
def download(document_id: int):
    return send_document(policy.get_or_404(Document, document_id, "document.view"))


def _check_upload(form: VerifyUploadForm):
    """(checked, document or None): whether the upload is byte for byte an issued document."""
    if not form.validate_on_submit():
        return False, None
    data = form.file.data.read(MAX_VERIFY_BYTES + 1)
    if len(data) > MAX_VERIFY_BYTES:
        form.file.errors.append(_l("Berkas terlalu besar."))
        return False, None
    return True, service.find_by_bytes(data)


@verify_bp.route("/", methods=["GET", "POST"])
@limiter.limit("30 per minute", methods=["POST"])
def upload():
    form = VerifyUploadForm()
    checked, match = _check_upload(form)
    return render_template("verify/show.html", document=None, form=form, checked=checked, match=match,
                           withdrawn=service.withdrawal(match) if match else None)


@verify_bp.route("/<token>", methods=["GET", "POST"])
@limiter.limit("60 per minute")
def show(token: str):
    document = service.find_by_token(token)
    if document is None:
        abort(404)
    form = VerifyUploadForm()
    checked, match = _check_upload(form)
    return render_template("verify/show.html", document=document, form=form, checked=checked,
                           match=match, withdrawn=service.withdrawal(document))


def _latest_or_404(object_type: str, object_id: int, kind: str):
    document = service.current_version(object_type, object_id, kind)
    if document is None:
        abort(404)
    return send_document(document)


def _load_minutes(minutes_id: int):
    from sponsorship.minutes.models import Minutes

    return policy.get_or_404(Minutes, minutes_id, "minutes.view")


@bp.route("/minutes/<int:minutes_id>/berita-acara.pdf")
@policy.require("document.minutes")
def minutes_pdf(minutes_id: int):
    minutes = _load_minutes(minutes_id)
    return _latest_or_404(official.MINUTES_OBJECT, minutes.id, MINUTES)


@bp.route("/minutes/<int:minutes_id>/approval-letter.pdf")
@policy.require("document.minutes")
def approval_letter_pdf(minutes_id: int):
    minutes = _load_minutes(minutes_id)
    return _latest_or_404(official.MINUTES_OBJECT, minutes.id, APPROVAL_LETTER)


@bp.route("/minutes/<int:minutes_id>/issue/<kind>", methods=["POST"])
@policy.require("document.issue")
def issue_for_minutes(minutes_id: int, kind: str):
    """Issue (again: a new version) the berita acara or the approval letter of a minutes."""
    minutes = _load_minutes(minutes_id)
    issue = {MINUTES: official.issue_minutes_document,
             APPROVAL_LETTER: official.issue_approval_letter}.get(kind) or abort(404)
    document = issue(minutes, actor=current_user)
    flash(_l("Dokumen %(n)s diterbitkan.", n=document.number), "success")
    return redirect(url_for("minutes.detail", minutes_id=minutes.id))


def _load_proposal(proposal_id: int):
    from sponsorship.proposals.models import AidProposal

    return policy.get_or_404(AidProposal, proposal_id, "proposal.view")


@bp.route("/proposals/<int:proposal_id>/verification-sheet", methods=["POST"])
@policy.require("document.sheet")
def issue_sheet(proposal_id: int):
    proposal = _load_proposal(proposal_id)
    document = official.issue_verification_sheet(proposal, actor=current_user)
    flash(_l("Lembar verifikasi %(n)s diterbitkan.", n=document.number), "success")
    return redirect(url_for("proposals.detail", proposal_id=proposal.id))


@bp.route("/proposals/<int:proposal_id>/verification-sheet.pdf")
@policy.require("document.sheet")
def sheet_pdf(proposal_id: int):
    proposal = _load_proposal(proposal_id)
    return _latest_or_404(official.PROPOSAL_OBJECT, proposal.id, VERIFICATION_SHEET)


@bp.route("/sponsors/<int:sponsor_id>/impact-report", methods=["GET", "POST"])
@policy.require("document.issue")
def impact_report(sponsor_id: int):
    from sponsorship.documents.forms import ImpactReportForm
    from sponsorship.documents.report import issue_impact_report
    from sponsorship.sponsors.models import Sponsor

    sponsor = policy.get_or_404(Sponsor, sponsor_id, "sponsor.view")
    form = ImpactReportForm()
    if form.validate_on_submit():
        document = issue_impact_report(sponsor, actor=current_user, start=form.start.data, end=form.end.data)
        flash(_l("Laporan %(n)s diterbitkan.", n=document.number), "success")
        return redirect(url_for(".download", document_id=document.id))
    return _impact_page(sponsor, form, StoryForm(prefix="story", formdata=None))


def _impact_page(sponsor, form, story_form, status: int = 200):
    from sponsorship.documents.forms import CertificateForm
    from sponsorship.documents.models import ImpactStory

    reports = db.session.scalars(db.select(Document).where(Document.object_type == "sponsor",
                                                           Document.object_id == sponsor.id)
                                 .order_by(Document.id.desc())).all()
    stories = db.session.scalars(db.select(ImpactStory).where(ImpactStory.sponsor_id == sponsor.id)
                                 .order_by(ImpactStory.month.desc(), ImpactStory.id.desc())).all()
    return render_template("verify/impact_report.html", sponsor=sponsor, form=form, reports=reports,
                           story_form=story_form, stories=stories,
                           certificate_form=CertificateForm()), status


@bp.route("/sponsors/<int:sponsor_id>/stories", methods=["POST"])
@policy.require("story.edit")
def add_story(sponsor_id: int):
    from sponsorship.core.forms import form_refusals
    from sponsorship.documents.forms import ImpactReportForm
    from sponsorship.documents.report import add_story as add
    from sponsorship.sponsors.models import Sponsor

    sponsor = policy.get_or_404(Sponsor, sponsor_id, "sponsor.view")
    form = StoryForm(prefix="story")
    if form.validate_on_submit():
        with form_refusals(form) as outcome:
            add(sponsor, actor=current_user, month=form.month.data, title=form.title.data,
                text=form.text.data, photo=request.files.get("story-photo"),
                consent=request.files.get("story-consent"), consent_on=form.consent_on.data)
        if outcome.ok:
            flash(_l("Cerita disimpan; dimuat di laporan dampak bulan tersebut."), "success")
            return redirect(url_for(".impact_report", sponsor_id=sponsor.id))
    return _impact_page(sponsor, ImpactReportForm(formdata=None), form, 400)


@bp.route("/sponsors/<int:sponsor_id>/certificate", methods=["POST"])
@policy.require("document.issue")
def certificate(sponsor_id: int):
    from sponsorship.documents.forms import CertificateForm
    from sponsorship.documents.report import issue_certificate
    from sponsorship.sponsors.models import Sponsor

    sponsor = policy.get_or_404(Sponsor, sponsor_id, "sponsor.view")
    if not CertificateForm().validate_on_submit():
        abort(400)
    document = issue_certificate(sponsor, actor=current_user)
    flash(_l("Piagam %(n)s diterbitkan.", n=document.number), "success")
    return redirect(url_for(".download", document_id=document.id))


@bp.cli.command("issue-quarterly-reports")
@click.option("--today", default=None, help="Issue as of this day (YYYY-MM-DD); default today.")
def issue_quarterly_reports_command(today):
    """Issue the quarterly impact reports the agreements promise, for every ended quarter not yet
    issued (a scheduled job runs it daily; running it again issues nothing new)."""
    from datetime import date

    from sponsorship.documents.report import issue_due_quarterly_reports

    try:
        day = date.fromisoformat(today) if today else None
    except ValueError as exc:
        raise click.ClickException("--today must be YYYY-MM-DD") from exc
    counts = issue_due_quarterly_reports(day)
    db.session.commit()
    click.echo(json.dumps(counts))
