"""The public /verify page: what an issued document is, and whether an upload is byte for byte it."""
from __future__ import annotations

import hashlib
import io

import pytest

from tests import factories
from tests.pages import get_page, post_page


@pytest.fixture
def issued(login, staff, company_a):
    """A finalised agreement: (its document, the downloaded bytes)."""
    pledge = factories.make_pledge(sponsor=company_a, status="agreed")
    client = login(staff)
    post_page(client, f"/pledges/{pledge.id}/agreement", {
        "signing_date": "2026-02-02", "signing_place": "Pangkalpinang", "city_signatory_name": "A",
        "city_signatory_title": "Wali Kota", "company_signatory_name": "B",
        "company_signatory_title": "Direktur"})
    post_page(client, f"/pledges/{pledge.id}/agreement/finalise", {"confirm": "y"})
    from sponsorship.agreements.models import Agreement
    from sponsorship.extensions import db

    agreement = db.session.scalar(db.select(Agreement).where(Agreement.pledge_id == pledge.id))
    return agreement.document, client.get(f"/pledges/{pledge.id}/agreement.pdf").data


def upload(client, url, data: bytes):
    return client.post(url, data={"file": (io.BytesIO(data), "dokumen.pdf")},
                       content_type="multipart/form-data")


def test_public_page_shows_the_document_and_nothing_personal(app, issued):
    document, data = issued
    page = get_page(app.test_client(), f"/verify/{document.token}")
    assert page.select_one("[data-testid=verify-number]").text.strip() == "400.7/0001/SETDA/2026"
    assert page.select_one("[data-testid=verify-sha256]").text == hashlib.sha256(data).hexdigest()
    text = page.get_text(" ")
    assert "Perjanjian Kerja Sama" in text
    assert "PT Alpha Sejahtera" not in text  # the parties and contents are not published


def test_unknown_token_is_404(app):
    assert app.test_client().get("/verify/not-a-token").status_code == 404


def test_upload_of_the_downloaded_bytes_matches(app, issued):
    document, data = issued
    client = app.test_client()
    for url in ("/verify/", f"/verify/{document.token}"):
        page = upload(client, url, data)
        assert page.status_code == 200
        assert b'data-match="yes"' in page.data and document.number.encode() in page.data


@pytest.mark.parametrize("change", ["flip", "append", "truncate"])
def test_a_modified_copy_is_refused(app, issued, change):
    document, data = issued
    modified = {"flip": data[:500] + bytes([data[500] ^ 1]) + data[501:],
                "append": data + b"\n%% edited\n", "truncate": data[:-10]}[change]
    for url in ("/verify/", f"/verify/{document.token}"):
        page = upload(app.test_client(), url, modified)
        assert b'data-match="no"' in page.data and b'data-match="yes"' not in page.data


def test_upload_needs_the_csrf_token(app, issued):
    document, data = issued
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        response = upload(app.test_client(), "/verify/", data)
    finally:
        app.config["WTF_CSRF_ENABLED"] = False
    assert response.status_code == 400


def test_uploads_are_rate_limited(app, issued):
    _document, data = issued
    client = app.test_client()
    codes = [upload(client, "/verify/", data).status_code for _ in range(31)]
    assert codes[:30] == [200] * 30 and codes[30] == 429
