"""Every figure an issued document prints is read back from the PDF (pdftotext) and compared
with SQL over the rows it is about: the impact report against the invoices billing made, the
berita acara against its items, the invoice and receipt against their rows and the settings."""
from __future__ import annotations

import io
import subprocess
from datetime import date

import segno
from sqlalchemy import text
from werkzeug.datastructures import FileStorage

from sponsorship.core.formatting import rupiah_resmi, terbilang
from sponsorship.extensions import db
from tests import factories
from tests.pages import get_page, post_page


def pdf_text(data: bytes) -> str:
    out = subprocess.run(["pdftotext", "-", "-"], input=data, capture_output=True, check=True)
    return " ".join(out.stdout.decode().split())


def document_text(document_id: int) -> str:
    from sponsorship.documents import service
    from sponsorship.documents.models import Document

    return pdf_text(service.read_bytes(db.session.get(Document, document_id)))


def sql(query: str, **params):
    return db.session.execute(text(query), params).one()


def png_photo() -> FileStorage:
    buffer = io.BytesIO()
    segno.make("foto").save(buffer, kind="png", scale=4)
    buffer.seek(0)
    return FileStorage(stream=buffer, filename="foto.png", content_type="image/png")


def test_impact_report_counts_what_billing_counts_reserved_included(login, staff, company_a):
    from sponsorship.allocations import service as allocations
    from sponsorship.allocations.models import Allocation
    from sponsorship.beneficiaries.models import Beneficiary
    from sponsorship.billing import service as billing

    pledge = factories.make_pledge(sponsor=company_a, status="agreed", quota=10, months=12)
    # allocated while agreed: these stay reserved, and billing counts them
    for _ in range(3):
        allocations.allocate(pledge, db.session.get(Beneficiary, factories.registry_resident()),
                             actor=staff, start_month=date(2026, 1, 1))
    factories.signed_agreement_record(pledge)
    from sponsorship.pledges import service as pledges

    pledges.transition_pledge(pledge, "start", actor=staff)
    allocations.allocate(pledge, db.session.get(Beneficiary, factories.registry_resident()), actor=staff,
                         start_month=date(2026, 2, 1))
    db.session.commit()
    assert db.session.scalar(db.select(db.func.count(Allocation.id))
                             .where(Allocation.status == "reserved")) >= 3
    for month in (1, 2, 3):
        assert billing.bill_pledge_month(pledge, date(2026, month, 1), actor=staff)[0] == "created"
    db.session.commit()

    client = login(staff)
    url = post_page(client, f"/documents/sponsors/{company_a.id}/impact-report",
                    {"start": "2026-01", "end": "2026-03"}).headers["Location"]
    report = pdf_text(client.get(url).data)

    person_months, invoiced = sql(
        "SELECT sum(persons), sum(amount) FROM invoice WHERE pledge_id = :p AND month BETWEEN :a AND :b",
        p=pledge.id, a=date(2026, 1, 1), b=date(2026, 3, 1))
    assert (person_months, invoiced) == (3 + 4 + 4, 11 * 35_000)
    people, = sql("SELECT count(DISTINCT beneficiary_id) FROM allocation WHERE pledge_id = :p", p=pledge.id)
    assert f"{people} orang" in report and f"{person_months} orang-bulan" in report
    assert f"{rupiah_resmi(invoiced)} ({terbilang(invoiced)})" in report  # premiums due = invoiced
    assert f"Iuran ditagihkan {rupiah_resmi(invoiced)}" in report
    assert "Iuran dibayar (pembayaran terkonfirmasi) Rp0,00" in report
    # coverage by kecamatan: the same people, grouped as SQL groups them
    rows = db.session.execute(text(
        "SELECT r.kecamatan_name, count(DISTINCT a.beneficiary_id) FROM allocation a "
        "JOIN beneficiary b ON b.id = a.beneficiary_id JOIN region r ON r.code = b.region_code "
        "WHERE a.pledge_id = :p GROUP BY r.kecamatan_name"), {"p": pledge.id}).all()
    assert sum(n for _, n in rows) == people
    for kecamatan, n in rows:
        assert f"{kecamatan} {n}" in report


def test_impact_report_of_a_direct_payer_counts_confirmed_bpjs_proofs(login, staff, sponsor_a, company_a):
    from sponsorship.billing import service as billing
    from sponsorship.billing.models import BpjsPayment

    proof = factories.bpjs_payment_for(company_a)  # January, 2 persons, Rp70.000 paid
    billing.decide_bpjs_payment(db.session.get(BpjsPayment, proof.id), "confirm", actor=staff)
    db.session.commit()
    client = login(sponsor_a)
    page = get_page(client, "/portal/impact-reports")
    assert page.select_one("[data-testid=report-request-form]") is not None
    post_page(client, "/portal/impact-reports", {"start": "2026-01", "end": "2026-01"})
    from sponsorship.documents.models import ImpactReportIssue

    issue = db.session.scalar(db.select(ImpactReportIssue))
    assert issue.requested_by == "sponsor"
    report = document_text(issue.document_id)
    paid, = sql("SELECT sum(amount) FROM bpjs_payment WHERE sponsor_id = :s AND status = 'confirmed'",
                s=company_a.id)
    assert ("langsung kepada BPJS Kesehatan melalui Donasi JKN (bukti bayar terkonfirmasi): "
            f"{rupiah_resmi(paid)}") in report
    assert f"Jumlah iuran yang telah dibayar pada periode ini: {rupiah_resmi(paid)}" in report
    assert "(0 tagihan)" in report  # no invoice for a direct payer


