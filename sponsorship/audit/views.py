"""The global audit log in sentences, filterable by person, kind of object, dates and text."""
from __future__ import annotations

from datetime import datetime, timedelta

from flask import Blueprint, render_template, request
from sqlalchemy import or_

from sponsorship import policy
from sponsorship.audit.models import AuditEvent
from sponsorship.audit.readable import ACTIONS, action_label, kind_label
from sponsorship.audit.service import object_types
from sponsorship.auth.models import User
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
    if args.get("person", "").isdigit():
        stmt = stmt.where(AuditEvent.actor_id == int(args["person"]))
    if args.get("action"):
        stmt = stmt.where(AuditEvent.action.startswith(args["action"].strip()))
    if text := args.get("q", "").strip()[:100]:
        stmt = stmt.where(_text_matches(text))
    if (start := _day(args.get("from"))) is not None:
        stmt = stmt.where(AuditEvent.occurred_at >= start)
    if (end := _day(args.get("to"))) is not None:
        stmt = stmt.where(AuditEvent.occurred_at < end + timedelta(days=1))
    # Newest first, in the order events were written (their ids), a keyset page at a time.
    events = keyset_page(stmt, (AuditEvent.id,), lambda event_id: (event_id,), per_page=PER_PAGE,
                         descending=True)
    kinds = sorted(((t, kind_label(t)) for t in object_types()), key=lambda kind: kind[1].lower())
    people = db.session.execute(db.select(User.id, User.full_name).order_by(User.full_name)).all()
    return render_template("audit/index.html", events=events, kinds=kinds, people=people, args=args)


def _text_matches(text: str):
    """Words in the object's label, the note or the action: its code or its name as shown."""
    pattern = "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    lowered = text.lower()
    codes = [a for a in ACTIONS if lowered in action_label(a).lower()]
    codes += [a for a in _status_actions() if lowered in action_label(a).lower()]
    return or_(AuditEvent.object_label.ilike(pattern, escape="\\"),
               AuditEvent.note.ilike(pattern, escape="\\"),
               AuditEvent.action.ilike(pattern, escape="\\"),
               AuditEvent.action.in_(codes))


def _status_actions() -> set[str]:
    from sponsorship.core.workflow import Workflow

    return {f"status:{name}" for flow in Workflow.registry for name in flow.transitions}
