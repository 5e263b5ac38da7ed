"""Long lists page by keyset (the rows after or before a boundary row), with their total."""
from __future__ import annotations

from tests.pages import get_page


def _events(n, object_type="pledge"):
    from sponsorship.audit.service import record
    from sponsorship.extensions import db

    for i in range(n):
        record(actor=None, action=f"uji:{i}", object_type=object_type, object_id=i + 1)
    db.session.commit()


def _actions(page):
    return [row["data-action"] for row in page.select("tbody tr[data-action]")]


def test_audit_log_pages_newest_first_and_keeps_its_filters(admin, login, monkeypatch):
    from sponsorship.audit import views

    monkeypatch.setattr(views, "PER_PAGE", 3)
    _events(7)
    _events(2, object_type="sponsor")
    client = login(admin)
    url, seen = "/audit/?object_type=pledge", []
    while url:
        page = get_page(client, url)
        seen.append(_actions(page))
        link = page.select_one("[data-testid=pagination] a[rel=next]")
        url = link["href"] if link else None
        assert url is None or "object_type=pledge" in url
    assert seen == [["uji:6", "uji:5", "uji:4"], ["uji:3", "uji:2", "uji:1"], ["uji:0"]]
    last = get_page(client, "/audit/?object_type=pledge&last=1")
    assert _actions(last) == ["uji:2", "uji:1", "uji:0"]
    total = last.select_one("[data-testid=pagination] [data-total]")
    assert total["data-total"] == "7"


def test_audit_filter_offers_every_kind_of_object_once(admin, login):
    _events(2, object_type="sponsor")
    _events(1, object_type="beneficiary")
    _events(3, object_type="pledge")
    page = get_page(login(admin), "/audit/")
    offered = [o.text for o in page.select("#a-type option")][1:]  # after "Semua"
    kinds = set(offered)
    assert {"data warga", "komitmen", "perusahaan"} <= kinds and len(offered) == len(kinds)
    assert offered == sorted(offered)
    assert {o["value"] for o in page.select("#a-type option")[1:]} >= {"beneficiary", "pledge", "sponsor"}


def _walk_ids(client, url, selector, attribute):
    pages = []
    while url:
        page = get_page(client, url)
        pages.append([int(row[attribute]) for row in page.select(selector)])
        link = page.select_one("[data-testid=pagination] a[rel=next]")
        url = link["href"] if link else None
    return pages, page


def test_invoices_page_newest_month_first_with_their_total(staff, login, company_a, monkeypatch):
    from datetime import date

    from sponsorship.billing import views
    from tests import factories

    monkeypatch.setattr(views, "PER_PAGE", 2)
    months = [date(2026, m, 1) for m in (3, 1, 5, 2, 4)]
    ids = {factories.invoice_for(company_a, persons=1, month=m).id: m for m in months}
    newest_first = [i for i, _ in sorted(ids.items(), key=lambda kv: kv[1], reverse=True)]
    pages, last = _walk_ids(login(staff), "/billing/", "tr[data-invoice]", "data-invoice")
    assert pages == [newest_first[0:2], newest_first[2:4], newest_first[4:5]]
    assert last.select_one("[data-testid=pagination] [data-total]")["data-total"] == "5"


def test_a_pledges_allocations_page_with_their_total(staff, login, company_a, app, monkeypatch):
    from datetime import date

    from tests import factories

    monkeypatch.setitem(app.config, "PAGE_SIZE", 2)
    from sponsorship.allocations import service
    from sponsorship.beneficiaries.models import Beneficiary
    from sponsorship.extensions import db

    pledge = factories.make_pledge(sponsor=company_a, status="agreed", quota=5)
    residents = [factories.registry_resident() for _ in range(5)]
    placed = [service.allocate(pledge, db.session.get(Beneficiary, r), actor=staff,
                               start_month=date(2026, 1, 1)) for r in residents]
    db.session.commit()
    client = login(staff)
    page = get_page(client, f"/allocations/pledge/{pledge.id}")
    assert page.select_one("[data-testid=pagination] [data-total]")["data-total"] == "5"
    seen, url = [], f"/allocations/pledge/{pledge.id}"
    while url:
        page = get_page(client, url)
        seen.append(len(page.select("[data-testid=allocations] tbody tr")))
        link = page.select_one("[data-testid=pagination] a[rel=next]")
        url = link["href"] if link else None
    assert seen == [2, 2, 1] and len(placed) == 5


def test_documents_page_newest_first_and_a_sponsor_counts_only_its_own(staff, login, company_a, company_b,
                                                                     sponsor_a, monkeypatch):
    from sponsorship.documents import views
    from sponsorship.documents.models import Document
    from sponsorship.extensions import db
    from tests import factories

    monkeypatch.setattr(views, "PER_PAGE", 2)
    for company in (company_a, company_a, company_b, company_a):
        factories.signed_agreement_record(factories.make_pledge(sponsor=company, status="agreed"))
    db.session.commit()
    ours = list(db.session.scalars(db.select(Document.id).where(Document.sponsor_id == company_a.id)
                                   .order_by(Document.id.desc())))
    seen, url, client = [], "/documents/", login(sponsor_a)
    while url:
        page = get_page(client, url)
        seen.append([a["href"] for a in page.select("tbody a[href$='.pdf']")])
        total = page.select_one("[data-testid=pagination] [data-total]")["data-total"]
        link = page.select_one("[data-testid=pagination] a[rel=next]")
        url = link["href"] if link else None
    assert total == str(len(ours)) == "3"
    assert [len(p) for p in seen] == [2, 1]
    assert sum(seen, []) == [f"/documents/{i}.pdf" for i in ours]
