"""A reviewer settles a probable duplicate in Chromium: an agency's row that may be a registered
resident waits in the queue (not created), the reviewer compares the pair side by side, decides
it is the same person, and the queue is empty."""
from __future__ import annotations

import pytest

from sponsorship.beneficiaries.demo import to_csv
from sponsorship.extensions import db
from tests import factories
from tests.pages import e2e_login

pytestmark = pytest.mark.e2e

HEADER = ["nik", "no_kk", "nama", "jenis_kelamin", "tanggal_lahir", "kelurahan"]


def _upload(page, base: str, source: str, rows) -> None:
    page.goto(f"{base}/beneficiaries/import")
    page.get_by_label("Sumber").select_option(source)
    page.set_input_files("#file", files=[{"name": f"{source}.csv", "mimeType": "text/csv",
                                          "buffer": to_csv(rows, header=HEADER)}])
    with page.expect_navigation():
        page.get_by_role("button", name="Pratinjau").click()


def test_reviewer_settles_a_probable_duplicate(page, live_server, staff):
    from sponsorship.beneficiaries.models import Beneficiary
    from sponsorship.linkage.models import LinkCandidate

    e2e_login(page, live_server, staff.username, factories.DEFAULT_PASSWORD)
    _upload(page, live_server, "dukcapil",
            [["1971010707800041", "", "Budi Santoso", "L", "1980-07-07", "Bacang"]])
    with page.expect_navigation():
        page.get_by_test_id("confirm-import").click()
    _upload(page, live_server, "dinsos",
            [["1971013108759999", "", "BUDI SANTOSO", "L", "1980-07-07", "Bacang"]])
    assert page.locator("[data-count=review]").inner_text() == "1"
    assert page.locator("[data-count=created]").inner_text() == "0"
    with page.expect_navigation():
        page.get_by_test_id("confirm-import").click()
    with page.expect_navigation():
        page.get_by_role("link", name="Buka antrean tinjauan").click()

    with page.expect_navigation():
        page.get_by_test_id("candidates").get_by_role("link", name="Tinjau").click()
    pair = page.get_by_test_id("pair")
    assert "Budi Santoso" in pair.inner_text() and "BUDI SANTOSO" in pair.inner_text()
    assert page.get_by_test_id("nik-right").inner_text() == "197101******9999"
    assert page.get_by_test_id("nik-right").locator("mark").count() >= 4
    assert page.get_by_test_id("probability").inner_text().endswith("%")
    page.fill("#note", "KTP dicek: orang yang sama")
    with page.expect_navigation():
        page.get_by_test_id("decide-same").click()
    assert "orang yang sama" in page.locator(".alert").first.inner_text()
    assert "Tidak ada kemungkinan duplikat" in page.get_by_test_id("candidates").inner_text()

    db.session.rollback()
    assert db.session.scalar(db.select(db.func.count()).select_from(Beneficiary)) == 1
    assert db.session.scalar(db.select(LinkCandidate.status)) == "same"
