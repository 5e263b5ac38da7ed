"""One person, one record: an import's rows of new NIKs attach to the resident they surely are,
wait for review when they may be one, or become residents; staff settle the review queue; a merge
moves everything of a resident and an unmerge moves it back; the whole-registry run; an aid
proposal's patient is a registry resident."""
from __future__ import annotations

import json
from datetime import date

import pytest
from sqlalchemy import func, select

from sponsorship.beneficiaries.demo import to_csv
from sponsorship.core.errors import DomainError
from sponsorship.extensions import db
from tests import factories

# The registry before the labelled list: what Dukcapil said.
REGISTRY = [
    # nik, kk, name, sex, born, kelurahan
    ("1971014508900021", "1971010101200001", "Siti Aminah", "P", "1990-08-05", "Bacang"),
    ("1971011203850031", "1971010101200002", "Muhammad Rizki Pratama", "L", "1985-03-12", "Bacang"),
    ("1971010707800041", "", "Budi Santoso", "L", "1980-07-07", "Bacang"),
    ("1971015502000051", "1971010101200005", "Dewi Lestari", "P", "2000-02-15", "Pasir Putih"),
    ("1971011010700061", "", "Hendra Wijaya", "L", "1970-10-10", "Bacang"),
]
# The labelled list (Dinas Sosial), each row with the decision it must get.
LABELLED = [
    # Same NIK, the name in capitals: the same resident, unchanged, and no discrepancy.
    ("unchanged", ("1971014508900021", "1971010101200001", "SITI AMINAH", "P", "1990-08-05", "Bacang")),
    # One NIK digit mistyped: attached to Muhammad Rizki Pratama, written "M. Rizki Pratama".
    ("attach", ("1971011203850032", "1971010101200002", "M. Rizki Pratama", "L", "1985-03-12", "Bacang")),
    # Two NIK digits swapped, no family card, the name's spacing: attached to Hendra Wijaya.
    ("attach", ("1971011010700016", "", "Hendra  WIJAYA", "L", "1970-10-10", "Bacang")),
    # Same name, birth date and kelurahan, but a NIK nothing like his: perhaps Budi, staff decide.
    ("review", ("1971013108759999", "", "Budi Santoso", "L", "1980-07-07", "Bacang")),
    # Dewi's twin sister: same family card, birth date and kelurahan, another name: staff decide.
    ("review", ("1971015502000052", "1971010101200005", "Ratna Lestari", "P", "2000-02-15", "Pasir Putih")),
    # Nobody the registry knows.
    ("new", ("1971016604950071", "1971010101200009", "Yanti Kurniawan", "P", "1995-04-26", "Bacang")),
]
HEADER = ["nik", "no_kk", "nama", "jenis_kelamin", "tanggal_lahir", "kelurahan"]


def _import(rows, source: str, *, dry_run: bool = False):
    from sponsorship.beneficiaries.service import import_file

    result = import_file(actor=None, data=to_csv([list(r) for r in rows], header=HEADER), file_name="x.csv",
                         source=source, dry_run=dry_run)
    if not dry_run:
        db.session.commit()
    return result


def _resident(nik: str):
    from sponsorship.beneficiaries.service import find_by_nik

    return find_by_nik(nik)


