"""The sponsor impact report: people covered, person-months and premiums due for a period."""
from __future__ import annotations

import subprocess
from datetime import date

from sponsorship.extensions import db
from tests import factories
from tests.conftest import post_page
from tests.integration import test_registry_pages as registry


def pdf_text(data: bytes) -> str:
    out = subprocess.run(["pdftotext", "-", "-"], input=data, capture_output=True, check=True)
    return " ".join(out.stdout.decode().split())


def test_person_months_count_only_the_overlap():
    from sponsorship.documents.report import person_months

    period = (date(2026, 1, 1), date(2026, 6, 1))
    assert person_months(date(2026, 1, 1), None, *period) == 6
    assert person_months(date(2026, 4, 1), date(2026, 12, 1), *period) == 3
    assert person_months(date(2025, 1, 1), date(2025, 12, 1), *period) == 0


def test_staff_issue_a_report_the_sponsor_alone_downloads(login, staff, sponsor_a, sponsor_b, company_a):
    from sponsorship.allocations import service
    from sponsorship.beneficiaries.models import Beneficiary

    pledge = factories.make_pledge(sponsor=company_a, status="active", quota=10, months=12)
    for _ in range(2):
        service.allocate(pledge, db.session.get(Beneficiary, registry.registry_resident()), actor=staff,
                         start_month=date(2026, 1, 1))
    db.session.commit()
    client = login(staff)
    response = post_page(client, f"/documents/sponsors/{company_a.id}/impact-report",
                         {"start": "2026-01", "end": "2026-06"})
    url = response.headers["Location"]
    text = pdf_text(client.get(url).data)
    assert "PT Alpha Sejahtera" in text and "Periode Januari 2026 – Juni 2026" in text
    assert "2 orang" in text and "12 orang-bulan" in text
    assert "Rp420.000,00 (empat ratus dua puluh ribu rupiah)" in text
    assert "Nomor: 400.7/0001/LAP-TJSL/" in text
    assert "197101" not in text  # no NIK, not even masked
    assert login(sponsor_a).get(url).status_code == 200
    assert login(sponsor_b).get(url).status_code == 404