def test_stories_need_a_real_photo_and_the_written_consent(login, staff, company_a, tmp_path):
    client = login(staff)
    url = f"/documents/sponsors/{company_a.id}/stories"
    form = {"story-month": "2026-02", "story-title": "Ibu S., 54 tahun", "story-consent_on": "2026-02-10",
            "story-text": "Kini dapat kontrol rutin ke puskesmas tanpa memikirkan iuran."}
    fake = factories.upload_file("png", "foto.png")  # a PNG header and nothing else
    response = client.post(url, data={**form, "story-photo": fake, "story-consent": factories.pdf_file()},
                           content_type="multipart/form-data")
    assert response.status_code == 400 and "tidak dapat dibaca" in response.get_data(as_text=True)
    response = client.post(url, data={**form, "story-photo": png_photo()}, content_type="multipart/form-data")
    assert response.status_code == 400  # no consent form: refused
    numbered = {**form, "story-text": "NIK 1971014101900001 sembuh."}
    files = {"story-photo": png_photo(), "story-consent": factories.pdf_file()}
    response = client.post(url, data={**numbered, **files}, content_type="multipart/form-data")
    assert response.status_code == 400 and "nomor identitas" in response.get_data(as_text=True)
    post_page(client, url, {**form, "story-photo": png_photo(), "story-consent": factories.pdf_file()},
              content_type="multipart/form-data")
    assert sql("SELECT count(*) FROM impact_story WHERE consent_path IS NOT NULL")[0] == 1
    report_url = post_page(client, f"/documents/sponsors/{company_a.id}/impact-report",
                           {"start": "2026-01", "end": "2026-03"}).headers["Location"]
    data = client.get(report_url).data
    report = pdf_text(data)
    assert "Ibu S., 54 tahun (Februari 2026)" in report and "kontrol rutin" in report
    (tmp_path / "report.pdf").write_bytes(data)
    images = subprocess.run(["pdfimages", "-list", str(tmp_path / "report.pdf")], capture_output=True,
                            check=True).stdout.decode().splitlines()[2:]
    assert len(images) == 2  # the QR code and the photo


def _minutes_of(n: int, staff):
    from sponsorship.minutes import service as minutes_service

    proposals = [factories.make_proposal(status="verified_eligible", staff=staff) for _ in range(n)]
    minutes = factories.make_minutes()
    for p in proposals:
        minutes_service.add_item(minutes, p, actor=staff)
    db.session.commit()
    return minutes


def test_berita_acara_totals_add_up_and_match_sql(login, staff, approver):
    minutes = _minutes_of(3, staff)
    client = login(staff)
    post_page(client, f"/minutes/{minutes.id}/finalise", {"confirm": "y"})
    db.session.expire_all()
    excluded_item = minutes.items[1]
    decided = login(approver)
    post_page(decided, f"/minutes/{minutes.id}/approve",
              {"note": "Setuju", f"exclude-{excluded_item.id}": "1",
               f"reason-{excluded_item.id}": "KK belum sesuai domisili"})
    # the berita acara issued again after the approval tells the whole story
    post_page(client, f"/documents/minutes/{minutes.id}/issue/berita_acara", {})
    db.session.expire_all()
    ba = pdf_text(client.get(f"/documents/minutes/{minutes.id}/berita-acara.pdf").data)
    letter = pdf_text(client.get(f"/documents/minutes/{minutes.id}/approval-letter.pdf").data)

    n_all, all_amount = sql("SELECT count(*), sum(amount) FROM aid_minutes_item WHERE minutes_id = :m",
                            m=minutes.id)
    n_out, out_amount = sql("SELECT count(*), sum(amount) FROM aid_minutes_item WHERE minutes_id = :m "
                            "AND excluded", m=minutes.id)
    n_in, in_amount = sql("SELECT count(*), sum(amount) FROM aid_minutes_item WHERE minutes_id = :m "
                          "AND NOT excluded", m=minutes.id)
    assert (n_all, n_out, n_in) == (3, 1, 2) and all_amount == out_amount + in_amount
    assert f"Rapat memutuskan {n_all} usulan" in ba
    assert f"Usulan yang diputuskan dalam rapat {n_all} usulan {rupiah_resmi(all_amount)}" in ba
    assert f"Dikecualikan pada persetujuan Wali Kota {n_out} usulan {rupiah_resmi(out_amount)}" in ba
    assert f"{n_in} usulan {rupiah_resmi(in_amount)}" in ba
    assert "dengan alasan: KK belum sesuai domisili" in ba
    assert f"Jumlah bantuan yang disetujui: {rupiah_resmi(in_amount)} ({terbilang(in_amount)})" in ba
    assert ba.count("Keputusan rapat: Dibantu") == 3 and "approved" not in ba
    assert ba.count("....................") == len(minutes.attendees)  # a signature line each
    assert f"Jumlah: {rupiah_resmi(in_amount)} ({terbilang(in_amount)})" in letter
    assert "Alasan: KK belum sesuai domisili" in letter
    # the minutes page after approval: the approved total, the decision in Indonesian
    page = get_page(client, f"/minutes/{minutes.id}")
    assert page.select_one("[data-testid=approval-decision]").text == "Disetujui"
    total = page.select_one("[data-testid=minutes-total]").text.strip()
    assert total == f"Rp {in_amount:,}".replace(",", ".")