def _count(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


@pytest.fixture
def registry(app_ctx):
    _import(REGISTRY, "dukcapil")
    return {r[0]: _resident(r[0]).id for r in REGISTRY}


def test_every_row_of_a_labelled_list_gets_its_expected_decision(registry):
    from sponsorship.beneficiaries.models import Beneficiary, Discrepancy, SourceRecord
    from sponsorship.linkage.models import LinkCandidate

    dry = _import([r for _, r in LABELLED], "dinsos", dry_run=True)
    assert (dry["created"], dry["linked"], dry["review"], dry["unchanged"]) == (1, 2, 2, 1)

    result = _import([r for _, r in LABELLED], "dinsos")
    assert (result["created"], result["linked"], result["review"], result["unchanged"]) == (1, 2, 2, 1)
    # Only the new person was created: never a resident for a row that waits for review.
    assert _count(Beneficiary) == len(REGISTRY) + 1
    assert _resident("1971016604950071").name == "Yanti Kurniawan"
    for _, row in LABELLED[1:5]:
        assert _resident(row[0]) is None
    # The attached rows are records of the residents they are, and their other NIK is a discrepancy.
    for typed, registered in (("1971011203850032", "1971011203850031"),
                              ("1971011010700016", "1971011010700061")):
        rid = registry[registered]
        values = [r.values for r in db.session.scalars(select(SourceRecord).where(
            SourceRecord.beneficiary_id == rid, SourceRecord.source == "dinsos"))]
        assert len(values) == 1
        nik = db.session.scalar(select(Discrepancy).where(Discrepancy.beneficiary_id == rid,
                                                          Discrepancy.field == "nik"))
        assert nik.status == "open" and [v["source"] for v in nik.values] == ["dukcapil", "dinsos"]
        assert nik.values[1]["value"] == typed[:6] + "******" + typed[-4:]
        assert typed not in json.dumps(nik.values)  # the other NIK itself only encrypted
    # A name in other case or spacing is no discrepancy; a variant (M. / Muhammad) is one.
    names = {d.beneficiary_id
             for d in db.session.scalars(select(Discrepancy).where(Discrepancy.field == "name"))}
    assert names == {registry["1971011203850031"]}
    # The uncertain rows wait in the queue beside the resident they may be.
    queued = db.session.scalars(select(LinkCandidate).order_by(LinkCandidate.id)).all()
    assert [(c.kind, c.status, c.beneficiary_id, c.nik_masked) for c in queued] == [
        ("import", "open", registry["1971010707800041"], "197101******9999"),
        ("import", "open", registry["1971015502000051"], "197101******0052"),
    ]
    assert all(0.6 <= c.probability for c in queued)
    assert queued[1].agreed["name"] == "first or last word" and queued[1].agreed["kk"] == "same family card"


def test_an_import_whose_row_may_be_a_resident_is_still_all_or_nothing(registry, staff):
    from sponsorship.beneficiaries.models import Beneficiary, ImportBatch
    from sponsorship.beneficiaries.service import confirm_import, preview_import
    from sponsorship.linkage.models import LinkCandidate

    data = to_csv([list(r) for _, r in LABELLED], header=HEADER)
    batch, _, _ = preview_import(actor=staff, data=data, file_name="dinsos.csv", source="dinsos")
    db.session.commit()
    assert (batch.created_count, batch.linked_count, batch.review_count) == (1, 2, 2)
    assert _count(LinkCandidate) == 0  # a preview writes nothing
    # The confirmation fails after the review items were written: nothing of it stays.
    from sponsorship.linkage import service as linkage

    real = linkage.write_review_items

    def write_then_fail(*args, **kw):
        real(*args, **kw)
        raise RuntimeError("disk full")

    linkage.write_review_items = write_then_fail
    try:
        with pytest.raises(RuntimeError):
            confirm_import(db.session.get(ImportBatch, batch.id), actor=staff)
    finally:
        linkage.write_review_items = real
        db.session.rollback()
    assert _count(LinkCandidate) == 0 and _count(Beneficiary) == len(REGISTRY)
    confirm_import(db.session.get(ImportBatch, batch.id), actor=staff)
    db.session.commit()
    assert _count(LinkCandidate) == 2 and _count(Beneficiary) == len(REGISTRY) + 1


def test_staff_settle_the_queue_same_attaches_different_creates(registry, staff):
    from sponsorship.beneficiaries.models import Beneficiary, Discrepancy, SourceRecord
    from sponsorship.linkage.models import LinkCandidate
    from sponsorship.linkage.service import decide

    _import([r for _, r in LABELLED], "dinsos")
    budi, twin = db.session.scalars(select(LinkCandidate).order_by(LinkCandidate.id)).all()
    decide(budi, actor=staff, same=True)
    decide(twin, actor=staff, same=False, note="kembar")
    db.session.commit()
    # Budi: his record attached; the other NIK is a discrepancy; no new resident.
    assert _resident("1971013108759999") is None
    assert _count(SourceRecord, SourceRecord.beneficiary_id == registry["1971010707800041"]) == 2
    assert _count(Discrepancy, Discrepancy.beneficiary_id == registry["1971010707800041"],
                  Discrepancy.field == "nik") == 1
    # The twin is a resident of her own now, with what Dinas Sosial said.
    ratna = _resident("1971015502000052")
    assert ratna.name == "Ratna Lestari" and ratna.kk_number == "1971010101200005"
    assert ratna.field_sources["name"][0] == "dinsos"
    assert (budi.status, twin.status, twin.result_id) == ("same", "different", ratna.id)
    assert _count(Beneficiary) == len(REGISTRY) + 2
    with pytest.raises(DomainError):
        decide(twin, actor=staff, same=True)


def _holding_per_pledge():
    from sponsorship.allocations.models import HOLDING, Allocation

    return dict(db.session.execute(select(Allocation.pledge_id, func.count()).where(
        Allocation.status.in_(HOLDING)).group_by(Allocation.pledge_id)).all())


def test_merge_moves_everything_and_unmerge_restores_both(registry, staff, company_a):
    from sponsorship.allocations.models import Allocation
    from sponsorship.beneficiaries.models import Beneficiary, Discrepancy, SourceRecord
    from sponsorship.linkage.service import merge, unmerge
    from sponsorship.proposals import service as proposals

    a = db.session.get(Beneficiary, registry["1971011203850031"])
    b = db.session.get(Beneficiary, registry["1971010707800041"])
    pledge = factories.make_pledge(sponsor=company_a, status="active", quota=5, months=12)
    held = factories.make_allocation(pledge, b.id, date(2026, 1, 1))
    old = factories.make_allocation(pledge, b.id, date(2025, 1, 1), end=date(2025, 6, 1))
    invoice = factories.invoice_for(company_a, persons=1)
    proposal = factories.make_proposal(staff=staff,
                                       data=factories.proposal_data(patient_nik="1971010707800041"))
    assert proposal.beneficiary_id == b.id
    db.session.commit()
    before = _holding_per_pledge()
    a_before = {f: getattr(a, f) for f in ("name", "kk_number", "birth_date", "region_code", "field_sources")}

    record = merge(a, b, actor=staff)
    db.session.commit()
    db.session.expire_all()
    assert {x.beneficiary_id for x in db.session.scalars(select(Allocation))} == {a.id}
    assert db.session.get(Beneficiary, b.id).merged_into_id == a.id
    assert proposals.patient(db.session.get(type(proposal), proposal.id)).id == a.id
    assert proposals.patient_nik(proposal) == "1971011203850031"
    assert _count(SourceRecord, SourceRecord.beneficiary_id == b.id) == 0
    # Where the two disagreed, the kept resident has an open question (its NIK among them).
    assert set(db.session.scalars(select(Discrepancy.field).where(Discrepancy.beneficiary_id == a.id))) \
        == {"name", "birth_date", "nik"}
    # Slots and invoices: the same count per pledge, one holding allocation per resident.
    assert _holding_per_pledge() == before
    assert db.session.get(type(invoice), invoice.id).persons == 1

    unmerge(record, actor=staff)
    db.session.commit()
    db.session.expire_all()
    a, b = db.session.get(Beneficiary, a.id), db.session.get(Beneficiary, b.id)
    assert db.session.get(Allocation, held.id).beneficiary_id == b.id
    assert db.session.get(Allocation, old.id).beneficiary_id == b.id
    assert db.session.get(type(proposal), proposal.id).beneficiary_id == b.id
    assert b.merged_into_id is None
    assert {f: getattr(a, f) for f in a_before} == a_before
    assert _count(Discrepancy, Discrepancy.beneficiary_id == a.id) == 0
    assert _count(SourceRecord, SourceRecord.beneficiary_id == b.id) == 1
    assert _holding_per_pledge() == before
    with pytest.raises(DomainError):
        unmerge(record, actor=staff)


def test_a_merge_across_pledges_is_refused_until_one_allocation_ends(registry, staff, company_a, company_b):
    from sponsorship.beneficiaries.models import Beneficiary
    from sponsorship.linkage.models import ResidentMerge
    from sponsorship.linkage.service import merge

    a = db.session.get(Beneficiary, registry["1971011203850031"])
    b = db.session.get(Beneficiary, registry["1971010707800041"])
    first = factories.make_pledge(sponsor=company_a, status="active", quota=5, months=12)
    second = factories.make_pledge(sponsor=company_b, status="active", quota=5, months=12)
    factories.make_allocation(first, a.id, date(2026, 1, 1))
    held = factories.make_allocation(second, b.id, date(2026, 1, 1))
    db.session.commit()
    with pytest.raises(DomainError, match="pledge yang berbeda"):
        merge(a, b, actor=staff)
    db.session.rollback()
    assert _count(ResidentMerge) == 0
    held.status, held.end_month, held.end_reason = "ended", date(2026, 2, 1), "replaced"
    db.session.commit()
    merge(a, b, actor=staff)
    db.session.commit()
    assert _holding_per_pledge() == {first.id: 1}


def test_link_registry_merges_a_sure_duplicate_and_queues_an_uncertain_one(registry, app):
    from sponsorship.beneficiaries.models import Beneficiary
    from sponsorship.linkage.models import LinkCandidate
    from sponsorship.linkage.service import new_resident

    # Written into the registry before linkage existed: Siti twice (a NIK one digit off), and
    # Dewi's twin sister (same card, birth date, kelurahan; another name).
    pasir_putih = _resident("1971015502000051").region_code
    siti = _resident("1971014508900021")
    new_resident(nik="1971014508900012", source="manual", values={
        "name": "Siti  Aminah", "kk_number": "1971010101200001", "sex": "P", "birth_date": date(1990, 8, 5),
        "region_code": siti.region_code})
    new_resident(nik="1971015502000052", source="manual", values={
        "name": "Ratna Lestari", "kk_number": "1971010101200005", "sex": "P", "birth_date": date(2000, 2, 15),
        "region_code": pasir_putih})
    db.session.commit()
    progress = []
    from sponsorship.linkage.service import link_registry

    summary = link_registry(actor=None, progress=lambda done, total: progress.append((done, total)))
    db.session.commit()
    assert (summary["auto"], summary["review"]) == (1, 1) and summary["pairs_found"] >= 2
    assert progress[-1] == (summary["residents"], summary["residents"])
    siti = _resident("1971014508900012")
    assert siti.merged_into_id == registry["1971014508900021"] or \
        db.session.get(Beneficiary, registry["1971014508900021"]).merged_into_id == siti.id
    queued = db.session.scalars(select(LinkCandidate).where(LinkCandidate.status == "open")).all()
    assert len(queued) == 1 and queued[0].kind == "registry"
    # Run again: nothing new.
    again = link_registry(actor=None)
    db.session.commit()
    assert (again["auto"], again["review"]) == (0, 0)

    result = app.test_cli_runner().invoke(args=["link-registry"])
    assert result.exit_code == 0, result.output
    printed = json.loads(result.stdout)
    assert set(printed) >= {"pairs_found", "auto", "review", "seconds"}


def test_an_aid_proposals_patient_is_a_registry_resident(registry, staff):
    from sponsorship.beneficiaries.models import Beneficiary, Discrepancy
    from sponsorship.identity import mask
    from sponsorship.proposals import service as proposals

    def intake(nik, name, kk="", kelurahan="19.71.01.1004"):
        p = factories.make_proposal(staff=staff, data=factories.proposal_data(
            patient_nik=nik, patient_name=name, patient_kk=kk, kelurahan_code=kelurahan))
        db.session.commit()
        return p

    bacang = _resident("1971011203850031").region_code
    # By NIK (blind index): the resident, whatever the proposal calls the patient.
    known = intake("1971011203850031", "Rizki", kelurahan=bacang)
    assert known.beneficiary_id == registry["1971011203850031"]
    # A NIK one digit off, same name, birth date (from the NIK) and kelurahan: that resident too,
    # and the other NIK a discrepancy to settle.
    typo = intake("1971014508900012", "Siti Aminah", kk="1971010101200001", kelurahan=bacang)
    assert typo.beneficiary_id == registry["1971014508900021"]
    assert _count(Discrepancy, Discrepancy.beneficiary_id == typo.beneficiary_id,
                  Discrepancy.field == "nik") == 1
    # Nobody known: a new resident, source "proposal".
    before = _count(Beneficiary)
    new = intake("1971016604950071", "Yanti Kurniawan", kelurahan=bacang)
    resident = db.session.get(Beneficiary, new.beneficiary_id)
    assert _count(Beneficiary) == before + 1 and resident.field_sources["name"][0] == "proposal"
    assert resident.birth_date == date(1995, 4, 26) and resident.sex == "P"
    # The NIK is read from the registry and masked as before.
    assert proposals.patient_nik(new) == "1971016604950071"
    assert mask(proposals.patient_nik(typo)) == "197101******0021"
    # The other-help panel reads the registry: the same person's earlier proposals.
    again = intake("1971016604950071", "Yanti K.", kelurahan=bacang)
    assert again.beneficiary_id == new.beneficiary_id
    assert proposals.other_help(again)["premium"] is None


def test_a_list_naming_a_merged_residents_nik_records_it_on_the_kept_one(registry, staff):
    from sponsorship.beneficiaries.models import Beneficiary, SourceRecord
    from sponsorship.linkage.service import merge

    kept = db.session.get(Beneficiary, registry["1971011203850031"])
    gone = db.session.get(Beneficiary, registry["1971010707800041"])
    merge(kept, gone, actor=staff)
    db.session.commit()
    result = _import([("1971010707800041", "", "Budi Santoso Baru", "L", "1980-07-07", "Bacang")], "bpjs")
    assert (result["created"], result["updated"], result["unchanged"]) == (0, 0, 1)
    records = db.session.scalars(select(SourceRecord).where(SourceRecord.source == "bpjs")).all()
    assert [r.beneficiary_id for r in records] == [kept.id]
    assert db.session.get(Beneficiary, gone.id).name == "Budi Santoso"


def test_a_patient_who_may_be_a_resident_is_registered_and_queued_beside_them(registry, staff):
    from sponsorship.beneficiaries.models import Beneficiary
    from sponsorship.linkage.models import LinkCandidate

    dewi = db.session.get(Beneficiary, registry["1971015502000051"])
    # Dewi's twin sister: her family card, birth date (from the NIK) and kelurahan, another name.
    proposal = factories.make_proposal(staff=staff, data=factories.proposal_data(
        patient_nik="1971015502000052", patient_name="Ratna Lestari", patient_kk="1971010101200005",
        kelurahan_code=dewi.region_code))
    db.session.commit()
    assert proposal.beneficiary_id != dewi.id
    queued = db.session.scalar(select(LinkCandidate))
    assert (queued.kind, queued.status, queued.source) == ("registry", "open", "proposal")
    assert {queued.beneficiary_id, queued.other_id} == {dewi.id, proposal.beneficiary_id}


def test_two_rows_of_one_list_that_are_both_one_resident_attach_once(registry):
    from sponsorship.beneficiaries.models import Beneficiary
    from sponsorship.linkage.models import LinkCandidate

    rizki = ("1971011203850031", "1971010101200002", "Muhammad Rizki Pratama", "L", "1985-03-12", "Bacang")
    kk, born = "1971010101200002", "1985-03-12"
    result = _import([rizki,  # his own NIK: the exact match takes him
                      ("1971011203850032", kk, "M. Rizki Pratama", "L", born, "Bacang"),
                      ("1971011203850013", kk, "Muhammad Rizki", "L", born, "Bacang")], "bpjs")
    assert (result["linked"], result["review"], result["created"]) == (0, 2, 0)
    assert _count(Beneficiary) == len(REGISTRY)
    assert {c.beneficiary_id for c in db.session.scalars(select(LinkCandidate))} == {registry[rizki[0]]}
