"""Security defaults: CSRF, headers, cookie flags, error pages that reveal nothing."""
import re

import pytest
from bs4 import BeautifulSoup

from tests import factories
from tests.pages import get_page


@pytest.fixture
def csrf_on(app, monkeypatch):
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)


def _token(client, url):
    page = BeautifulSoup(client.get(url).data, "html.parser")
    return page.find("input", {"name": "csrf_token"})["value"]


def test_login_without_csrf_token_is_refused(app, csrf_on, staff):
    client = app.test_client()
    credentials = {"username": staff.username, "password": factories.DEFAULT_PASSWORD}
    refused = client.post("/login", data=credentials)
    assert refused.status_code == 400
    assert "Formulir kedaluwarsa atau tidak sah" in refused.get_data(as_text=True)
    accepted = client.post("/login", data={**credentials, "csrf_token": _token(client, "/login")})
    assert accepted.status_code == 302


def test_signed_in_form_without_csrf_token_is_refused(app, csrf_on, login, staff, company_a):
    client = login_with_csrf(app, staff)
    pledge = factories.make_pledge(sponsor=company_a)
    assert client.post(f"/pledges/{pledge.id}/move/agree", data={}).status_code == 400
    assert client.post("/logout", data={}).status_code == 400
    get_page(client, "/pledges/")  # still signed in, nothing changed
    from sponsorship.extensions import db
    from sponsorship.pledges.models import Pledge

    db.session.expire_all()
    assert db.session.get(Pledge, pledge.id).status == "draft"
    token = _token(client, f"/pledges/{pledge.id}")
    assert client.post(f"/pledges/{pledge.id}/move/agree", data={"csrf_token": token}).status_code == 302
    db.session.expire_all()
    assert db.session.get(Pledge, pledge.id).status == "agreed"


def login_with_csrf(app, user):
    client = app.test_client()
    response = client.post("/login", data={"username": user.username, "password": factories.DEFAULT_PASSWORD,
                                           "csrf_token": _token(client, "/login")})
    assert response.status_code == 302
    return client


def test_security_headers(app, login, staff):
    for response in (app.test_client().get("/login"), login(staff).get("/pledges/")):
        h = response.headers
        csp = h["Content-Security-Policy"]
        assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
        assert re.search(r"script-src 'self'(;|$)", csp)
        assert "frame-ancestors 'none'" in csp
        assert "object-src 'none'" in csp
        assert h["X-Content-Type-Options"] == "nosniff"
        assert h["Referrer-Policy"] in {"same-origin", "strict-origin-when-cross-origin", "no-referrer"}
        assert h["Cache-Control"] == "no-store"


def test_pages_have_no_inline_script_or_style(login, staff, company_a):
    pledge = factories.make_pledge(sponsor=company_a)
    client = login(staff)
    anonymous = client.application.test_client()  # signed in, /login would redirect
    for url in ("/", "/pledges/", f"/pledges/{pledge.id}", "/pledges/new", "/sponsors/", "/logout", "/login"):
        page = get_page(anonymous if url == "/login" else client, url)
        for script in page.find_all("script"):
            assert script.get("src"), f"inline script on {url}"
        assert not page.find_all("style"), url
        assert not page.select("[style]"), url
        assert not [t for t in page.find_all(True) if any(a.startswith("on") for a in t.attrs)], url


def _session_cookie_header(response):
    return next(v for v in response.headers.getlist("Set-Cookie") if v.startswith("sponsorship_session="))


def test_session_cookie_flags(app, monkeypatch, staff):
    credentials = {"username": staff.username, "password": factories.DEFAULT_PASSWORD}
    response = app.test_client().post("/login", data=credentials)
    header = _session_cookie_header(response)
    assert "HttpOnly" in header and "SameSite=Lax" in header
    assert [v.split("=")[0] for v in response.headers.getlist("Set-Cookie")] == ["sponsorship_session"]
    assert "Secure" not in header  # the test app runs over http with SESSION_COOKIE_SECURE off
    monkeypatch.setitem(app.config, "SESSION_COOKIE_SECURE", True)
    header = _session_cookie_header(app.test_client().post("/login", data=credentials))
    assert "Secure" in header and "HttpOnly" in header


def test_the_default_configuration_is_secure(tmp_path, monkeypatch):
    from sponsorship.config import Config

    for name in ("SECRET_KEY", "SESSION_COOKIE_SECURE"):
        monkeypatch.delenv(name, raising=False)
    config = Config(tmp_path)
    assert config.SESSION_COOKIE_SECURE is True
    assert config.SESSION_COOKIE_HTTPONLY is True and config.SESSION_COOKIE_SAMESITE == "Lax"
    # No "remember me": no long-lived cookie to configure, and none is ever set.
    assert not [name for name in vars(config) if name.startswith("REMEMBER_COOKIE")]
    # no hard-coded key: generated once under instance/, then kept
    assert len(config.SECRET_KEY) >= 32
    assert Config(tmp_path).SECRET_KEY == config.SECRET_KEY
    assert Config(tmp_path / "other").SECRET_KEY != config.SECRET_KEY


@pytest.mark.parametrize(("hours", "seconds"), [("8", 8 * 3600), ("24", 24 * 3600), ("48", 48 * 3600)])
def test_csrf_tokens_live_as_long_as_the_session(tmp_path, monkeypatch, hours, seconds):
    from sponsorship.config import Config

    monkeypatch.setenv("SESSION_HOURS", hours)
    assert Config(tmp_path).WTF_CSRF_TIME_LIMIT == seconds


def test_error_pages_are_indonesian(app, login, sponsor_a):
    client = login(sponsor_a)
    forbidden = get_page(client, "/audit/", 403)
    assert forbidden.find("h1").get_text(strip=True) == "Akses ditolak"
    missing = get_page(client, "/tidak-ada", 404)
    assert missing.find("h1").get_text(strip=True) == "Halaman tidak ditemukan"
    assert missing.find("html")["lang"] == "id"
    not_allowed = app.test_client().post("/healthz")
    assert not_allowed.status_code == 405
    assert "Metode tidak diizinkan" in not_allowed.get_data(as_text=True)


def test_server_error_page_is_indonesian_and_reveals_nothing(app, tmp_path):
    from sponsorship import create_app

    broken = create_app({**app.config, "TESTING": False, "PROPAGATE_EXCEPTIONS": False,
                         "INSTANCE_PATH": str(tmp_path)})

    @broken.route("/boom")
    def boom():
        raise RuntimeError("secret detail: password=hunter2")

    response = broken.test_client().get("/boom")
    with broken.app_context():
        from sponsorship.extensions import db

        db.engine.dispose()
    assert response.status_code == 500
    text = response.get_data(as_text=True)
    assert "Terjadi kesalahan pada server" in text
    assert "hunter2" not in text and "Traceback" not in text
