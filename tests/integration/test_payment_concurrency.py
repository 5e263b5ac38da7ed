"""Simultaneous payments against one invoice: exactly the ones that fit are recorded, the claimed
sum never exceeds the invoice; simultaneous billing runs make one invoice. SQLite (file database,
BEGIN IMMEDIATE) and PostgreSQL, each worker on its own connection."""
from __future__ import annotations

from datetime import date

import pytest

from tests import factories
from tests.concurrency import run_concurrently
from tests.factories import invoice_for

WORKERS = 8


@pytest.mark.concurrency
def test_simultaneous_payments_never_overpay(app, app_ctx, sponsor_a, company_a):
    from sponsorship.billing import service
    from sponsorship.billing.models import Invoice, Payment
    from sponsorship.extensions import db

    invoice = invoice_for(company_a)  # Rp 350.000: three payments of Rp 100.000 fit, not four
    invoice_id, user_id = invoice.id, sponsor_a.id

    def job(i: int) -> None:
        from sponsorship.auth.models import User

        service.record_payment(db.session.get(Invoice, invoice_id), actor=db.session.get(User, user_id),
                               amount=100_000, reference=f"TRF-{i}", paid_on=date(2026, 1, 9),
                               proof=factories.pdf_file())

    outcomes = run_concurrently(app, WORKERS, job)
    assert sorted(outcomes) == ["ok"] * 3 + ["refused"] * (WORKERS - 3), outcomes
    db.session.rollback()
    assert db.session.get(Invoice, invoice_id).claimed_amount == 300_000
    assert db.session.scalar(db.select(db.func.count()).select_from(Payment)) == 3


@pytest.mark.concurrency
def test_simultaneous_billing_runs_make_one_invoice(app, app_ctx, company_a):
    from sponsorship.billing import service
    from sponsorship.billing.models import Invoice
    from sponsorship.extensions import db
    from tests.factories import make_allocation, make_residents

    pledge = factories.make_pledge(sponsor=company_a, status="active", quota=3, months=3)
    for b in make_residents(2):
        make_allocation(pledge, b, date(2026, 1, 1))
    db.session.commit()

    outcomes = run_concurrently(
        app, 4, lambda i: service.bill_month(date(2026, 1, 1), actor=None, with_document=False))
    assert outcomes == ["ok"] * 4, outcomes
    db.session.rollback()
    assert db.session.scalar(db.select(db.func.count()).select_from(Invoice)) == 1
