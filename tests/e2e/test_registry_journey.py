"""Registry journey in Chromium: staff import two lists, resolve a discrepancy, fill a pledge by
priority and export it for BPJS; the sponsor then sees only masked NIKs and initials."""
from __future__ import annotations

import io
import re

import pytest

from sponsorship.beneficiaries.demo import to_csv
from tests import factories
from tests.factories import resident_row
from tests.pages import e2e_login

pytestmark = pytest.mark.e2e

RESIDENTS = [
    resident_row("1971015708450001", "Siti Aminah", desil="1", no_kk="1971010101200001"),
    resident_row("1971011708450002", "Budi Santoso", desil="2"),
    resident_row("1971011708450003", "Cahya Pratama", desil="3"),
    resident_row("1971011708450004", "Dedi Kurniawan", desil="4"),
    resident_row("1971011708450005", "Eka Putri", desil="", segmen_jkn="PBI_APBN", status_jkn="AKTIF"),
]


def _upload(page, base: str, source: str, name: str, data: bytes) -> None:
    page.goto(f"{base}/beneficiaries/import")
    page.get_by_label("Sumber").select_option(source)
    page.set_input_files("#file", files=[{"name": name, "mimeType": "text/csv", "buffer": data}])
    with page.expect_navigation():
        page.get_by_role("button", name="Pratinjau").click()
    with page.expect_navigation():
        page.get_by_test_id("confirm-import").click()
    assert "Impor selesai" in page.locator(".alert").first.inner_text()


def test_import_reconcile_fill_export_and_sponsor_sees_masked(page, new_page, live_server, staff, sponsor_a,
                                                              company_a):
    pledge = factories.make_pledge(sponsor=company_a, status="agreed", quota=3, title="Iuran JKN uji")
    e2e_login(page, live_server, staff.username, factories.DEFAULT_PASSWORD)

    _upload(page, live_server, "dukcapil", "dukcapil.csv", to_csv(RESIDENTS))
    assert page.locator("[data-count=created]").inner_text() == "5"
    changed = [list(r) for r in RESIDENTS]
    changed[1][2] = "Budi Santosa"
    _upload(page, live_server, "dinsos", "dinsos.csv", to_csv(changed))
    assert page.locator("[data-count=updated]").inner_text() == "1"

    # Reconcile: take Dinas Sosial's spelling.
    page.goto(f"{live_server}/beneficiaries/discrepancies")
    row = page.get_by_test_id("discrepancies").locator("tbody tr").first
    with page.expect_navigation():
        row.locator("button[data-source=dinsos]").click()
    assert "diselesaikan" in page.locator(".alert").first.inner_text()
    page.goto(f"{live_server}/beneficiaries/?q=budi")
    assert page.get_by_test_id("beneficiaries").locator("a").all_inner_texts() == ["Budi Santosa"]

    # A NIK typed in the search box goes through the POST lookup: it never lands in a URL.
    page.goto(f"{live_server}/beneficiaries/")
    page.fill("#f-q", "1971015708450001")
    page.get_by_role("button", name="Saring").click()
    page.wait_for_url(re.compile(r"/beneficiaries/\d+$"))
    assert "1971015708450001" not in page.url
    assert page.get_by_test_id("nik").inner_text() == "1971015708450001"

    # Fill the pledge by priority from its detail page.
    page.goto(f"{live_server}/pledges/{pledge.id}")
    with page.expect_navigation():
        page.get_by_test_id("allocation-link").get_by_role("link").click()
    with page.expect_navigation():
        page.get_by_test_id("fill-preview").click()
    names = page.get_by_test_id("fill-preview-list").locator("tbody tr td:nth-child(3)").all_inner_texts()
    assert names == ["Siti Aminah", "Budi Santosa", "Cahya Pratama"]
    with page.expect_navigation():
        page.get_by_test_id("fill-confirm").click()
    assert page.get_by_test_id("slots").inner_text().strip() == "3 / 3"

    with page.expect_download() as info:
        page.get_by_test_id("export-xlsx").click()
    from openpyxl import load_workbook

    ws = load_workbook(io.BytesIO(open(info.value.path(), "rb").read())).active
    assert ws["A2"].value == "1971015708450001" and ws["A2"].number_format == "@"

    # The sponsor: its coverage, masked.
    sponsor = new_page()
    e2e_login(sponsor, live_server, sponsor_a.username, factories.DEFAULT_PASSWORD)
    with sponsor.expect_navigation():
        sponsor.get_by_test_id("coverage-link").click()
    with sponsor.expect_navigation():
        sponsor.get_by_role("link", name="Iuran JKN uji").click()
    text = sponsor.get_by_test_id("covered").inner_text()
    assert "197101******0001" in text and "S. A." in text
    assert "1971015708450001" not in sponsor.content() and "Siti Aminah" not in sponsor.content()
    assert sponsor.get_by_test_id("slots").inner_text().strip() == "3 / 3"
    response = sponsor.goto(f"{live_server}/beneficiaries/")
    assert response.status == 403
