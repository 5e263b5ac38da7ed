"""Pledge screens: list, create, edit while draft, detail with history and moves."""
from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from sponsorship import policy
from sponsorship.audit.service import history
from sponsorship.core.forms import form_refusals
from sponsorship.core.http import page_number
from sponsorship.extensions import db
from sponsorship.pledges import service
from sponsorship.pledges.forms import PledgeForm, TransitionForm
from sponsorship.pledges.models import PROGRAMMES, STATUSES, Pledge
from sponsorship.settings.service import tariff_for
from sponsorship.sponsors.models import Sponsor

bp = Blueprint("pledges", __name__, url_prefix="/pledges")


@bp.route("/")
@policy.require("pledge.list")
def index():
    stmt = policy.scope(db.select(Pledge), Pledge).options(db.joinedload(Pledge.sponsor))
    status, programme = request.args.get("status"), request.args.get("programme")
    sponsor_id = request.args.get("sponsor_id", type=int)
    if status in STATUSES:
        stmt = stmt.where(Pledge.status == status)
    if programme in PROGRAMMES:
        stmt = stmt.where(Pledge.programme == programme)
    if sponsor_id:
        stmt = stmt.where(Pledge.sponsor_id == sponsor_id)
    stmt = stmt.order_by(Pledge.id.desc())
    pledges = db.paginate(stmt, page=page_number(), per_page=current_app.config["PAGE_SIZE"],
                          error_out=False)
    sponsors = []
    if policy.can("sponsor.list"):
        sponsors = db.session.execute(db.select(Sponsor.id, Sponsor.name).order_by(Sponsor.name)).all()
    return render_template("pledges/index.html", pledges=pledges, sponsors=sponsors,
                           STATUSES=STATUSES, PROGRAMMES=PROGRAMMES,
                           filters={"status": status, "programme": programme,
                                    "sponsor_id": sponsor_id})


def _form(obj=None) -> PledgeForm:
    form = PledgeForm(obj=obj)
    rows = db.session.execute(db.select(Sponsor.id, Sponsor.name).order_by(Sponsor.name)).all()
    form.sponsor_id.choices = [(r.id, r.name) for r in rows]
    if obj is None and request.method == "GET" and request.args.get("sponsor_id", type=int):
        form.sponsor_id.data = request.args.get("sponsor_id", type=int)
    return form


def _form_context(form):
    from datetime import date

    tariff = tariff_for(form.start_month.data or date.today().replace(day=1), 3)
    return {"form": form, "tariff": tariff}


@bp.route("/new", methods=["GET", "POST"])
@policy.require("pledge.edit")
def create():
    form = _form()
    if form.validate_on_submit():
        sponsor = db.session.get(Sponsor, form.sponsor_id.data) or abort(400)
        with form_refusals(form) as outcome:
            pledge = service.create_pledge(actor=current_user, sponsor=sponsor, data=form.data)
        if outcome.ok:
            flash(_l("Komitmen dibuat sebagai draf."), "success")
            return redirect(url_for(".detail", pledge_id=pledge.id))
    return render_template("pledges/form.html", pledge=None, **_form_context(form))


@bp.route("/<int:pledge_id>/edit", methods=["GET", "POST"])
@policy.require("pledge.edit")
def edit(pledge_id: int):
    pledge = policy.get_or_404(Pledge, pledge_id, "pledge.edit")
    form = _form(pledge)
    del form.sponsor_id
    if form.validate_on_submit():
        with form_refusals(form) as outcome:
            service.update_pledge(pledge, actor=current_user, data=form.data)
        if outcome.ok:
            flash(_l("Perubahan disimpan."), "success")
            return redirect(url_for(".detail", pledge_id=pledge.id))
    return render_template("pledges/form.html", pledge=pledge, **_form_context(form))


@bp.route("/<int:pledge_id>")
@policy.require("pledge.view")
def detail(pledge_id: int):
    pledge = policy.get_or_404(Pledge, pledge_id, "pledge.view")
    moves = service.offered_moves(pledge, current_user)
    events = history("pledge", pledge.id) if policy.can("audit.view") else []
    from sponsorship.agreements.models import Agreement

    final_agreement = db.session.scalar(
        db.select(Agreement.id).where(Agreement.pledge_id == pledge.id, Agreement.document_id.is_not(None)))
    return render_template("pledges/detail.html", pledge=pledge, moves=moves, events=events,
                           form=TransitionForm(), final_agreement=final_agreement is not None)


@bp.route("/<int:pledge_id>/move/<name>", methods=["POST"])
@policy.require("pledge.transition")
def move(pledge_id: int, name: str):
    pledge = policy.get_or_404(Pledge, pledge_id, "pledge.transition")
    form = TransitionForm()
    if not form.validate_on_submit():
        abort(400)
    service.transition_pledge(pledge, name, actor=current_user, note=form.note.data)
    flash(_l("Status komitmen: %(s)s.", s=pledge.status_label), "success")
    return redirect(url_for(".detail", pledge_id=pledge.id))
