"""Payment rules: partial payments, overpayment refused (pending ones count), staff confirm or reject
with a note, receipts, arrears, and a sponsor never reaching another company's invoice."""
from __future__ import annotations

from datetime import date

import pytest

from sponsorship.core.errors import DomainError, IllegalTransition, PermissionDenied
from tests import factories
from tests.factories import invoice_for
from tests.pages import get_page


def _pay(invoice, actor, amount, ref="TRF"):
    from sponsorship.billing import service

    return service.record_payment(invoice, actor=actor, amount=amount, reference=ref,
                                  paid_on=date(2026, 1, 9), proof=factories.pdf_file())


def test_partial_payments_then_paid_with_receipts(db_session, sponsor_a, staff, company_a):
    from sponsorship.billing import service
    from sponsorship.documents.models import Document

    inv = invoice_for(company_a)  # Rp 350.000
    first = _pay(inv, sponsor_a, 150_000)
    db_session.commit()
    assert (inv.status, inv.paid_amount, inv.claimed_amount) == ("issued", 0, 150_000)
    service.decide_payment(first, "confirm", actor=staff)
    db_session.commit()
    assert (inv.status, inv.paid_amount, inv.outstanding) == ("partially_paid", 150_000, 200_000)
    second = _pay(inv, sponsor_a, 200_000)
    service.decide_payment(second, "confirm", actor=staff)
    db_session.commit()
    assert (inv.status, inv.paid_amount, inv.outstanding) == ("paid", 350_000, 0)
    receipts = db_session.query(Document).filter_by(kind="receipt").all()
    assert len(receipts) == 2 and {d.sponsor_id for d in receipts} == {company_a.id}
    with pytest.raises(DomainError, match="lunas"):
        _pay(inv, sponsor_a, 1)


def test_overpayment_is_refused_counting_pending_payments(db_session, sponsor_a, company_a):
    inv = invoice_for(company_a)
    with pytest.raises(DomainError, match="melebihi"):
        _pay(inv, sponsor_a, 350_001)
    db_session.rollback()
    _pay(inv, sponsor_a, 300_000)
    db_session.commit()
    with pytest.raises(DomainError, match="melebihi"):
        _pay(inv, sponsor_a, 50_001)  # 300.000 pending + 50.001 > 350.000
    db_session.rollback()
    _pay(inv, sponsor_a, 50_000)
    db_session.commit()
    db_session.refresh(inv)
    assert inv.claimed_amount == 350_000 and inv.payable == 0


def test_the_database_refuses_claims_beyond_the_amount(db_session, company_a):
    from sqlalchemy.exc import IntegrityError

    inv = invoice_for(company_a)
    inv.claimed_amount = inv.amount + 1
    with pytest.raises(IntegrityError):
        db_session.flush()
    db_session.rollback()


def test_reject_needs_a_note_and_frees_the_amount(db_session, sponsor_a, staff, company_a):
    from sponsorship.audit.models import AuditEvent
    from sponsorship.billing import service

    inv = invoice_for(company_a)
    p = _pay(inv, sponsor_a, 350_000)
    db_session.commit()
    with pytest.raises(DomainError, match="Alasan"):
        service.decide_payment(p, "reject", actor=staff, note="  ")
    db_session.rollback()
    service.decide_payment(p, "reject", actor=staff, note="Bukti transfer tidak terbaca")
    db_session.commit()
    assert (p.status, p.decision_note, inv.status, inv.claimed_amount) == (
        "rejected", "Bukti transfer tidak terbaca", "issued", 0)
    assert db_session.query(AuditEvent).filter_by(object_type="payment", object_id=p.id,
                                                  action="status:reject").count() == 1
    with pytest.raises(IllegalTransition):
        service.decide_payment(p, "confirm", actor=staff)
    _pay(inv, sponsor_a, 350_000)  # the full amount is payable again


