"""A company admin invites and deactivates colleagues of its own company, and nobody else's."""
from __future__ import annotations

from tests import factories
from tests.pages import get_page


def test_invite_with_a_password_shown_once(db_session, login, sponsor_a, company_a, app):
    from sponsorship.auth.models import User

    client = login(sponsor_a)
    page = get_page(client, "/portal/colleagues")
    assert page.select_one("[data-testid=initial-password]") is None
    response = client.post("/portal/colleagues", data={"username": "rekan.a", "full_name": "Rekan A"})
    assert response.status_code == 200
    shown = get_page(client, "/portal/colleagues")  # a fresh view no longer shows it
    assert shown.select_one("[data-testid=initial-password]") is None
    from bs4 import BeautifulSoup

    once = BeautifulSoup(response.data, "html.parser")
    password = once.select_one("[data-testid=initial-password] code").text
    user = db_session.query(User).filter_by(username="rekan.a").one()
    assert (user.role, user.sponsor_id, user.is_company_admin) == ("sponsor", company_a.id, False)
    fresh = app.test_client()
    assert fresh.post("/login", data={"username": "rekan.a", "password": password}).status_code == 302
    assert fresh.get("/portal/").status_code == 200


def test_deactivate_a_colleague_but_not_another_company_s_user(db_session, login, sponsor_a, sponsor_b,
                                                                company_a):
    colleague = factories.make_user(role="sponsor", username="rekan2", sponsor=company_a)
    client = login(sponsor_a)
    assert client.post(f"/portal/colleagues/{sponsor_b.id}/active", data={}).status_code == 404
    db_session.refresh(sponsor_b)
    assert sponsor_b.active
    assert client.post(f"/portal/colleagues/{colleague.id}/active", data={}).status_code == 302
    db_session.refresh(colleague)
    assert not colleague.active
    page = get_page(client, "/portal/colleagues")
    names = {tr["data-user"] for tr in page.select("[data-testid=colleagues] tr[data-user]")}
    assert names == {"sponsora", "rekan2"}


def test_only_a_company_admin_manages_colleagues(db_session, login, sponsor_b, staff, company_b):
    assert sponsor_b.is_company_admin is False
    assert login(sponsor_b).get("/portal/colleagues").status_code == 403
    client = login(sponsor_b)
    assert client.post("/portal/colleagues", data={"username": "x", "full_name": "X"}).status_code == 403
    assert login(staff).get("/portal/colleagues").status_code == 403
