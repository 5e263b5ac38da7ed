"""Signing in and out: messages, rate limits, ended sessions, admin user management, `next`."""
from bs4 import BeautifulSoup

from sponsorship.auth.models import User
from tests import factories
from tests.pages import get_page, post_page

COOKIE = "sponsorship_session"


def _error_text(response) -> str:
    page = BeautifulSoup(response.data, "html.parser")
    return " ".join(e.get_text(" ", strip=True) for e in page.select(".invalid-feedback"))


def test_wrong_password_and_unknown_user_get_the_same_plain_message(app, staff):
    client = app.test_client()
    wrong = client.post("/login", data={"username": staff.username, "password": "bukan-ini-123"})
    unknown = client.post("/login", data={"username": "tidakada", "password": "bukan-ini-123"})
    assert wrong.status_code == unknown.status_code == 401
    assert _error_text(wrong) == _error_text(unknown) == "Nama pengguna atau kata sandi salah."


def test_deactivated_user_cannot_sign_in(app, admin, staff):
    from sponsorship.auth import service
    from sponsorship.extensions import db

    service.set_active(staff, actor=admin, active=False)
    db.session.commit()
    response = app.test_client().post("/login", data={"username": staff.username,
                                                      "password": factories.DEFAULT_PASSWORD})
    assert response.status_code == 401
    assert _error_text(response) == "Nama pengguna atau kata sandi salah."


def _attempt(client, username, address):
    return client.post("/login", data={"username": username, "password": "salah-salah-123"},
                       environ_base={"REMOTE_ADDR": address})


def test_failed_logins_are_limited_per_account(app, monkeypatch, staff):
    monkeypatch.setitem(app.config, "LOGIN_LIMIT_PER_ACCOUNT", "3 per 15 minutes")
    client = app.test_client()
    statuses = [_attempt(client, staff.username, f"10.0.0.{i}").status_code for i in range(1, 5)]
    assert statuses == [401, 401, 401, 429]
    blocked = _attempt(client, staff.username, "10.0.0.9")
    assert blocked.status_code == 429
    assert "Terlalu banyak percobaan" in blocked.get_data(as_text=True)
    # even the right password waits: the account is throttled, not the address
    right = client.post("/login", data={"username": staff.username, "password": factories.DEFAULT_PASSWORD},
                        environ_base={"REMOTE_ADDR": "10.0.0.10"})
    assert right.status_code == 429
    # another account from the same addresses is not affected
    assert _attempt(client, "orang-lain", "10.0.0.1").status_code == 401


def test_failed_logins_are_limited_per_address(app, monkeypatch):
    monkeypatch.setitem(app.config, "LOGIN_LIMIT_PER_ADDRESS", "3 per 15 minutes")
    client = app.test_client()
    statuses = [_attempt(client, f"akun{i}", "10.0.1.1").status_code for i in range(4)]
    assert statuses == [401, 401, 401, 429]
    page = BeautifulSoup(_attempt(client, "akun9", "10.0.1.1").data, "html.parser")
    assert "Tunggu beberapa menit" in page.select_one("[data-testid=error-message]").get_text()
    assert _attempt(client, "akun9", "10.0.1.2").status_code == 401


def test_successful_logins_do_not_count(app, monkeypatch, staff):
    monkeypatch.setitem(app.config, "LOGIN_LIMIT_PER_ACCOUNT", "2 per 15 minutes")
    for _ in range(4):
        client = app.test_client()
        post_page(client, "/login", {"username": staff.username, "password": factories.DEFAULT_PASSWORD})


def _copy_of_session(client, app):
    """A second client holding the same session cookie (as a thief or another tab would)."""
    cookie = client.get_cookie(COOKIE)
    assert cookie is not None
    other = app.test_client()
    other.set_cookie(COOKIE, cookie.value)
    get_page(other, "/")  # the copy works before
    return other


def _is_signed_out(client) -> bool:
    response = client.get("/pledges/")
    return response.status_code == 302 and response.headers["Location"].startswith("/login")


def test_logout_ends_every_copy_of_the_session(app, login, staff):
    client = login(staff)
    copy = _copy_of_session(client, app)
    post_page(client, "/logout", {})
    assert _is_signed_out(client)
    assert _is_signed_out(copy)


