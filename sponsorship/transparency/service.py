"""Aggregates for /transparency: by programme and company (listed ones only), never a person.

Other parts of the domain add slots filled (`Pledge.allocated_count`), disbursements and aid
proposals; each is looked up defensively so this page works before and after they exist.
"""
from __future__ import annotations

from collections import OrderedDict
from datetime import date, datetime

from sqlalchemy.orm import QueryableAttribute

from sponsorship.extensions import db
from sponsorship.pledges.models import ACTIVE, AGREED, AID_FUND, COMPLETED, PREMIUM, PROGRAMMES, Pledge
from sponsorship.sponsors.models import Sponsor
from sponsorship.uhc import service as uhc

PUBLIC_STATUSES = (AGREED, ACTIVE, COMPLETED)  # drafts and cancelled pledges are not promises yet
OPEN_STATUSES = (AGREED, ACTIVE)
DATE_COLUMNS = ("paid_on", "disbursed_on", "paid_at", "disbursed_at", "date")
# Proposals found eligible but not yet paid out: the needs a fund could still meet.
WAITING_PROPOSAL_STATUSES = ("verified_eligible", "in_minutes", "approved")


def _sql_attr(model, name: str):
    attr = getattr(model, name, None) if model is not None else None
    return attr if isinstance(attr, QueryableAttribute) else None


def _model(name: str):
    for mapper in db.Model.registry.mappers:
        if mapper.class_.__name__ == name:
            return mapper.class_
    return None


def _listed_pledges(allocated) -> list[dict]:
    columns = [Sponsor.name, Sponsor.short_name, Pledge.id, Pledge.title, Pledge.programme, Pledge.status,
               Pledge.quota, Pledge.months, Pledge.start_month, Pledge.total_amount]
    if allocated is not None:
        columns.append(allocated)
    rows = db.session.execute(
        db.select(*columns).join(Pledge.sponsor)
        .where(Sponsor.listed_publicly.is_(True), Pledge.status.in_(PUBLIC_STATUSES))
        .order_by(Pledge.programme, Pledge.total_amount.desc(), Pledge.id)
    ).all()
    return [{"company": r[1] or r[0], "title": r[3], "programme": r[4], "status": r[5], "quota": r[6],
             "months": r[7], "start_month": r[8], "amount": int(r[9]),
             "filled": int(r[10] or 0) if allocated is not None else None} for r in rows]


def _unlisted(allocated) -> dict[str, dict]:
    columns = [Pledge.programme, db.func.count(Pledge.id), db.func.count(db.distinct(Pledge.sponsor_id)),
               db.func.coalesce(db.func.sum(Pledge.quota), 0), db.func.sum(Pledge.total_amount)]
    if allocated is not None:
        columns.append(db.func.coalesce(db.func.sum(allocated), 0))
    rows = db.session.execute(
        db.select(*columns).join(Pledge.sponsor)
        .where(Sponsor.listed_publicly.is_(False), Pledge.status.in_(PUBLIC_STATUSES))
        .group_by(Pledge.programme)
    ).all()
    return {r[0]: {"count": r[1], "companies": r[2], "quota": int(r[3]), "amount": int(r[4] or 0),
                   "filled": int(r[5]) if allocated is not None else None} for r in rows}


def _open_slots(allocated) -> dict | None:
    """Premium slots agreed or running that no resident fills yet (None until allocations exist)."""
    if allocated is None:
        return None
    quota, filled = db.session.execute(
        db.select(db.func.coalesce(db.func.sum(Pledge.quota), 0), db.func.coalesce(db.func.sum(allocated), 0))
        .where(Pledge.programme == PREMIUM, Pledge.status.in_(OPEN_STATUSES))
    ).one()
    return {"quota": int(quota), "filled": int(filled), "open": max(0, int(quota) - int(filled))}


def aid_paid_by_month() -> list[tuple[date, int]] | None:
    """Aid paid out per month from the disbursement records (None until they exist)."""
    model = _model("Disbursement")
    amount = _sql_attr(model, "amount")
    when = next((a for a in (_sql_attr(model, n) for n in DATE_COLUMNS) if a is not None), None)
    if amount is None or when is None:
        return None
    # Grouped by day in SQL (portable), folded into months here: at most a few hundred rows a year.
    months: OrderedDict[date, int] = OrderedDict()
    for day, total in db.session.execute(
        db.select(when, db.func.sum(amount)).where(when.is_not(None)).group_by(when).order_by(when)
    ):
        day = day.date() if isinstance(day, datetime) else day
        key = day.replace(day=1)
        months[key] = months.get(key, 0) + int(total or 0)
    return list(months.items())


def waiting_proposals() -> int | None:
    model = _model("AidProposal")
    status = _sql_attr(model, "status")
    if status is None:
        return None
    return db.session.scalar(db.select(db.func.count()).select_from(model)
                             .where(status.in_(WAITING_PROPOSAL_STATUSES)))


def overview() -> dict:
    allocated = _sql_attr(Pledge, "allocated_count")
    listed = _listed_pledges(allocated)
    others = _unlisted(allocated)
    programmes = []
    for key, label in PROGRAMMES.items():
        rows = [p for p in listed if p["programme"] == key]
        other = others.get(key)
        totals = {"count": len(rows) + (other["count"] if other else 0),
                  "quota": sum(p["quota"] or 0 for p in rows) + (other["quota"] if other else 0),
                  "amount": sum(p["amount"] for p in rows) + (other["amount"] if other else 0)}
        if allocated is not None:
            totals["filled"] = sum(p["filled"] or 0 for p in rows) + (other["filled"] if other else 0)
        programmes.append({"key": key, "label": label, "pledges": rows, "others": other, "totals": totals})
    paid = aid_paid_by_month()
    aid_committed = next(p["totals"]["amount"] for p in programmes if p["key"] == AID_FUND)
    limits = uhc.thresholds()
    latest = (uhc.trend(limit=1) or [None])[-1]
    return {
        "programmes": programmes,
        "has_filled": allocated is not None,
        "aid_paid": paid,
        "aid_paid_total": sum(total for _, total in paid) if paid is not None else None,
        "aid_committed": aid_committed,
        "open_slots": _open_slots(allocated),
        "waiting_proposals": waiting_proposals(),
        "limits": limits,
        "latest": latest,
        "gap": uhc.activity_gap(latest, limits["activity"]),
    }
