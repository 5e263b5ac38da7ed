"""Aid proposal screens: queue, intake, detail with timeline, field visit, files, pipeline."""
from __future__ import annotations

from datetime import date

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from sponsorship import policy
from sponsorship.audit.service import history
from sponsorship.auth.models import VERIFIER, User
from sponsorship.core import uploads
from sponsorship.core.forms import form_refusals, show_domain_error
from sponsorship.core.http import page_number
from sponsorship.extensions import db
from sponsorship.identity import mask
from sponsorship.proposals import service
from sponsorship.proposals.forms import (
    ATTACHMENT_FIELDS,
    AssignForm,
    AttachmentForm,
    MoveForm,
    ProposalForm,
    VerificationForm,
)
from sponsorship.proposals.models import (
    ATTACHMENT_KINDS,
    STATUSES,
    SUBMITTED,
    AidProposal,
    Attachment,
)
from sponsorship.regions.service import kecamatan_name, kelurahan_name

bp = Blueprint("proposals", __name__, url_prefix="/proposals")


@bp.app_context_processor
def _helpers():
    return {"kelurahan_name": kelurahan_name, "kecamatan_name": kecamatan_name,
            "aid_home": _aid_home}


def _aid_home(role: str) -> dict:
    """What waits on this role, for the role homes (templates/dashboard/*)."""
    if role == VERIFIER:
        return service.verifier_queue(current_user)
    if role == "approver":
        from sponsorship.minutes.service import waiting_for_approver

        return {"minutes": waiting_for_approver()}
    from sponsorship.minutes.service import candidates

    counts = service.status_counts()
    return {"counts": counts, "overdue": service.overdue_count(), "candidates": len(candidates()),
            "approved": counts.get("approved", 0), "submitted": counts.get("submitted", 0)}


@bp.route("/")
@policy.require("proposal.list")
def index():
    stmt = db.select(AidProposal)
    status = request.args.get("status")
    if status in STATUSES:
        stmt = stmt.where(AidProposal.status == status)
    if request.args.get("overdue"):
        stmt = stmt.where(service.overdue_clause())
    q = (request.args.get("q") or "").strip()
    if q:
        stmt = stmt.where(AidProposal.code.ilike(f"%{q}%") | AidProposal.patient_name.ilike(f"%{q}%"))
    stmt = stmt.order_by(AidProposal.id.desc())
    page = db.paginate(stmt, page=page_number(), per_page=current_app.config["PAGE_SIZE"], error_out=False)
    return render_template("proposals/index.html", page=page, STATUSES=STATUSES,
                           overdue=service.overdue_ids(page.items),
                           filters={"status": status, "q": q, "overdue": request.args.get("overdue")})


def _lines(form: ProposalForm) -> list[dict]:
    return [{"category": sub.category.data, "description": sub.detail.data,
             "quantity": sub.quantity.data, "unit_amount": sub.unit_amount.data} for sub in form.lines]


@bp.route("/new", methods=["GET", "POST"])
@policy.require("proposal.create")
def create():
    form = ProposalForm()
    lines_error = None
    if form.validate_on_submit():
        files = {kind: request.files.get(kind) for kind in ATTACHMENT_FIELDS}
        with form_refusals(None) as outcome:
            proposal = service.create_proposal(actor=current_user, data=form.data, lines=_lines(form),
                                               files=files)
        if outcome.error and outcome.error.field == "lines":
            lines_error = outcome.error.message
        elif outcome.error:
            show_domain_error(form, outcome.error)
        else:
            flash(_l("Usulan %(code)s dicatat.", code=proposal.code), "success")
            return redirect(url_for(".detail", proposal_id=proposal.id))
    return render_template("proposals/form.html", form=form, lines_error=lines_error)


def _load(proposal_id: int, action: str = "proposal.view") -> AidProposal:
    return policy.get_or_404(AidProposal, proposal_id, action, view_action="proposal.view")


@bp.route("/<int:proposal_id>")
@policy.require("proposal.view")
def detail(proposal_id: int):
    proposal = _load(proposal_id)
    moves = [t for t in service.PROPOSAL_FLOW.available(proposal, current_user)
             if t.name in service.BUTTON_MOVES]
    assign_form = None
    if policy.can("proposal.assign") and proposal.status == SUBMITTED:
        assign_form = AssignForm()
        assign_form.verifier_id.choices = _verifier_choices()
    attach_form = None
    if policy.can("proposal.attach"):
        attach_form = AttachmentForm()
        attach_form.kind.choices = [(k, v) for k, v in ATTACHMENT_KINDS.items() if k not in ("photo",)]
    from sponsorship.disbursements.models import Disbursement

    payout = db.session.scalar(db.select(Disbursement).where(Disbursement.proposal_id == proposal.id))
    return render_template(
        "proposals/detail.html", proposal=proposal, moves=moves, move_form=MoveForm(),
        assign_form=assign_form, attach_form=attach_form, payout=payout,
        masked_nik=mask(service.patient_nik(proposal)), events=history("aid_proposal", proposal.id),
        other_help=service.other_help(proposal), overdue=service.is_overdue(proposal),
        targets=service.targets())


