"""Billing arithmetic: who counts in which month, the tariff in force that month, idempotent runs."""
from __future__ import annotations

import json
from datetime import date

import pytest
from sqlalchemy import func, select

from tests import factories
from tests.factories import make_allocation, make_residents, resident_row


@pytest.fixture
def pledge(company_a):
    return factories.make_pledge(sponsor=company_a, status="active", quota=10, months=6,
                                 start_month=date(2026, 1, 1))


def test_whole_months_rule_with_mid_month_start_and_end(db_session, staff, pledge):
    """Allocated in mid-January from February, ended on 17 April: billed February to April, whole."""
    from sponsorship.allocations import service as allocations
    from sponsorship.beneficiaries.models import Beneficiary
    from sponsorship.billing import service

    ids = make_residents(rows=[resident_row(f"19710117084500{i:02d}", f"W{i}") for i in (1, 2)])
    people = [db_session.get(Beneficiary, i) for i in ids]
    a = allocations.allocate(pledge, people[0], actor=staff, start_month=date(2026, 2, 15))
    allocations.allocate(pledge, people[1], actor=staff)  # from the pledge's start, still holding
    db_session.flush()
    allocations.transition_allocation(a, "end", actor=staff, reason="moved_away", end_month=date(2026, 4, 17))
    db_session.commit()
    assert (a.start_month, a.end_month) == (date(2026, 2, 1), date(2026, 4, 1))
    counts = [service.persons_in_month(pledge, date(2026, m, 1)) for m in range(1, 7)]
    assert counts == [1, 2, 2, 2, 1, 1]


def test_a_replaced_resident_hands_the_month_to_the_newcomer(db_session, pledge):
    from sponsorship.billing import service

    old, new, third = make_residents(3)
    make_allocation(pledge, old, date(2026, 1, 1), end=date(2026, 3, 1), reason="replaced")
    make_allocation(pledge, new, date(2026, 3, 1))
    make_allocation(pledge, third, date(2026, 1, 1), end=date(2026, 3, 1), reason="deceased")
    db_session.commit()
    # March: the newcomer and the deceased resident (their last month), not the replaced one.
    assert [service.persons_in_month(pledge, date(2026, m, 1)) for m in (1, 2, 3, 4)] == [2, 2, 2, 1]


def test_invoice_uses_the_tariff_in_force_each_month(db_session, admin, pledge):
    from sponsorship.billing import service
    from sponsorship.settings.service import add_tariff

    for b in make_residents(4):
        make_allocation(pledge, b, date(2026, 1, 1))
    add_tariff(actor=admin, jkn_class=3, valid_from=date(2026, 3, 1), monthly_premium=48_000,
               participant_share=40_000)
    db_session.commit()
    invoices = {}
    for m in (1, 2, 3):
        outcome, inv = service.bill_pledge_month(pledge, date(2026, m, 1), actor=None, with_document=False)
        assert outcome == "created"
        invoices[m] = inv
    assert [(i.persons, i.tariff, i.amount) for i in invoices.values()] == [
        (4, 35_000, 140_000), (4, 35_000, 140_000), (4, 40_000, 160_000)]
    assert invoices[2].due_on == date(2026, 2, 10)
    assert invoices[1].status == "issued" and invoices[1].outstanding == 140_000


def test_running_twice_changes_nothing(db_session, company_b, pledge):
    from sponsorship.audit.models import AuditEvent
    from sponsorship.billing import service
    from sponsorship.billing.models import Invoice

    other = factories.make_pledge(sponsor=company_b, status="active", quota=5, months=3)
    draft = factories.make_pledge(sponsor=company_b, status="agreed", quota=5, months=3)
    factories.make_pledge(sponsor=company_b, status="active", quota=5, months=3)  # nobody allocated
    ids = make_residents(4)
    for b in ids[:3]:
        make_allocation(pledge, b, date(2026, 1, 1))
    make_allocation(other, ids[3], date(2026, 1, 1))
    make_allocation(draft, make_residents(1, seed=99)[-1], date(2026, 1, 1), status="reserved")
    db_session.commit()
    first = service.bill_month(date(2026, 1, 1), actor=None, with_document=False)
    db_session.commit()
    assert first == {"created": 2, "existing": 0, "empty": 1, "no_tariff": 0}
    events = db_session.scalar(select(func.max(AuditEvent.id)))
    second = service.bill_month(date(2026, 1, 1), actor=None, with_document=False)
    db_session.commit()
    assert second == {"created": 0, "existing": 2, "empty": 1, "no_tariff": 0}
    assert db_session.query(Invoice).count() == 2
    assert db_session.query(AuditEvent).filter(AuditEvent.id > events).count() == 0
    assert {i.pledge_id for i in db_session.query(Invoice)} == {pledge.id, other.id}


def test_only_months_inside_the_pledge_period(db_session, pledge):
    from sponsorship.billing import service

    for b in make_residents(2):
        make_allocation(pledge, b, date(2026, 1, 1))
    db_session.commit()
    assert service.bill_month(date(2025, 12, 1), actor=None, with_document=False)["created"] == 0
    assert service.bill_month(date(2026, 7, 1), actor=None, with_document=False)["created"] == 0
    assert service.bill_month(date(2026, 6, 1), actor=None, with_document=False)["created"] == 1


def test_bill_month_command_prints_json_counts_and_is_idempotent(app, pledge):
    from sponsorship.extensions import db

    for b in make_residents(2):
        make_allocation(pledge, b, date(2026, 1, 1))
    db.session.commit()
    runner = app.test_cli_runner()
    out1 = runner.invoke(args=["bill-month", "2026-01", "--no-pdf"])
    out2 = runner.invoke(args=["bill-month", "2026-01", "--no-pdf"])
    assert out1.exit_code == 0, out1.output
    assert json.loads(out1.output)["created"] == 1
    assert json.loads(out2.output) == {"month": "2026-01", "created": 0, "existing": 1, "empty": 0,
                                       "no_tariff": 0}
    bad = runner.invoke(args=["bill-month", "januari"])
    assert bad.exit_code != 0 and "TTTT-BB" in bad.output


