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
