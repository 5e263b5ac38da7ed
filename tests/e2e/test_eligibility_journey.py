"""Eligibility journey in Chromium: an admin drafts a policy that lowers the desil cut-off, reads
its what-if, and puts it in force; staff then fill a pledge by priority and see each score."""
from __future__ import annotations

import pytest

from tests import factories
from tests.factories import make_residents, resident_row
from tests.pages import e2e_login

pytestmark = pytest.mark.e2e


def test_admin_drafts_reads_the_what_if_activates_and_staff_fill_by_score(page, new_page, live_server, admin,
                                                                          staff, company_a):
    make_residents(rows=[resident_row("1971011708450001", "Ani Desil Satu", desil="1"),  # 50 - 2
                         resident_row("1971011708450002", "Budi Desil Dua", desil="2"),  # 45 - 2
                         resident_row("1971011708450003", "Citra Desil Tiga", desil="3"),
                         resident_row("1971011708450004", "Dodi Desil Empat", desil="4")])
    pledge = factories.make_pledge(sponsor=company_a, status="agreed", quota=3, title="Iuran JKN uji")

    e2e_login(page, live_server, admin.username, factories.DEFAULT_PASSWORD)
    page.get_by_role("link", name="Kebijakan kelayakan").click()
    assert "Aturan bawaan" in page.get_by_test_id("in-force").inner_text()
    with page.expect_navigation():
        page.get_by_test_id("new-policy").click()
    page.get_by_label("Nama kebijakan").fill("Donasi JKN 2027")
    page.get_by_label("Batas desil DTSEN (layak sampai desil ini)").fill("2")
    with page.expect_navigation():
        page.get_by_test_id("save-policy").click()
    assert "Periksa dampaknya" in page.locator(".alert").first.inner_text()
    assert page.get_by_test_id("policy-status").inner_text() == "Draf"
    assert page.get_by_test_id("gain-total").inner_text() == "0 menjadi layak"
    assert page.get_by_test_id("lose-total").inner_text() == "2 menjadi tidak layak"
    assert page.get_by_test_id("lose-reasons").inner_text().strip() == "Desil di atas batas: 2"
    assert page.get_by_test_id("what-if-kecamatan").locator("tbody tr").all_inner_texts() == [
        "Bukit Intan\t4\t2\t0\t2"]
    with page.expect_navigation():
        page.get_by_test_id("move-activate").click()
    assert "kini berlaku" in page.locator(".alert").first.inner_text()
    assert page.get_by_test_id("policy-status").inner_text() == "Berlaku"

    staff_page = new_page()
    e2e_login(staff_page, live_server, staff.username, factories.DEFAULT_PASSWORD)
    staff_page.goto(f"{live_server}/allocations/pledge/{pledge.id}")
    assert "Donasi JKN 2027 v1" in staff_page.get_by_test_id("policy-in-force").inner_text()
    with staff_page.expect_navigation():
        staff_page.get_by_test_id("fill-preview").click()
    rows = staff_page.get_by_test_id("fill-preview-list").locator("tbody tr")
    assert rows.locator("td:nth-child(3)").all_inner_texts() == ["Ani Desil Satu", "Budi Desil Dua"]
    assert rows.locator("[data-testid=score]").all_inner_texts() == ["48", "43"]
    with staff_page.expect_navigation():
        staff_page.get_by_test_id("fill-confirm").click()
    assert staff_page.get_by_test_id("slots").inner_text().strip() == "2 / 3"
    staff_page.goto(f"{live_server}/beneficiaries/?q=citra")
    with staff_page.expect_navigation():
        staff_page.get_by_test_id("beneficiaries").get_by_role("link", name="Citra Desil Tiga").click()
    assert staff_page.get_by_test_id("reasons").inner_text().strip() == (
        "Desil 3 di atas batas kebijakan (desil 1 sampai 2).")
