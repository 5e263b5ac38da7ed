"""Berita acara screens: list, draft editing, finalise, the approver's decision."""
from __future__ import annotations

from flask import Blueprint, abort, flash, make_response, redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from sponsorship import policy
from sponsorship.audit.service import history
from sponsorship.core.forms import form_refusals
from sponsorship.documents import official as official_documents
from sponsorship.extensions import db
from sponsorship.minutes import service
from sponsorship.minutes.forms import AttendeeForm, DecisionForm, ItemForm, MinutesForm, SimpleForm
from sponsorship.minutes.models import DRAFT, FINAL, STATUSES, Minutes, MinutesAttendee, MinutesItem
from sponsorship.proposals.models import AidProposal

bp = Blueprint("minutes", __name__, url_prefix="/minutes")


@bp.route("/")
@policy.require("minutes.list")
def index():
    stmt = db.select(Minutes)
    status = request.args.get("status")
    if status in STATUSES:
        stmt = stmt.where(Minutes.status == status)
    rows = db.session.scalars(stmt.order_by(Minutes.id.desc()).limit(200)).all()
    return render_template("minutes/index.html", rows=rows, STATUSES=STATUSES, status=status,
                           candidates=len(service.candidates()) if policy.can("minutes.edit") else 0)


@bp.route("/new", methods=["GET", "POST"])
@policy.require("minutes.edit")
def create():
    form = MinutesForm()
    if form.validate_on_submit():
        with form_refusals(form) as outcome:
            minutes = service.create_minutes(actor=current_user, meeting_date=form.meeting_date.data,
                                             place=form.place.data, summary=form.summary.data,
                                             meeting_time=form.meeting_time.data)
        if outcome.ok:
            flash(_l("Draf berita acara dibuat."), "success")
            return redirect(url_for(".detail", minutes_id=minutes.id))
    return render_template("minutes/form.html", form=form)


def _load(minutes_id: int, action: str = "minutes.view") -> Minutes:
    return policy.get_or_404(Minutes, minutes_id, action, view_action="minutes.view")


def _item_form() -> ItemForm:
    form = ItemForm(prefix="item")
    form.proposal_id.choices = [
        (p.id, f"{p.code} · {p.patient_name} · {p.status_label} · rekomendasi "
               f"Rp {(p.recommended_amount or 0):,}".replace(",", "."))
        for p in service.candidates()]
    return form


@bp.route("/<int:minutes_id>")
@policy.require("minutes.view")
def detail(minutes_id: int):
    minutes = _load(minutes_id)
    editable = minutes.status == DRAFT and policy.can("minutes.edit")
    from sponsorship.proposals.service import other_help

    helps = {}
    if minutes.status == FINAL and policy.can("minutes.decide"):
        helps = {i.id: other_help(i.proposal) for i in minutes.items}
    return render_template(
        "minutes/detail.html", minutes=minutes, editable=editable,
        attendee_form=AttendeeForm(prefix="att") if editable else None,
        item_form=_item_form() if editable else None,
        edit_form=MinutesForm(obj=minutes) if editable else None,
        decision_form=DecisionForm(), simple_form=SimpleForm(), helps=helps,
        totals=service.minutes_totals(minutes),
        events=history("aid_minutes", minutes.id))


@bp.route("/<int:minutes_id>/edit", methods=["POST"])
@policy.require("minutes.edit")
def edit(minutes_id: int):
    minutes = _load(minutes_id, "minutes.edit")
    form = MinutesForm()
    if not form.validate_on_submit():
        flash(_l("Periksa tanggal dan tempat rapat."), "danger")
        return redirect(url_for(".detail", minutes_id=minutes.id))
    service.update_minutes(minutes, actor=current_user, meeting_date=form.meeting_date.data,
                           place=form.place.data, summary=form.summary.data,
                           meeting_time=form.meeting_time.data)
    flash(_l("Perubahan disimpan."), "success")
    return redirect(url_for(".detail", minutes_id=minutes.id))


@bp.route("/<int:minutes_id>/attendees", methods=["POST"])
@policy.require("minutes.edit")
def add_attendee(minutes_id: int):
    minutes = _load(minutes_id, "minutes.edit")
    form = AttendeeForm(prefix="att")
    if not form.validate_on_submit():
        flash(_l("Nama, jabatan dan instansi peserta wajib diisi."), "danger")
        return redirect(url_for(".detail", minutes_id=minutes.id))
    service.add_attendee(minutes, actor=current_user, name=form.name.data, title=form.title.data,
                         agency=form.agency.data, nip=form.nip.data)
    return redirect(url_for(".detail", minutes_id=minutes.id) + "#attendees")


