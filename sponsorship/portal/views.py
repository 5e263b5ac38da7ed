"""The sponsor portal: a company sees its own pledges and nothing else."""
from __future__ import annotations

import secrets
from datetime import date

from flask import Blueprint, abort, flash, redirect, render_template, url_for
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
from sponsorship.extensions import db
from sponsorship.pledges.models import Pledge
from sponsorship.portal import service
from sponsorship.portal.forms import ColleagueForm
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
