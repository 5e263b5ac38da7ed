"""The fixtures themselves: migrated schema, personas, sign-in."""
from tests.conftest import get_page


def test_staff_signs_in_and_sees_home(login, staff):
    client = login(staff)
    page = get_page(client, "/")
    assert "Selamat datang" in page.get_text()
