"""The billing demo step: bank agreement signed, pledge active, invoices paid but one overdue."""
from __future__ import annotations

from datetime import date


def test_demo_bills_the_bank_with_one_overdue_month(app):
    from sponsorship.billing.models import Invoice, Payment
    from sponsorship.extensions import db

    runner = app.test_cli_runner()
    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    with app.app_context():
        first = db.session.execute(db.select(Invoice.month, Invoice.status, Invoice.paid_amount)
                                   .order_by(Invoice.month)).all()
    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    with app.app_context():
        again = db.session.execute(db.select(Invoice.month, Invoice.status, Invoice.paid_amount)
                                   .order_by(Invoice.month)).all()
        pending = db.session.scalar(db.select(db.func.count(Payment.id)).where(Payment.status == "pending"))
        today = date.today()
        overdue = [i for i in db.session.scalars(db.select(Invoice)) if i.is_overdue(today)]
    # the bank's pledge runs January to December 2026: one invoice a month up to this month
    # (at least up to April 2026)
    last = min(max(today.replace(day=1), date(2026, 4, 1)), date(2026, 12, 1))
    assert first == again
    assert [row[0] for row in first] == [date(2026, m, 1) for m in range(1, last.month + 1)]
    assert first[0][:2] == (date(2026, 1, 1), "paid")
    assert pending == 1
    assert [i.month for i in overdue] == ([date(2026, 10, 1)] if today >= date(2026, 10, 11) else [])
