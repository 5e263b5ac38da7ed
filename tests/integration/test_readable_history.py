"""History people can read: the audit log and every object's history in sentences, with field
labels, names instead of ids, formatted values and secrets hidden; a bulk action is one event
with its list; the audit log filters by person, kind of object, dates and text."""
from __future__ import annotations

import re
from datetime import datetime

from sponsorship.audit import service as audit
from sponsorship.audit.models import AuditEvent
from sponsorship.core.formatting import WIB
from sponsorship.extensions import db
from tests import factories
from tests.pages import get_page

RAW_CODE = re.compile(r"\b(?:status|item|attendee|allocation|document|fund):[a-z_]+"
                      r"|\b\w+_id\b|\bTrue\b|\bFalse\b")


def _history(page):
    return [(row["data-action"], row.get_text(" ", strip=True)) for row in page.select("tr[data-action]")]


def _readable(text):
    assert not RAW_CODE.search(text), RAW_CODE.search(text).group(0)
    return text


def test_finalised_minutes_read_as_a_sentence_with_the_transition_label(login, staff):
    from sponsorship.minutes import service as minutes_service

    staff.full_name = "Sri Rahayu"
    minutes = factories.make_minutes(with_item=True)
    minutes_service.finalise_minutes(minutes, actor=staff)
    db.session.commit()
    rows = dict(_history(get_page(login(staff), f"/minutes/{minutes.id}")))
    finalised = _readable(rows["status:finalise"])
    assert f"Sri Rahayu menjalankan «Finalkan (beri nomor)» pada berita acara {minutes.number}" in finalised
    assert "Status Draf → Final, menunggu Wali Kota" in finalised
    added = _readable(rows["item:add"])
    assert "memasukkan usulan ke berita acara" in added
    assert "Keputusan Dibantu" in added and "Rp " in added and "grant" not in added


def test_an_object_history_names_people_and_formats_values(login, staff, company_a):
    pledge = factories.make_pledge(sponsor=company_a, actor=staff, quota=500, months=12)
    page = get_page(login(staff), f"/pledges/{pledge.id}")
    created = _readable(dict(_history(page))["create"])
    assert f"{staff.full_name} membuat komitmen #{pledge.id} {pledge.title}" in created
    assert f"Perusahaan {company_a.short_name or company_a.name}" in created  # a name, not sponsor_id
    assert "Nilai total Rp 210.000.000" in created
    assert "Program Iuran JKN (premi)" in created and "premium" not in created
    assert "Pernyataan BPJS atas pekerja Ya" in created
    assert re.search(r"Bulan mulai (Januari|Februari|Maret|April|Mei|Juni|Juli|Agustus|September|"
                     r"Oktober|November|Desember) \d{4}", created)


def test_fill_by_priority_is_one_event_with_its_list(login, staff, company_a):
    from sponsorship.allocations import service
    from sponsorship.beneficiaries.models import Beneficiary

    residents = [factories.registry_resident() for _ in range(3)]
    pledge = factories.registry_pledge(company_a)
    before = db.session.scalar(db.select(db.func.count()).select_from(AuditEvent))
    placed = service.fill_by_priority(pledge, actor=staff, beneficiary_ids=residents)
    db.session.commit()
    assert placed == 3
    assert db.session.scalar(db.select(db.func.count()).select_from(AuditEvent)) == before + 1
    page = get_page(login(staff), f"/pledges/{pledge.id}")
    row = page.select_one("tr[data-action='allocation:fill']")
    assert "mengisi 3 slot menurut prioritas pada komitmen" in _readable(row.get_text(" ", strip=True))
    listed = row.select_one("details")
    assert "Daftar warga (3)" in listed.select_one("summary").get_text()
    names = [str(db.session.get(Beneficiary, i)) for i in residents]
    assert [li.get_text(strip=True) for li in listed.select("li")] == names


def test_secrets_stay_hidden_and_machinery_is_not_shown(login, staff, admin):
    proposal = factories.make_proposal(staff=staff)
    nik = db.session.scalar(db.select(AuditEvent.changes).where(
        AuditEvent.object_type == "aid_proposal", AuditEvent.action == "create"))
    assert "patient_nik_enc" not in nik  # the patient's NIK lives on the registry resident
    assert nik["patient_kk_enc"][1] == audit.MASK  # masked when written, as before
    page = get_page(login(staff), f"/proposals/{proposal.id}")
    created = _readable(dict(_history(page))["create"])
    assert "KK pasien disembunyikan" in created
    assert "nik_last4" not in created and "_hash" not in created and "••••" not in created
    from sponsorship.regions import service as regions

    assert f"Kelurahan {regions.get(proposal.kelurahan_code)}" in created  # its name, not its code
    factories.make_user(role="staff", username="budi", full_name="Budi Santoso")
    log = get_page(login(admin), "/audit/?object_type=user").get_text(" ", strip=True)
    assert "membuat akun pengguna budi" in log
    assert "Kata sandi disembunyikan" not in log and "scrypt" not in log
    assert "Peran Staf Sekretariat" in log


