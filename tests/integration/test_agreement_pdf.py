"""Cooperation agreement: draft, DRAF preview, finalise (numbered, stored, verifiable), sign, addendum."""
from __future__ import annotations

import hashlib
import io
import subprocess
from datetime import date

import pytest
from pypdf import PdfReader

from sponsorship.extensions import db
from tests import factories
from tests.pages import get_page, post_page

FORM = {
    "company_number": "045/PKS/BSB/XI/2025",
    "signing_date": "2025-11-13",
    "signing_place": "Pangkalpinang",
    "city_signatory_name": "Budi Walikota",
    "city_signatory_title": "Wali Kota Pangkalpinang",
    "company_signatory_name": "Sari Direktur",
    "company_signatory_title": "Direktur Utama",
}


def pdf_text(data: bytes) -> str:
    out = subprocess.run(["pdftotext", "-layout", "-", "-"], input=data, capture_output=True, check=True)
    return " ".join(out.stdout.decode().split())


def link_uris(data: bytes) -> list[str]:
    uris = []
    for page in PdfReader(io.BytesIO(data)).pages:
        for annot in page.get("/Annots") or []:
            action = annot.get_object().get("/A")
            if action and action.get("/URI"):
                uris.append(str(action["/URI"]))
    return uris


@pytest.fixture
def premium_pledge(company_a):
    # 500 persons x 12 months at the class 3 participant share: Rp 210.000.000
    return factories.make_pledge(sponsor=company_a, status="agreed", quota=500, months=12,
                                 title="Iuran JKN 500 warga 2026")


def finalise(client, pledge):
    post_page(client, f"/pledges/{pledge.id}/agreement", FORM)
    post_page(client, f"/pledges/{pledge.id}/agreement/finalise", {"confirm": "y"})
    from sponsorship.agreements.models import Agreement

    db.session.expire_all()
    return db.session.scalar(db.select(Agreement).where(Agreement.pledge_id == pledge.id))


