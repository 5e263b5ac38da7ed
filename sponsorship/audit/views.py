"""The global audit log, filterable by object, actor, action and date."""
from __future__ import annotations

from datetime import datetime, timedelta

from flask import Blueprint, render_template, request

from sponsorship import policy
from sponsorship.audit.models import AuditEvent
from sponsorship.core.formatting import WIB
from sponsorship.core.http import page_number
from sponsorship.extensions import db

bp = Blueprint("audit", __name__, url_prefix="/audit")


def _day(value: str | None) -> datetime | None:
    try:
        return datetime.strptime(value or "", "%Y-%m-%d").replace(tzinfo=WIB)
    except ValueError:
        return None


@bp.route("/")
@policy.require("audit.view")
def index():
    args = request.args
    stmt = db.select(AuditEvent).order_by(AuditEvent.occurred_at.desc(), AuditEvent.id.desc())
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
    events = db.paginate(stmt, page=page_number(), per_page=50, error_out=False)
    types = db.session.scalars(db.select(AuditEvent.object_type).distinct().order_by(AuditEvent.object_type))
    return render_template("audit/index.html", events=events, types=list(types), args=args)