def test_an_unknown_action_still_reads_as_a_sentence(login, admin, company_a):
    audit.record(actor=admin, action="uji:tindakan-baru", obj=company_a, changes={"kolom_baru": [1, 2]})
    db.session.commit()
    row = get_page(login(admin), "/audit/").select_one("tr[data-action='uji:tindakan-baru']")
    text = row.get_text(" ", strip=True)
    assert f"{admin.full_name} mencatat perubahan pada perusahaan {company_a}" in text
    assert "uji:tindakan-baru" not in text and "kolom_baru" not in text and "Data lain 1 → 2" in text


def test_the_audit_log_filters_by_person_kind_dates_and_text(login, staff, admin, company_a, monkeypatch):
    from sponsorship.audit import views

    staff.full_name, admin.full_name = "Sri Rahayu", "Agus Admin"
    db.session.commit()
    pledge = factories.make_pledge(sponsor=company_a, actor=staff, title="Komitmen Beasiswa")
    factories.make_pledge(sponsor=company_a, actor=admin, title="Komitmen Lain")
    from sponsorship.pledges.service import transition_pledge

    transition_pledge(pledge, "cancel", actor=staff, note="Perusahaan menarik diri")
    db.session.commit()
    client = login(admin)

    def actions(query):
        return [a for a, _ in _history(get_page(client, "/audit/?" + query))]

    page = get_page(client, "/audit/")
    people = {o.get_text(strip=True): o["value"] for o in page.select("#a-person option")[1:]}
    assert {"Sri Rahayu", "Agus Admin"} <= set(people)
    kinds = {o.get_text(strip=True): o["value"] for o in page.select("#a-type option")[1:]}
    assert kinds["komitmen"] == "pledge" and kinds["perusahaan"] == "sponsor"
    by_staff = get_page(client, f"/audit/?person={people['Sri Rahayu']}&object_type=pledge")
    assert [a for a, _ in _history(by_staff)] == ["status:cancel", "create"]
    assert all(text.count("Sri Rahayu") for _, text in _history(by_staff))
    assert actions("q=menarik diri") == ["status:cancel"]  # the note
    assert actions("q=beasiswa") == ["status:cancel", "create"]  # the object's label
    assert actions("q=batalkan") == ["status:cancel"]  # the action as it is shown
    assert actions("q=100%25_") == []  # LIKE's wildcards are plain text
    today = datetime.now(WIB).date().isoformat()
    assert actions(f"from={today}&to={today}&object_type=pledge") == ["status:cancel", "create", "create"]
    assert actions("from=2000-01-01&to=2000-01-31") == []
    # the filters survive paging
    monkeypatch.setattr(views, "PER_PAGE", 1)
    first = get_page(client, f"/audit/?person={people['Sri Rahayu']}&object_type=pledge")
    link = first.select_one("[data-testid=pagination] a[rel=next]")["href"]
    assert f"person={people['Sri Rahayu']}" in link and "object_type=pledge" in link
    assert [a for a, _ in _history(get_page(client, link))] == ["create"]


def test_history_speaks_english_in_the_english_ui(login, staff, company_a, english_catalog):
    pledge = factories.make_pledge(sponsor=company_a, actor=staff)
    client = login(staff)
    client.post("/lang/en")
    created = dict(_history(get_page(client, f"/pledges/{pledge.id}")))["create"]
    assert f"{staff.full_name} created pledge #{pledge.id}" in created
    assert "Total amount Rp " in created and "Nilai total" not in created


def test_settings_templates_and_attachments_read_without_codes(login, admin, staff):
    from sponsorship.agreements.service import save_template
    from sponsorship.proposals.service import add_attachment
    from sponsorship.settings.service import update_settings

    update_settings(actor=admin, values={"aid_payout_days": 2.0})
    save_template(actor=admin, programme="premium", clauses=[{"title": "Maksud", "text": "Isi"}])
    proposal = factories.make_proposal(staff=staff)
    add_attachment(proposal, actor=staff, kind="kk", file_storage=factories.pdf_file("kk-pasien.pdf"))
    db.session.commit()
    client = login(admin)
    setting = dict(_history(get_page(client, "/audit/?object_type=setting")))["update"]
    assert "Target pencairan setelah disetujui (hari)" in setting and "aid_payout_days" not in setting
    template = dict(_history(get_page(client, "/audit/?object_type=agreement_template")))["update"]
    assert "Iuran JKN (premi)" in template and "premium" not in template
    attached = dict(_history(get_page(client, f"/audit/?object_type=aid_proposal&object_id={proposal.id}")))
    assert "Kartu Keluarga: kk-pasien.pdf" in _readable(attached["attach"])
    assert not re.search(r"[0-9a-f]{12}", attached["attach"])
