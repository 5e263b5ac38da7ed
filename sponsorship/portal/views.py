"""The sponsor portal: a company sees its own pledges and nothing else."""
from __future__ import annotations

from datetime import date

from flask import Blueprint, render_template
from flask_login import current_user

from sponsorship import policy
from sponsorship.extensions import db
from sponsorship.pledges.models import Pledge
from sponsorship.portal import service
from sponsorship.sponsors.models import Sponsor

bp = Blueprint("portal", __name__, url_prefix="/portal")


@bp.route("/")
@policy.require("portal.view")
def home():
    today = date.today()
    sponsor = db.session.get(Sponsor, current_user.sponsor_id)
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
    return render_template("portal/home.html", sponsor=sponsor, pledges=pledges, today=today,
                           money=service.money(sponsor.id, today), per_month=per_month,
                           per_kecamatan=per_kecamatan, charts=charts,
                           documents=service.documents(sponsor.id),
                           invoices=service.recent_invoices(sponsor.id),
                           months_remaining=service.months_remaining)
