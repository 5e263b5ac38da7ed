"""The sponsor portal: a company sees its own pledges and nothing else."""
from __future__ import annotations

import secrets
from datetime import date

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from sponsorship import policy
from sponsorship.audit.service import latest_event_id
from sponsorship.auth import service as auth_service
from sponsorship.auth.forms import ConfirmForm
from sponsorship.auth.models import SPONSOR, User
from sponsorship.core.cache import FragmentCache
from sponsorship.core.formatting import ui_locale as _ui_locale
from sponsorship.core.forms import form_refusals
from sponsorship.extensions import db, limiter
from sponsorship.pledges.models import Pledge
from sponsorship.portal import service
from sponsorship.portal.forms import BpjsProofForm, ColleagueForm, ReportRequestForm
from sponsorship.sponsors.models import Sponsor

bp = Blueprint("portal", __name__, url_prefix="/portal")


# The body (aggregates, charts, documents, formatting) is rendered again only after a change:
# keyed on the newest audit event, which every write records, so any worker computes the same
# key with one index lookup, whatever the size of the tables behind the page.
body_cache = FragmentCache(size=64)


@bp.route("/")
@policy.require("portal.view")
def home():
    today = date.today()
    sponsor_id = current_user.sponsor_id
    manage = policy.can("colleague.manage")
    key = (sponsor_id, _ui_locale(), today, manage, latest_event_id())
    body = body_cache.template(key, "portal/_home_body.html", lambda: _body_context(sponsor_id, today))
    return render_template("portal/home.html", body=body)


def _body_context(sponsor_id: int, today: date) -> dict:
    sponsor = db.session.get(Sponsor, sponsor_id)
    pledges = db.session.scalars(
        policy.scope(db.select(Pledge), Pledge).order_by(Pledge.id.desc())
    ).all()
    per_month = service.persons_per_month(sponsor.id)
    per_kecamatan = service.persons_per_kecamatan(sponsor.id)
    charts = {
        "month": {"labels": [m.strftime("%m/%Y") for m, _ in per_month],
                  "values": [n for _, n in per_month]},
        "kecamatan": {"labels": [k for k, _ in per_kecamatan], "values": [n for _, n in per_kecamatan]},
    }
    return {"sponsor": sponsor, "pledges": pledges, "today": today, "money": service.money(sponsor.id, today),
            "per_month": per_month, "per_kecamatan": per_kecamatan, "charts": charts,
            "documents": service.documents(sponsor.id), "invoices": service.recent_invoices(sponsor.id),
            "months_remaining": service.months_remaining}


# ---- colleagues: a company admin invites and deactivates the users of its own company ----

def _colleague_guard() -> None:
    if not policy.can("colleague.manage"):
        abort(403)


def _colleagues():
    return db.session.scalars(
        db.select(User).where(User.role == SPONSOR, User.sponsor_id == current_user.sponsor_id)
        .order_by(User.username)).all()


@bp.route("/colleagues", methods=["GET", "POST"])
@policy.require("portal.view")
def colleagues():
    _colleague_guard()
    form = ColleagueForm()
    shown_password = None
    if form.validate_on_submit():
        # Blank: a random initial password, shown once on this page and never stored in clear.
        password = form.password.data or secrets.token_urlsafe(12)
        with form_refusals(form) as outcome:
            user = auth_service.create_user(
                actor=current_user, username=form.username.data, full_name=form.full_name.data,
                email=form.email.data, role=SPONSOR, password=password,
                sponsor_id=current_user.sponsor_id, is_company_admin=False)
        if outcome.ok:
            flash(_l("Akun %(u)s dibuat.", u=user.username), "success")
            if not form.password.data:
                shown_password = (user.username, password)
            form = ColleagueForm(formdata=None)
    return render_template("portal/colleagues.html", form=form, colleagues=_colleagues(),
                           shown_password=shown_password, toggle=ConfirmForm())


