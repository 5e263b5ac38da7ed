"""Billing in a real browser: the sponsor pays an invoice with a proof, staff confirm it, and the
sponsor's portal shows it paid with both charts drawn by Chart.js (no CSP violation)."""
from __future__ import annotations

from datetime import date

import pytest

from sponsorship.extensions import db
from tests import factories
from tests.factories import make_residents, resident_row
from tests.pages import ARTIFACTS, e2e_login, e2e_logout

pytestmark = pytest.mark.e2e

DRAWN_PIXELS = """(canvas) => {
  const ctx = canvas.getContext("2d");
  const data = ctx.getImageData(0, 0, canvas.width, canvas.height).data;
  let n = 0;
  for (let i = 3; i < data.length; i += 4) if (data[i] !== 0) n++;
  return n;
}"""


def test_sponsor_pays_staff_confirm_portal_shows_paid(page, live_server, staff, sponsor_a, company_a,
                                                      app_ctx, tmp_path):
    from sponsorship.allocations import service as allocations
    from sponsorship.beneficiaries.models import Beneficiary
    from sponsorship.billing import service as billing
    from sponsorship.billing.models import Invoice

    pledge = factories.make_pledge(sponsor=company_a, status="active", quota=5, months=12,
                                   title="Iuran JKN warga Bacang")
    ids = make_residents(rows=[resident_row(f"19710117084500{i:02d}", f"Warga {i}") for i in (1, 2)])
    for b in db.session.scalars(db.select(Beneficiary).where(Beneficiary.id.in_(ids))):
        allocations.allocate(pledge, b, actor=staff)
    db.session.commit()
    billing.bill_month(date(2026, 1, 1), actor=staff)
    db.session.commit()
    invoice = db.session.scalar(db.select(Invoice))
    proof = tmp_path / "bukti-transfer.pdf"
    proof.write_bytes(b"%PDF-1.4\n% bukti transfer\n%%EOF\n")
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))

    # The sponsor opens the invoice from its portal and reports the transfer.
    e2e_login(page, live_server, sponsor_a.username, factories.DEFAULT_PASSWORD)
    assert page.url.endswith("/portal/")
    page.get_by_test_id("portal-invoices").get_by_role("link").first.click()
    page.fill("#amount", "70.000")
    page.fill("#reference", "BSB-2026-01-777")
    page.fill("#paid_on", "2026-01-08")
    page.set_input_files("#proof", str(proof))
    with page.expect_navigation():
        page.get_by_role("button", name="Kirim pembayaran").click()
    assert page.locator("[data-testid=payments] [data-status=pending]").count() == 1
    e2e_logout(page)

    # Staff see it waiting (navigation count), open it and confirm.
    e2e_login(page, live_server, staff.username, factories.DEFAULT_PASSWORD)
    assert int(page.get_by_test_id("notification-count").inner_text()) == 1
    assert "belum dibaca" in page.get_by_test_id("notifications-link").text_content()
    page.get_by_role("link", name="Tagihan iuran").click()
    page.get_by_test_id("pending-payments").get_by_role("link", name="Periksa").click()
    with page.expect_navigation():
        page.get_by_role("button", name="Konfirmasi").click()
    assert page.locator("h1 [data-status]").get_attribute("data-status") == "paid"
    e2e_logout(page)

    # The sponsor's portal shows it paid, and both charts are drawn.
    e2e_login(page, live_server, sponsor_a.username, factories.DEFAULT_PASSWORD)
    row = page.locator(f"[data-testid=portal-invoices] [data-invoice='{invoice.id}']")
    assert row.locator("[data-status]").get_attribute("data-status") == "paid"
    assert page.get_by_test_id("paid").inner_text() == "Rp 70.000"
    assert page.get_by_test_id("due").inner_text() == "Rp 0"
    assert "Tanda Terima Pembayaran" in page.get_by_test_id("portal-documents").inner_text()
    for key, labels in (("month", "12"), ("kecamatan", "1")):
        canvas = page.locator(f"#portal-chart-{key}")
        canvas.scroll_into_view_if_needed()
        page.wait_for_function(
            f"document.querySelector('#portal-chart-{key}').dataset.rendered === '{labels}'")
        assert canvas.evaluate(DRAWN_PIXELS) > 500, key
    assert not errors, errors  # no CSP violation, no script error
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "sponsor-portal-paid.png"), full_page=True)
