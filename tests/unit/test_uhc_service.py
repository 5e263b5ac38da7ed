"""UHC figures: the gap arithmetic, recording rules and the all-or-nothing CSV import."""
from __future__ import annotations

from datetime import date

import pytest

from sponsorship.audit.models import AuditEvent
from sponsorship.core.errors import DomainError, PermissionDenied
from sponsorship.uhc import service
from sponsorship.uhc.models import CoverageFigure


def figure(month=date(2025, 4, 1), population=242_285, registered=239_344, active=179_963):
    return CoverageFigure(month=month, population=population, registered=registered, active=active)


def test_coverage_and_activity_are_the_seeds_april_2025_figures():
    f = figure()
    assert round(f.coverage, 2) == 98.79  # 239.344 / 242.285
    assert round(f.activity, 2) == 75.19  # 179.963 / 239.344


def test_activity_gap_rounds_the_needed_participants_up_and_subtracts_the_active():
    # 80 % of 239.344 = 191.475,2 -> 191.476 active needed; 191.476 - 179.963 = 11.513 missing.
    gap = service.activity_gap(figure(), 80.0)
    assert gap["needed_active"] == 191_476
    assert gap["gap"] == 11_513


def test_activity_gap_is_zero_once_the_threshold_is_met_and_follows_a_changed_threshold():
    met = figure(registered=1000, active=800)
    assert service.activity_gap(met, 80.0)["gap"] == 0
    # Older criteria 75 %: 750 needed.
    assert service.activity_gap(figure(registered=1000, active=700), 75.0)["gap"] == 50
    assert service.activity_gap(None, 80.0) is None


def test_record_figure_is_audited_and_refuses_a_second_figure_for_the_same_month(db_session, staff):
    data = {"month": date(2025, 4, 17), "population": 242_285, "registered": 239_344, "active": 179_963,
            "source_note": "BPJS 1 April 2025"}
    made = service.record_figure(actor=staff, data=data)
    db_session.commit()
    assert made.month == date(2025, 4, 1)  # stored as the first of the month
    events = db_session.scalars(db_session.query(AuditEvent).filter_by(object_type="uhc_coverage_figure")
                                .statement).all()
    assert [e.action for e in events] == ["create"]
    with pytest.raises(DomainError) as err:
        service.record_figure(actor=staff, data={**data, "month": date(2025, 4, 1)})
    assert err.value.field == "month"


@pytest.mark.parametrize("change, field", [
    ({"active": 239_345}, "active"),  # more active than registered
    ({"population": 0}, "population"),
    ({"registered": None}, "registered"),
    ({"month": None}, "month"),
])
def test_record_figure_refuses_impossible_figures(db_session, staff, change, field):
    data = {"month": date(2025, 5, 1), "population": 242_285, "registered": 239_344, "active": 179_963,
            **change}
    with pytest.raises(DomainError) as err:
        service.record_figure(actor=staff, data=data)
    assert err.value.field == field


def test_only_office_roles_record_figures(db_session, approver):
    with pytest.raises(PermissionDenied):
        service.record_figure(actor=approver, data={"month": date(2025, 5, 1), "population": 1,
                                                    "registered": 1, "active": 1})


def test_update_figure_records_the_changed_fields(db_session, staff):
    made = service.record_figure(actor=staff, data={"month": date(2025, 6, 1), "population": 100,
                                                    "registered": 90, "active": 60})
    db_session.commit()
    service.update_figure(made, actor=staff, data={"month": date(2025, 6, 1), "population": 100,
                                                   "registered": 90, "active": 72})
    db_session.commit()
    event = db_session.scalars(db_session.query(AuditEvent).filter_by(action="update").statement).one()
    assert event.changes == {"active": [60, 72]}


GOOD_CSV = (
    "bulan;penduduk;terdaftar;aktif;sumber\n"
    "2025-04;242.285;239.344;179.963;BPJS 1 April 2025\n"
    "05/2025;242360;239410;178657;\n"
)


def test_import_records_every_line_with_dotted_thousands_and_semicolons(db_session, staff):
    made = service.import_figures(actor=staff, text=GOOD_CSV)
    db_session.commit()
    assert [(f.month, f.population, f.active) for f in made] == [
        (date(2025, 4, 1), 242_285, 179_963), (date(2025, 5, 1), 242_360, 178_657)]
    assert made[0].source_note == "BPJS 1 April 2025"


def test_import_refuses_the_whole_file_and_reports_every_bad_line(db_session, staff):
    service.record_figure(actor=staff, data={"month": date(2025, 1, 1), "population": 10,
                                             "registered": 9, "active": 8})
    db_session.commit()
    text = (
        "bulan,penduduk,terdaftar,aktif,sumber\n"
        "2025-02,242130,239050,183590,ok\n"  # line 2 is fine, yet nothing is saved
        "2025-13,242210,239190,181900,\n"  # 3: no 13th month
        "2025-04,242285,239344,239345,\n"  # 4: more active than registered
        "2025-05,2,42E+05,239410,178657,\n"  # 5: Excel's scientific notation
        "2025-02,242130,239050,183590,\n"  # 6: same month as line 2
        "2025-01,242050,238920,184924,\n"  # 7: already in the system
    )
    with pytest.raises(service.ImportRejected) as err:
        service.import_figures(actor=staff, text=text)
    db_session.rollback()
    lines = {line: reason for line, reason in err.value.problems}
    assert sorted(lines) == [3, 4, 5, 6, 7]
    assert "bulan \"2025-13\" tidak dikenali" in lines[3]
    assert "Peserta aktif tidak boleh melebihi peserta terdaftar" in lines[4]
    assert "bukan bilangan bulat" in lines[5]
    assert "sudah ada di baris 2" in lines[6]
    assert "sudah tercatat" in lines[7]
    assert db_session.scalar(db_session.query(CoverageFigure).statement.with_only_columns(
        CoverageFigure.month).order_by(CoverageFigure.month.desc()).limit(1)) == date(2025, 1, 1)


def test_import_names_missing_columns():
    rows, problems = service.parse_csv("bulan,penduduk,aktif\n2025-01,1,1\n")
    assert rows == []
    assert problems[0][0] == 1 and "terdaftar" in problems[0][1]


def test_delimiter_is_sniffed_among_the_agencies_delimiters():
    from sponsorship.core.csvtext import delimiter_of

    assert delimiter_of("bulan;penduduk;aktif\n2025-01;242.285;200.000\n") == ";"
    assert delimiter_of('nik,nama,alamat\n1,Siti,"Jl. A; RT 3"\n2,Budi,Jl. B\n') == ","
    assert delimiter_of("nik\tnama\n1\tSiti\n") == "\t"
    assert delimiter_of("nik|nama\n1|Siti\n") == "|"
    assert delimiter_of("nik\n1\n") == ","  # one column: nothing to sniff
