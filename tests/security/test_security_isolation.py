"""Sponsor isolation: a company's user sees only its own rows; others' ids answer 404."""
from tests import factories
from tests.pages import get_page


def _titles(page, selector="table a[href^='/pledges/']"):
    return {a.get_text(strip=True) for a in page.select(selector)}


def test_sponsor_sees_only_its_own_company(login, company_a, company_b, sponsor_a, staff):
    mine = factories.make_pledge(sponsor=company_a, title="Milik A", status="agreed")
    theirs = factories.make_pledge(sponsor=company_b, title="Milik B", status="agreed")
    factories.make_pledge(sponsor=company_b, title="Draf B")
    client = login(sponsor_a)

    # lists: the pledge list (even when filtered by B), the portal
    assert _titles(get_page(client, "/pledges/")) == {"Milik A"}
    assert _titles(get_page(client, f"/pledges/?sponsor_id={company_b.id}")) == set()
    assert _titles(get_page(client, "/pledges/?status=agreed")) == {"Milik A"}
    portal = get_page(client, "/portal/")
    assert _titles(portal, "[data-testid=portal-pledges] a") == {"Milik A"}
    assert "Milik B" not in portal.get_text() and company_b.name not in portal.get_text()

    # objects of B by id: 404, exactly like an id that does not exist
    for url in (f"/pledges/{theirs.id}", f"/sponsors/{company_b.id}", "/pledges/999999", "/sponsors/999999"):
        get_page(client, url, 404)
    # office-only screens stay closed whatever the id
    for url in (f"/pledges/{theirs.id}/edit", f"/sponsors/{company_b.id}/edit", "/sponsors/", "/audit/"):
        get_page(client, url, 403)
    assert client.post(f"/pledges/{theirs.id}/move/cancel", data={"note": "x"}).status_code == 403

    # own objects open, and show nothing of B
    page = get_page(client, f"/pledges/{mine.id}")
    assert "Milik A" in page.get_text()
    own = get_page(client, f"/sponsors/{company_a.id}").get_text()
    assert "Milik B" not in own and "Draf B" not in own

    # the office sees both companies
    office = login(staff)
    assert {"Milik A", "Milik B", "Draf B"} <= _titles(get_page(office, "/pledges/"))


def test_sponsor_home_is_its_portal(login, company_a, sponsor_a):
    client = login(sponsor_a)
    response = client.get("/")
    assert response.status_code == 302 and response.headers["Location"] == "/portal/"
    assert company_a.name in get_page(client, "/portal/").get_text()


def test_sponsor_navigation_offers_only_what_it_may_use(login, sponsor_a):
    nav = {a["href"] for a in get_page(login(sponsor_a), "/portal/").select("nav a.nav-link")}
    assert "/pledges/" in nav and "/portal/" in nav
    assert not nav & {"/sponsors/", "/audit/", "/admin/users/", "/admin/settings/"}
