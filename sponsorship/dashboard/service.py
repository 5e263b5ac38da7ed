"""Figures for the role homes, computed in SQL (a handful of queries per page)."""
from __future__ import annotations

from sponsorship.audit.models import AuditEvent
from sponsorship.extensions import db
from sponsorship.pledges.models import CANCELLED, Pledge
from sponsorship.sponsors.models import Sponsor


def pledge_summary(sponsor_id: int | None = None) -> dict:
    """Count and value of pledges per (programme, status); totals of live commitments."""
    stmt = db.select(Pledge.programme, Pledge.status, db.func.count(), db.func.sum(Pledge.total_amount),
                     db.func.sum(Pledge.quota)).group_by(Pledge.programme, Pledge.status)
    if sponsor_id is not None:
        stmt = stmt.where(Pledge.sponsor_id == sponsor_id)
    rows = db.session.execute(stmt).all()
    by_status: dict[str, int] = {}
    committed = {"premium": 0, "aid_fund": 0}
    slots = 0
    for programme, status, count, total, quota in rows:
        by_status[status] = by_status.get(status, 0) + count
        if status != CANCELLED:
            committed[programme] += int(total or 0)
            slots += int(quota or 0) if status != "draft" else 0
    return {"by_status": by_status, "committed": committed, "slots": slots}


def staff_home() -> dict:
    return {
        "pledges": pledge_summary(),
        "sponsor_count": db.session.scalar(db.select(db.func.count(Sponsor.id))),
        "recent": db.session.scalars(
            db.select(AuditEvent).order_by(AuditEvent.id.desc()).limit(8)
        ).all(),
    }