def test_deactivation_ends_an_open_session(app, login, admin, staff):
    victim = login(staff)
    get_page(victim, "/")
    admin_client = login(admin)
    post_page(admin_client, f"/admin/users/{staff.id}/active", {})
    assert _is_signed_out(victim)
    response = app.test_client().post("/login", data={"username": staff.username,
                                                      "password": factories.DEFAULT_PASSWORD})
    assert response.status_code == 401


def test_password_change_ends_other_sessions_but_keeps_this_one(app, login, staff):
    client = login(staff)
    copy = _copy_of_session(client, app)
    new = "kata-sandi-baru-456"
    post_page(client, "/account/password",
              {"current": factories.DEFAULT_PASSWORD, "password": new, "confirm": new})
    assert _is_signed_out(copy)
    get_page(client, "/pledges/")
    login(staff, password=new)


def test_password_change_needs_the_current_password(login, staff):
    client = login(staff)
    page = get_page(client, "/account/password")
    assert page.find("input", {"name": "current"})
    response = client.post("/account/password", data={"current": "salah-salah-1", "password": "x" * 12,
                                                      "confirm": "x" * 12})
    assert response.status_code == 200
    assert "Kata sandi saat ini salah." in _error_text(response)


def test_admin_manages_users_through_the_ui(app, login, admin, company_a, db_session):
    client = login(admin)
    post_page(client, "/admin/users/new", {
        "username": "Rina", "full_name": "Rina Staf", "email": "", "role": "staff", "sponsor_id": "0",
        "password": "awal-awal-123"})
    rina = db_session.scalar(db_session.query(User).filter_by(username="rina").statement)
    assert rina.role == "staff" and rina.active
    rina_client = login(rina, password="awal-awal-123")

    # change role to sponsor without a company: refused beside the field
    response = client.post(f"/admin/users/{rina.id}", data={
        "full_name": "Rina", "role": "sponsor", "sponsor_id": "0"})
    assert response.status_code == 200
    assert "ditautkan ke perusahaan" in _error_text(response)

    # link her to company A as a sponsor user: her old session (staff) ends
    post_page(client, f"/admin/users/{rina.id}", {
        "full_name": "Rina CSR", "role": "sponsor", "sponsor_id": str(company_a.id)})
    db_session.expire_all()
    rina = db_session.get(User, rina.id)
    assert (rina.role, rina.sponsor_id, rina.full_name) == ("sponsor", company_a.id, "Rina CSR")
    assert _is_signed_out(rina_client)

    # reset her password: the new one works, the old one not
    post_page(client, f"/admin/users/{rina.id}/password",
              {"reset-password": "reset-reset-123", "reset-confirm": "reset-reset-123"})
    rina_client = login(rina, password="reset-reset-123")
    assert rina_client.get("/").headers["Location"] == "/portal/"

    # a too short reset is refused with the rule
    post_page(client, f"/admin/users/{rina.id}/password",
              {"reset-password": "kurang", "reset-confirm": "kurang"})
    page = get_page(client, f"/admin/users/{rina.id}")
    assert "minimal" in page.select_one(".alert-danger").get_text()
    login(rina, password="reset-reset-123")

    # deactivate: her session ends at its next request
    post_page(client, f"/admin/users/{rina.id}/active", {})
    assert _is_signed_out(rina_client)
    db_session.expire_all()
    assert db_session.get(User, rina.id).active is False
    listing = get_page(client, "/admin/users/?q=rina").get_text()
    assert "Rina CSR" in listing


def test_duplicate_username_is_shown_beside_the_field(login, admin, staff):
    response = login(admin).post("/admin/users/new", data={
        "username": staff.username, "full_name": "X", "role": "staff", "sponsor_id": "0",
        "password": "awal-awal-123"})
    assert response.status_code == 200
    assert "sudah dipakai" in _error_text(response)


def _login_next(app, user, next_url):
    return app.test_client().post("/login", query_string={"next": next_url},
                                  data={"username": user.username, "password": factories.DEFAULT_PASSWORD})


def test_next_goes_only_to_local_paths(app, staff):
    assert _login_next(app, staff, "/pledges/?status=draft").headers["Location"] == "/pledges/?status=draft"
    for evil in ("https://evil.example/", "//evil.example/x", "/\\evil.example", "javascript:alert(1)",
                 "http://localhost.evil.example/"):
        assert _login_next(app, staff, evil).headers["Location"] == "/", evil


def test_anonymous_is_sent_to_login_with_next(app, staff):
    response = app.test_client().get("/pledges/?status=agreed")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=")
