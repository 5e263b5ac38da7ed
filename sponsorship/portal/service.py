"""The sponsor portal's figures: every number is one aggregate query scoped to one company.

Nothing here loops over residents in Python: counts per month and per kecamatan are GROUP BYs
(the registry may hold 250,000 residents), and no resident's NIK or name leaves the database.
"""
from __future__ import annotations

from datetime import date

from sqlalchemy import func, literal, select, union_all

from sponsorship.allocations.models import Allocation
from sponsorship.beneficiaries.models import Beneficiary
from sponsorship.billing import service as billing
from sponsorship.billing.models import Invoice
from sponsorship.core.months import add_months
from sponsorship.documents.models import CERTIFICATE, IMPACT_REPORT, Document
from sponsorship.extensions import db
from sponsorship.pledges.models import AID_FUND, CANCELLED, DRAFT, PREMIUM, Pledge
from sponsorship.regions.models import Region

MAX_CHART_MONTHS = 36
DOCUMENT_KINDS = ("agreement", "addendum", billing.INVOICE_KIND, billing.RECEIPT_KIND, IMPACT_REPORT,
                  CERTIFICATE)


def months_remaining(pledge: Pledge, today: date) -> int | None:
    if not (pledge.start_month and pledge.months):
        return None
    current = today.replace(day=1)
    if current < pledge.start_month:
        return pledge.months
    left = (pledge.end_month.year - current.year) * 12 + pledge.end_month.month - current.month
    return max(left, 0)


def money(sponsor_id: int, today: date) -> dict[str, int]:
    committed = db.session.execute(
        select(Pledge.programme, func.coalesce(func.sum(Pledge.total_amount), 0),
               func.coalesce(func.sum(Pledge.disbursed_amount), 0))
        .where(Pledge.sponsor_id == sponsor_id, Pledge.status.not_in((DRAFT, CANCELLED)))
        .group_by(Pledge.programme)).all()
    by = {programme: (int(total), int(disbursed)) for programme, total, disbursed in committed}
    premium, _ = by.get(PREMIUM, (0, 0))
    fund, disbursed = by.get(AID_FUND, (0, 0))
    totals = billing.money_totals(sponsor_id, today)
    return {"committed_premium": premium, "committed_fund": fund, "disbursed": disbursed,
            "fund_balance": fund - disbursed, **totals}


def persons_per_month(sponsor_id: int) -> list[tuple[date, int]]:
    """Persons billed-for per month over the company's premium pledges (one GROUP BY)."""
    first, last = db.session.execute(
        select(func.min(Pledge.start_month), func.max(Pledge.start_month))
        .where(Pledge.sponsor_id == sponsor_id, Pledge.programme == PREMIUM,
               Pledge.status.not_in((DRAFT, CANCELLED)))).one()
    if first is None:
        return []
    ends = [p.end_month for p in db.session.scalars(
        select(Pledge).where(Pledge.sponsor_id == sponsor_id, Pledge.programme == PREMIUM,
                             Pledge.status.not_in((DRAFT, CANCELLED))))]
    last = max(ends)
    months = []
    m = first
    while m <= last and len(months) < MAX_CHART_MONTHS:
        months.append(m)
        m = add_months(m, 1)
    calendar = union_all(*(select(literal(m).label("month")) for m in months)).subquery()
    counts = dict(db.session.execute(
        select(calendar.c.month, func.count(Allocation.id))
        .join(Allocation, billing.counts_in_month(calendar.c.month))
        .join(Pledge, Pledge.id == Allocation.pledge_id)
        .where(Pledge.sponsor_id == sponsor_id, Pledge.status.not_in((DRAFT, CANCELLED)))
        .group_by(calendar.c.month)).all())
    # SQLite hands back the literal as text: key on ISO strings either way.
    counts = {str(k)[:10]: int(v) for k, v in counts.items()}
    return [(m, counts.get(m.isoformat(), 0)) for m in months]


def persons_per_kecamatan(sponsor_id: int) -> list[tuple[str, int]]:
    """Residents holding a slot now (reserved or active), per kecamatan of residence."""
    rows = db.session.execute(
        select(func.coalesce(Region.kecamatan_name, "–"), func.count(Allocation.id))
        .select_from(Allocation)
        .join(Pledge, Pledge.id == Allocation.pledge_id)
        .join(Beneficiary, Beneficiary.id == Allocation.beneficiary_id)
        .outerjoin(Region, Region.code == Beneficiary.region_code)
        .where(Pledge.sponsor_id == sponsor_id, Allocation.status.in_(("reserved", "active")))
        .group_by(Region.kecamatan_name).order_by(func.count(Allocation.id).desc())).all()
    return [(name, int(n)) for name, n in rows]


def documents(sponsor_id: int, limit: int = 30) -> list[Document]:
    return list(db.session.scalars(
        select(Document).where(Document.sponsor_id == sponsor_id, Document.kind.in_(DOCUMENT_KINDS))
        .order_by(Document.issued_at.desc(), Document.id.desc()).limit(limit)))


def recent_invoices(sponsor_id: int, limit: int = 12) -> list[Invoice]:
    return list(db.session.scalars(
        select(Invoice).where(Invoice.sponsor_id == sponsor_id)
        .order_by(Invoice.month.desc(), Invoice.id.desc()).limit(limit)))