@bp.route("/<int:minutes_id>/attendees/<int:attendee_id>/delete", methods=["POST"])
@policy.require("minutes.edit")
def remove_attendee(minutes_id: int, attendee_id: int):
    minutes = _load(minutes_id, "minutes.edit")
    if not SimpleForm().validate_on_submit():
        abort(400)
    attendee = db.session.get(MinutesAttendee, attendee_id) or abort(404)
    service.remove_attendee(minutes, attendee, actor=current_user)
    return redirect(url_for(".detail", minutes_id=minutes.id) + "#attendees")


@bp.route("/<int:minutes_id>/items", methods=["POST"])
@policy.require("minutes.edit")
def add_item(minutes_id: int):
    minutes = _load(minutes_id, "minutes.edit")
    form = _item_form()
    if not form.validate_on_submit():
        flash(_l("Pilih usulan yang sudah diverifikasi layak."), "danger")
        return redirect(url_for(".detail", minutes_id=minutes.id))
    proposal = db.session.get(AidProposal, form.proposal_id.data) or abort(404)
    service.add_item(minutes, proposal, actor=current_user, decision=form.decision.data,
                     amount=form.amount.data, note=form.note.data)
    flash(_l("Usulan %(code)s dimasukkan.", code=proposal.code), "success")
    return redirect(url_for(".detail", minutes_id=minutes.id) + "#items")


@bp.route("/<int:minutes_id>/items/<int:item_id>/delete", methods=["POST"])
@policy.require("minutes.edit")
def remove_item(minutes_id: int, item_id: int):
    minutes = _load(minutes_id, "minutes.edit")
    if not SimpleForm().validate_on_submit():
        abort(400)
    item = db.session.get(MinutesItem, item_id) or abort(404)
    service.remove_item(minutes, item, actor=current_user)
    return redirect(url_for(".detail", minutes_id=minutes.id) + "#items")


@bp.route("/<int:minutes_id>/preview.pdf")
@policy.require("minutes.edit")
def preview(minutes_id: int):
    """The berita acara as it would be issued now, marked DRAF; never stored or numbered."""
    from sponsorship.documents.render import render_pdf

    minutes = _load(minutes_id, "minutes.edit")
    context = official_documents.minutes_pdf_context(service.minutes_document_context(minutes))
    response = make_response(render_pdf("documents/berita_acara.html", context, draft=True).pdf)
    response.headers["Content-Type"] = "application/pdf"
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


@bp.route("/<int:minutes_id>/finalise", methods=["GET", "POST"])
@policy.require("minutes.edit")
def finalise(minutes_id: int):
    """What is missing, or the DRAF preview and a confirmation that the step cannot be undone."""
    from sponsorship.documents.models import MINUTES as MINUTES_DOCUMENT
    from sponsorship.documents.readiness import missing
    from sponsorship.minutes.forms import FinaliseForm

    minutes = _load(minutes_id, "minutes.edit")
    form = FinaliseForm()
    if not form.is_submitted():
        if minutes.status != DRAFT:
            return redirect(url_for(".detail", minutes_id=minutes.id))
        return render_template("minutes/finalise.html", minutes=minutes, form=form,
                               missing=missing(MINUTES_DOCUMENT, minutes=minutes),
                               totals=service.minutes_totals(minutes))
    if minutes.status == DRAFT and not form.validate():
        flash(_l("Centang konfirmasi untuk memfinalkan."), "danger")
        return redirect(url_for(".finalise", minutes_id=minutes.id))
    service.finalise_minutes(minutes, actor=current_user)
    official_documents.issue_minutes_document(minutes, actor=current_user)  # the numbered PDF
    flash(_l("Berita acara difinalkan dengan nomor %(n)s.", n=minutes.number), "success")
    return redirect(url_for(".detail", minutes_id=minutes.id))


@bp.route("/<int:minutes_id>/approve", methods=["POST"])
@policy.require("minutes.decide")
def approve(minutes_id: int):
    minutes = _load(minutes_id, "minutes.decide")
    form = DecisionForm()
    if not form.validate_on_submit():
        abort(400)
    exclusions = {}
    for item in minutes.items:
        if request.form.get(f"exclude-{item.id}"):
            exclusions[item.id] = request.form.get(f"reason-{item.id}", "")
    service.approve_minutes(minutes, actor=current_user, note=form.note.data, exclusions=exclusions)
    official_documents.issue_approval_letter(minutes, actor=current_user)
    official_documents.issue_minutes_document(minutes, actor=current_user)  # now signed: approved
    flash(_l("Berita acara %(n)s disetujui.", n=minutes.number), "success")
    return redirect(url_for(".detail", minutes_id=minutes.id))


@bp.route("/<int:minutes_id>/return", methods=["POST"])
@policy.require("minutes.decide")
def return_(minutes_id: int):
    minutes = _load(minutes_id, "minutes.decide")
    form = DecisionForm()
    if not form.validate_on_submit():
        abort(400)
    service.return_minutes(minutes, actor=current_user, note=form.note.data)
    flash(_l("Berita acara %(n)s dikembalikan.", n=minutes.number), "warning")
    return redirect(url_for(".detail", minutes_id=minutes.id))
