"""Agreement screens on a pledge: draft form, DRAF preview, finalise, signing, the final PDF."""
from __future__ import annotations

import io

from flask import Blueprint, abort, flash, redirect, render_template, send_file, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from sponsorship import policy
from sponsorship.agreements import service
from sponsorship.agreements.clauses import DEFAULT_CLAUSES, from_text, to_text
from sponsorship.agreements.forms import AgreementForm, ClausesForm, FinaliseForm, SignForm
from sponsorship.agreements.models import Agreement
from sponsorship.audit.service import history
from sponsorship.core import uploads
from sponsorship.core.forms import form_refusals
from sponsorship.documents import readiness
from sponsorship.documents.models import AGREEMENT
from sponsorship.documents.views import send_document
from sponsorship.extensions import db
from sponsorship.pledges.models import Pledge

bp = Blueprint("agreements", __name__)


def _agreement_of(pledge: Pledge) -> Agreement | None:
    return db.session.scalar(db.select(Agreement).where(Agreement.pledge_id == pledge.id))


def _pdf_response(data: bytes, name: str):
    response = send_file(io.BytesIO(data), mimetype="application/pdf", download_name=name, max_age=0)
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


@bp.route("/pledges/<int:pledge_id>/agreement", methods=["GET", "POST"])
@policy.require("agreement.edit")
def edit(pledge_id: int):
    pledge = policy.get_or_404(Pledge, pledge_id, "pledge.edit")
    agreement = _agreement_of(pledge)
    form = AgreementForm(obj=agreement, data=None if agreement else service.initial_data(pledge))
    if agreement is not None and not form.is_submitted():
        form.clauses.data = to_text(agreement.clauses)
    elif agreement is None and not form.is_submitted():
        form.clauses.data = to_text(service.template_clauses(service.template_key(pledge)))
    if form.validate_on_submit() and (agreement is None or agreement.status == "draft"):
        data = dict(form.data)
        data.pop("clauses")
        if (form.clauses.data or "").strip():  # left empty: keep the clauses as they are
            data["clauses"] = from_text(form.clauses.data)
        with form_refusals(form) as outcome:
            if agreement is None:
                agreement = service.create_agreement(pledge, actor=current_user, data=data)
            else:
                service.update_agreement(agreement, actor=current_user, data=data)
        if outcome.ok:
            flash(_l("Draf perjanjian disimpan."), "success")
            return redirect(url_for(".edit", pledge_id=pledge.id))
    events = history("agreement", agreement.id) if agreement and policy.can("audit.view") else []
    return render_template(
        "agreements/edit.html", pledge=pledge, agreement=agreement, form=form, events=events,
        moves=service.AGREEMENT_FLOW.available(agreement, current_user) if agreement else [],
        finalise_form=FinaliseForm(), sign_form=SignForm(), addendum_form=ClausesForm(prefix="add"),
        addenda=service.addenda(agreement) if agreement else [])


@bp.route("/pledges/<int:pledge_id>/agreement/preview.pdf")
@policy.require("agreement.edit")
def preview(pledge_id: int):
    pledge = policy.get_or_404(Pledge, pledge_id, "pledge.edit")
    agreement = _agreement_of(pledge) or abort(404)
    return _pdf_response(service.preview_pdf(agreement), f"pks-draf-{pledge.id}.pdf")


@bp.route("/pledges/<int:pledge_id>/agreement/finalise", methods=["GET", "POST"])
@policy.require("agreement.edit")
def finalise(pledge_id: int):
    """A page of its own: what is still missing, or the DRAF preview and a confirmation that
    says the step cannot be undone; only a confirmed POST numbers and freezes the agreement."""
    pledge = policy.get_or_404(Pledge, pledge_id, "pledge.edit")
    agreement = _agreement_of(pledge) or abort(404)
    form = FinaliseForm()
    if agreement.status != "draft" and not form.is_submitted():
        return redirect(url_for(".edit", pledge_id=pledge.id))
    if form.is_submitted() and agreement.status == "draft" and not form.validate():
        flash(_l("Centang konfirmasi untuk memfinalkan."), "danger")
        return redirect(url_for(".finalise", pledge_id=pledge.id))
    if form.is_submitted():
        service.transition_agreement(agreement, "finalise", actor=current_user)
        flash(_l("Perjanjian difinalkan dengan nomor %(n)s.", n=agreement.city_number), "success")
        return redirect(url_for(".edit", pledge_id=pledge.id))
    return render_template("agreements/finalise.html", pledge=pledge, agreement=agreement, form=form,
                           missing=readiness.missing(AGREEMENT, agreement=agreement),
                           context=service.agreement_context(agreement))


