"""The sponsor portal: its figures against hand-computed ones, and its isolation between two companies
(a table of every portal and billing route: own objects open, the other company's give 404, and no
page shows the other company's names, amounts or any resident's full NIK or name)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pytest

from tests import factories
from tests.factories import make_residents, resident_row
from tests.pages import get_page


@dataclass
class Company:
    sponsor: object
    pledge: object
    fund: object
    invoice: object
    payment: object
    niks: list
    names: list


def _company(sponsor, user, tag: str, digit: str, staff) -> Company:
    from sponsorship.allocations import service as allocations
    from sponsorship.beneficiaries.models import Beneficiary
    from sponsorship.billing import service as billing
    from sponsorship.extensions import db

    pledge = factories.make_pledge(sponsor=sponsor, status="active", quota=5, months=12,
                                   title=f"Iuran {tag}")
    fund = factories.make_pledge(sponsor=sponsor, programme="aid_fund", status="active",
                                 total_amount=7_000_000 if tag == "A" else 9_000_000, title=f"Dana {tag}")
    niks = [f"1971011708450{digit}{i:02d}" for i in (1, 2)]
    names = [f"Warga Rahasia {tag}{i}" for i in (1, 2)]
    ids = make_residents(rows=[resident_row(n, m, kelurahan="Bacang" if tag == "A" else "Gabek Satu")
                               for n, m in zip(niks, names, strict=True)])
    people = db.session.scalars(db.select(Beneficiary).where(Beneficiary.id.in_(ids),
                                                             Beneficiary.name.in_(names))).all()
    assert len(people) == 2
    for b in people:
        allocations.allocate(pledge, b, actor=staff)
    db.session.commit()
    billing.bill_month(date(2026, 1, 1), actor=staff)
    db.session.commit()
    invoice = db.session.scalar(db.select(billing.Invoice).where(billing.Invoice.pledge_id == pledge.id))
    payment = billing.record_payment(invoice, actor=user, amount=35_000, reference=f"TRF-{tag}",
                                     paid_on=date(2026, 1, 5), proof=factories.pdf_file())
    billing.decide_payment(payment, "confirm", actor=staff)
    db.session.commit()
    return Company(sponsor, pledge, fund, invoice, payment, niks, names)


@pytest.fixture
def world(db_session, company_a, company_b, sponsor_a, sponsor_b, staff):
    sponsor_b.is_company_admin = True  # both may open the colleagues page
    db_session.commit()
    return {"a": _company(company_a, sponsor_a, "A", "1", staff),
            "b": _company(company_b, sponsor_b, "B", "2", staff)}


# Every GET route of the portal and billing a sponsor uses; (rule, url of a company's object or None).
PORTAL_ROUTES = [
    ("/portal/", None),
    ("/portal/fund/", None),
    ("/portal/coverage/", None),
    ("/portal/coverage/<int:pledge_id>", lambda c: f"/portal/coverage/{c.pledge.id}"),
    ("/portal/colleagues", None),
    ("/billing/", None),
    ("/billing/invoices/<int:invoice_id>", lambda c: f"/billing/invoices/{c.invoice.id}"),
    ("/billing/payments/<int:payment_id>/proof", lambda c: f"/billing/payments/{c.payment.id}/proof"),
    ("/billing/pledges/<int:pledge_id>/statement", lambda c: f"/billing/pledges/{c.pledge.id}/statement"),
    ("/portal/impact-reports", None),
    # a pledge paid directly to BPJS, made when the row runs (the figures above stay as they are)
    ("/portal/pledges/<int:pledge_id>/bpjs-payments",
     lambda c: f"/portal/pledges/{factories.direct_pledge(c.sponsor, persons=1).id}/bpjs-payments"),
    ("/billing/bpjs-payments/<int:payment_id>/proof",
     lambda c: f"/billing/bpjs-payments/{factories.bpjs_payment_for(c.sponsor).id}/proof"),
]


def test_the_table_covers_every_portal_route(app):
    rules = {r.rule for r in app.url_map.iter_rules()
             if r.rule.startswith(("/portal", "/billing")) and "GET" in r.methods}
    assert rules == {rule for rule, _ in PORTAL_ROUTES}


def _leaks(text: str, other: Company, own: Company) -> list[str]:
    found = [s for s in (other.sponsor.name, other.pledge.title, other.fund.title, other.payment.reference)
             if s in text]
    found += [s for s in other.niks + own.niks + other.names + own.names if s in text]
    return found


@pytest.mark.parametrize("rule,url", PORTAL_ROUTES, ids=[r for r, _ in PORTAL_ROUTES])
@pytest.mark.parametrize("who,other", [("a", "b"), ("b", "a")])
def test_each_company_sees_only_its_own(world, login, sponsor_a, sponsor_b, rule, url, who, other):
    client = login(sponsor_a if who == "a" else sponsor_b)
    own, theirs = world[who], world[other]
    if url is None:
        response = client.get(rule)
        assert response.status_code == 200
        assert _leaks(response.get_data(as_text=True), theirs, own) == []
    else:
        mine = client.get(url(own))
        assert mine.status_code == 200
        if mine.mimetype == "text/html":
            assert _leaks(mine.get_data(as_text=True), theirs, own) == []
        assert client.get(url(theirs)).status_code == 404


def test_portal_figures_match_hand_computed(world, login, sponsor_a):
    page = get_page(login(sponsor_a), "/portal/")
    text = lambda tid: page.select_one(f"[data-testid={tid}]").get_text(" ", strip=True)  # noqa: E731
    assert text("committed") == "Rp 2.100.000"  # 5 persons x 12 months x 35.000
    assert text("invoiced") == "Rp 70.000"  # 2 persons in January
    assert text("paid") == "Rp 35.000"
    assert text("due") == "Rp 35.000"
    assert text("fund-balance") == "Rp 7.000.000"
    slots = page.select_one(f"[data-pledge='{world['a'].pledge.id}'] [data-testid=slots]")
    assert slots.text.strip() == "2 / 5"
    months = page.select("[data-testid=table-month] tbody tr")
    assert len(months) == 12 and all(r.select_one("td").text == "2" for r in months)
    kec = {r.th.text: r.td.text for r in page.select("[data-testid=table-kecamatan] tbody tr")}
    assert kec == {"Bukit Intan": "2"}  # Bacang; company B's residents live in Gabek
    docs = page.select_one("[data-testid=portal-documents]").get_text(" ")
    assert "Tagihan Iuran JKN" in docs and "Tanda Terima Pembayaran" in docs


def test_portal_home_query_count_does_not_grow_with_residents(world, login, sponsor_a, app):
    """Aggregates only: the page's statement count is fixed, however many residents are allocated."""
    from sqlalchemy import event

    from sponsorship.extensions import db

    client = login(sponsor_a)
    client.get("/portal/")
    statements = []
    with app.app_context():
        engine = db.engine
    listener = lambda *args: statements.append(args[2])  # noqa: E731
    event.listen(engine, "before_cursor_execute", listener)
    try:
        assert client.get("/portal/").status_code == 200
    finally:
        event.remove(engine, "before_cursor_execute", listener)
    assert len(statements) <= 20, statements