def test_preview_is_a_watermarked_draft_and_stores_nothing(login, staff, premium_pledge):
    from sponsorship.documents.models import Document

    client = login(staff)
    page = get_page(client, f"/pledges/{premium_pledge.id}/agreement")
    assert "## Maksud dan Tujuan" in page.find("textarea").text
    post_page(client, f"/pledges/{premium_pledge.id}/agreement", FORM)
    response = client.get(f"/pledges/{premium_pledge.id}/agreement/preview.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    text = pdf_text(response.data)
    assert "DRAF: belum bernomor dan tidak berlaku sebagai dokumen resmi" in text
    assert "PT Alpha Sejahtera" in text
    assert db.session.scalar(db.select(db.func.count(Document.id))) == 0
    # no final PDF exists yet
    assert client.get(f"/pledges/{premium_pledge.id}/agreement.pdf").status_code == 404


def test_final_agreement_reads_like_a_pks(login, staff, premium_pledge, app):
    client = login(staff)
    agreement = finalise(client, premium_pledge)
    assert agreement.status == "final"
    assert agreement.city_number == "400.7/0001/SETDA/2025"
    response = client.get(f"/pledges/{premium_pledge.id}/agreement.pdf")
    assert response.status_code == 200
    data = response.data
    text = pdf_text(data)
    assert "Nomor: 400.7/0001/SETDA/2025" in text
    assert "045/PKS/BSB/XI/2025" in text
    assert ("Pada hari ini Kamis tanggal tiga belas bulan November tahun dua ribu dua puluh lima"
            in text)
    assert "Rp210.000.000,00 (dua ratus sepuluh juta rupiah)" in text
    assert "Rp35.000,00" in text  # the monthly premium in the mechanism clause
    assert "500 orang" in text and "Januari 2026" in text and "Desember 2026" in text
    assert "PIHAK PERTAMA" in text and "PIHAK KEDUA" in text
    assert "Budi Walikota" in text and "Sari Direktur" in text and "Direktur Utama" in text
    assert "Pangkalpinang, 13 November 2025" in text
    assert "Meterai" in text
    assert "PEMERINTAH KOTA PANGKALPINANG" in text  # letterhead
    reader = PdfReader(io.BytesIO(data))
    pages = len(reader.pages)
    assert pages >= 2
    assert f"Halaman 1 dari {pages}" in text and f"Halaman {pages} dari {pages}" in text
    # fonts embedded (DejaVu), every one of them
    fonts = subprocess.run(["pdffonts", "-"], input=data, capture_output=True, check=True).stdout.decode()
    rows = fonts.splitlines()[2:]
    assert rows and all("DejaVu" in r and " yes " in r for r in rows), fonts
    # the QR code and its link open the public verification page of this document
    document = agreement.document
    url = f"{app.config['PUBLIC_BASE_URL']}/verify/{document.token}"  # https://csr.test in tests
    assert url in link_uris(data)
    assert url in text
    # the recorded sha256 is that of the downloaded bytes
    assert document.sha256 == hashlib.sha256(data).hexdigest()
    assert document.page_count == pages


def test_qr_encodes_the_verification_url(app_ctx):
    import segno

    from sponsorship.documents.render import qr_data_uri

    url = "http://127.0.0.1:5000/verify/abc"
    assert qr_data_uri(url) == segno.make(url, error="m").png_data_uri(scale=4, border=2)
    assert qr_data_uri(url) != qr_data_uri(url + "d")


def test_sponsor_downloads_own_agreement_only(login, staff, sponsor_a, sponsor_b, premium_pledge):
    finalise(login(staff), premium_pledge)
    assert login(sponsor_a).get(f"/pledges/{premium_pledge.id}/agreement.pdf").status_code == 200
    assert login(sponsor_b).get(f"/pledges/{premium_pledge.id}/agreement.pdf").status_code == 404
    # the documents list shows a sponsor its own company's documents only
    assert "400.7/0001/SETDA/2025" in get_page(login(sponsor_a), "/documents/").get_text()
    assert "400.7/0001/SETDA/2025" not in get_page(login(sponsor_b), "/documents/").get_text()
    # sponsors never reach the editing screens
    assert login(sponsor_a).get(f"/pledges/{premium_pledge.id}/agreement").status_code == 403


def test_final_text_is_frozen(login, staff, premium_pledge):
    client = login(staff)
    agreement = finalise(client, premium_pledge)
    before = client.get(f"/pledges/{premium_pledge.id}/agreement.pdf").data
    client.post(f"/pledges/{premium_pledge.id}/agreement", data={**FORM, "signing_place": "Jakarta"})
    db.session.expire_all()
    assert agreement.signing_place == "Pangkalpinang"
    # finalising twice is refused and the bytes are unchanged
    assert client.post(f"/pledges/{premium_pledge.id}/agreement/finalise").status_code == 409
    assert client.get(f"/pledges/{premium_pledge.id}/agreement.pdf").data == before


def test_signing_with_scan_activates_the_pledge(login, staff, premium_pledge):
    from sponsorship.audit.service import history

    client = login(staff)
    agreement = finalise(client, premium_pledge)
    post_page(client, f"/pledges/{premium_pledge.id}/agreement/sign",
              {"signed_on": "2025-11-13", "scan": (io.BytesIO(b"%PDF-1.4 signed scan"), "scan.pdf")},
              content_type="multipart/form-data")
    db.session.expire_all()
    assert agreement.status == "signed" and agreement.signed_on == date(2025, 11, 13)
    assert premium_pledge.status == "active"
    assert any(e.action == "status:start" for e in history("pledge", premium_pledge.id))
    assert client.get(f"/pledges/{premium_pledge.id}/agreement/scan").data == b"%PDF-1.4 signed scan"


def test_signing_without_scan_is_refused(login, staff, premium_pledge):
    client = login(staff)
    agreement = finalise(client, premium_pledge)
    client.post(f"/pledges/{premium_pledge.id}/agreement/sign", data={"signed_on": "2025-11-13"})
    db.session.expire_all()
    assert agreement.status == "final"


def test_addendum_is_a_new_numbered_document_referring_to_the_original(login, staff, premium_pledge):
    client = login(staff)
    agreement = finalise(client, premium_pledge)
    post_page(client, f"/pledges/{premium_pledge.id}/agreement/addendum",
              {"add-clauses": "## Perubahan Jangka Waktu\nJangka waktu diperpanjang 6 (enam) bulan."})
    from sponsorship.agreements.service import addenda

    docs = addenda(agreement)
    assert len(docs) == 1 and docs[0].number.startswith("400.7/0001/ADD/SETDA/")
    text = pdf_text(client.get(f"/documents/{docs[0].id}.pdf").data)
    assert "Addendum ke-1 atas Perjanjian Nomor 400.7/0001/SETDA/2025" in text
    assert "diperpanjang 6 (enam) bulan" in text
    # the original is unchanged and still the agreement's final PDF
    assert agreement.document.number == "400.7/0001/SETDA/2025"


def test_admin_edits_the_programme_template(login, admin, staff, company_a):
    client = login(admin)
    post_page(client, "/agreements/templates/aid_fund",
              {"clauses": "## Maksud\nUntuk {perusahaan}.\n\n## Penutup\nSelesai."})
    pledge = factories.make_pledge(sponsor=company_a, programme="aid_fund", status="agreed")
    page = get_page(login(staff), f"/pledges/{pledge.id}/agreement")
    assert page.find("textarea").text.strip() == "## Maksud\nUntuk {perusahaan}.\n\n## Penutup\nSelesai."
    assert login(staff).get("/agreements/templates/aid_fund").status_code == 403


def test_letterhead_emblem_is_drawn_top_left(login, staff, premium_pledge, tmp_path):
    """Layout check on the rendered page: the emblem's green sits in the letterhead's left corner."""
    from PIL import Image

    client = login(staff)
    finalise(client, premium_pledge)
    (tmp_path / "pks.pdf").write_bytes(client.get(f"/pledges/{premium_pledge.id}/agreement.pdf").data)
    subprocess.run(["pdftoppm", "-r", "40", "-f", "1", "-l", "1", "-png", str(tmp_path / "pks.pdf"),
                    str(tmp_path / "page")], check=True)
    image = Image.open(next(tmp_path.glob("page*.png"))).convert("RGB")
    width, height = image.size

    def green(box):
        region = image.crop(box)
        return sum(1 for r, g, b in region.getdata() if g > 70 and r < 60 and b < 100)

    assert green((0, 0, width // 4, height // 8)) > 20  # the emblem, top left
    assert green((width // 2, 0, width, height // 8)) == 0  # nothing green on the right