def test_who_may_pay_and_who_may_decide(db_session, sponsor_a, sponsor_b, staff, company_a):
    from sponsorship.billing import service

    inv = invoice_for(company_a)
    for actor in (sponsor_b, staff):
        with pytest.raises(PermissionDenied):
            _pay(inv, actor, 1_000)
    p = _pay(inv, sponsor_a, 1_000)
    with pytest.raises(PermissionDenied):
        service.decide_payment(p, "confirm", actor=sponsor_a)


def test_a_payment_needs_a_real_proof_file(db_session, sponsor_a, company_a):
    from sponsorship.billing import service

    inv = invoice_for(company_a)
    with pytest.raises(DomainError, match="Jenis berkas"):
        service.record_payment(inv, actor=sponsor_a, amount=1_000, reference="X", paid_on=date(2026, 1, 2),
                               proof=factories.upload_file("exe", "bukti.pdf"))
    db_session.rollback()
    db_session.refresh(inv)
    assert inv.claimed_amount == 0


def test_overdue_invoices_are_arrears(db_session, company_a, sponsor_a, login):
    from sponsorship.billing import service

    inv = invoice_for(company_a, month=date(2026, 1, 1))
    assert inv.is_overdue(date(2026, 1, 11)) and not inv.is_overdue(date(2026, 1, 10))
    totals = service.money_totals(company_a.id, date(2026, 2, 1))
    assert totals == {"invoiced": 350_000, "paid": 0, "outstanding": 350_000, "overdue": 350_000}
    page = get_page(login(sponsor_a), "/billing/?show=overdue")
    assert page.select_one(f"[data-invoice='{inv.id}'] [data-testid=overdue]") is not None


def test_sponsor_pays_through_the_page_and_staff_confirm(db_session, company_a, sponsor_a, sponsor_b,
                                                         staff, login):
    from sponsorship.billing.models import Payment

    inv = invoice_for(company_a)
    client = login(sponsor_a)
    form = {"amount": "Rp 350.000", "reference": "BSB-2026-01", "paid_on": "2026-01-09",
            "proof": (factories.pdf_file().stream, "bukti.pdf")}
    assert login(sponsor_b).post(f"/billing/invoices/{inv.id}/pay", data=dict(form),
                                 content_type="multipart/form-data").status_code == 404
    form["proof"] = (factories.pdf_file().stream, "bukti.pdf")
    response = client.post(f"/billing/invoices/{inv.id}/pay", data=form, content_type="multipart/form-data")
    assert response.status_code == 302
    payment = db_session.query(Payment).one()
    assert login(sponsor_b).get(f"/billing/payments/{payment.id}/proof").status_code == 404
    assert client.get(f"/billing/payments/{payment.id}/proof").data.startswith(b"%PDF")
    office = login(staff)
    assert "BSB-2026-01" in get_page(office, "/billing/").select_one("[data-testid=pending-payments]").text
    assert office.post(f"/billing/payments/{payment.id}/confirm", data={}).status_code == 302
    page = get_page(client, f"/billing/invoices/{inv.id}")
    assert page.select_one("h1 [data-status]")["data-status"] == "paid"
    assert page.select_one("[data-testid=pay-form]") is None
    statement = get_page(client, f"/billing/pledges/{inv.pledge_id}/statement")
    assert statement.select_one("[data-testid=statement-outstanding]").text.strip() == "Rp 0"
    assert statement.select_one("[data-testid=person-months]").text.strip() == "10"


def test_overpaying_on_the_page_shows_the_reason(db_session, company_a, sponsor_a, login):
    inv = invoice_for(company_a)
    response = login(sponsor_a).post(
        f"/billing/invoices/{inv.id}/pay", content_type="multipart/form-data",
        data={"amount": "400000", "reference": "X", "paid_on": "2026-01-09",
              "proof": (factories.pdf_file().stream, "bukti.pdf")})
    assert response.status_code == 400 and "melebihi sisa tagihan" in response.get_data(as_text=True)
