"""Aid proposals over HTTP: intake with files, the field visit, minutes, payout, refusals."""
from __future__ import annotations

import io
from pathlib import Path

from sponsorship.extensions import db
from sponsorship.proposals.models import AidProposal, Attachment
from tests import factories
from tests.pages import get_page, post_page

PDF = b"%PDF-1.4\n%%EOF\n"
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 64


def _intake(**extra) -> dict:
    data = {
        "patient_name": "Siti Aminah", "patient_nik": "1971014101900077", "patient_kk": "1971010101200001",
        "applicant_name": "Budi", "applicant_relation": "Suami", "phone": "0812 1111 2222",
        "address": "Jl. Mawar 3", "kelurahan_code": "19.71.01.1006",
        "referral_origin": "RSUD Depati Hamzah", "referral_destination": "RSCM", "referral_city": "Jakarta",
        "referral_letter_no": "RJK/77/2026", "referral_letter_date": "2026-11-20",
        "lines-0-category": "transport_air", "lines-0-quantity": "2", "lines-0-unit_amount": "1.500.000",
        "lines-1-category": "accommodation", "lines-1-quantity": "3", "lines-1-unit_amount": "250000",
    }
    data.update(extra)
    return data


def _files(app) -> set[Path]:
    root = Path(app.config["UPLOAD_DIR"])
    return {p for p in root.rglob("*") if p.is_file()} if root.exists() else set()


def test_staff_intake_with_attachments(app, login, staff):
    client = login(staff)
    data = _intake(referral_letter=(io.BytesIO(PDF), "rujukan.pdf"), ktp=(io.BytesIO(JPEG), "ktp.jpg"))
    response = post_page(client, "/proposals/new", data, content_type="multipart/form-data")
    p = db.session.scalar(db.select(AidProposal))
    assert response.headers["Location"].endswith(f"/proposals/{p.id}")
    assert p.total_requested == 3_750_000 and p.applicant_relation == "Suami"
    page = get_page(client, f"/proposals/{p.id}")
    assert "1971014101900077" not in str(page) and "0077" in page.text
    kinds = {a.kind for a in p.attachments}
    assert kinds == {"referral_letter", "ktp"}
    att = next(a for a in p.attachments if a.kind == "referral_letter")
    file_response = client.get(f"/proposals/{p.id}/attachments/{att.id}")
    assert file_response.status_code == 200 and file_response.data == PDF
    assert file_response.headers["X-Content-Type-Options"] == "nosniff"
    assert file_response.mimetype == "application/pdf"


def test_renamed_exe_in_intake_is_refused_and_nothing_stored(app, login, staff):
    client = login(staff)
    before = _files(app)
    data = _intake(referral_letter=(io.BytesIO(b"MZ\x90\x00" + b"\x00" * 300), "rujukan.pdf"))
    response = client.post("/proposals/new", data=data, content_type="multipart/form-data")
    assert response.status_code == 200
    assert db.session.scalar(db.select(db.func.count()).select_from(AidProposal)) == 0
    assert db.session.scalar(db.select(db.func.count()).select_from(Attachment)) == 0
    assert _files(app) == before
    assert "Jenis berkas tidak diterima" in response.get_data(as_text=True)


def test_oversize_attachment_is_refused_and_nothing_stored(app, login, staff):
    client = login(staff)
    p = factories.make_proposal(staff=staff)
    before = _files(app)
    big = PDF + b"0" * (5 * 1024 * 1024)
    post_page(client, f"/proposals/{p.id}/attachments", {"kind": "kk", "file": (io.BytesIO(big), "kk.pdf")},
              content_type="multipart/form-data")
    assert _files(app) == before
    assert db.session.scalar(db.select(db.func.count()).select_from(Attachment)) == 0


def test_attachment_of_another_proposal_is_404_and_sponsor_cannot_reach(app, login, staff, sponsor_a):
    p1 = factories.make_proposal(staff=staff)
    p2 = factories.make_proposal(staff=staff)
    client = login(staff)
    post_page(client, f"/proposals/{p1.id}/attachments",
              {"kind": "kk", "file": (io.BytesIO(PDF), "kk.pdf")}, content_type="multipart/form-data")
    att = db.session.scalar(db.select(Attachment))
    get_page(client, f"/proposals/{p2.id}/attachments/{att.id}", 404)
    sponsor = login(sponsor_a)
    get_page(sponsor, f"/proposals/{p1.id}/attachments/{att.id}", 403)
    get_page(sponsor, f"/proposals/{p1.id}", 403)
    get_page(sponsor, "/proposals/", 403)