def _verifier_choices():
    rows = db.session.execute(db.select(User.id, User.full_name).where(
        User.role == VERIFIER, User.active.is_(True)).order_by(User.full_name)).all()
    return [(r.id, r.full_name) for r in rows]


@bp.route("/<int:proposal_id>/move/<name>", methods=["POST"])
@policy.require("proposal.transition")
def move(proposal_id: int, name: str):
    proposal = _load(proposal_id, "proposal.transition")
    form = MoveForm()
    if not form.validate_on_submit():
        abort(400)
    service.simple_move(proposal, name, actor=current_user, note=form.note.data)
    flash(_l("Status usulan %(code)s: %(s)s.", code=proposal.code, s=proposal.status_label), "success")
    if name == "take":
        return redirect(url_for(".verify", proposal_id=proposal.id))
    return redirect(url_for(".detail", proposal_id=proposal.id))


@bp.route("/<int:proposal_id>/assign", methods=["POST"])
@policy.require("proposal.assign")
def assign(proposal_id: int):
    proposal = _load(proposal_id, "proposal.assign")
    form = AssignForm()
    form.verifier_id.choices = _verifier_choices()
    if not form.validate_on_submit():
        flash(_l("Pilih verifikator."), "danger")
        return redirect(url_for(".detail", proposal_id=proposal.id))
    verifier = db.session.get(User, form.verifier_id.data)
    service.assign_verifier(proposal, actor=current_user, verifier=verifier)
    flash(_l("Verifikator ditugaskan."), "success")
    return redirect(url_for(".detail", proposal_id=proposal.id))


@bp.route("/<int:proposal_id>/verify", methods=["GET", "POST"])
@policy.require("proposal.verify")
def verify(proposal_id: int):
    proposal = _load(proposal_id, "proposal.verify")
    form = VerificationForm()
    if request.method == "GET" and form.visit_date.data is None:
        form.visit_date.data = date.today()
        form.recommended_amount.data = proposal.total_requested
    if form.validate_on_submit():
        with form_refusals(None) as outcome:
            service.record_verification(proposal, actor=current_user, data=form.data,
                                        photos=request.files.getlist("photos"))
        if outcome.error and outcome.error.field:
            show_domain_error(form, outcome.error)
        elif outcome.error:
            flash(str(outcome.error.message), "danger")
            return redirect(url_for(".detail", proposal_id=proposal.id))
        else:
            flash(_l("Hasil verifikasi %(code)s disimpan.", code=proposal.code), "success")
            return redirect(url_for("dashboard.home"))
    return render_template("proposals/verify.html", proposal=proposal, form=form)


@bp.route("/<int:proposal_id>/attachments", methods=["POST"])
@policy.require("proposal.attach")
def attach(proposal_id: int):
    proposal = _load(proposal_id, "proposal.attach")
    form = AttachmentForm()
    form.kind.choices = [(k, v) for k, v in ATTACHMENT_KINDS.items() if k != "photo"]
    if not form.validate_on_submit():
        abort(400)
    with form_refusals(None) as outcome:
        service.add_attachment(proposal, actor=current_user, kind=form.kind.data,
                               file_storage=request.files.get("file"))
    if not outcome.ok:
        flash(str(outcome.error.message), "danger")
    else:
        flash(_l("Lampiran diunggah."), "success")
    return redirect(url_for(".detail", proposal_id=proposal.id))


@bp.route("/<int:proposal_id>/attachments/<int:attachment_id>")
@policy.require("proposal.view")
def attachment(proposal_id: int, attachment_id: int):
    proposal = _load(proposal_id)
    att = db.session.get(Attachment, attachment_id)
    if att is None or att.proposal_id != proposal.id:
        abort(404)
    return uploads.send_upload(att.path, mime=att.mime, download_name=att.original_name)


@bp.route("/pipeline")
@policy.require("proposal.pipeline")
def pipeline():
    return render_template("proposals/pipeline.html", pipe=service.pipeline(), STATUSES=STATUSES,
                           targets=service.targets())
