"""Where documents' QR codes and verification links point: PUBLIC_BASE_URL, or the request's own
address, never a made-up one."""
from __future__ import annotations

import io
from datetime import date

import pytest
from pypdf import PdfReader

from sponsorship.config import ConfigError
from sponsorship.documents import render
from sponsorship.extensions import db
from tests import factories
from tests.pages import post_page


def link_targets(data: bytes) -> list[str]:
    uris = []
    for page in PdfReader(io.BytesIO(data)).pages:
        for annotation in page.get("/Annots") or []:
            action = annotation.get_object().get("/A")
            if action and "/URI" in action:
                uris.append(str(action["/URI"]))
    return uris


def test_public_base_url_from_the_environment_reaches_the_qr_code_and_link(
        app, app_ctx, monkeypatch, tmp_path, staff, company_a):
    from sponsorship import create_app
    from sponsorship.documents.report import issue_impact_report
    from sponsorship.documents.service import read_bytes

    monkeypatch.setenv("PUBLIC_BASE_URL", "https://csr.pangkalpinang.go.id/")
    started = create_app({"INSTANCE_PATH": str(tmp_path), "SQLALCHEMY_DATABASE_URI": "sqlite://",
                          "SECRET_KEY": "x"})
    assert started.config["PUBLIC_BASE_URL"] == "https://csr.pangkalpinang.go.id"
    monkeypatch.setitem(app.config, "PUBLIC_BASE_URL", started.config["PUBLIC_BASE_URL"])
    encoded = []
    real_qr = render.qr_data_uri
    monkeypatch.setattr(render, "qr_data_uri", lambda url: encoded.append(url) or real_qr(url))

    # Outside a request, as `flask bill-month` issues invoices.
    document = issue_impact_report(company_a, actor=staff, start=date(2026, 1, 1), end=date(2026, 6, 1))
    db.session.commit()
    url = f"https://csr.pangkalpinang.go.id/verify/{document.token}"
    assert encoded == [url]
    assert url in link_targets(read_bytes(document))


def test_unset_outside_a_request_is_refused_with_a_clear_message(app, app_ctx, monkeypatch):
    monkeypatch.setitem(app.config, "PUBLIC_BASE_URL", None)
    with pytest.raises(ConfigError, match="PUBLIC_BASE_URL is not set"):
        render.verify_url("token")


def test_unset_inside_a_request_is_refused_outside_debug_and_tests(app, monkeypatch):
    from sponsorship.core.errors import DomainError

    monkeypatch.setitem(app.config, "PUBLIC_BASE_URL", None)
    monkeypatch.setitem(app.config, "TESTING", False)
    # Whatever the Host header says, public or loopback: it is not an address to print.
    for base in ("https://csr.pangkalpinang.go.id/kota", "http://127.0.0.1:5000/"):
        with app.test_request_context("/", base_url=base), \
                pytest.raises(DomainError, match="PUBLIC_BASE_URL"):
            render.verify_url("abc")
    # Tests (and debug) use the request's own address.
    monkeypatch.setitem(app.config, "TESTING", True)
    with app.test_request_context("/", base_url="http://127.0.0.1:5000/"):
        assert render.verify_url("abc") == "http://127.0.0.1:5000/verify/abc"


def test_issuing_without_it_in_a_request_is_a_message_not_a_500(app, login, staff, company_a, monkeypatch):
    from sponsorship.documents.models import Document

    pledge = factories.make_pledge(sponsor=company_a, status="agreed")
    client = login(staff)
    post_page(client, f"/pledges/{pledge.id}/agreement", {
        "signing_date": "2026-02-02", "signing_place": "Pangkalpinang", "city_signatory_name": "A",
        "city_signatory_title": "Wali Kota", "company_signatory_name": "B",
        "company_signatory_title": "Direktur"})
    monkeypatch.setitem(app.config, "PUBLIC_BASE_URL", None)
    monkeypatch.setitem(app.config, "TESTING", False)
    response = client.post(f"/pledges/{pledge.id}/agreement/finalise", data={"confirm": "y"})
    monkeypatch.setitem(app.config, "TESTING", True)
    assert response.status_code == 409  # the refusal page (a form with a referrer goes back, flashed)
    assert "PUBLIC_BASE_URL" in response.get_data(as_text=True)
    assert db.session.scalar(db.select(db.func.count(Document.id))) == 0
