"""Eligibility policy screens: the policy in force, drafts and their what-if, activation; and the
staff form for a resident's vulnerability facts."""
from __future__ import annotations

from datetime import date

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from sponsorship import policy
from sponsorship.beneficiaries.models import Beneficiary
from sponsorship.core.forms import form_refusals
from sponsorship.eligibility import service
from sponsorship.eligibility.forms import FactsForm, PolicyForm
from sponsorship.eligibility.models import (
    DRAFT,
    FACTORS,
    NO_DECILE,
    ONE_PER,
    UNKNOWN_JKN,
    EligibilityPolicy,
)
from sponsorship.extensions import db

bp = Blueprint("eligibility", __name__, url_prefix="/eligibility")


def _context(**extra):
    return {"FACTORS": FACTORS, "UNKNOWN_JKN": UNKNOWN_JKN, "NO_DECILE": NO_DECILE, "ONE_PER": ONE_PER,
            **extra}


@bp.route("/")
@policy.require("eligibility.view")
def index():
    return render_template("eligibility/index.html", **_context(
        current=service.in_force(), policies=service.policies()))


@bp.route("/new", methods=["GET", "POST"])
@policy.require("eligibility.edit")
def create():
    form = PolicyForm()
    if request.method == "GET":
        base_id = request.args.get("from", type=int)
        base = db.session.get(EligibilityPolicy, base_id) if base_id else None
        data = service.policy_data(base or service.in_force())
        data["effective_from"] = max(date.today(), data["effective_from"])
        form.fill(data)
    if form.validate_on_submit():
        with form_refusals(form) as outcome:
            p = service.create_draft(actor=current_user, data=form.data_for_service())
        if outcome.ok:
            flash(_l("Draf kebijakan disimpan. Periksa dampaknya sebelum diberlakukan."), "success")
            return redirect(url_for(".detail", policy_id=p.id))
    return render_template("eligibility/form.html", **_context(form=form, policy=None))


@bp.route("/<int:policy_id>/edit", methods=["GET", "POST"])
@policy.require("eligibility.edit")
def edit(policy_id: int):
    p = policy.get_or_404(EligibilityPolicy, policy_id, "eligibility.edit", view_action="eligibility.view")
    if p.status != DRAFT:
        flash(_l("Kebijakan yang pernah berlaku tidak dapat diubah; buat versi baru."), "warning")
        return redirect(url_for(".detail", policy_id=p.id))
    form = PolicyForm()
    if request.method == "GET":
        form.fill(service.policy_data(p))
    if form.validate_on_submit():
        with form_refusals(form) as outcome:
            service.update_draft(p, actor=current_user, data=form.data_for_service())
        if outcome.ok:
            flash(_l("Draf kebijakan disimpan."), "success")
            return redirect(url_for(".detail", policy_id=p.id))
    return render_template("eligibility/form.html", **_context(form=form, policy=p))


@bp.route("/<int:policy_id>")
@policy.require("eligibility.view")
def detail(policy_id: int):
    p = policy.get_or_404(EligibilityPolicy, policy_id, "eligibility.view")
    current = service.in_force()
    impact = service.what_if(p, current) if p.status == DRAFT else None
    return render_template("eligibility/detail.html", **_context(
        policy=p, current=current, impact=impact, moves=service.POLICY_FLOW.available(p, current_user)))


@bp.route("/<int:policy_id>/move/<name>", methods=["POST"])
@policy.require("eligibility.activate")
def move(policy_id: int, name: str):
    p = policy.get_or_404(EligibilityPolicy, policy_id, "eligibility.activate",
                          view_action="eligibility.view")
    if name == "activate":
        service.activate(p, actor=current_user)
        flash(_l("Kebijakan %(p)s kini berlaku.", p=str(p)), "success")
    elif name == "retire":
        service.retire(p, actor=current_user)
        flash(_l("Masa berlaku kebijakan %(p)s diakhiri.", p=str(p)), "success")
    else:
        abort(404)
    return redirect(url_for(".detail", policy_id=p.id))


@bp.route("/resident/<int:beneficiary_id>/facts", methods=["POST"])
@policy.require("beneficiary.facts")
def facts(beneficiary_id: int):
    b = policy.get_or_404(Beneficiary, beneficiary_id, "beneficiary.facts", view_action="beneficiary.view")
    form = FactsForm()
    if form.validate_on_submit():
        with form_refusals(None) as outcome:
            service.update_facts(b, actor=current_user, data=form.data)
        if outcome.ok:
            flash(_l("Data kerentanan disimpan."), "success")
        else:
            flash(str(outcome.error.message), "danger")
    else:
        problems = "; ".join(f"{form[k].label.text}: {' '.join(str(m) for m in v)}"
                             for k, v in form.errors.items())
        flash(_l("Data kerentanan tidak valid: %(e)s", e=problems), "danger")
    return redirect(url_for("beneficiaries.detail", beneficiary_id=b.id))
