"""Kelurahan: the region table is the one source; the database refuses a code it does not hold."""
from __future__ import annotations

from contextlib import contextmanager
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import event, insert
from sqlalchemy.exc import IntegrityError

from sponsorship.core.errors import DomainError
from sponsorship.extensions import db
from sponsorship.regions import service as regions
from sponsorship.regions.models import Region
from tests import factories
from tests.pages import get_page

BACANG = "19.71.01.1006"  # factories.proposal_data's kelurahan
UNKNOWN = "99.99.99.9999"
NOW = datetime(2026, 11, 20, tzinfo=UTC)


@contextmanager
def renamed(code: str, name: str):
    """Rename one region row, and put its name back: the region table outlives each test."""
    region = db.session.get(Region, code)
    old = region.name
    region.name = name
    db.session.commit()
    try:
        yield
    finally:
        db.session.rollback()
        db.session.get(Region, code).name = old
        db.session.commit()


@contextmanager
def statements_on(table: str):
    """The SQL statements run meanwhile that read `table`."""
    seen: list[str] = []

    def record(_conn, _cursor, statement, *_args):
        if f"FROM {table}" in statement or f"JOIN {table}" in statement:
            seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(db.engine, "before_cursor_execute", record)


def _proposal_row(kelurahan_code: str, patient: int) -> dict:
    return {"code": "BNM-2026-9999", "year": 2026, "seq": 9999, "status": "submitted",
            "status_changed_at": NOW, "patient_name": "Uji", "beneficiary_id": patient,
            "nik_key_id": "k1", "nik_last4": "0001", "phone": "0812",
            "address": "Jl. Uji",
            "kelurahan_code": kelurahan_code, "referral_origin": "RSUD", "referral_destination": "RSCM",
            "referral_city": "Jakarta", "referral_letter_no": "RJK/1",
            "referral_letter_date": date(2026, 11, 1), "total_requested": 1_000_000,
            "created_at": NOW, "updated_at": NOW}


def test_the_database_refuses_an_unknown_kelurahan_code(app_ctx):
    from sponsorship.beneficiaries.models import Beneficiary
    from sponsorship.proposals.models import AidProposal

    patient = factories.registry_resident()
    # The foreign key refuses it, not some other missing column.
    with pytest.raises(IntegrityError, match="(?i)foreign key"):
        db.session.execute(insert(AidProposal.__table__).values(**_proposal_row(UNKNOWN, patient)))
    db.session.rollback()
    with pytest.raises(IntegrityError, match="(?i)foreign key"):
        db.session.execute(insert(Beneficiary.__table__).values(
            nik_encrypted="x", nik_index="i" * 64, nik_key_id="k1", nik_masked="197101******0001", name="Uji",
            name_search="uji", nik_mismatch=False, region_code=UNKNOWN, arrears_months=0,
            deceased=False, moved_away=False, created_at=NOW, updated_at=NOW))
    db.session.rollback()
    db.session.execute(insert(AidProposal.__table__).values(**_proposal_row(BACANG, patient)))  # a known one
    db.session.rollback()


def test_intake_refuses_an_unknown_kelurahan_with_a_message(app_ctx, staff):
    from sponsorship.proposals import service

    with pytest.raises(DomainError) as refused:
        service.create_proposal(actor=staff, data=factories.proposal_data(kelurahan_code=UNKNOWN),
                                lines=[{"category": "transport_air", "quantity": 1, "unit_amount": 100_000}])
    assert refused.value.field == "kelurahan_code"
    db.session.rollback()


def test_names_and_choices_come_from_the_table(app, login, staff):
    proposal = factories.make_proposal()
    client = login(staff)
    assert "Bacang" in get_page(client, "/proposals/").select_one("[data-code]").text
    with renamed(BACANG, "Bacang Baru"):
        assert "Bacang Baru" in get_page(client, "/proposals/").select_one("[data-code]").text
        assert "Bacang Baru" in get_page(client, f"/proposals/{proposal.id}").text
        options = {o["value"]: o.text for o in get_page(client, "/proposals/new").select(
            "select[name=kelurahan_code] option")}
        assert options[BACANG] == "Bacang Baru (Bukit Intan)"
        assert regions.kelurahan_name(BACANG) == "Bacang Baru"
        assert regions.lookup()["bacang baru"] == BACANG  # an import may name it so now
        assert "bacang" not in regions.lookup()


def test_a_page_of_proposals_reads_their_regions_in_one_query(app, login, staff):
    codes = [r.code for r in regions.all_regions()][:25]
    for code in codes:
        factories.make_proposal(data=factories.proposal_data(kelurahan_code=code))
    client = login(staff)
    with statements_on("region") as seen:
        page = get_page(client, "/proposals/")
    assert len(page.select("[data-code]")) == 25
    assert len(seen) == 1, seen
    names = {r.code: r.name for r in regions.all_regions()}
    shown = page.select_one("table").text
    assert all(names[code] in shown for code in codes)


def test_lookup_by_code_or_name_and_names(app_ctx):
    from sponsorship.beneficiaries.text import normalise

    spellings = regions.lookup()
    assert spellings["19.71.01.1006"] == BACANG
    assert spellings["1971011006"] == BACANG
    assert spellings[normalise("  bacang ")] == BACANG
    assert "atlantis" not in spellings and "" not in spellings
    assert regions.kelurahan_name(UNKNOWN) == UNKNOWN and regions.kecamatan_name(UNKNOWN) == "–"
    assert regions.kecamatan_name(BACANG) == "Bukit Intan"
    choices = regions.choices()
    assert (BACANG, "Bacang (Bukit Intan)") in choices
    assert len(choices) == db.session.scalar(db.select(db.func.count()).select_from(Region))


def test_the_shipped_list_is_what_the_migration_loaded(app_ctx):
    shipped = {r["code"]: r for r in regions.shipped_regions()}
    stored = {r.code: r for r in regions.all_regions()}
    assert shipped.keys() == stored.keys()
    assert all(stored[c].name == r["name"] and stored[c].kecamatan_name == r["kecamatan_name"]
               for c, r in shipped.items())
