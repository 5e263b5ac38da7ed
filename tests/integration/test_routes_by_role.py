"""Every route for every persona: the status the route table (tests/route_table.py) expects.

The test fails when the app has a route the table does not list, so none is skipped.
"""
from __future__ import annotations

import pytest

from tests import factories
from tests.route_table import ROLES, ROUTES, World


def app_routes(app) -> set[tuple[str, str]]:
    out = set()
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            out.add((rule.rule, method))
    return out


def test_the_table_lists_every_route(app):
    listed = [(r["rule"], r.get("method", "GET")) for r in ROUTES]
    assert len(listed) == len(set(listed)), "a route is listed twice"
    missing = sorted(app_routes(app) - set(listed))
    assert not missing, f"routes without a row in ROUTES (add each with its status per role): {missing}"
    stale = sorted(set(listed) - app_routes(app))
    assert not stale, f"rows for routes that no longer exist: {stale}"


@pytest.fixture
def persona_client(request, app, login):
    def make(role):
        if role == "anonymous":
            return app.test_client()
        fixture = {"other_sponsor": "sponsor_b", "sponsor": "sponsor_a"}.get(role, role)
        return login(request.getfixturevalue(fixture))

    return make


@pytest.mark.parametrize("role", ROLES)
def test_every_route_for_role(role, app, persona_client, company_a, company_b):
    world = World(company=company_a, pledge=factories.make_pledge(sponsor=company_a),
                  target_user=factories.make_user(role="verifier", username="target"))
    client = persona_client(role)
    mismatches = []
    for row in sorted(ROUTES, key=lambda r: bool(r.get("ends_session"))):
        url = row["url"](world) if callable(row["url"]) else row["url"]
        method = row.get("method", "GET")
        if method == "GET":
            response = client.get(url)
        else:
            data = row.get("data")
            response = client.open(url, method=method, data=data(world) if callable(data) else data)
        wanted = row["expect"][role]
        if response.status_code != wanted:
            mismatches.append(f"{method} {url}: {response.status_code}, expected {wanted}")
        elif role == "anonymous" and wanted == 302 and row["rule"] not in ("/logout", "/lang/<code>"):
            location = response.headers["Location"]
            if not location.startswith("/login"):
                mismatches.append(f"{method} {url}: anonymous sent to {location}, not /login")
    assert not mismatches, f"{role}:\n" + "\n".join(mismatches)


NAV_EXPECTED = {
    "admin": {"/", "/sponsors/", "/pledges/", "/audit/", "/admin/users/", "/admin/settings/"},
    "staff": {"/", "/sponsors/", "/pledges/", "/audit/"},
    "sponsor": {"/", "/portal/", "/pledges/"},
    "verifier": {"/"},
    "approver": {"/", "/sponsors/", "/pledges/"},
}


@pytest.mark.parametrize("role", sorted(NAV_EXPECTED))
def test_navigation_offers_each_role_what_it_may_open(role, persona_client):
    client = persona_client(role)
    response = client.get("/", follow_redirects=True)
    assert response.status_code == 200
    from bs4 import BeautifulSoup

    links = {a["href"] for a in BeautifulSoup(response.data, "html.parser").select("nav a.nav-link")}
    # later parts of the domain add items; the foundation's must be exactly these
    foundation = {"/", "/portal/", "/sponsors/", "/pledges/", "/audit/", "/admin/users/", "/admin/settings/"}
    assert links & foundation == NAV_EXPECTED[role]
    # every link opens; only a sponsor's home sends them on to their portal
    opened = {href: (r.status_code, r.headers.get("Location")) for href in links for r in [client.get(href)]}
    expected = dict.fromkeys(links, (200, None))
    if role == "sponsor":
        expected["/"] = (302, "/portal/")
    assert opened == expected
