"""The agreement matches the money flow: a premium pledge paid through the city is invoiced and
receipted; one paid directly to BPJS Kesehatan gets no invoice, its company sends BPJS's proof
per month, staff confirm it; the PKS says which, and cites its legal basis."""
from __future__ import annotations

import io
import subprocess
from datetime import date

import pytest

from sponsorship.extensions import db
from tests import factories
from tests.pages import get_page, post_page

FORM = {
    "company_number": "045/PKS/X/2025", "signing_date": "2025-11-13", "signing_place": "Kota Uji",
    "city_signatory_name": "Budi Walikota", "city_signatory_title": "Wali Kota",
    "company_signatory_name": "Sari Direktur", "company_signatory_title": "Direktur Utama",
}


def pdf_text(data: bytes) -> str:
    out = subprocess.run(["pdftotext", "-", "-"], input=data, capture_output=True, check=True)
    return " ".join(out.stdout.decode().split())


def _final_pks(client, pledge, **extra) -> str:
    post_page(client, f"/pledges/{pledge.id}/agreement", {**FORM, **extra})
    post_page(client, f"/pledges/{pledge.id}/agreement/finalise", {"confirm": "y"})
    return pdf_text(client.get(f"/pledges/{pledge.id}/agreement.pdf").data)


LEGAL_BASIS = ("Undang-Undang Nomor 23 Tahun 2014 tentang Pemerintahan Daerah",
               "Peraturan Pemerintah Nomor 28 Tahun 2018 tentang Kerja Sama Daerah",
               "Peraturan Menteri Dalam Negeri Nomor 22 Tahun 2020",
               "Undang-Undang Nomor 40 Tahun 2007 tentang Perseroan Terbatas, Pasal 74",
               "Peraturan Pemerintah Nomor 47 Tahun 2012",
               "Peraturan Presiden Nomor 82 Tahun 2018 tentang Jaminan Kesehatan sebagaimana telah beberapa "
               "kali diubah")


def test_a_pks_through_the_city_names_the_account_and_the_invoices(login, staff, company_a):
    pledge = factories.make_pledge(sponsor=company_a, status="agreed", quota=5)
    text = _final_pks(login(staff), pledge)
    for basis in LEGAL_BASIS:
        assert basis in text, basis
    assert "menerbitkan tagihan iuran setiap bulan" in text
    assert "rekening Bank Uji Daerah nomor 0012345678 atas nama Rekening Kas Umum Daerah Kota Uji" in text
    assert "langsung kepada BPJS Kesehatan" not in text
    assert "Pemantauan, Evaluasi dan Pelaporan" in text and "laporan dampak triwulanan" in text
    assert "berkedudukan di Jl. Uji No. 1" in text  # PIHAK PERTAMA's address
    assert "PIHAK KETIGA" not in text


def test_a_direct_pks_says_donasi_jkn_and_may_have_bpjs_as_third_party(login, staff, company_a):
    pledge = factories.make_pledge(sponsor=company_a, status="agreed", quota=5, payment_route="direct")
    client = login(staff)
    refused = client.post(f"/pledges/{pledge.id}/agreement", data={**FORM, "bpjs_party": "y"})
    assert refused.status_code == 200 and "PIHAK KETIGA" in refused.get_data(as_text=True)
    text = _final_pks(client, pledge, bpjs_party="y", bpjs_signatory_name="Dewi Cabang",
                      bpjs_signatory_title="Kepala Cabang BPJS Kesehatan")
    assert "langsung kepada BPJS Kesehatan melalui skema Donasi JKN" in text
    assert "mengunggah bukti pembayaran dari BPJS Kesehatan" in text
    assert "tidak melalui rekening kas daerah" in text and "menerbitkan tagihan" not in text
    assert "Dewi Cabang" in text and "selanjutnya disebut PIHAK KETIGA" in text


def test_no_final_pks_link_before_an_agreement_exists(login, staff, company_a):
    pledge = factories.make_pledge(sponsor=company_a, status="agreed")
    client = login(staff)
    page = get_page(client, f"/pledges/{pledge.id}")
    assert page.select_one("[data-testid=final-agreement-pdf]") is None
    assert "PDF perjanjian final" not in page.get_text()
    _final_pks(client, pledge)
    page = get_page(client, f"/pledges/{pledge.id}")
    link = page.select_one("[data-testid=final-agreement-pdf]")["href"]
    assert client.get(link).status_code == 200


def test_a_direct_pledge_is_never_invoiced(app_ctx, staff, company_a):
    from sponsorship.billing import service as billing
    from sponsorship.billing.models import Invoice

    pledge = factories.direct_pledge(company_a)
    assert billing.bill_pledge_month(pledge, date(2026, 1, 1), actor=staff) == ("not_billable", None)
    assert billing.bill_month(date(2026, 2, 1), actor=staff)["created"] == 0
    assert db.session.scalar(db.select(db.func.count(Invoice.id))) == 0


