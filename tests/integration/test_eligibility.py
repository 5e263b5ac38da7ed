"""The eligibility policy at work: an admin drafts a policy and reads its what-if (against figures
computed by hand), activates it (audited, naming who), allocations made before keep the policy
they were made under; explain-eligibility prints the JSON; a resident's page explains the verdict
and staff edit the vulnerability facts with health facts masked in the audit trail; one per KK."""
from __future__ import annotations

import json
from datetime import date

import pytest

from sponsorship.core.errors import DomainError
from tests import factories
from tests.factories import make_residents, resident_row
from tests.pages import get_page, post_page

# name -> (kelurahan, desil, JKN status); Bacang is in Bukit Intan, Gedung Nasional in Taman Sari.
PEOPLE = {
    "A": ("Bacang", "1", "NONAKTIF"),  # eligible under both
    "B": ("Bacang", "3", "NONAKTIF"),  # loses: desil above 2 (and is allocated)
    "C": ("Bacang", "4", "NONAKTIF"),  # loses: desil above 2
    "D": ("Bacang", "2", ""),  # gains: an unknown JKN status is eligible under the draft
    "E": ("Gedung Nasional", "3", "NONAKTIF"),  # loses
    "F": ("Gedung Nasional", "5", "NONAKTIF"),  # ineligible under both
    "G": ("Gedung Nasional", "", "NONAKTIF"),  # ineligible under both: no desil
    "H": ("Gedung Nasional", "4", ""),  # ineligible under both, for a different reason each
}


def _people():
    from sponsorship.beneficiaries.models import Beneficiary
    from sponsorship.extensions import db

    rows = [resident_row(f"19710117084500{i:02d}", f"Warga {name}", kelurahan=k, desil=d, status_jkn=s)
            for i, (name, (k, d, s)) in enumerate(PEOPLE.items(), start=1)]
    ids = make_residents(rows=rows)
    return {b.name[-1]: b for b in (db.session.get(Beneficiary, i) for i in ids)}


WEIGHTS = {"decile": 5, "disability": 20, "elderly": 15, "chronic_illness": 15, "pregnancy": 15,
           "under_five": 10, "female_head": 10, "social_aid": 10, "uncovered": 2, "arrears": 1}
DRAFT_FORM = {"name": "Desil 1-2", "exclude_pbi": "y", "exclude_ppu": "y", "unknown_jkn": "eligible",
              "decile_cutoff": "2", "no_decile": "assess", "one_per": "none", "elderly_age": "60",
              "notes": "Kuota terbatas", **{f"w_{k}": str(w) for k, w in WEIGHTS.items()}}


def test_draft_what_if_activation_and_past_allocations(db_session, admin, staff, login, company_a):
    from sponsorship.allocations import service as allocations
    from sponsorship.allocations.models import Allocation
    from sponsorship.audit.models import AuditEvent
    from sponsorship.eligibility.models import EligibilityPolicy

    first = factories.make_policy(status="active", actor=admin, name="Donasi JKN 2026")
    people = _people()
    pledge = factories.make_pledge(sponsor=company_a, status="agreed", quota=5)
    held = allocations.allocate(pledge, people["B"], actor=staff)
    db_session.commit()
    assert held.policy_id == first.id

    client = login(admin)
    today = date.today().isoformat()
    assert client.post("/eligibility/new", data={**DRAFT_FORM, "effective_from": today}).status_code == 302
    draft = db_session.scalars(db_session.query(EligibilityPolicy).filter_by(name="Desil 1-2")
                               .statement).one()
    assert (draft.status, draft.version, draft.decile_cutoff, draft.unknown_jkn) == (
        "draft", 1, 2, "eligible")

    page = get_page(login(staff), f"/eligibility/{draft.id}")  # staff read the what-if too
    assert page.select_one("[data-testid=gain-total]").text.strip() == "1 menjadi layak"
    assert page.select_one("[data-testid=lose-total]").text.strip() == "3 menjadi tidak layak"
    rows = [[c.text.strip() for c in tr.select("th, td")]
            for tr in page.select("[data-testid=what-if-kecamatan] tbody tr")]
    assert rows == [["Bukit Intan", "3", "2", "1", "2"], ["Taman Sari", "1", "0", "0", "1"]]
    assert [li.text for li in page.select("[data-testid=lose-reasons] li")] == ["Desil di atas batas: 3"]
    assert [li.text for li in page.select("[data-testid=gain-reasons] li")] == [
        "Status JKN perlu dicek ke BPJS: 1"]
    review = [[c.text.strip() for c in tr.select("td")]
              for tr in page.select("[data-testid=review-list] tbody tr")]
    assert review == [["197101******0002", "Warga B", "Desil 3 di atas batas kebijakan (desil 1 sampai 2)."]]
    assert page.select("[data-testid=move-activate]") == []  # staff may not activate
    assert login(staff).post(f"/eligibility/{draft.id}/move/activate").status_code == 403

    post_page(client, f"/eligibility/{draft.id}/move/activate", {})
    db_session.expire_all()
    assert db_session.get(EligibilityPolicy, draft.id).status == "active"
    old = db_session.get(EligibilityPolicy, first.id)
    assert (old.status, old.decile_cutoff) == ("retired", 4)
    activation = db_session.scalars(db_session.query(AuditEvent).filter_by(
        object_type="eligibility_policy", object_id=draft.id, action="status:activate").statement).one()
    assert (activation.actor_name, activation.changes["status"]) == ("admin1", ["draft", "active"])
    assert activation.changes["activated_by"] == [None, "admin1"]

    # The allocation made under the first policy keeps it and its slot.
    alloc = db_session.get(Allocation, held.id)
    assert (alloc.policy_id, alloc.status) == (first.id, "reserved")
    with pytest.raises(DomainError):
        from sponsorship.eligibility import service

        service.update_draft(old, actor=admin, data=service.policy_data(old))
    # New allocations follow the policy now in force.
    with pytest.raises(DomainError, match="Desil 4 di atas batas"):
        allocations.allocate(pledge, people["C"], actor=staff)
    db_session.rollback()
    assert allocations.allocate(pledge, people["D"], actor=staff).policy_id == draft.id


