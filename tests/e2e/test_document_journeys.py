"""Official documents in a real browser: staff finalise a PKS through its DRAF preview and a
confirmation that says it cannot be undone; a sponsor requests a quarterly impact report from
its portal and reads it. No CSP violation on the way (no inline script anywhere)."""
from __future__ import annotations

import subprocess
from datetime import date

import pytest

from sponsorship.extensions import db
from tests import factories
from tests.pages import e2e_login

pytestmark = pytest.mark.e2e


def pdf_text(data: bytes) -> str:
    out = subprocess.run(["pdftotext", "-", "-"], input=data, capture_output=True, check=True)
    return " ".join(out.stdout.decode().split())


def _watch(page) -> list[str]:
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    return errors


def test_staff_finalise_a_pks_after_its_preview_and_confirmation(page, live_server, staff, company_a,
                                                                 app_ctx):
    from sponsorship.agreements.models import Agreement

    pledge = factories.make_pledge(sponsor=company_a, status="agreed", quota=20, title="Iuran JKN 20 warga")
    errors = _watch(page)
    e2e_login(page, live_server, staff.username, factories.DEFAULT_PASSWORD)
    page.goto(f"{live_server}/pledges/{pledge.id}")
    assert page.get_by_test_id("final-agreement-pdf").count() == 0  # nothing final yet
    page.get_by_role("link", name="Perjanjian kerja sama (PKS)").click()
    page.fill("#signing_date", "2026-01-15")
    page.fill("#signing_place", "Kota Uji")
    page.fill("#city_signatory_name", "Budi Walikota")
    page.fill("#city_signatory_title", "Wali Kota")
    page.fill("#company_signatory_name", "Sari Direktur")
    page.fill("#company_signatory_title", "Direktur Utama")
    with page.expect_navigation():
        page.get_by_role("button", name="Simpan draf").click()

    # Finalising opens a page of its own: the DRAF preview, the summary, the warning.
    page.get_by_test_id("finalise").click()
    assert "/agreement/finalise" in page.url
    assert "tidak dapat dibatalkan" in page.get_by_test_id("irreversible").inner_text()
    assert "Sari Direktur" in page.get_by_test_id("summary").inner_text()
    preview = page.request.get(live_server + page.get_by_test_id("preview-link").get_attribute("href"))
    assert preview.ok and "DRAF: belum bernomor" in pdf_text(preview.body())

    # Without ticking the confirmation nothing is finalised.
    with page.expect_navigation():
        page.get_by_test_id("finalise-confirm").click()
    db.session.rollback()
    agreement = db.session.scalar(db.select(Agreement).where(Agreement.pledge_id == pledge.id))
    assert agreement.status == "draft" and agreement.city_number is None
    page.get_by_label("Saya telah memeriksa pratinjau").check()
    with page.expect_navigation():
        page.get_by_test_id("finalise-confirm").click()
    number = page.get_by_test_id("agreement-number").inner_text()
    assert number.startswith("400.7/0001/SETDA/2026")
    db.session.rollback()
    agreement = db.session.scalar(db.select(Agreement).where(Agreement.pledge_id == pledge.id))
    assert agreement.status == "final" and agreement.city_number == number
    final = page.request.get(f"{live_server}/pledges/{pledge.id}/agreement.pdf")
    text = pdf_text(final.body())
    assert f"Nomor: {number}" in text and "DRAF" not in text and "Budi Walikota" in text
    page.goto(f"{live_server}/pledges/{pledge.id}")
    assert page.get_by_test_id("final-agreement-pdf").count() == 1
    assert not [e for e in errors if "Content Security Policy" in e or "Refused" in e], errors


def test_sponsor_requests_a_quarterly_impact_report(page, live_server, staff, sponsor_a, company_a, app_ctx):
    from sponsorship.allocations import service as allocations
    from sponsorship.beneficiaries.models import Beneficiary
    from sponsorship.billing import service as billing

    pledge = factories.make_pledge(sponsor=company_a, status="active", quota=5, months=12)
    for _ in range(2):
        allocations.allocate(pledge, db.session.get(Beneficiary, factories.registry_resident()), actor=staff,
                             start_month=date(2026, 1, 1))
    for month in (1, 2, 3):
        billing.bill_pledge_month(pledge, date(2026, month, 1), actor=staff, with_document=False)
    db.session.commit()
    errors = _watch(page)
    e2e_login(page, live_server, sponsor_a.username, factories.DEFAULT_PASSWORD)
    page.get_by_test_id("request-impact-report").click()
    assert page.get_by_test_id("impact-reports").inner_text().count("Belum ada laporan") == 1
    page.select_option("#quarter", "2026-01")
    with page.expect_navigation():
        page.get_by_test_id("request-report").click()
    row = page.get_by_test_id("impact-reports").locator("tbody tr").first
    assert "Januari 2026" in row.inner_text() and "Maret 2026" in row.inner_text()
    assert "perusahaan" in row.inner_text()
    href = row.get_by_role("link").get_attribute("href")
    report = page.request.get(live_server + href)
    assert report.ok and report.headers["content-type"] == "application/pdf"
    text = pdf_text(report.body())
    assert "Periode Januari 2026 – Maret 2026" in text
    assert "2 orang" in text and "6 orang-bulan" in text  # 2 residents x 3 months, as billed
    assert "Iuran ditagihkan Rp210.000,00" in text
    assert not errors, errors