@bp.route("/pledges/<int:pledge_id>/agreement/sign", methods=["POST"])
@policy.require("agreement.edit")
def sign(pledge_id: int):
    pledge = policy.get_or_404(Pledge, pledge_id, "pledge.edit")
    agreement = _agreement_of(pledge) or abort(404)
    form = SignForm()
    if not form.validate_on_submit():
        flash(_l("Tanggal dan pindaian wajib diisi."), "danger")
        return redirect(url_for(".edit", pledge_id=pledge.id))
    scan = uploads.store_upload(form.scan.data, folder=f"agreements/{agreement.id}")
    service.transition_agreement(agreement, "sign", actor=current_user, signed_on=form.signed_on.data,
                                 scan=scan)
    flash(_l("Perjanjian tercatat telah ditandatangani."), "success")
    return redirect(url_for(".edit", pledge_id=pledge.id))


@bp.route("/pledges/<int:pledge_id>/agreement/addendum", methods=["POST"])
@policy.require("agreement.edit")
def addendum(pledge_id: int):
    pledge = policy.get_or_404(Pledge, pledge_id, "pledge.edit")
    agreement = _agreement_of(pledge) or abort(404)
    form = ClausesForm(prefix="add")
    if not form.validate_on_submit():
        flash(_l("Isi pasal addendum wajib diisi."), "danger")
        return redirect(url_for(".edit", pledge_id=pledge.id))
    document = service.issue_addendum(agreement, actor=current_user, clauses=from_text(form.clauses.data))
    flash(_l("Addendum diterbitkan dengan nomor %(n)s.", n=document.number), "success")
    return redirect(url_for(".edit", pledge_id=pledge.id))


@bp.route("/pledges/<int:pledge_id>/agreement.pdf")
@policy.require("agreement.view")
def final_pdf(pledge_id: int):
    """The current final version, to staff and to the pledge's own sponsor; 404 for anyone else."""
    pledge = policy.get_or_404(Pledge, pledge_id, "pledge.view")
    agreement = _agreement_of(pledge)
    if agreement is None or agreement.document is None or not policy.can("agreement.view", agreement):
        abort(404)
    return send_document(agreement.document)


@bp.route("/pledges/<int:pledge_id>/agreement/scan")
@policy.require("agreement.view")
def scan(pledge_id: int):
    pledge = policy.get_or_404(Pledge, pledge_id, "pledge.view")
    agreement = _agreement_of(pledge)
    if agreement is None or not agreement.scan_path or not policy.can("agreement.view", agreement):
        abort(404)
    with uploads.open_upload(agreement.scan_path) as fh:
        head = fh.read(16)
    mime = uploads.SIGNATURES[uploads.detect_kind(head) or "pdf"][1]
    return uploads.send_upload(agreement.scan_path, mime=mime,
                               download_name=f"pks-{pledge.id}-ditandatangani")


@bp.route("/agreements/templates/<programme>", methods=["GET", "POST"])
@policy.require("agreement.templates")
def template(programme: str):
    if programme not in DEFAULT_CLAUSES:
        abort(404)
    form = ClausesForm()
    if not form.is_submitted():
        form.clauses.data = to_text(service.template_clauses(programme))
    if form.validate_on_submit():
        with form_refusals(form) as outcome:
            service.save_template(actor=current_user, programme=programme,
                                  clauses=from_text(form.clauses.data))
        if outcome.ok:
            flash(_l("Templat perjanjian disimpan."), "success")
            return redirect(url_for(".template", programme=programme))
    return render_template("agreements/template.html", form=form, programme=programme)
