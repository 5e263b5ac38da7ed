"""The city dashboard in a real browser: staff record a month, both charts are drawn by Chart.js."""
from __future__ import annotations

from datetime import date

import pytest

from sponsorship.extensions import db
from sponsorship.uhc.models import CoverageFigure
from tests import factories
from tests.pages import ARTIFACTS, e2e_login

pytestmark = pytest.mark.e2e

# A canvas Chart.js drew on has non-transparent pixels; a blank one has none.
DRAWN_PIXELS = """(canvas) => {
  const ctx = canvas.getContext("2d");
  const data = ctx.getImageData(0, 0, canvas.width, canvas.height).data;
  let n = 0;
  for (let i = 3; i < data.length; i += 4) if (data[i] !== 0) n++;
  return n;
}"""


def test_staff_record_a_month_and_see_the_charts_drawn(page, live_server, staff, company_a, app_ctx):
    factories.make_pledge(sponsor=company_a, status="agreed", quota=500, months=12)
    for month, registered, active in ((date(2025, 4, 1), 239_344, 179_963),
                                      (date(2025, 6, 1), 239_260, 177_794)):
        db.session.add(CoverageFigure(month=month, population=242_285, registered=registered, active=active))
    db.session.commit()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))

    e2e_login(page, live_server, staff.username, factories.DEFAULT_PASSWORD)
    page.get_by_role("link", name="Dasbor UHC").click()
    page.get_by_role("link", name="Catat angka bulan").click()
    page.get_by_label("Bulan laporan").fill("2025-11")
    page.get_by_label("Jumlah penduduk").fill("242870")
    page.get_by_label("Peserta JKN terdaftar").fill("239081")
    page.get_by_label("Peserta JKN aktif").fill("193656")
    with page.expect_navigation():
        page.get_by_role("button", name="Simpan").click()

    assert page.get_by_test_id("activity").inner_text() == "81,00 %"
    assert page.get_by_test_id("slots-firm").inner_text() == "500"
    for key, labels in (("trend", 3), ("pledges", 1)):
        canvas = page.locator(f"#canvas-{key}")
        canvas.scroll_into_view_if_needed()
        page.wait_for_function(f"document.querySelector('#canvas-{key}').dataset.rendered === '{labels}'")
        assert canvas.evaluate(DRAWN_PIXELS) > 500, key
        box = canvas.bounding_box()
        assert box and box["width"] > 200 and box["height"] > 200, key
    # The accessible table beside the chart carries the new month.
    assert page.locator("[data-testid=chart-trend] tbody tr").first.get_attribute("data-month") == "2025-11"
    assert not errors, errors  # no CSP violation, no script error
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "uhc-dashboard.png"), full_page=True)

    with page.expect_download() as download:
        page.locator("[data-testid=chart-trend]").get_by_role("link", name="Unduh XLSX").click()
    assert download.value.suggested_filename == "uhc-trend.xlsx"
