"""Eligibility for premium sponsorship: each reason in Python agrees with the SQL filter."""
from __future__ import annotations

import pytest

from sponsorship.beneficiaries.models import Beneficiary
from sponsorship.beneficiaries.service import eligible_clause, ineligibility_reasons


def _resident(**kw):
    base = dict(region_code="19.71.01.1006", deceased=False, moved_away=False, jkn_segment="PBPU",
                jkn_status="NONAKTIF", arrears_months=3)
    base.update(kw)
    return Beneficiary(**base)


@pytest.mark.parametrize("kw, fragment", [
    ({}, None),
    ({"jkn_segment": "BELUM", "jkn_status": None}, None),
    ({"jkn_status": "AKTIF", "arrears_months": 2}, None),  # PBPU in arrears stays eligible
    ({"region_code": None}, "berdomisili"),
    ({"moved_away": True}, "berdomisili"),
    ({"deceased": True}, "Meninggal"),
    ({"jkn_segment": "PBI_APBN"}, "PBI"),
    ({"jkn_segment": "PBI_APBD"}, "PBI"),
    ({"jkn_segment": "PPU", "jkn_status": "AKTIF"}, "masih aktif"),
    ({"jkn_status": "AKTIF", "arrears_months": 0}, "masih aktif"),
])
def test_reasons(app_ctx, kw, fragment):
    reasons = [str(r) for r in ineligibility_reasons(_resident(**kw), holding=False)]
    if fragment is None:
        assert reasons == []
    else:
        assert any(fragment in r for r in reasons), reasons


def test_holding_an_allocation_is_a_reason(app_ctx):
    reasons = [str(r) for r in ineligibility_reasons(_resident(), holding=True)]
    assert any("alokasi" in r for r in reasons)


def test_sql_filter_matches_python_rules(db_session):
    from tests.factories import make_residents

    ids = make_residents(12)
    rows = db_session.query(Beneficiary).filter(Beneficiary.id.in_(ids)).all()
    variants = [{}, {"deceased": True}, {"moved_away": True}, {"jkn_segment": "PBI_APBN"},
                {"jkn_status": "AKTIF", "arrears_months": 0}, {"jkn_status": "AKTIF", "arrears_months": 4},
                {"jkn_segment": "PPU", "jkn_status": "AKTIF"}, {"region_code": None},
                {"jkn_segment": None, "jkn_status": None}, {"jkn_segment": "BELUM"}, {}, {}]
    for b, kw in zip(rows, variants, strict=True):
        for k, v in {**dict(jkn_segment="PBPU", jkn_status="NONAKTIF", arrears_months=1, deceased=False,
                            moved_away=False), **kw}.items():
            setattr(b, k, v)
    db_session.flush()
    in_sql = set(db_session.scalars(db_session.query(Beneficiary.id).filter(
        Beneficiary.id.in_(ids), eligible_clause()).statement))
    in_python = {b.id for b in rows if not ineligibility_reasons(b, holding=False)}
    assert in_sql == in_python
    # eligible: the three plain ones, PBPU in arrears, no JKN data, not yet in JKN
    assert in_sql == {rows[i].id for i in (0, 5, 8, 9, 10, 11)}