@bp.route("/colleagues/<int:user_id>/active", methods=["POST"])
@policy.require("portal.view")
def colleague_active(user_id: int):
    _colleague_guard()
    user = db.session.get(User, user_id)
    if user is None or not policy.can("colleague.manage", user):
        abort(404)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    with form_refusals(None) as outcome:
        auth_service.set_active(user, actor=current_user, active=not user.active)
    if not outcome.ok:
        flash(str(outcome.error.message), "danger")
    else:
        flash(_l("Akun %(u)s diaktifkan.", u=user.username) if user.active
              else _l("Akun %(u)s dinonaktifkan.", u=user.username), "success")
    return redirect(url_for("portal.colleagues"))


# ---- impact reports a company asks for itself ----

def quarter_choices(today: date, count: int = 8) -> list[tuple[str, str]]:
    from sponsorship.core.months import add_months
    from sponsorship.documents.report import month_resmi, quarter_of

    first, _ = quarter_of(today)
    choices = [("", _l("— pilih triwulan —"))]
    for i in range(1, count + 1):
        start = add_months(first, -3 * i)
        quarter = (start.month - 1) // 3 + 1
        choices.append((start.strftime("%Y-%m"),
                        f"Triwulan {quarter} {start.year} ({month_resmi(start)} – "
                        f"{month_resmi(add_months(start, 2))})"))
    return choices


@bp.route("/impact-reports", methods=["GET", "POST"])
@limiter.limit("20 per hour", methods=["POST"])  # each request issues a numbered document
@policy.require("impact_report.request")
def impact_reports():
    from sponsorship.core.months import add_months
    from sponsorship.documents.models import ImpactReportIssue
    from sponsorship.documents.report import issue_impact_report

    sponsor = db.session.get(Sponsor, current_user.sponsor_id) or abort(404)
    form = ReportRequestForm()
    form.quarter.choices = quarter_choices(date.today())
    if form.validate_on_submit():
        start, end = form.start.data, form.end.data
        if form.quarter.data:
            try:
                start = date.fromisoformat(form.quarter.data + "-01")
            except ValueError:
                abort(400)
            end = add_months(start, 2)
        if start is None or end is None:
            form.quarter.errors = [_l("Pilih triwulan, atau isi bulan awal dan akhir.")]
        else:
            with form_refusals(form) as outcome:
                document = issue_impact_report(sponsor, actor=current_user, start=start, end=end)
            if outcome.ok:
                flash(_l("Laporan %(n)s diterbitkan.", n=document.number), "success")
                return redirect(url_for("portal.impact_reports"))
    issued = db.session.scalars(
        db.select(ImpactReportIssue).where(ImpactReportIssue.sponsor_id == sponsor.id)
        .order_by(ImpactReportIssue.id.desc()).limit(50)).all()
    return render_template("portal/impact_reports.html", form=form, issued=issued)


# ---- premiums paid directly to BPJS Kesehatan: the company sends BPJS's proof per month ----

@bp.route("/pledges/<int:pledge_id>/bpjs-payments", methods=["GET", "POST"])
@policy.require("bpjs_payment.submit")
def bpjs_payments(pledge_id: int):
    from sponsorship.billing import service as billing

    pledge = policy.get_or_404(Pledge, pledge_id, "bpjs_payment.submit", view_action="pledge.view")
    if not pledge.pays_directly:
        abort(404)
    form = BpjsProofForm()
    status = 200
    if request.method == "POST":
        if form.validate_on_submit():
            with form_refusals(form) as outcome:
                billing.record_bpjs_payment(pledge, actor=current_user, month=form.month.data,
                                            amount=form.amount.data, reference=form.reference.data,
                                            paid_on=form.paid_on.data, proof=request.files.get("proof"))
            if outcome.ok:
                flash(_l("Bukti bayar dikirim dan menunggu konfirmasi staf."), "success")
                return redirect(url_for("portal.bpjs_payments", pledge_id=pledge.id))
        status = 400
    return render_template("portal/bpjs_payments.html", pledge=pledge, form=form,
                           rows=billing.direct_statement(pledge)), status
