"""Notifications: each role sees what waits on it, with a count in the navigation; opening marks read."""
from __future__ import annotations

from datetime import date

from tests import factories
from tests.factories import invoice_for, payment_for
from tests.pages import get_page


def _count(client) -> int:
    """The navigation's badge, as static/js/app.js fetches it after each page."""
    page = get_page(client, "/portal/")
    slot = page.select_one("[data-testid=notifications-link] [data-notification-count]")
    assert slot["data-notification-count"] == "/notifications/count"
    response = client.get("/notifications/count")
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    return response.get_json()["unread"]


def test_sponsor_sees_unpaid_invoices_and_opening_marks_read(db_session, login, sponsor_a, company_a,
                                                             company_b, sponsor_b):
    inv = invoice_for(company_a, month=date(2026, 1, 1))
    invoice_for(company_b)
    client = login(sponsor_a)
    assert _count(client) == 1
    page = get_page(client, "/notifications/")
    (item,) = page.select("[data-testid=notifications] li[data-key]")
    assert item["data-key"] == f"invoice:{inv.id}:issued" and item["data-unread"] == "yes"
    opened = client.post(f"/notifications/open/invoice:{inv.id}:issued", data={})
    assert opened.status_code == 302 and opened.headers["Location"] == f"/billing/invoices/{inv.id}"
    client.post(f"/notifications/open/invoice:{inv.id}:issued", data={})  # twice: still one row
    assert _count(client) == 0
    # another company's item cannot be opened (nor does it appear)
    other = login(sponsor_b)
    assert other.post(f"/notifications/open/invoice:{inv.id}:issued", data={}).status_code == 404


def test_a_new_state_is_a_new_item(db_session, login, sponsor_a, staff, company_a):
    from sponsorship.billing import service

    payment = payment_for(company_a, amount=100_000)
    client = login(sponsor_a)
    client.post(f"/notifications/open/invoice:{payment.invoice_id}:issued", data={})
    assert _count(client) == 0
    service.decide_payment(payment, "confirm", actor=staff)
    db_session.commit()
    assert _count(client) == 1  # now partially paid: still due


def test_staff_see_payments_to_confirm(db_session, login, staff, company_a, verifier):
    payment = payment_for(company_a)
    client = login(staff)
    page = get_page(client, "/notifications/")
    keys = [li["data-key"] for li in page.select("li[data-key]")]
    assert f"payment:{payment.id}:pending" in keys
    opened = client.post(f"/notifications/open/payment:{payment.id}:pending", data={})
    assert opened.headers["Location"] == f"/billing/invoices/{payment.invoice_id}"
    assert get_page(login(verifier), "/notifications/").select("li[data-key]") == []


def test_verifier_sees_assigned_proposals_and_approver_minutes(db_session, login, verifier, approver):
    proposal = factories.make_proposal(status="in_verification", verifier=verifier)
    keys = [li["data-key"] for li in get_page(login(verifier), "/notifications/").select("li[data-key]")]
    assert keys == [f"proposal:{proposal.id}:in_verification"]
    assert get_page(login(approver), "/notifications/").select("li[data-key]") == []
