"""The global audit log, filterable by object, actor, action and date."""
from __future__ import annotations

from datetime import datetime, timedelta

from flask import Blueprint, render_template, request

from sponsorship import policy
from sponsorship.audit.models import AuditEvent
from sponsorship.audit.service import object_types
from sponsorship.core.formatting import WIB
from sponsorship.core.pagination import keyset_page
from sponsorship.extensions import db

bp = Blueprint("audit", __name__, url_prefix="/audit")
PER_PAGE = 50


def _day(value: str | None) -> datetime | None:
    try:
        return datetime.strptime(value or "", "%Y-%m-%d").replace(tzinfo=WIB)
    except ValueError:
        return None


@bp.route("/")
@policy.require("audit.view")
def index():
    args = request.args
    stmt = db.select(AuditEvent)
    if args.get("object_type"):
        stmt = stmt.where(AuditEvent.object_type == args["object_type"])
    if args.get("object_id", "").isdigit():
        stmt = stmt.where(AuditEvent.object_id == int(args["object_id"]))
    if args.get("actor"):
        stmt = stmt.where(AuditEvent.actor_name == args["actor"].strip().lower())
    if args.get("action"):
        stmt = stmt.where(AuditEvent.action.startswith(args["action"].strip()))
    if (start := _day(args.get("from"))) is not None:
        stmt = stmt.where(AuditEvent.occurred_at >= start)
    if (end := _day(args.get("to"))) is not None:
        stmt = stmt.where(AuditEvent.occurred_at < end + timedelta(days=1))
    # Newest first, in the order events were written (their ids), a keyset page at a time.
    events = keyset_page(stmt, (AuditEvent.id,), lambda event_id: (event_id,), per_page=PER_PAGE,
                         descending=True)
    return render_template("audit/index.html", events=events, types=object_types(), args=args)
