"""Every export opens as data in Excel and LibreOffice: text that a spreadsheet would read as a
formula (=, +, -, @, tab, carriage return first) is written as text in XLSX and prefixed in CSV."""
from __future__ import annotations

import csv
import io
import zipfile
from datetime import date

import pytest
from openpyxl import load_workbook

from sponsorship.core import export
from sponsorship.extensions import db
from tests import factories
from tests.factories import make_residents, resident_row

HOSTILE = "=cmd|' /C calc'!A0"


def xlsx_cells(body: bytes):
    """(worksheet, raw sheet XML) of the first sheet, read back as a spreadsheet would."""
    book = load_workbook(io.BytesIO(body))
    with zipfile.ZipFile(io.BytesIO(body)) as z:
        xml = z.read("xl/worksheets/sheet1.xml").decode()
    return book.active, xml


def assert_text_cell(ws, xml, value):
    hits = [c for row in ws.iter_rows() for c in row if c.value == value]
    assert hits, f"{value!r} not in the sheet"
    for cell in hits:
        assert cell.data_type == "s" and cell.quotePrefix
    assert "<f>" not in xml  # no formula anywhere in the file


@pytest.mark.parametrize("text", ["=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx"])
def test_the_helper_escapes_every_formula_start(text):
    rows = list(csv.reader(io.StringIO(export.to_csv(["h"], [[text]]).decode("utf-8-sig"), newline="")))
    assert rows[1] == ["'" + text]
    ws, xml = xlsx_cells(export.to_xlsx([export.Sheet("S", ["h"], [[text]])]))
    assert_text_cell(ws, xml, text)


def test_the_helper_leaves_plain_values_alone():
    body = export.to_csv(["a", "b"], [["Siti", 5], ["", None]])
    assert body.decode("utf-8-sig").splitlines() == ["a,b", "Siti,5", ","]
    ws, _ = xlsx_cells(export.to_xlsx([export.Sheet("S", ["a", "b"], [["Siti", -5]])]))
    assert ws["A2"].value == "Siti" and not ws["A2"].quotePrefix
    assert ws["B2"].value == -5 and ws["B2"].data_type == "n"  # a negative number stays a number


@pytest.fixture
def hostile_allocation(staff, company_a):
    from sponsorship.allocations import service
    from sponsorship.beneficiaries.models import Beneficiary

    pledge = factories.make_pledge(sponsor=company_a, status="agreed", quota=2)
    make_residents(rows=[resident_row("1971015708450001", HOSTILE, alamat="@Jl. Merdeka")])
    resident = db.session.scalars(db.select(Beneficiary)).one()
    service.allocate(pledge, resident, actor=staff)
    db.session.commit()
    return pledge, resident.name


def test_allocation_csv_prefixes_a_formula_name(login, staff, hostile_allocation):
    pledge, name = hostile_allocation
    assert name.startswith("=")  # the registry kept the name as typed
    body = login(staff).get(f"/allocations/pledge/{pledge.id}/export.csv").get_data(as_text=True)
    rows = list(csv.reader(io.StringIO(body.lstrip("\ufeff"))))
    assert rows[1][0] == "1971015708450001"
    assert rows[1][2] == "'" + name
    assert rows[1][5].startswith("'@Jl. Merdeka")


def test_allocation_xlsx_writes_a_formula_name_as_text(login, staff, hostile_allocation):
    pledge, name = hostile_allocation
    ws, xml = xlsx_cells(login(staff).get(f"/allocations/pledge/{pledge.id}/export.xlsx").data)
    assert ws["C2"].value == name
    assert_text_cell(ws, xml, name)
    assert ws["A2"].value == "1971015708450001" and ws["A2"].number_format == "@"


def test_uhc_pledges_xlsx_writes_a_formula_short_name_as_text(login, staff):
    company = factories.make_sponsor(name="PT Gamma", short_name=HOSTILE)
    factories.make_pledge(sponsor=company, status="agreed", quota=10, months=12)
    ws, xml = xlsx_cells(login(staff).get("/uhc/export/pledges.xlsx").data)
    assert_text_cell(ws, xml, HOSTILE)


def test_uhc_trend_xlsx_writes_a_formula_source_note_as_text(login, staff):
    from sponsorship.uhc.models import CoverageFigure

    db.session.add(CoverageFigure(month=date(2025, 4, 1), population=100, registered=90, active=80,
                                  source_note="-2+3 BPJS"))
    db.session.commit()
    ws, xml = xlsx_cells(login(staff).get("/uhc/export/trend.xlsx").data)
    assert_text_cell(ws, xml, "-2+3 BPJS")
    assert ws["B2"].value == 100 and ws["B2"].data_type == "n"


def test_import_template_csv_goes_through_the_helper(login, staff):
    body = login(staff).get("/beneficiaries/import/template-dinsos.csv").data
    assert body.startswith("\ufeff".encode()) and b"nik" in body.lower()
