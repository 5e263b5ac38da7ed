"""An aid proposal the whole way in Chromium, as four people: staff take it in, Baznas verifies it
on a 360-px phone with a photo, staff put it in a berita acara and finalise it, the mayor approves,
the verifier is refused the payout (separation of duties), staff record it, the sponsor sees it
without the patient's name."""
from __future__ import annotations

import re

import pytest

from sponsorship.extensions import db
from sponsorship.pledges.models import Pledge
from sponsorship.proposals.models import AidProposal
from tests import factories
from tests.pages import e2e_login

pytestmark = pytest.mark.e2e

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + b"\x00" * 200


def _fits_phone(page) -> bool:
    return page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth + 1")


def test_aid_proposal_from_intake_to_payout(page, phone_page, new_page, live_server, tmp_path, app_ctx,
                                            staff, verifier, approver, sponsor_a, company_a):
    fund = factories.make_pledge(sponsor=company_a, programme="aid_fund", status="active",
                                 total_amount=50_000_000, title="Dana pasien rujukan PT Alpha")
    rujukan = tmp_path / "surat-rujukan.pdf"
    rujukan.write_bytes(PDF)
    photo = tmp_path / "rumah.jpg"
    photo.write_bytes(JPEG)
    receipt = tmp_path / "kwitansi.pdf"
    receipt.write_bytes(PDF)
    password = factories.DEFAULT_PASSWORD

    # 1. Staff take the proposal in.
    e2e_login(page, live_server, staff.username, password)
    page.get_by_role("link", name="Usulan bantuan").first.click()
    page.get_by_role("link", name="Usulan baru").click()
    page.get_by_label("Nama pasien", exact=True).fill("Siti Aminah")
    page.get_by_label("NIK pasien").fill("1971014101900077")
    page.get_by_label("Nomor KK").fill("1971010101200001")
    page.get_by_label("Nomor telepon").fill("081211112222")
    page.get_by_label("Alamat", exact=True).fill("Jl. Mawar 3")
    page.get_by_label("Kelurahan").select_option("19.71.01.1006")
    page.get_by_label("Faskes asal").fill("RSUD Depati Hamzah")
    page.get_by_label("Rumah sakit tujuan").fill("RSUP Dr. Mohammad Hoesin")
    page.get_by_label("Kota tujuan").fill("Palembang")
    page.get_by_label("Nomor surat rujukan").fill("445/77/RSUD/2026")
    page.get_by_label("Tanggal surat rujukan").fill("2026-11-20")
    page.locator("[name='lines-0-category']").select_option("transport_air")
    page.locator("[name='lines-0-quantity']").fill("2")
    page.locator("[name='lines-0-unit_amount']").fill("2.000.000")
    page.locator("[name='lines-1-category']").select_option("companion_transport")
    page.locator("[name='lines-1-quantity']").fill("1")
    page.locator("[name='lines-1-unit_amount']").fill("1500000")
    assert page.locator("#cost-total").inner_text() == "Rp 5.500.000"  # live total (static/js)
    page.locator("#referral_letter").set_input_files(str(rujukan))
    page.get_by_role("button", name="Simpan usulan").click()
    code = page.get_by_test_id("proposal-code").inner_text()
    assert re.fullmatch(r"BNM-\d{4}-\d{4}", code)
    assert page.get_by_test_id("total-requested").inner_text() == "Rp 5.500.000"
    assert "1971014101900077" not in page.content()
    proposal_id = int(page.url.rsplit("/", 1)[-1])

    # 2. Baznas verifies it on a phone, with a photo from the camera input.
    phone = phone_page
    e2e_login(phone, live_server, verifier.username, password)
    phone.get_by_test_id("queue-waiting").get_by_text(code).click()
    phone.locator("[data-move=take]").click()
    phone.wait_for_url(re.compile(r"/verify$"))
    camera = phone.get_by_label("Foto kunjungan")
    assert camera.get_attribute("capture") == "environment" and camera.get_attribute("accept") == "image/*"
    assert _fits_phone(phone)
    for item in ("Domisili sesuai", "Surat rujukan asli", "Keluarga kurang mampu",
                 "Tidak ada bantuan ganda untuk perjalanan yang sama", "Pendamping diperlukan"):
        phone.get_by_label(item).check()
    camera.set_input_files(str(photo))
    phone.get_by_label("Layak dibantu").check()
    phone.get_by_label("Alasan").fill("Keluarga nelayan, rujukan sah, pasien perlu pendamping.")
    phone.get_by_label("Nominal yang direkomendasikan (Rp)").fill("5.000.000")
    box = phone.get_by_test_id("verify-submit").bounding_box()
    assert box["height"] >= 44 and box["width"] >= 300  # a thumb-sized button
    phone.get_by_test_id("verify-submit").click()
    phone.wait_for_url(f"{live_server}/")

    # 3. Staff put it in a berita acara and finalise it.
    page.goto(f"{live_server}/minutes/new")
    page.get_by_label("Tanggal rapat").fill("2026-11-22")
    page.get_by_label("Tempat").fill("Ruang Rapat Sekretariat Daerah")
    page.get_by_role("button", name="Buat draf").click()
    page.locator("#att-name").fill("Drs. H. Fakhruddin")
    page.locator("#att-title").fill("Asisten Pemerintahan dan Kesra")
    page.locator("#att-agency").fill("Setda Kota Pangkalpinang")
    page.get_by_test_id("attendee-form").get_by_role("button", name="Tambah").click()
    page.locator("#item-proposal_id").select_option(str(proposal_id))
    page.get_by_role("button", name="Masukkan usulan").click()
    page.get_by_test_id("finalise").click()  # the DRAF preview and a confirmation
    page.get_by_label("Saya telah memeriksa pratinjau").check()
    page.get_by_test_id("finalise-confirm").click()
    number = page.get_by_test_id("minutes-number").inner_text()
    assert number.startswith("400.9/") and number.endswith("/SETDA/2026")

    # 4. The mayor approves from the home queue.
    mayor = new_page()
    e2e_login(mayor, live_server, approver.username, password)
    mayor.get_by_test_id("approver-waiting").get_by_role("link", name=number).click()
    mayor.get_by_test_id("approve").click()
    assert mayor.locator("[data-status=approved]").first.is_visible()

    # 5. The verifier may not record the payout of a proposal they verified.
    phone.goto(f"{live_server}/disbursements/new/{proposal_id}")
    phone.get_by_label("Tunai").check()
    phone.get_by_test_id("payout-submit").click()
    assert "Pemisahan tugas" in phone.content()
    db.session.rollback()  # a fresh snapshot: the server committed in its own connection
    assert db.session.get(Pledge, fund.id).disbursed_amount == 0

    # 6. Staff record it, with the signed receipt: the proposal closes.
    page.goto(f"{live_server}/proposals/{proposal_id}")
    assert page.get_by_test_id("approved-amount").inner_text() == "Rp 5.000.000"
    page.get_by_test_id("payout-link").click()
    page.get_by_label("Dana bantuan").select_option(str(fund.id))
    page.get_by_label("Tunai").check()
    page.get_by_label("Bukti terima (PDF atau foto)").set_input_files(str(receipt))
    page.get_by_test_id("payout-submit").click()
    assert page.locator("[data-status=closed]").first.is_visible()
    db.session.rollback()
    assert db.session.get(Pledge, fund.id).disbursed_amount == 5_000_000
    assert db.session.get(AidProposal, proposal_id).status == "closed"

    # 7. The sponsor sees the payout, and nothing that names the patient.
    company = new_page()
    e2e_login(company, live_server, sponsor_a.username, password)
    company.get_by_test_id("fund-link").click()
    table = company.get_by_test_id("fund-payouts").inner_text()
    assert "Rp 5.000.000" in table and "Bukit Intan" in table
    body = company.content()
    assert "Siti Aminah" not in body and "0077" not in body and code not in body
    assert company.get_by_test_id("fund-balance").inner_text() == "Rp 45.000.000"