def test_a_future_effective_date_waits(db_session, admin):
    from sponsorship.eligibility import service

    later = factories.make_policy(effective_from=date(2099, 1, 1))
    with pytest.raises(DomainError, match="tanggal berlakunya"):
        service.activate(later, actor=admin)


def test_bad_policy_input_is_refused_beside_the_field(db_session, admin, login):
    client = login(admin)
    response = client.post("/eligibility/new", data={**DRAFT_FORM, "effective_from": "2026-01-01",
                                                     "decile_cutoff": "11", "w_arrears": "-1"})
    assert response.status_code == 200
    page = get_page(client, "/eligibility/")
    assert page.select("[data-testid=policies] tbody a") == []


def test_explain_eligibility_prints_one_json_object(app, db_session):
    _people()
    runner = app.test_cli_runner()
    out = runner.invoke(args=["explain-eligibility", "1971011708450004"])  # D: unknown JKN status
    assert out.exit_code == 0, out.output
    assert json.loads(out.output) == {
        "eligible": False, "reasons": ["Status JKN belum diketahui: perlu dicek ke BPJS Kesehatan."],
        "score": 43, "parts": ["desil 2: +45", "tunggakan 2 bulan (tidak dibayar komitmen): \u22122"],
        "policy": {"name": "Aturan bawaan", "version": 1}}
    out = runner.invoke(args=["explain-eligibility", "1971011708450001"])
    assert json.loads(out.output)["eligible"] is True
    missing = runner.invoke(args=["explain-eligibility", "1971011708459999"])
    assert missing.exit_code == 1


def test_resident_page_explains_and_staff_edit_facts_with_health_masked(db_session, staff, login):
    from sponsorship.audit.models import AuditEvent
    from sponsorship.audit.service import MASK
    from sponsorship.beneficiaries.models import Beneficiary

    b = _people()["C"]
    client = login(staff)
    page = get_page(client, f"/beneficiaries/{b.id}")
    assert page.select_one("[data-testid=eligibility]").text.strip() == "Layak disponsori"
    assert page.select_one("[data-testid=score-parts]").text.strip() == (
        "(desil 4: +35, tunggakan 2 bulan (tidak dibayar komitmen): \u22122)")
    post_page(client, f"/eligibility/resident/{b.id}/facts",
              {"disability": "y", "pregnant": "y", "pregnancy_due": "2099-02-01", "pkh_recipient": "y",
               "children_under_five": "2", "household_code": "RT-9"})
    db_session.expire_all()
    b = db_session.get(Beneficiary, b.id)
    assert (b.disability, b.pregnant, b.pregnancy_due, b.pkh_recipient, b.children_under_five) == (
        True, True, date(2099, 2, 1), True, 2)
    page = get_page(client, f"/beneficiaries/{b.id}")
    assert page.select_one("[data-testid=score-parts]").text.strip() == (
        "(desil 4: +35, penyandang disabilitas: +20, hamil, perkiraan lahir 1 Februari 2099: +15, "
        "2 balita dalam keluarga: +10, penerima PKH/BPNT: +10, "
        "tunggakan 2 bulan (tidak dibayar komitmen): \u22122)")
    event = db_session.scalars(db_session.query(AuditEvent).filter_by(
        object_type="beneficiary", object_id=b.id, note="eligibility facts").statement).one()
    assert event.changes["disability"] == [MASK, MASK]
    assert event.changes["pregnant"] == [MASK, MASK] and event.changes["pregnancy_due"] == [MASK, MASK]
    assert event.changes["pkh_recipient"] == [False, True]
    assert event.changes["children_under_five"] == [0, 2]
    # A date of delivery without a pregnancy is refused, nothing written.
    post_page(client, f"/eligibility/resident/{b.id}/facts", {"pregnancy_due": "2099-02-01"})
    db_session.expire_all()
    assert db_session.get(Beneficiary, b.id).pregnant is True


