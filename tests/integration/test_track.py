"""Public /track: status only, same answer for a wrong code or wrong digits, CSRF, rate limit."""
from __future__ import annotations

import re

import pytest

from tests import factories
from tests.pages import get_page


@pytest.fixture
def proposal(app_ctx, staff):
    return factories.make_proposal(status="in_verification", staff=staff,
                                   data=factories.proposal_data(patient_nik="1971014101904321",
                                                                patient_name="Rahmawati Binti Usman"))


def _ask(client, code, last4):
    response = client.post("/track", data={"code": code, "last4": last4})
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_right_code_and_digits_show_the_status_only(app, proposal):
    html = _ask(app.test_client(), proposal.code.lower(), "4321")
    assert "Verifikasi lapangan oleh Baznas sedang berlangsung" in html
    for secret in ("Rahmawati", "1971014101904321", "Rp", proposal.referral_destination, proposal.phone,
                   proposal.address):
        assert secret not in html


def test_wrong_digits_and_wrong_code_get_the_same_answer(app, proposal):
    client = app.test_client()
    wrong_digits = _ask(client, proposal.code, "0000")
    wrong_code = _ask(client, "BNM-2026-9999", "4321")
    strip = lambda html: re.sub(r'name="csrf_token"[^>]*>', "", re.sub(r'value="[^"]*"', "", html))  # noqa: E731
    assert "Data tidak ditemukan" in wrong_digits
    assert strip(wrong_digits) == strip(wrong_code)
    assert "Verifikasi" not in wrong_digits


def test_track_needs_a_csrf_token(app, proposal):
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        client = app.test_client()
        response = client.post("/track", data={"code": proposal.code, "last4": "4321"})
        assert response.status_code == 400
        page = get_page(client, "/track")
        token = page.select_one("input[name=csrf_token]")["value"]
        ok = client.post("/track", data={"code": proposal.code, "last4": "4321", "csrf_token": token})
        assert "sedang berlangsung" in ok.get_data(as_text=True)
    finally:
        app.config["WTF_CSRF_ENABLED"] = False


def test_track_is_rate_limited(app, proposal):
    client = app.test_client()
    codes = [client.post("/track", data={"code": f"BNM-2026-{i:04d}", "last4": "1111"}).status_code
             for i in range(12)]
    assert codes[:10] == [200] * 10 and codes[-1] == 429
