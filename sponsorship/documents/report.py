"""The sponsor impact report for a period: pledges, people covered, premiums and aid payouts.

Premiums appear twice: the amounts due for the covered person-months (person-months x the
pledge's monthly amount), and what billing actually invoiced for the period's months, what
confirmed payments paid against those invoices, and what is still outstanding.
"""
from __future__ import annotations

from collections import Counter, defaultdict
from datetime import date
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import func

from sponsorship import policy
from sponsorship.core.errors import DomainError
from sponsorship.core.formatting import month_label, rupiah_resmi, tanggal_resmi, terbilang
from sponsorship.documents import readiness, service
from sponsorship.documents.models import IMPACT_REPORT, Document
from sponsorship.extensions import db
from sponsorship.pledges.models import CANCELLED, DRAFT, Pledge


def _months(start: date, end: date) -> int:
    return (end.year - start.year) * 12 + end.month - start.month + 1


def person_months(alloc_start: date, alloc_end: date | None, start: date, end: date) -> int:
    lo, hi = max(alloc_start, start), min(alloc_end or end, end)
    return _months(lo, hi) if lo <= hi else 0


def billing_totals(sponsor_id: int, start: date, end: date) -> dict[str, int]:
    """Invoices of the months start..end (cancelled ones aside): count, invoiced, paid, outstanding.

    Paid is the sum of confirmed payments against those invoices; two aggregate queries.
    """
    from sponsorship.billing.models import CANCELLED as INVOICE_CANCELLED
    from sponsorship.billing.models import CONFIRMED, Invoice, Payment

    period_invoices = (Invoice.sponsor_id == sponsor_id, Invoice.month >= start, Invoice.month <= end,
                       Invoice.status != INVOICE_CANCELLED)
    count, invoiced = db.session.execute(
        db.select(func.count(Invoice.id), func.coalesce(func.sum(Invoice.amount), 0))
        .where(*period_invoices)).one()
    paid = db.session.scalar(
        db.select(func.coalesce(func.sum(Payment.amount), 0))
        .join(Invoice, Invoice.id == Payment.invoice_id)
        .where(*period_invoices, Payment.status == CONFIRMED))
    invoiced, paid = int(invoiced), int(paid or 0)
    return {"invoices": int(count), "invoiced": invoiced, "paid": paid, "outstanding": invoiced - paid}


def impact_context(sponsor, start: date, end: date) -> dict[str, Any]:
    from sponsorship.allocations.models import RESERVED, Allocation
    from sponsorship.beneficiaries.models import Beneficiary
    from sponsorship.disbursements.models import Disbursement
    from sponsorship.proposals.models import COST_CATEGORIES
    from sponsorship.regions.models import Region

    pledges = db.session.scalars(
        db.select(Pledge).where(Pledge.sponsor_id == sponsor.id, Pledge.status.not_in([DRAFT, CANCELLED]))
        .order_by(Pledge.id)).all()
    ids = [p.id for p in pledges] or [-1]
    rows = db.session.execute(
        db.select(Allocation.beneficiary_id, Allocation.start_month, Allocation.end_month,
                  Allocation.pledge_id, Region.kecamatan_name)
        .join(Beneficiary, Beneficiary.id == Allocation.beneficiary_id)
        .outerjoin(Region, Region.code == Beneficiary.region_code)
        .where(Allocation.pledge_id.in_(ids), Allocation.status != RESERVED)).all()
    monthly = {p.id: p.monthly_amount or 0 for p in pledges}
    people, by_kecamatan, pm_total, due = set(), Counter(), 0, 0
    for r in rows:
        pm = person_months(r.start_month, r.end_month, start, end)
        if pm:
            people.add(r.beneficiary_id)
            by_kecamatan[r.kecamatan_name or "–"] += 1
            pm_total += pm
            due += pm * monthly[r.pledge_id]
    payouts = db.session.scalars(
        db.select(Disbursement).where(Disbursement.pledge_id.in_(ids), Disbursement.paid_on >= start,
                                      Disbursement.paid_on <= end)).all()
    by_category: dict[str, int] = defaultdict(int)
    for d in payouts:
        lines = d.proposal.lines
        requested = sum(line.total for line in lines) or 1
        for line in lines:  # the payout split as its request was
            label = str(COST_CATEGORIES.get(line.category, line.category))
            by_category[label] += d.amount * line.total // requested
    top = max(by_kecamatan.values(), default=0)
    chart = [{"label": k, "value": v, "width": round(300 * v / top) if top else 0}
             for k, v in sorted(by_kecamatan.items())]
    disbursed = sum(d.amount for d in payouts)
    billed = billing_totals(sponsor.id, start, end)
    return {
        "title": "Laporan Dampak Program TJSL",
        "company": sponsor.name,
        "period": f"{month_label(start)} – {month_label(end)}",
        "pledges": [{"title": p.title, "programme": str(p.programme_label),
                     "amount": rupiah_resmi(p.total_amount)} for p in pledges],
        "people": len(people), "person_months": pm_total,
        "premiums_due": rupiah_resmi(due), "premiums_due_words": terbilang(due),
        "invoices": billed["invoices"],
        "invoiced": rupiah_resmi(billed["invoiced"]), "invoiced_words": terbilang(billed["invoiced"]),
        "paid": rupiah_resmi(billed["paid"]), "paid_words": terbilang(billed["paid"]),
        "outstanding": rupiah_resmi(billed["outstanding"]),
        "outstanding_words": terbilang(billed["outstanding"]),
        "by_kecamatan": chart,
        "payouts": len(payouts), "disbursed": rupiah_resmi(disbursed),
        "disbursed_words": terbilang(disbursed),
        "by_category": [{"label": k, "amount": rupiah_resmi(v)} for k, v in sorted(by_category.items())],
        "report_date": tanggal_resmi(date.today()),
    }


def issue_impact_report(sponsor, *, actor, start: date, end: date) -> Document:
    policy.authorise("document.issue", sponsor, user=actor)
    start, end = start.replace(day=1), end.replace(day=1)
    if end < start:
        raise DomainError(_l("Bulan akhir tidak boleh sebelum bulan awal."), field="end")
    readiness.require_ready(IMPACT_REPORT, sponsor=sponsor)
    return service.issue_document(
        kind=IMPACT_REPORT, template="documents/impact_report.html",
        context=impact_context(sponsor, start, end),
        title=f"Laporan dampak {sponsor.name} {month_label(start)}–{month_label(end)}",
        object_type="sponsor", object_id=sponsor.id, actor=actor, sponsor_id=sponsor.id)