def test_invoice_and_receipt_carry_what_a_treasurer_needs(login, staff, sponsor_a, company_a):
    from sponsorship.billing import service as billing
    from sponsorship.billing.models import Invoice

    pledge = factories.make_pledge(sponsor=company_a, status="active", quota=5)
    from sponsorship.allocations import service as allocations
    from sponsorship.beneficiaries.models import Beneficiary

    for _ in range(2):
        allocations.allocate(pledge, db.session.get(Beneficiary, factories.registry_resident()), actor=staff,
                             start_month=date(2026, 1, 1))
    _, invoice = billing.bill_pledge_month(pledge, date(2026, 1, 1), actor=staff)
    db.session.commit()
    persons, amount, number = sql(
        "SELECT i.persons, i.amount, d.number FROM invoice i JOIN document d ON d.id = i.document_id "
        "WHERE i.id = :i", i=invoice.id)
    bill = document_text(invoice.document_id)
    assert f"{persons} orang x Rp35.000,00" in bill and f"Jumlah tagihan: {rupiah_resmi(amount)}" in bill
    assert "Bank Uji Daerah nomor 0012345678" in bill and "Rekening Kas Umum Daerah Kota Uji" in bill
    assert f"Berita transfer : {billing.payment_reference(invoice)}" in bill
    assert "Bendahara Penerimaan" in bill and "Tuti Bendahara NIP 19850317 201001 2 004" in bill
    assert company_a.npwp_display in bill and "00.123.456.4-304.000" in bill  # both NPWPs, formatted
    payment = billing.record_payment(db.session.get(Invoice, invoice.id), actor=sponsor_a, amount=amount,
                                     reference="TRF-9", paid_on=date(2026, 1, 8), proof=factories.pdf_file())
    billing.decide_payment(payment, "confirm", actor=staff)
    db.session.commit()
    receipt_id, = sql("SELECT id FROM document WHERE kind = 'receipt'")
    receipt = document_text(receipt_id)
    assert f"{rupiah_resmi(amount)} ({terbilang(amount)})" in receipt and f"nomor {number}" in receipt
    assert "Tuti Bendahara NIP 19850317 201001 2 004" in receipt and company_a.npwp_display in receipt
    # the document list names the invoice's month
    page = get_page(login(sponsor_a), "/portal/")
    assert "Tagihan iuran JKN bulan Januari 2026" in page.select_one("[data-testid=portal-documents]").text


def test_verification_sheet_never_prints_none(login, verifier):
    proposal = factories.make_proposal(status="verified_eligible", verifier=verifier)
    for line in proposal.lines:
        line.description = None
    db.session.commit()
    client = login(verifier)
    post_page(client, f"/documents/proposals/{proposal.id}/verification-sheet", {})
    sheet = pdf_text(client.get(f"/documents/proposals/{proposal.id}/verification-sheet.pdf").data)
    assert "None" not in sheet and proposal.code in sheet


def test_piagam_names_the_company_and_its_people(login, staff, company_a):
    from sponsorship.allocations import service as allocations
    from sponsorship.beneficiaries.models import Beneficiary

    pledge = factories.make_pledge(sponsor=company_a, status="active", quota=5, months=6)
    allocations.allocate(pledge, db.session.get(Beneficiary, factories.registry_resident()), actor=staff,
                         start_month=date(2026, 1, 1))
    db.session.commit()
    client = login(staff)
    url = post_page(client, f"/documents/sponsors/{company_a.id}/certificate", {}).headers["Location"]
    piagam = pdf_text(client.get(url).data)
    assert "PIAGAM PENGHARGAAN" in piagam and "kepada PT ALPHA SEJAHTERA atas" in piagam
    assert "bagi 1 orang warga kurang mampu (6 orang-bulan" in piagam
    assert "Budi Walikota" in piagam and "Nomor: 400.7/0001/PIAGAM/" in piagam
