"""The sponsor impact report: people covered, person-months, premiums due, invoiced, paid and
outstanding for a period, and where staff and sponsors reach it."""
from __future__ import annotations

import subprocess
from datetime import date

from sponsorship.extensions import db
from tests import factories
from tests.pages import get_page, post_page


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
        service.allocate(pledge, db.session.get(Beneficiary, factories.registry_resident()), actor=staff,
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


def test_report_shows_invoiced_paid_and_outstanding_from_billing(login, staff, sponsor_a, sponsor_b,
                                                                 company_a, company_b):
    """Invoices of the period's months; only confirmed payments count as paid."""
    from sponsorship.allocations import service as allocations
    from sponsorship.beneficiaries.models import Beneficiary
    from sponsorship.billing import service as billing

    pledge = factories.make_pledge(sponsor=company_a, status="active", quota=10, months=12)
    for _ in range(2):
        allocations.allocate(pledge, db.session.get(Beneficiary, factories.registry_resident()), actor=staff,
                             start_month=date(2026, 1, 1))
    db.session.commit()
    invoices = {}
    for m in (1, 2, 3, 7):  # July lies outside the reported period
        outcome, invoices[m] = billing.bill_pledge_month(pledge, date(2026, m, 1), actor=staff,
                                                         with_document=False)
        assert outcome == "created" and invoices[m].amount == 70_000  # 2 persons x Rp 35.000
    other = factories.make_pledge(sponsor=company_b, status="active", quota=5, months=12)
    allocations.allocate(other, db.session.get(Beneficiary, factories.registry_resident()), actor=staff,
                         start_month=date(2026, 1, 1))
    db.session.flush()
    billing.bill_pledge_month(other, date(2026, 1, 1), actor=staff, with_document=False)
    db.session.commit()

    def pay(month, amount, decision=None):
        payment = billing.record_payment(invoices[month], actor=sponsor_a, amount=amount,
                                         reference=f"TRF-{month}", paid_on=date(2026, month, 9),
                                         proof=factories.pdf_file())
        if decision == "reject":
            billing.decide_payment(payment, "reject", actor=staff, note="Bukti tidak terbaca")
        elif decision:
            billing.decide_payment(payment, decision, actor=staff)
        db.session.commit()

    pay(1, 70_000, "confirm")  # January paid in full
    pay(2, 30_000, "confirm")  # February: partly paid ...
    pay(2, 10_000)  # ... and a payment still waiting for staff, not paid yet
    pay(3, 20_000, "reject")  # March: a rejected payment pays nothing
    pay(7, 70_000, "confirm")  # outside the period
    invoiced = 3 * 70_000
    paid = 70_000 + 30_000
    assert (invoiced, paid, invoiced - paid) == (210_000, 100_000, 110_000)

    client = login(staff)
    form = get_page(client, f"/sponsors/{company_a.id}").select_one("[data-testid=impact-report-form]")
    assert form["action"] == f"/documents/sponsors/{company_a.id}/impact-report"
    assert {i["name"] for i in form.select("input")} == {"csrf_token", "start", "end"}
    url = post_page(client, form["action"], {"start": "2026-01", "end": "2026-06"}).headers["Location"]
    text = pdf_text(client.get(url).data)
    assert "(3 tagihan)" in text
    assert "Iuran ditagihkan Rp210.000,00" in text
    assert "Iuran dibayar (pembayaran terkonfirmasi) Rp100.000,00" in text
    assert "Sisa tagihan belum dibayar Rp110.000,00" in text
    assert "Rp100.000,00 (seratus ribu rupiah) dari Rp210.000,00 (dua ratus sepuluh ribu rupiah)" in text
    assert "sisa Rp110.000,00 (seratus sepuluh ribu rupiah)" in text
    # what it showed before billing existed is still there
    assert "2 orang" in text and "12 orang-bulan" in text and "Rp420.000,00" in text

    # the sponsor finds it from the portal; another sponsor gets 404
    portal = login(sponsor_a)
    link = get_page(portal, "/portal/").select_one("[data-testid=portal-impact-reports] a")
    assert get_page(portal, link["href"]).find("a", href=url) is not None
    assert portal.get(url).status_code == 200
    assert login(sponsor_b).get(url).status_code == 404


def test_report_without_invoices_shows_zeros(login, staff, company_a):
    client = login(staff)
    url = post_page(client, f"/documents/sponsors/{company_a.id}/impact-report",
                    {"start": "2026-01", "end": "2026-12"}).headers["Location"]
    text = pdf_text(client.get(url).data)
    assert "(0 tagihan)" in text and "Iuran ditagihkan Rp0,00" in text
    assert "Sisa tagihan belum dibayar Rp0,00" in text
