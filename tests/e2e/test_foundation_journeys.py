"""Foundation journeys in a real browser: staff sign a company up, its sponsor user sees only
its own pledge, a wrong password, and the admin ending a user's open session."""
from __future__ import annotations

import re

import pytest

from tests import factories
from tests.pages import e2e_login

pytestmark = pytest.mark.e2e

COMPANY = "PT Timah Sejahtera Bangka"


def flash_text(page) -> str:
    return " ".join(page.locator(".alert").all_inner_texts())


def test_staff_signs_up_a_company_and_agrees_a_pledge_that_only_its_sponsor_sees(
        page, new_page, live_server, staff, company_b):
    other = factories.make_pledge(sponsor=company_b, status="agreed", title="Komitmen Beta Makmur 2026")

    # Staff: a new company through the form, NPWP typed with its usual punctuation.
    e2e_login(page, live_server, staff.username, factories.DEFAULT_PASSWORD)
    page.goto(f"{live_server}/sponsors/new")
    npwp = factories.valid_npwp(4242)
    page.get_by_label("Nama perusahaan").fill(COMPANY)
    page.get_by_label("Bentuk badan usaha").select_option("PT")
    page.get_by_label("NPWP").fill(f"{npwp[:2]}.{npwp[2:5]}.{npwp[5:8]}.{npwp[8]}-{npwp[9:12]}.{npwp[12:]}")
    page.get_by_label("Narahubung", exact=True).fill("Rina Marlina")
    with page.expect_navigation():
        page.get_by_role("button", name="Simpan").click()
    assert re.search(r"/sponsors/\d+$", page.url), flash_text(page)
    assert page.get_by_role("heading", name=COMPANY).is_visible()

    # A premium pledge through the form, first without the BPJS workers' attestation.
    with page.expect_navigation():
        page.get_by_role("link", name="Komitmen baru").click()
    assert page.locator("#sponsor_id option:checked").inner_text() == COMPANY
    page.locator("input[name=programme][value=premium]").check()
    page.get_by_label("Judul komitmen").fill("Iuran JKN 100 warga 2026")
    page.get_by_label("Kuota orang").fill("100")
    page.get_by_label("Jumlah bulan").fill("12")
    page.get_by_label("Bulan mulai").fill("2026-01")
    with page.expect_navigation():
        page.get_by_role("button", name="Simpan").click()
    assert re.search(r"/pledges/\d+$", page.url), flash_text(page)
    pledge_url = page.url
    # 100 persons x 12 months x Rp 35.000 (the seeded class 3 participant share).
    assert page.get_by_test_id("pledge-total").inner_text().strip() == "Rp 42.000.000"
    assert page.locator("[data-status]").first.get_attribute("data-status") == "draft"

    with page.expect_navigation():
        page.locator("button[data-move=agree]").click()
    assert "belum menyatakan seluruh pekerjanya terdaftar" in flash_text(page)
    assert page.locator("[data-status]").first.get_attribute("data-status") == "draft"

    # Tick the attestation on the draft, then the move goes through.
    with page.expect_navigation():
        page.get_by_role("link", name="Ubah").click()
    page.get_by_label(re.compile("seluruh pekerjanya telah terdaftar")).check()
    with page.expect_navigation():
        page.get_by_role("button", name="Simpan").click()
    assert page.url == pledge_url
    with page.expect_navigation():
        page.locator("button[data-move=agree]").click()
    assert page.locator("[data-status]").first.get_attribute("data-status") == "agreed"
    assert "Disepakati" in flash_text(page)

    # The company's sponsor user sees that pledge, and nothing of company B.
    from sponsorship.extensions import db
    from sponsorship.sponsors.models import Sponsor

    db.session.rollback()  # end this test's read snapshot: the server committed since
    company = db.session.scalar(db.select(Sponsor).where(Sponsor.name == COMPANY))
    assert company.npwp == npwp
    factories.make_user(role="sponsor", username="timah", sponsor=company)

    sponsor_page = new_page()
    e2e_login(sponsor_page, live_server, "timah", factories.DEFAULT_PASSWORD)
    assert sponsor_page.url.endswith("/portal/")
    pledges = sponsor_page.get_by_test_id("portal-pledges")
    assert "Iuran JKN 100 warga 2026" in pledges.inner_text()
    assert other.title not in sponsor_page.content()
    sponsor_page.goto(f"{live_server}/pledges/")
    assert "Iuran JKN 100 warga 2026" in sponsor_page.locator("main").inner_text()
    assert other.title not in sponsor_page.content()
    response = sponsor_page.goto(f"{live_server}/pledges/{other.id}")
    assert response.status == 404
    assert other.title not in sponsor_page.content()


def test_wrong_password_shows_a_message_that_names_neither_part(page, live_server, staff):
    e2e_login(page, live_server, staff.username, "bukan-kata-sandinya")
    assert page.url.endswith("/login")
    assert page.locator("#password-error").inner_text().strip() == "Nama pengguna atau kata sandi salah."
    assert not page.get_by_test_id("whoami").count()

    e2e_login(page, live_server, staff.username, factories.DEFAULT_PASSWORD)
    assert page.get_by_test_id("whoami").is_visible()


def test_admin_deactivating_a_user_ends_that_users_open_session(new_page, live_server, admin, staff):
    staff_page = new_page()
    e2e_login(staff_page, live_server, staff.username, factories.DEFAULT_PASSWORD)
    staff_page.goto(f"{live_server}/sponsors/")
    assert staff_page.get_by_test_id("whoami").is_visible()

    admin_page = new_page()
    e2e_login(admin_page, live_server, admin.username, factories.DEFAULT_PASSWORD)
    admin_page.goto(f"{live_server}/admin/users/")
    with admin_page.expect_navigation():
        admin_page.get_by_role("link", name=staff.username, exact=True).click()
    with admin_page.expect_navigation():
        admin_page.get_by_role("button", name="Nonaktifkan").click()
    assert "dinonaktifkan" in flash_text(admin_page)

    # The staff member's next request, with the cookie the browser still holds, is refused.
    staff_page.reload()
    assert "/login" in staff_page.url
    assert not staff_page.get_by_test_id("whoami").count()
    # and signing in again is refused as well.
    e2e_login(staff_page, live_server, staff.username, factories.DEFAULT_PASSWORD)
    assert staff_page.url.endswith("/login")


def test_a_verifier_signs_in_on_a_phone_without_sideways_scrolling(phone_page, live_server, verifier):
    e2e_login(phone_page, live_server, verifier.username, factories.DEFAULT_PASSWORD)
    assert phone_page.url.rstrip("/") == live_server
    width = phone_page.evaluate("document.documentElement.scrollWidth")
    assert width <= 360, f"the home page is {width}px wide on a 360px phone"
    # The navigation collapses behind its toggler and opens with a tap.
    toggler = phone_page.locator(".navbar-toggler")
    assert toggler.is_visible()
    assert not phone_page.get_by_test_id("whoami").is_visible()
    toggler.tap()
    phone_page.get_by_test_id("whoami").wait_for(state="visible")
