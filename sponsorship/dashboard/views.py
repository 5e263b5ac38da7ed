"""`/`: each role lands on its own home."""
from __future__ import annotations

from flask import Blueprint, redirect, render_template, url_for
from flask_login import current_user, login_required

from sponsorship.auth.models import ADMIN, APPROVER, SPONSOR, STAFF, VERIFIER
from sponsorship.dashboard import service

bp = Blueprint("dashboard", __name__)


@bp.route("/")
@login_required
def home():
    role = current_user.role
    if role == SPONSOR:
        return redirect(url_for("portal.home"))
    if role in (ADMIN, STAFF):
        return render_template("dashboard/staff.html", **service.staff_home())
    if role == VERIFIER:
        return render_template("dashboard/verifier.html")
    if role == APPROVER:
        return render_template("dashboard/approver.html", pledges=service.pledge_summary())
    return render_template("errors/error.html", code=403), 403
