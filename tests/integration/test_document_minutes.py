"""Berita acara, the mayor's approval letter and the field verification sheet as issued PDFs."""
from __future__ import annotations

import subprocess

from sponsorship.extensions import db
from tests import factories
from tests.pages import get_page, post_page


def pdf_text(data: bytes) -> str:
    out = subprocess.run(["pdftotext", "-", "-"], input=data, capture_output=True, check=True)
    return " ".join(out.stdout.decode().split())


def test_finalising_minutes_issues_the_berita_acara(login, staff, approver, sponsor_a):
    minutes = factories.make_minutes(with_item=True)
    patient = minutes.items[0].proposal.patient_name
    client = login(staff)
    post_page(client, f"/minutes/{minutes.id}/finalise", {"confirm": "y"})
    db.session.expire_all()
    response = client.get(f"/documents/minutes/{minutes.id}/berita-acara.pdf")
    assert response.status_code == 200
    text = pdf_text(response.data)
    assert f"Nomor: {minutes.number}" in text
    assert ("Pada hari ini Minggu tanggal dua puluh dua bulan November tahun dua ribu dua puluh enam, "
            "pukul 09.30 WIB, bertempat di Setda") in text
    assert "Andi" in text and "Kabag Kesra" in text
    assert patient in text and "Dibantu" in text
    assert "Rp5.000.000,00 (lima juta rupiah)" in text
    assert ("Demikian berita acara ini dibuat dengan sebenarnya untuk dipergunakan sebagaimana "
            "mestinya.") in text
    assert "Mengetahui," in text and "Wali Kota Pangkalpinang" in text
    assert "Halaman 1 dari" in text
    # the approver reads it; a sponsor never does
    assert login(approver).get(f"/documents/minutes/{minutes.id}/berita-acara.pdf").status_code == 200
    assert login(sponsor_a).get(f"/documents/minutes/{minutes.id}/berita-acara.pdf").status_code == 403


def test_reissuing_makes_a_new_version_and_keeps_the_first(login, staff):
    from sponsorship.documents.models import Document

    minutes = factories.make_minutes(with_item=True)
    client = login(staff)
    post_page(client, f"/minutes/{minutes.id}/finalise", {"confirm": "y"})
    first = client.get(f"/documents/minutes/{minutes.id}/berita-acara.pdf").data
    post_page(client, f"/documents/minutes/{minutes.id}/issue/berita_acara", {})
    docs = db.session.scalars(db.select(Document).order_by(Document.id)).all()
    assert [d.version for d in docs] == [1, 2]
    assert docs[1].number == f"{docs[0].number}-v2" and docs[1].supersedes_id == docs[0].id
    second = client.get(f"/documents/minutes/{minutes.id}/berita-acara.pdf").data
    assert second != first and f"{docs[0].number}-v2".encode() not in first
    assert client.get(f"/documents/{docs[0].id}.pdf").data == first  # the first bytes never change


def test_approval_issues_the_mayors_letter(login, staff, approver):
    minutes = factories.make_minutes(with_item=True)
    patient = minutes.items[0].proposal.patient_name
    post_page(login(staff), f"/minutes/{minutes.id}/finalise", {"confirm": "y"})
    client = login(approver)
    post_page(client, f"/minutes/{minutes.id}/approve", {"note": "Setuju"})
    db.session.expire_all()
    text = pdf_text(client.get(f"/documents/minutes/{minutes.id}/approval-letter.pdf").data)
    assert "SURAT PERSETUJUAN WALI KOTA" in text
    assert "Nomor: 400.9/0001/WK/" in text
    assert f"Berita Acara Nomor {minutes.number}" in text
    assert patient in text and "Rp5.000.000,00 (lima juta rupiah)" in text


def test_verification_sheet_shows_the_visit_without_the_nik(login, verifier, staff):
    proposal = factories.make_proposal(status="verified_eligible", verifier=verifier)
    client = login(verifier)
    post_page(client, f"/documents/proposals/{proposal.id}/verification-sheet", {})
    data = client.get(f"/documents/proposals/{proposal.id}/verification-sheet.pdf").data
    text = pdf_text(data)
    assert "LEMBAR VERIFIKASI LAPANGAN" in text and proposal.code in text
    assert proposal.patient_name in text and "21 November 2026" in text
    assert "Layak dibantu" in text and "(lima juta rupiah)" in text
    assert f"************{proposal.nik_last4}" in text
    assert "1971014101" not in text  # the NIK's region and birth date stay out of the PDF


def test_two_hundred_proposals_as_blocks(app_ctx):
    from sponsorship.documents.official import minutes_pdf_context, synthetic_minutes_context
    from sponsorship.documents.render import render_pdf

    context = minutes_pdf_context(synthetic_minutes_context(200))
    rendered = render_pdf("documents/berita_acara.html", context)
    text = pdf_text(rendered.pdf)
    assert "200. BNM-2025-0200" in text
    assert "Rp1.032.000.000,00 (satu miliar tiga puluh dua juta rupiah)" in text
    assert 5 <= rendered.pages <= 20
    assert f"Halaman {rendered.pages} dari {rendered.pages}" in text


def test_finalising_asks_for_confirmation_after_a_draft_preview(login, staff):
    from sponsorship.documents.models import Document

    minutes = factories.make_minutes(with_item=True)
    client = login(staff)
    page = get_page(client, f"/minutes/{minutes.id}")
    confirm = get_page(client, page.select_one("[data-testid=finalise]")["href"])
    assert "tidak dapat dibatalkan" in confirm.select_one("[data-testid=irreversible]").text
    preview = pdf_text(client.get(confirm.select_one("[data-testid=preview-link]")["href"]).data)
    assert "DRAF: belum bernomor" in preview and "Nomor: (diberikan saat difinalkan)" in preview
    assert "None" not in preview
    post_page(client, f"/minutes/{minutes.id}/finalise", {})  # not confirmed: nothing happens
    db.session.expire_all()
    assert minutes.status == "draft" and db.session.scalar(db.select(db.func.count(Document.id))) == 0
