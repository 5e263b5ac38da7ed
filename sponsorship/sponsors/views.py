"""Company screens for the secretariat."""
from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from sponsorship import policy
from sponsorship.audit.service import history
from sponsorship.core.forms import form_refusals
from sponsorship.core.http import page_number
from sponsorship.extensions import db
from sponsorship.sponsors import service
from sponsorship.sponsors.forms import SponsorForm
from sponsorship.sponsors.models import Sponsor

bp = Blueprint("sponsors", __name__, url_prefix="/sponsors")


@bp.route("/")
@policy.require("sponsor.list")
def index():
    q = (request.args.get("q") or "").strip()
    stmt = policy.scope(db.select(Sponsor), Sponsor).order_by(Sponsor.name)
    if q:
        like = f"%{q.lower()}%"
        digits = "".join(ch for ch in q if ch.isdigit())
        cond = db.or_(db.func.lower(Sponsor.name).like(like),
                      db.func.lower(Sponsor.short_name).like(like))
        if len(digits) >= 4:
            cond = db.or_(cond, Sponsor.npwp.like(f"%{digits}%"))
        stmt = stmt.where(cond)
    sponsors = db.paginate(stmt, page=page_number(), per_page=current_app.config["PAGE_SIZE"],
                           error_out=False)
    return render_template("sponsors/index.html", sponsors=sponsors, q=q)


def _save(form: SponsorForm, sponsor: Sponsor | None):
    with form_refusals(form) as outcome:
        if sponsor is None:
            sponsor = service.create_sponsor(actor=current_user, data=form.data)
        else:
            service.update_sponsor(sponsor, actor=current_user, data=form.data)
    if not outcome.ok:
        return None
    flash(_l("Data perusahaan disimpan."), "success")
    return redirect(url_for(".detail", sponsor_id=sponsor.id))


@bp.route("/new", methods=["GET", "POST"])
@policy.require("sponsor.edit")
def create():
    form = SponsorForm()
    if form.validate_on_submit() and (response := _save(form, None)):
        return response
    return render_template("sponsors/form.html", form=form, sponsor=None)


@bp.route("/<int:sponsor_id>/edit", methods=["GET", "POST"])
@policy.require("sponsor.edit")
def edit(sponsor_id: int):
    sponsor = policy.get_or_404(Sponsor, sponsor_id, "sponsor.edit")
    form = SponsorForm(obj=sponsor)
    if request.method == "GET":
        form.npwp.data = sponsor.npwp_display
    if form.validate_on_submit() and (response := _save(form, sponsor)):
        return response
    return render_template("sponsors/form.html", form=form, sponsor=sponsor)


@bp.route("/<int:sponsor_id>")
@policy.require("sponsor.view")
def detail(sponsor_id: int):
    sponsor = policy.get_or_404(Sponsor, sponsor_id, "sponsor.view")
    events = history("sponsor", sponsor.id) if policy.can("audit.view") else []
    return render_template("sponsors/detail.html", sponsor=sponsor, events=events)
