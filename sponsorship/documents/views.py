"""Downloading issued documents (policy-checked) and the public verification page."""
from __future__ import annotations

import io
import json
from dataclasses import dataclass

import click
from flask import Blueprint, abort, flash, redirect, render_template, request, send_file, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from sponsorship import policy
from sponsorship.core import uploads
from sponsorship.core.forms import form_refusals
from sponsorship.core.pagination import keyset_page
from sponsorship.documents import official, service, signing
from sponsorship.documents.forms import StoryForm, VerifyUploadForm
from sponsorship.documents.models import APPROVAL_LETTER, MINUTES, VERIFICATION_SHEET, Document
from sponsorship.documents.readiness import NotReady
from sponsorship.extensions import db, limiter

bp = Blueprint("documents", __name__, url_prefix="/documents", cli_group=None)
verify_bp = Blueprint("verify", __name__, url_prefix="/verify")
signing_bp = Blueprint("signing", __name__, url_prefix="/admin/signing")

MAX_VERIFY_BYTES = 20 * 1024 * 1024
PER_PAGE = 50


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
    # Newest first, a keyset page at a time, with the total (the list grows by every document).
    documents = keyset_page(policy.scope(db.select(Document), Document), (Document.id,),
                            lambda document_id: (document_id,), per_page=PER_PAGE, descending=True)
    return render_template("verify/documents.html", documents=documents)


@bp.route("/<int:document_id>.pdf")
@login_required  # get_or_404 decides: office, or the sponsor the document belongs to; else 404
def download(document_id: int):
    return send_document(policy.get_or_404(Document, document_id, "document.view"))


@dataclass
class UploadCheck:
    """What /verify says about an uploaded PDF."""

    match: Document | None = None  # byte for byte an issued document
    validation: signing.Validation | None = None  # its electronic signatures
    signed_match: Document | None = None  # ours as signed, with revisions added after signing

    @property
    def ours(self) -> Document | None:
        return self.match or self.signed_match


def _check_upload(form: VerifyUploadForm) -> UploadCheck | None:
    """None when nothing (valid) was uploaded; else what the upload is."""
    if not form.validate_on_submit():
        return None
    with form_refusals(form) as outcome:  # checked by content and size before anything parses it
        data = uploads.read_checked(form.file.data, kinds={"pdf"}, max_bytes=MAX_VERIFY_BYTES)
    if not outcome.ok:
        return None
    check = UploadCheck(match=service.find_by_bytes(data), validation=signing.validate(data))
    if check.match is None:
        for signature in check.validation.signatures:
            found = service.find_by_sha256(signature.signed_revision_sha256)
            if found is not None:
                check.signed_match = found
                break
    return check


def _stored_signature(document: Document | None) -> signing.Validation | None:
    """The validation of an issued document's own stored bytes, when it is signed."""
    if document is None or not document.signer_name:
        return None
    try:
        return signing.validate(service.read_bytes(document))
    except FileNotFoundError:
        return signing.Validation(signatures=[], error="missing")


def _verify_page(document: Document | None, form: VerifyUploadForm, check: UploadCheck | None):
    ours = check.ours if check else None
    return render_template(
        "verify/show.html", document=document, form=form, check=check,
        stored=_stored_signature(document),
        withdrawn=service.withdrawal(document) if document else None,
        upload_withdrawn=service.withdrawal(ours) if ours and ours != document else None)


@verify_bp.route("/", methods=["GET", "POST"])
@limiter.limit("30 per minute", methods=["POST"])
def upload():
    form = VerifyUploadForm()
    return _verify_page(None, form, _check_upload(form))


@verify_bp.route("/<token>", methods=["GET", "POST"])
@limiter.limit("60 per minute")
def show(token: str):
    document = service.find_by_token(token)
    if document is None:
        abort(404)
    form = VerifyUploadForm()
    return _verify_page(document, form, _check_upload(form))


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
    from sponsorship.documents.forms import AppreciationForm
    from sponsorship.documents.models import ImpactStory

    reports = db.session.scalars(db.select(Document).where(Document.object_type == "sponsor",
                                                           Document.object_id == sponsor.id)
                                 .order_by(Document.id.desc())).all()
    stories = db.session.scalars(db.select(ImpactStory).where(ImpactStory.sponsor_id == sponsor.id)
                                 .order_by(ImpactStory.month.desc(), ImpactStory.id.desc())).all()
    return render_template("verify/impact_report.html", sponsor=sponsor, form=form, reports=reports,
                           story_form=story_form, stories=stories,
                           certificate_form=AppreciationForm()), status




@signing_bp.route("/", methods=["GET", "POST"])
@policy.require("admin.settings")
def certificates():
    """The officials' signing certificates: what is installed, and installing or replacing one."""
    from sponsorship.documents.forms import CertificateForm
    from sponsorship.documents.models import KINDS, SIGNATURES

    form = CertificateForm()
    form.official.choices = [(key, str(label)) for key, (label, _n, _t) in signing.OFFICIALS.items()]
    status = 200
    if form.validate_on_submit():
        data = form.file.data.read(signing.MAX_PKCS12_BYTES + 1)  # size first; the parse checks content
        with form_refusals(form) as outcome:
            info = signing.install(form.official.data, data, form.password.data, actor=current_user)
        if outcome.ok:
            flash(_l("Sertifikat %(subject)s dipasang.", subject=info.common_name), "success")
            return redirect(url_for(".certificates"))
        status = 422
    elif form.is_submitted():
        status = 422
    officials = [{"key": key, "label": label, "info": signing.installed(key),
                  "kinds": [(KINDS[kind], rule.condition) for kind, rule in SIGNATURES.items()
                            if rule.official == key]}
                 for key, (label, _n, _t) in signing.OFFICIALS.items()]
    return render_template("signing/certificates.html", form=form, officials=officials), status


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
    from sponsorship.documents.forms import AppreciationForm
    from sponsorship.documents.report import issue_certificate
    from sponsorship.sponsors.models import Sponsor

    sponsor = policy.get_or_404(Sponsor, sponsor_id, "sponsor.view")
    if not AppreciationForm().validate_on_submit():
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