def test_health_facts_never_reach_a_sponsor(db_session, staff, sponsor_a, login, company_a):
    from sponsorship.allocations import export
    from sponsorship.allocations import service as allocations
    from sponsorship.allocations.models import Allocation
    from sponsorship.beneficiaries.models import Beneficiary

    (bid,) = make_residents(rows=[resident_row("1971011708450001", "Sakit", disabilitas="YA",
                                               penyakit_kronis="YA", hamil="YA", hpl="2099-01-01")])
    b = db_session.get(Beneficiary, bid)
    assert (b.disability, b.chronic_illness, b.pregnant) == (True, True, True)
    pledge = factories.make_pledge(sponsor=company_a, status="agreed", quota=2)
    allocations.allocate(pledge, b, actor=staff)
    db_session.commit()
    rows = export.rows(db_session.scalars(db_session.query(Allocation).statement).all())
    assert [h for h, _ in export.EXPORT_COLUMNS] == [
        "NIK", "NO_KK", "NAMA", "TANGGAL_LAHIR", "JENIS_KELAMIN", "ALAMAT", "KELURAHAN", "KODE_KELURAHAN",
        "NO_JKN", "KELAS", "TMT"]
    assert len(rows[0]) == len(export.EXPORT_COLUMNS) and "2099-01-01" not in rows[0]
    text = get_page(login(sponsor_a), f"/portal/coverage/{pledge.id}").text.lower()
    assert "disabilitas" not in text and "kronis" not in text and "hamil" not in text


def test_one_per_family_card_in_the_fill_and_in_the_database(db_session, admin, staff, company_a):
    from sqlalchemy.exc import IntegrityError

    from sponsorship.allocations import service as allocations
    from sponsorship.allocations.models import Allocation
    from sponsorship.beneficiaries.models import Beneficiary

    factories.make_policy(status="active", actor=admin, one_per="kk")
    make_residents(rows=[
        resident_row("1971011708450001", "Ibu", no_kk="1971010101200001", desil="1"),
        resident_row("1971011708450002", "Anak", no_kk="1971010101200001", desil="2"),
        resident_row("1971011708450003", "Tetangga", no_kk="1971010101200002", desil="3"),
        resident_row("1971011708450004", "Tanpa KK", desil="4")])
    pledge = factories.make_pledge(sponsor=company_a, status="active", quota=4)
    preview = allocations.preview_fill(pledge, actor=staff)
    assert [(b.name, s) for b, s in preview] == [("Ibu", 48), ("Tetangga", 38), ("Tanpa KK", 33)]
    ids = [b.id for b, _ in preview]
    sibling = db_session.scalars(db_session.query(Beneficiary).filter_by(name="Anak").statement).one()
    # Even a hand-made list with both members places one of them.
    assert allocations.fill_by_priority(pledge, actor=staff, beneficiary_ids=[*ids, sibling.id]) == 3
    db_session.commit()
    assert sorted(a.family_key or "" for a in db_session.scalars(db_session.query(Allocation).statement)) == [
        "", "kk:1971010101200001", "kk:1971010101200002"]
    with pytest.raises(DomainError, match="Kartu Keluarga"):
        allocations.allocate(pledge, sibling, actor=staff)
    db_session.rollback()
    db_session.add(Allocation(pledge_id=pledge.id, beneficiary_id=sibling.id, start_month=date(2026, 1, 1),
                              status="active", family_key="kk:1971010101200001"))
    with pytest.raises(IntegrityError):
        db_session.flush()
    db_session.rollback()


def test_what_if_of_one_per_family_card_names_the_siblings_and_the_holders_to_review(db_session, admin,
                                                                                      staff, company_a):
    """Two sisters hold slots from before the rule and their brother waits: under one per KK the
    brother loses (another member holds a slot); the sisters keep theirs and are not refused for
    each other (holding a slot is a reason of its own)."""
    from sponsorship.allocations import service as allocations
    from sponsorship.beneficiaries.models import Beneficiary
    from sponsorship.eligibility import service
    from sponsorship.eligibility.models import default_policy

    kk = "1971010101200001"
    ids = make_residents(rows=[resident_row("1971015708450001", "Kakak", no_kk=kk),
                               resident_row("1971015708450002", "Adik", no_kk=kk),
                               resident_row("1971011708450003", "Abang", no_kk=kk),
                               resident_row("1971011708450004", "Lain", no_kk="1971010101200002")])
    sister, sister2, brother, other = (db_session.get(Beneficiary, i) for i in ids)
    pledge = factories.make_pledge(sponsor=company_a, status="agreed", quota=5)
    allocations.allocate(pledge, sister, actor=staff)
    allocations.allocate(pledge, sister2, actor=staff)
    db_session.commit()
    draft = default_policy()
    draft.one_per = "kk"
    impact = service.what_if(draft)
    assert (impact["totals"], impact["lose_reasons"][0]["key"], impact["lose_reasons"][0]["count"]) == (
        {"now": 4, "new": 3, "gain": 0, "lose": 1}, "family", 1)
    assert impact["review_total"] == 0
    assert service.explain(brother, draft)["reasons"] == [
        "Anggota Kartu Keluarga yang sama sudah disponsori."]
    assert service.explain(other, draft)["eligible"] is True
