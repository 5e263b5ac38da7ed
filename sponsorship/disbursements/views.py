"""Payout screens for staff and Baznas, and the sponsor's view of its aid funds."""
from __future__ import annotations

from datetime import date

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from sponsorship import policy
from sponsorship.core.forms import form_refusals
from sponsorship.disbursements import service
from sponsorship.disbursements.forms import DisbursementForm
from sponsorship.disbursements.models import Disbursement
from sponsorship.extensions import db
from sponsorship.pledges.models import AID_FUND, Pledge
from sponsorship.proposals.models import COST_CATEGORIES, AidProposal

bp = Blueprint("disbursements", __name__, url_prefix="/disbursements")
portal_bp = Blueprint("fund_portal", __name__, url_prefix="/portal/fund")


def _form() -> DisbursementForm:
    form = DisbursementForm()
    form.pledge_id.choices = [
        (p.id, f"{p.sponsor.name} · {p.title} · saldo Rp {service.balance(p):,}".replace(",", "."))
        for p in service.active_funds()]
    return form


@bp.route("/new/<int:proposal_id>", methods=["GET", "POST"])
@policy.require("proposal.disburse")
def create(proposal_id: int):
    proposal = policy.get_or_404(AidProposal, proposal_id, "proposal.disburse", view_action="proposal.view")
    form = _form()
    if request.method == "GET":
        form.amount.data = proposal.approved_amount
        form.paid_on.data = date.today()
    if form.validate_on_submit():
        with form_refusals(form) as outcome:
            service.record_disbursement(
                proposal, actor=current_user, pledge=db.session.get(Pledge, form.pledge_id.data),
                data=form.data, receipt=request.files.get("receipt"))
        if outcome.ok:
            flash(_l("Pencairan %(code)s dicatat.", code=proposal.code), "success")
            return redirect(url_for("proposals.detail", proposal_id=proposal.id))
        # Refused (already paid, the fund's balance): 409, as a conflict with the data is.
        return render_template("disbursements/form.html", form=form, proposal=proposal), 409
    return render_template("disbursements/form.html", form=form, proposal=proposal)


@bp.route("/<int:payout_id>/receipt", methods=["POST"])
@policy.require("proposal.disburse")
def receipt(payout_id: int):
    payout = db.session.get(Disbursement, payout_id) or abort(404)
    proposal = policy.get_or_404(AidProposal, payout.proposal_id, "proposal.disburse",
                                 view_action="proposal.view")
    from sponsorship.proposals.forms import MoveForm

    if not MoveForm().validate_on_submit():
        abort(400)
    with form_refusals(None) as outcome:
        service.attach_receipt(proposal, payout, actor=current_user,
                               file_storage=request.files.get("receipt"))
    if not outcome.ok:
        flash(str(outcome.error.message), "danger")
    else:
        flash(_l("Bukti terima diunggah; usulan ditutup."), "success")
    return redirect(url_for("proposals.detail", proposal_id=proposal.id))


@portal_bp.route("/")
@policy.require("fund.portal")
def index():
    funds = db.session.scalars(
        policy.scope(db.select(Pledge), Pledge).where(Pledge.programme == AID_FUND).order_by(Pledge.id)).all()
    reports = {f.id: service.fund_report(f) for f in funds}
    return render_template("disbursements/portal.html", funds=funds, reports=reports,
                           totals=service.fund_totals(current_user.sponsor_id),
                           CATEGORIES=COST_CATEGORIES, balance=service.balance)