def test_the_company_sends_bpjs_proof_and_staff_confirm_it(login, staff, sponsor_a, sponsor_b, company_a):
    from sponsorship.billing.models import BpjsPayment

    pledge = factories.direct_pledge(company_a)
    portal = login(sponsor_a)
    home = get_page(portal, "/portal/")
    url = home.select_one("[data-testid=bpjs-proofs]")["href"]
    assert url == f"/portal/pledges/{pledge.id}/bpjs-payments"
    page = get_page(portal, url)
    first = page.select_one("[data-testid=bpjs-months] tbody tr").get_text(" ", strip=True)
    assert "Januari 2026" in first and "Rp 70.000" in first  # 2 persons x Rp 35.000 due
    form = {"month": "2026-01", "amount": "70000", "reference": "BPJS-TRX-1", "paid_on": "2026-01-08"}
    # checked by content: an executable named .pdf is refused, nothing stored
    bad = portal.post(url, data={**form, "proof": (io.BytesIO(b"MZ\x90\x00" + b"0" * 64), "bukti.pdf")},
                      content_type="multipart/form-data")
    assert bad.status_code == 400 and "diperiksa dari isinya" in bad.get_data(as_text=True)
    big = portal.post(url, data={**form, "proof": (io.BytesIO(b"%PDF-" + b"0" * (6 * 1024 * 1024)), "b.pdf")},
                      content_type="multipart/form-data")
    assert big.status_code == 400 and "terlalu besar" in big.get_data(as_text=True)
    assert db.session.scalar(db.select(db.func.count(BpjsPayment.id))) == 0
    post_page(portal, url, {**form, "proof": (io.BytesIO(b"%PDF-1.4 bukti bpjs"), "bukti.pdf")},
              content_type="multipart/form-data")
    again = portal.post(url, data={**form, "proof": (io.BytesIO(b"%PDF-1.4 lagi"), "b.pdf")},
                        content_type="multipart/form-data")
    assert again.status_code == 400 and "sudah dikirim" in again.get_data(as_text=True)
    assert login(sponsor_b).get(url).status_code == 404
    row = db.session.scalar(db.select(BpjsPayment))
    assert (row.persons, row.amount_due, row.amount, row.status) == (2, 70_000, 70_000, "pending")

    office = login(staff)
    listed = get_page(office, "/billing/").select_one("[data-testid=pending-bpjs-payments]")
    assert "BPJS-TRX-1" in listed.text
    assert office.get(f"/billing/bpjs-payments/{row.id}/proof").data == b"%PDF-1.4 bukti bpjs"
    post_page(office, f"/billing/bpjs-payments/{row.id}/reject", {})  # a rejection needs its note
    db.session.expire_all()
    assert row.status == "pending"
    post_page(office, f"/billing/bpjs-payments/{row.id}/confirm", {})
    db.session.expire_all()
    assert row.status == "confirmed" and row.decided_by_id == staff.id
    assert "Dikonfirmasi" in get_page(portal, url).select_one("[data-testid=bpjs-months]").text
    statement = get_page(office, f"/billing/pledges/{pledge.id}/statement")
    assert statement.select_one("[data-testid=direct-paid]").text.strip() == "Rp 70.000"


@pytest.mark.parametrize("route", ["city", "direct"])
def test_the_pledge_form_records_the_route(login, staff, company_a, route):
    from sponsorship.pledges.models import Pledge

    post_page(login(staff), "/pledges/new", {
        "sponsor_id": company_a.id, "programme": "premium", "title": "Iuran 10 warga", "quota": "10",
        "months": "12", "start_month": "2026-01", "workers_attested": "y", "payment_route": route})
    assert db.session.scalar(db.select(Pledge.payment_route)) == route


def test_the_schedule_issues_each_ended_quarter_once(app, app_ctx, company_a):
    from sponsorship.documents.models import ImpactReportIssue

    factories.direct_pledge(company_a, persons=1)  # January to December 2026
    runner = app.test_cli_runner()
    first = runner.invoke(args=["issue-quarterly-reports", "--today", "2026-07-02"])
    assert first.exit_code == 0, first.output
    assert '"issued": 2' in first.output
    again = runner.invoke(args=["issue-quarterly-reports", "--today", "2026-07-20"])
    assert '"issued": 0' in again.output
    db.session.expire_all()
    periods = db.session.execute(db.select(ImpactReportIssue.period_start, ImpactReportIssue.period_end,
                                           ImpactReportIssue.requested_by)
                                 .order_by(ImpactReportIssue.period_start)).all()
    assert periods == [(date(2026, 1, 1), date(2026, 3, 1), "schedule"),
                       (date(2026, 4, 1), date(2026, 6, 1), "schedule")]
