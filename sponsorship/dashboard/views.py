"""`/`: each role lands on its own home."""
from __future__ import annotations

from flask import Blueprint, redirect, render_template, url_for
from flask_login import current_user, login_required

from sponsorship.audit.service import latest_event_id
from sponsorship.auth.models import ADMIN, APPROVER, SPONSOR, STAFF, VERIFIER
from sponsorship.core.cache import FragmentCache
from sponsorship.core.formatting import ui_locale
from sponsorship.dashboard import service
from sponsorship.settings.service import get_setting

bp = Blueprint("dashboard", __name__)
# The staff home sums up pledges, companies, proposals, minutes and the latest activity: all
# changed only by audited writes, so the newest audit event is its data version. Rendered again
# at least every minute too (FragmentCache.max_age), since what is overdue depends on the clock.
staff_home_cache = FragmentCache(size=8)


@bp.route("/")
@login_required
def home():
    role = current_user.role
    if role == SPONSOR:
        return redirect(url_for("portal.home"))
    if role == ADMIN and not get_setting("area_code"):  # first run: which city is this?
        return redirect(url_for("setup.index"))
    if role in (ADMIN, STAFF):
        key = (ui_locale(), latest_event_id())
        body = staff_home_cache.template(key, "dashboard/_staff_body.html", service.staff_home)
        return render_template("dashboard/staff.html", body=body)
    if role == VERIFIER:
        return render_template("dashboard/verifier.html")
    if role == APPROVER:
        return render_template("dashboard/approver.html", pledges=service.pledge_summary())
    return render_template("errors/error.html", code=403), 403