def test_cached_portal_body_follows_the_data(world, login, sponsor_a, staff, db_session):
    """The body is cached per data version: a new invoice and a confirmed payment show at once."""
    from sponsorship.billing import service as billing

    client = login(sponsor_a)
    assert get_page(client, "/portal/").select_one("[data-testid=invoiced]").text == "Rp 70.000"
    assert get_page(client, "/portal/").select_one("[data-testid=invoiced]").text == "Rp 70.000"
    billing.bill_month(date(2026, 2, 1), actor=staff, with_document=False)
    db_session.commit()
    page = get_page(client, "/portal/")
    assert page.select_one("[data-testid=invoiced]").text == "Rp 140.000"
    assert page.select_one("[data-testid=due]").text == "Rp 105.000"
    assert len(page.select("[data-testid=portal-invoices] tr[data-invoice]")) == 2


def test_a_newly_issued_document_shows_in_the_portal_at_once(world, login, sponsor_a, staff):
    client = login(sponsor_a)
    before = [a.text for a in get_page(client, "/portal/").select("[data-testid=portal-documents] a")]
    assert before and not any("Laporan" in t for t in before)
    login(staff).post(f"/documents/sponsors/{world['a'].sponsor.id}/impact-report",
                      data={"start": "2026-01", "end": "2026-06"})
    after = [a.text for a in get_page(client, "/portal/").select("[data-testid=portal-documents] a")]
    assert len(after) == len(before) + 1 and any("Laporan" in t for t in after)
