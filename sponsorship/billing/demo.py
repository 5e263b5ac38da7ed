"""Demo step: the Bank Sumsel Babel agreement signed and its pledge running from January 2026,
with its monthly invoices through the current month: all paid but one overdue (October, with a
partial payment waiting for staff), so the portal, the arrears and the notifications show something.
Safe to run again: every step looks for what it would make first."""
from __future__ import annotations

import io
from datetime import date

from werkzeug.datastructures import FileStorage

from sponsorship.auth.service import find_user
from sponsorship.billing import service
from sponsorship.billing.models import Invoice
from sponsorship.core import uploads
from sponsorship.extensions import db
from sponsorship.pledges import service as pledge_service
from sponsorship.pledges.models import ACTIVE, AGREED

SIGNED_ON = date(2025, 12, 15)
UNPAID_MONTH = date(2026, 10, 1)


def _pdf(text: str) -> FileStorage:
    """A tiny valid PDF standing in for a scan or a transfer slip."""
    body = (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[]/Count 0>>"
            b"endobj\n% " + text.encode() + b"\ntrailer<</Root 1 0 R>>\n%%EOF\n")
    return FileStorage(stream=io.BytesIO(body), filename=f"{text}.pdf", content_type="application/pdf")


def _start_pledge(pledge, agreement, staff) -> None:
    if pledge.status != AGREED:
        return
    if agreement is not None and agreement.status == "final":
        from sponsorship.agreements import service as agreements

        scan = uploads.store_upload(_pdf("pks-bertanda-tangan"), folder=f"agreements/{agreement.id}")
        agreements.transition_agreement(agreement, "sign", actor=staff, signed_on=SIGNED_ON, scan=scan)
    if pledge.status == AGREED and not pledge.is_premium:  # a premium pledge starts by its PKS only
        pledge_service.transition_pledge(pledge, "activate", actor=staff)


def _months(pledge, today: date) -> list[date]:
    last = max(today.replace(day=1), date(2026, 4, 1))
    return [m for m in service.pledge_months(pledge) if m <= last]


def seed(context: dict) -> dict:
    staff, pledge = context["staff"], context["bank_pledge"]
    _start_pledge(pledge, context.get("bank_agreement"), staff)
    db.session.flush()
    if pledge.status != ACTIVE:
        return {}
    payer = find_user("bsb")
    today = date.today()
    for month in _months(pledge, today):
        _outcome, invoice = service.bill_pledge_month(pledge, month, actor=staff)
        if invoice is None or invoice.payments:
            continue
        paid_on = min(month.replace(day=8), today)
        if month == UNPAID_MONTH:  # half paid, waiting for staff: the month stays overdue
            service.record_payment(invoice, actor=payer, amount=invoice.amount // 2,
                                   reference=f"BSB-{month:%Y%m}-01", paid_on=paid_on,
                                   proof=_pdf(f"bukti-{month:%Y%m}"))
            continue
        payment = service.record_payment(invoice, actor=payer, amount=invoice.amount,
                                         reference=f"BSB-{month:%Y%m}-01", paid_on=paid_on,
                                         proof=_pdf(f"bukti-{month:%Y%m}"))
        service.decide_payment(payment, "confirm", actor=staff, note="Dana diterima di rekening kas daerah")
        db.session.flush()
    invoices = db.session.scalar(db.select(db.func.count(Invoice.id)).where(Invoice.pledge_id == pledge.id))
    return {"bank_invoices": invoices}
