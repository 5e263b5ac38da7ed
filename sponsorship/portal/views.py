"""The sponsor portal: a company sees its own pledges and nothing else."""
from __future__ import annotations

from flask import Blueprint, render_template
from flask_login import current_user

from sponsorship import policy
from sponsorship.dashboard.service import pledge_summary
from sponsorship.extensions import db
from sponsorship.pledges.models import Pledge
from sponsorship.sponsors.models import Sponsor

bp = Blueprint("portal", __name__, url_prefix="/portal")


@bp.route("/")
@policy.require("portal.view")
def home():
    sponsor = db.session.get(Sponsor, current_user.sponsor_id)
    pledges = db.session.scalars(
        policy.scope(db.select(Pledge), Pledge).order_by(Pledge.id.desc())
    ).all()
    return render_template("portal/home.html", sponsor=sponsor, pledges=pledges,
                           summary=pledge_summary(sponsor.id))