def test_invoice_pdf_is_a_numbered_verifiable_document_of_the_company(db_session, staff, pledge, login,
                                                                      sponsor_a, sponsor_b):
    from sponsorship.billing import service
    from sponsorship.documents.models import Document

    for b in make_residents(2):
        make_allocation(pledge, b, date(2026, 1, 1))
    db_session.commit()
    service.bill_month(date(2026, 1, 1), actor=staff)
    db_session.commit()
    doc = db_session.query(Document).filter_by(kind="invoice").one()
    assert doc.sponsor_id == pledge.sponsor_id and doc.number.startswith("900.1/0001/")
    own = login(sponsor_a).get(f"/documents/{doc.id}.pdf")
    assert own.status_code == 200 and own.data.startswith(b"%PDF")
    assert login(sponsor_b).get(f"/documents/{doc.id}.pdf").status_code == 404
    verify = login(sponsor_b).get(f"/verify/{doc.token}")
    assert verify.status_code == 200 and doc.number in verify.get_data(as_text=True)


def test_staff_button_bills_and_refuses_other_roles(db_session, staff, sponsor_a, pledge, login):
    from sponsorship.billing.models import Invoice

    for b in make_residents(2):
        make_allocation(pledge, b, date(2026, 1, 1))
    db_session.commit()
    client = login(staff)
    for _ in range(2):
        assert client.post("/billing/run", data={"month": "2026-02"}).status_code == 302
    assert db_session.query(Invoice).count() == 1
    assert login(sponsor_a).post("/billing/run", data={"month": "2026-03"}).status_code == 403
    assert db_session.query(Invoice).count() == 1


def test_staff_cancel_a_wrong_invoice_and_bill_the_month_again(app, db_session, staff, sponsor_a, pledge,
                                                               login):
    app_client = app.test_client
    from bs4 import BeautifulSoup

    from sponsorship.audit.models import AuditEvent
    from sponsorship.billing import service
    from sponsorship.billing.models import Invoice

    residents = make_residents(3)
    for b in residents[:2]:
        make_allocation(pledge, b, date(2026, 1, 1))
    db_session.commit()
    client = login(staff)
    client.post("/billing/run", data={"month": "2026-01"})
    wrong = db_session.scalar(select(Invoice))
    assert wrong.persons == 2
    make_allocation(pledge, residents[2], date(2026, 1, 1))  # a January allocation recorded late
    db_session.commit()

    response = client.post(f"/billing/invoices/{wrong.id}/cancel",
                           data={"reason": "Alokasi Januari tercatat terlambat"})
    assert response.status_code == 302
    db_session.expire_all()
    assert wrong.status == "cancelled" and wrong.outstanding == 0
    event = db_session.scalar(select(AuditEvent).where(AuditEvent.object_type == "invoice",
                                                       AuditEvent.action == "status:cancelled"))
    assert event.note == "Alokasi Januari tercatat terlambat" and event.actor_id == staff.id
    page = BeautifulSoup(login(sponsor_a).get(f"/billing/invoices/{wrong.id}").data, "html.parser")
    assert page.select_one("[data-testid=cancel-reason]").text == "Alokasi Januari tercatat terlambat"
    assert page.select_one("[data-testid=cancel-form]") is None  # sponsors never see the button
    # Its PDF stays authentic, but whoever checks its QR code is told not to pay it.
    from sponsorship.documents.models import Document

    token = db_session.get(Document, wrong.document_id).token
    verify = BeautifulSoup(app_client().get(f"/verify/{token}").data, "html.parser")
    assert "DIBATALKAN: Alokasi Januari tercatat terlambat" in verify.select_one(
        "[data-testid=verify-withdrawn]").text

    client.post("/billing/run", data={"month": "2026-01"})
    live = db_session.scalars(select(Invoice).where(Invoice.status != "cancelled")).all()
    assert [(i.month, i.persons, i.amount) for i in live] == [(date(2026, 1, 1), 3, 3 * 35_000)]
    january = service.statement(pledge)[0]
    assert january["invoice"].id == live[0].id and january["invoiced"] == 3 * 35_000
    totals = service.money_totals(pledge.sponsor_id, date(2026, 1, 2))
    assert totals["invoiced"] == 3 * 35_000  # the cancelled one counts nowhere


def test_an_invoice_with_a_payment_or_without_a_reason_is_not_cancelled(db_session, staff, sponsor_a,
                                                                        company_a, login):
    from bs4 import BeautifulSoup

    from sponsorship.billing.models import Invoice
    from tests.factories import invoice_for, payment_for

    client = login(staff)
    plain = invoice_for(company_a)
    response = client.post(f"/billing/invoices/{plain.id}/cancel", data={"reason": "  "})
    assert response.status_code == 400
    page = BeautifulSoup(response.data, "html.parser")
    assert page.select_one("#reason-error").get_text(strip=True)  # beside the field
    assert login(sponsor_a).post(f"/billing/invoices/{plain.id}/cancel",
                                 data={"reason": "Coba"}).status_code == 403

    paid_into = payment_for(company_a).invoice  # a payment waits for confirmation
    response = client.post(f"/billing/invoices/{paid_into.id}/cancel", data={"reason": "Keliru"})
    assert response.status_code == 400
    assert "tidak dapat dibatalkan" in response.get_data(as_text=True)
    db_session.expire_all()
    assert {i.status for i in db_session.scalars(select(Invoice))} == {"issued"}