def test_verifier_takes_and_verifies_with_a_photo(app, login, staff, verifier):
    p = factories.make_proposal(staff=staff, amount=6_000_000)
    client = login(verifier)
    home = get_page(client, "/")
    assert p.code in home.select_one("[data-testid=queue-waiting]").text
    response = post_page(client, f"/proposals/{p.id}/move/take", {})
    assert response.headers["Location"].endswith(f"/proposals/{p.id}/verify")
    form = get_page(client, f"/proposals/{p.id}/verify")
    photo = form.select_one("input[name=photos]")
    assert photo["accept"] == "image/*" and photo["capture"] == "environment"
    post_page(client, f"/proposals/{p.id}/verify", {
        "visit_date": "2026-11-21", "domicile_confirmed": "y", "economically_in_need": "y",
        "recommendation": "eligible", "reason": "Keluarga nelayan, rujukan sah",
        "recommended_amount": "5.000.000", "photos": (io.BytesIO(JPEG), "IMG_1.jpg")},
        content_type="multipart/form-data")
    db.session.refresh(p)
    assert p.status == "verified_eligible" and p.recommended_amount == 5_000_000
    assert [a.kind for a in p.attachments] == ["photo"]
    # verifying twice: refused with a message, not a 500
    again = client.post(f"/proposals/{p.id}/verify", data={
        "visit_date": "2026-11-21", "recommendation": "eligible", "reason": "x", "recommended_amount": "1"})
    assert again.status_code == 302 and again.headers["Location"].endswith(f"/proposals/{p.id}")


def test_verification_photo_must_be_an_image(app, login, staff, verifier):
    p = factories.make_proposal(status="in_verification", staff=staff, verifier=verifier)
    client = login(verifier)
    response = client.post(f"/proposals/{p.id}/verify", data={
        "visit_date": "2026-11-21", "recommendation": "eligible", "reason": "ok",
        "recommended_amount": "1000", "photos": (io.BytesIO(PDF), "foto.jpg")},
        content_type="multipart/form-data")
    db.session.refresh(p)
    assert p.status == "in_verification" and p.verification is None
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/proposals/{p.id}")


def test_minutes_finalise_and_mayor_approves(app, login, staff, approver):
    p = factories.make_proposal(status="verified_eligible", staff=staff, amount=4_000_000)
    client = login(staff)
    response = post_page(client, "/minutes/new", {"meeting_date": "2026-11-22", "place": "Ruang Rapat Setda"})
    mid = int(response.headers["Location"].rsplit("/", 1)[-1])
    post_page(client, f"/minutes/{mid}/attendees", {"att-name": "Drs. Andi", "att-title": "Asisten I",
                                                     "att-agency": "Setda Kota Pangkalpinang"})
    post_page(client, f"/minutes/{mid}/items", {"item-proposal_id": p.id, "item-decision": "grant",
                                                 "item-amount": "3.500.000"})
    post_page(client, f"/minutes/{mid}/finalise", {"confirm": "y"})
    page = get_page(client, f"/minutes/{mid}")
    assert page.select_one("[data-testid=minutes-number]").text.startswith("400.9/")
    assert page.select_one("[data-testid=finalise]") is None  # no longer editable
    mayor = login(approver)
    home = get_page(mayor, "/")
    assert "400.9/" in home.select_one("[data-testid=approver-waiting]").text
    post_page(mayor, f"/minutes/{mid}/approve", {"note": "Setuju"})
    db.session.refresh(p)
    assert p.status == "approved" and p.approved_amount == 3_500_000


def test_approver_cannot_approve_a_draft_over_http(app, login, staff, approver):
    factories.make_proposal(status="in_minutes", staff=staff)
    from sponsorship.minutes.models import Minutes

    m = db.session.scalar(db.select(Minutes))
    mayor = login(approver)
    response = mayor.post(f"/minutes/{m.id}/approve", data={"note": ""})
    assert response.status_code == 409
    db.session.refresh(m)
    assert m.status == "draft"


