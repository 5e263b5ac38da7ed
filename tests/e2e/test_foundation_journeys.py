"""Foundation journeys in a real browser: staff, a sponsor user and the admin."""
from __future__ import annotations

import pytest

from tests import factories
from tests.e2e.conftest import e2e_login

pytestmark = pytest.mark.e2e


def test_wrong_password_shows_a_message_that_names_neither_part(page, live_server, staff):
    e2e_login(page, live_server, staff.username, "bukan-kata-sandinya")
    assert page.url.endswith("/login")
    error = page.locator("#password-error")
    assert error.inner_text().strip() == "Nama pengguna atau kata sandi salah."
    e2e_login(page, live_server, staff.username, factories.DEFAULT_PASSWORD)
    assert page.get_by_test_id("whoami").is_visible()
