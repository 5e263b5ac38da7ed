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
    assert len(choices) == 42  # the kelurahan of the city only, not the 83,762 of the country
    assert {code[:6] for code, _ in choices} == {"19.71."}


def test_the_city_scope_hides_other_areas_kelurahan(app_ctx):
    palu = "72.71.01.1004"  # Besusu Barat, Kota Palu
    assert db.session.get(Region, palu).name == "Besusu Barat"  # in the table...
    assert regions.get(palu) is None and "Besusu Barat" not in str(regions.choices())  # ...not the city's
    assert regions.kelurahan_name(palu) == palu and palu not in regions.lookup()
    factories.set_up_city("72.71")
    assert len(regions.choices()) == 46 and regions.get(palu).name == "Besusu Barat"
    assert regions.get(BACANG) is None and "bacang" not in regions.lookup()


def test_older_official_spellings_are_accepted_as_aliases(app_ctx):
    from sponsorship.beneficiaries.text import normalise

    spellings = regions.lookup()
    assert spellings[normalise("Bukitintan")] == "19.71.07.1002"  # now Batu Intan
    assert spellings[normalise("Rejo Sari")] == spellings["rejosari"] == "19.71.03.1008"
    assert regions.kelurahan_name("19.71.07.1002") == "Batu Intan"


def test_the_table_holds_every_level_of_the_shipped_data(app_ctx):
    from sponsorship.regions.load import shipped_rows

    counts = dict(db.session.execute(db.select(Region.level, db.func.count()).group_by(Region.level)).all())
    assert counts == {1: 38, 2: 514, 3: 7285, 4: 83762}
    assert sum(counts.values()) == len(shipped_rows())
    bacang = db.session.get(Region, BACANG)
    assert (bacang.parent_code, bacang.regency_code, bacang.kecamatan_name) == (
        "19.71.01", "19.71", "Bukit Intan")
    assert db.session.get(Region, "19.71").parent_code == "19"


def test_the_load_command_is_idempotent_and_says_so(app):
    import json

    result = app.test_cli_runner().invoke(args=["load-regions"])
    assert result.exit_code == 0, result.output
    counts = json.loads(result.output)
    assert (counts["inserted"], counts["kept"]) == (0, 91599)
    assert (counts["provinces"], counts["regencies"]) == (38, 514)


def test_loading_again_changes_nothing_and_keeps_corrected_names(app_ctx):
    from sponsorship.regions.load import load_regions

    with renamed(BACANG, "Bacang (ejaan setempat)"):
        counts = load_regions()
        assert counts["inserted"] == 0 and counts["aliases_inserted"] == 0
        assert counts["kept"] == 91599 and (counts["provinces"], counts["regencies"]) == (38, 514)
        assert db.session.get(Region, BACANG).name == "Bacang (ejaan setempat)"