def test_payout_by_staff_and_sponsor_sees_it_without_names(app, login, staff, sponsor_a, company_a):
    fund = factories.make_pledge(sponsor=company_a, programme="aid_fund", status="active",
                                 total_amount=20_000_000)
    p = factories.make_proposal(status="approved", staff=staff, amount=4_000_000)
    client = login(staff)
    post_page(client, f"/disbursements/new/{p.id}", {
        "pledge_id": fund.id, "amount": "4.000.000", "paid_on": "2026-11-23", "method": "cash",
        "receipt": (io.BytesIO(PDF), "kwitansi.pdf")}, content_type="multipart/form-data")
    db.session.refresh(p)
    db.session.refresh(fund)
    assert p.status == "closed" and fund.disbursed_amount == 4_000_000
    portal = get_page(login(sponsor_a), "/portal/fund/")
    text = portal.text
    assert "Rp 4.000.000" in portal.select_one("[data-testid=fund-payouts]").text
    assert "Bukit Intan" in text and "Transportasi pasien (udara)" in text
    assert p.patient_name not in text and p.nik_last4 not in text and p.code not in text
    assert portal.select_one("[data-testid=fund-balance]").text.strip() == "Rp 16.000.000"


def test_verifier_cannot_record_payout_of_what_they_verified(app, login, staff, verifier, company_a):
    fund = factories.make_pledge(sponsor=company_a, programme="aid_fund", status="active")
    p = factories.make_proposal(status="approved", staff=staff, verifier=verifier)
    client = login(verifier)
    response = client.post(f"/disbursements/new/{p.id}", data={
        "pledge_id": fund.id, "amount": "1000", "paid_on": "2026-11-23", "method": "cash"})
    assert response.status_code == 403
    assert "Pemisahan tugas" in response.get_data(as_text=True)
    db.session.refresh(p)
    db.session.refresh(fund)
    assert p.status == "approved" and fund.disbursed_amount == 0


def test_other_sponsor_sees_nothing_of_this_fund(app, login, staff, sponsor_b, company_a):
    fund = factories.make_pledge(sponsor=company_a, programme="aid_fund", status="active")
    factories.make_proposal(status="disbursed", staff=staff, fund=fund)
    page = get_page(login(sponsor_b), "/portal/fund/")
    assert fund.title not in page.text
    assert "Rp 0" in page.select_one("[data-testid=fund-disbursed]").text


def test_pipeline_and_lists(app, login, staff, approver):
    factories.make_proposal(staff=staff)
    factories.make_proposal(status="closed", staff=staff)
    client = login(staff)
    page = get_page(client, "/proposals/pipeline")
    assert page.select_one("[data-testid=pipeline-counts] [data-status=submitted]").text == "1"
    assert page.select_one("[data-testid=pipeline-counts] [data-status=closed]").text == "1"
    listing = get_page(client, "/proposals/?status=closed")
    assert len(listing.select("[data-testid=proposal-list] tbody tr[data-code]")) == 1
    assert get_page(client, "/").select_one("[data-testid=aid-card]") is not None
    get_page(login(approver), "/proposals/pipeline")


def test_other_help_shows_the_premium_slot_the_patient_holds(app, login, staff, company_a):
    from sponsorship.allocations import service as allocations
    from sponsorship.beneficiaries.models import Beneficiary
    from tests.factories import make_residents, resident_row

    [bid] = make_residents(rows=[resident_row("1971014101900055", "Warga Terdaftar")])
    pledge = factories.make_pledge(sponsor=company_a, status="active", quota=5, title="Iuran Alpha")
    allocations.allocate(pledge, db.session.get(Beneficiary, bid), actor=staff)
    db.session.commit()
    p = factories.make_proposal(staff=staff, data=factories.proposal_data(patient_nik="1971014101900055"))
    other = factories.make_proposal(staff=staff, data=factories.proposal_data(patient_kk="1971010101209999"))
    client = login(staff)
    panel = get_page(client, f"/proposals/{p.id}").select_one("[data-testid=other-help]").text
    assert "Iuran Alpha" in panel
    panel = get_page(client, f"/proposals/{other.id}").select_one("[data-testid=other-help]").text
    assert "Iuran Alpha" not in panel


def test_queues_do_not_query_per_row(app, login, staff, verifier):
    from sqlalchemy import event

    for _ in range(12):
        factories.make_proposal(staff=staff)
    counts = []
    office, field = login(staff), login(verifier)

    def count(*_args, **_kw):
        counts[-1] += 1

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        for client, url in ((office, "/proposals/"), (office, "/proposals/pipeline"), (field, "/")):
            counts.append(0)
            get_page(client, url)
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    assert max(counts) <= 15, counts  # 12 rows each: a query per row would exceed this
