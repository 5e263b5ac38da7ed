"""Registry import of files as spreadsheet programs write them: number formats that corrupted NIK,
KK and phone, legacy encodings, merged headers, BPS village codes, and hostile files (bombs).

Every file is made here, shaped as LibreOffice, Excel or Gnumeric write it after a round trip.
"""
from __future__ import annotations

import csv
import io
import json
import struct
import subprocess
import sys
import zlib
from pathlib import Path

import pytest
from openpyxl import Workbook

from sponsorship.beneficiaries.demo import HEADER
from tests.factories import resident_row
from tests.pages import after_job

FIX = "ormat kolom NIK sebagai Teks di program lembar kerja, lalu ekspor ulang"
ROOT = Path(__file__).resolve().parents[2]


def _count(model):
    from sponsorship.extensions import db

    return db.session.scalar(db.select(db.func.count()).select_from(model))


def _nothing_written():
    from sponsorship.beneficiaries.models import Beneficiary, SourceRecord

    return _count(Beneficiary) == 0 and _count(SourceRecord) == 0


def _csv(rows, *, header=HEADER, delimiter=",", encoding="utf-8", quoting=csv.QUOTE_MINIMAL) -> bytes:
    buf = io.StringIO()
    writer = csv.writer(buf, delimiter=delimiter, quoting=quoting, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buf.getvalue().encode(encoding)


def _xlsx(rows, *, header=HEADER, merge: str | None = None) -> bytes:
    wb = Workbook()
    ws = wb.active
    for row in [header, *rows]:
        ws.append(row)
    if merge:
        ws.merge_cells(merge)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _upload(client, data: bytes, name: str, source: str = "dukcapil"):
    return client.post("/beneficiaries/import", data={"source": source, "file": (io.BytesIO(data), name)},
                       content_type="multipart/form-data")


def _preview(client, data: bytes, name: str, source: str = "dukcapil"):
    """The preview page the upload leads to once its job has run, and its address."""
    from bs4 import BeautifulSoup

    response = after_job(client, _upload(client, data, name, source))
    assert response.status_code == 200, response.get_data(as_text=True)[:2000]
    return BeautifulSoup(response.get_data(as_text=True), "html.parser"), response.request.path


def _invalid(page) -> list[tuple[int, str]]:
    return [(int(tr.select("td")[0].text), tr.select("td")[1].text)
            for tr in page.select("[data-testid=invalid-rows] tbody tr")]


def _refused(client, data: bytes, name: str) -> str:
    from sponsorship.beneficiaries.models import ImportBatch

    response = after_job(client, _upload(client, data, name))
    assert _nothing_written() and _count(ImportBatch) == 0
    return " ".join(_page_text(response).split())


def _page_text(response) -> str:
    """The refusal as the job's page shows it."""
    from bs4 import BeautifulSoup

    page = BeautifulSoup(response.get_data(as_text=True), "html.parser")
    error = page.select_one("[data-testid=job-error]")
    assert error is not None, response.get_data(as_text=True)[:2000]
    return error.text


def _row(nik, name, **kw):
    return resident_row(nik, name, **kw)


# --- number formats: LibreOffice, Excel, Gnumeric round trips ----------------------------------

# Numeric NIKs after a round trip through a number format: 15 significant digits kept, the 16th is 0.
ROUNDED = ["1971074507880020", "1971015708450010", "1971011708450020", "1971041203900030"]


def test_libreoffice_csv_with_a_rounded_nik_column_is_refused_whole(staff, login):
    # LibreOffice saves a numeric column as plain digits: every NIK ends in 0, the phones lost their 0.
    rows = [_row(nik, f"Warga {i}", no_hp="") for i, nik in enumerate(ROUNDED)]
    text = _refused(login(staff), _csv(rows), "libreoffice.csv")
    assert "Kolom NIK tampaknya disimpan sebagai angka" in text
    assert "4 dari 4 nilai 16 digit berakhiran 0 (baris 2, 3, 4, 5)" in text
    assert FIX in text


def test_a_rounded_kk_column_is_refused_whole_naming_the_kk(staff, login):
    rows = [_row(nik, f"Warga {i}", no_kk=f"19710701010800{i}0") for i, nik in
            enumerate(["1971015708450001", "1971011708450002", "1971011708450003"], start=1)]
    text = _refused(login(staff), _csv(rows), "kk.csv")
    assert "Kolom No. KK tampaknya disimpan sebagai angka" in text and "(baris 2, 3, 4)" in text
    assert "ormat kolom No. KK sebagai Teks di program lembar kerja, lalu ekspor ulang" in text


def test_one_nik_ending_in_zero_is_an_ordinary_nik(staff, login):
    from sponsorship.beneficiaries.models import Beneficiary

    rows = [_row("1971015708450001", "Siti"), _row("1971011708450020", "Budi"),
            _row("1971011708450003", "Ani")]
    page, url = _preview(login(staff), _csv(rows), "biasa.csv")
    assert page.select_one("[data-count=created]").text == "3" and _invalid(page) == []
    login(staff).post(url + "/confirm")
    assert _count(Beneficiary) == 3


def test_the_issues_round_trip_row_is_refused_with_line_and_fix(staff, login):
    # 1971074507880021 with KK and phone, opened in LibreOffice, saved as XLSX, saved again as CSV.
    rows = [_row("1971015708450001", "Siti", no_hp="081234567890"),
            _row("1971074507880020", "Budi", no_kk="1971070101080010", no_hp="81234567890")]
    page, _ = _preview(login(staff), _csv(rows), "roundtrip.csv")
    (line, reason), = _invalid(page)
    assert line == 3
    assert "Nomor HP kehilangan angka 0 di depan" in reason and "NIK dan No. KK" in reason
    assert "ormat kolom No. HP sebagai Teks di program lembar kerja, lalu ekspor ulang" in reason
    assert page.select_one("[data-count=created]").text == "1"
    assert _nothing_written()


def test_phone_in_plus62_form_is_not_a_lost_zero(staff, login):
    rows = [_row("1971015708450001", "Siti", no_hp="+62 812-3456-7890"),
            _row("1971011708450002", "Budi", no_hp="6281234567890")]
    page, _ = _preview(login(staff), _csv(rows), "hp.csv")
    assert _invalid(page) == [] and page.select_one("[data-count=created]").text == "2"


def test_a_serial_rounded_to_0000_is_explained_as_rounding(staff, login):
    # 1971074507880003 kept as 15 significant digits reads 1971074507880000.
    rows = [_row("1971015708450001", "Siti"), _row("1971074507880000", "Budi")]
    page, _ = _preview(login(staff), _csv(rows), "nol.csv")
    (line, reason), = _invalid(page)
    assert line == 3
    assert "Nomor urut NIK menjadi 0000" in reason and "dibulatkan program lembar kerja" in reason
    assert FIX in reason and "tidak boleh 0000" not in reason
    assert _nothing_written()


def test_excel_indonesian_csv_with_scientific_notation_and_decimal_comma(staff, login):
    # Excel in an Indonesian locale: semicolons, and a numeric NIK shown as 1,97101E+15.
    rows = [_row("1971015708450001", "Siti"), _row("1,97107E+15", "Budi"), _row("1,97101E+15", "Ani"),
            _row("1971011708450004", "Dewi", no_kk="1,97107E+15")]
    page, _ = _preview(login(staff), _csv(rows, delimiter=";", encoding="cp1252"), "excel.csv")
    invalid = _invalid(page)
    assert [line for line, _ in invalid] == [3, 4, 5]
    assert all("notasi ilmiah" in reason for _, reason in invalid)
    assert FIX in invalid[0][1] and "ormat kolom No. KK sebagai Teks" in invalid[2][1]
    assert page.select_one("[data-count=created]").text == "1"
    assert _nothing_written()


def test_gnumeric_csv_with_trailing_decimal_zero(staff, login):
    # A numeric column written as a float: 1971011708450002.0.
    rows = [_row("1971015708450001", "Siti"), _row("1971011708450002.0", "Budi"),
            _row("1971011708450003", "Ani", no_kk="1971070101080011.0")]
    page, _ = _preview(login(staff), _csv(rows, quoting=csv.QUOTE_ALL), "gnumeric.csv")
    invalid = _invalid(page)
    assert [line for line, _ in invalid] == [3, 4]
    assert "NIK ditulis sebagai angka desimal" in invalid[0][1] and FIX in invalid[0][1]
    assert "No. KK ditulis sebagai angka desimal" in invalid[1][1]


def test_xlsx_with_numeric_identity_cells_refuses_those_rows(staff, login):
    # Excel/LibreOffice XLSX: a NIK typed into a number cell is a number (15 significant digits).
    rows = [_row("1971015708450001", "Siti"), _row("x", "Budi"), _row("1971011708450003", "Ani")]
    rows[1][0] = 1971074507880020
    rows[2][1] = 1971070101080010  # no_kk as a number
    page, _ = _preview(login(staff), _xlsx(rows), "excel.xlsx")
    invalid = _invalid(page)
    assert [line for line, _ in invalid] == [3, 4]
    assert "NIK tersimpan sebagai angka" in invalid[0][1] and FIX in invalid[0][1]
    assert "No. KK tersimpan sebagai angka" in invalid[1][1]
    assert page.select_one("[data-testid=import-encoding]").text.strip() == "Lembar kerja XLSX"
    assert _nothing_written()


# --- encodings ---------------------------------------------------------------------------------

@pytest.mark.parametrize("encoding, shown, delimiter", [
    ("cp1252", {"Windows-1252"}, ";"),
    ("latin-1", {"Windows-1252", "Latin-1 (ISO-8859-1)"}, ","),
    ("utf-8-sig", {"UTF-8 (BOM)"}, ","),
    ("utf-16", {"UTF-16"}, "\t"),  # Excel's "Unicode text"
    ("utf-8", {"UTF-8"}, ","),
])
def test_legacy_encodings_are_read_and_shown(staff, login, encoding, shown, delimiter):
    from sponsorship.beneficiaries.models import Beneficiary
    from sponsorship.extensions import db

    rows = [_row("1971015708450001", "Ñoman", alamat="Jl. Café No. 3"),
            _row("1971011708450002", "Andrés")]
    page, url = _preview(login(staff), _csv(rows, delimiter=delimiter, encoding=encoding), "lama.csv")
    assert _invalid(page) == []
    label = page.select_one("[data-testid=import-encoding]").text.strip()
    assert label.removeprefix("Enkode terbaca: ") in shown
    login(staff).post(url + "/confirm")
    stored = dict(db.session.execute(db.select(Beneficiary.name, Beneficiary.address)).all())
    assert stored == {"Ñoman": "Jl. Café No. 3", "Andrés": None}


def test_windows_1252_only_characters_are_read(app_ctx):
    from sponsorship.beneficiaries.importer import parse_file

    data = _csv([_row("1971015708450001", "Siti “Ani”", alamat="Gg. Mawar – 3")], encoding="cp1252")
    parsed = parse_file(data, file_name="x.csv", source="dinsos", max_bytes=10**6)
    assert parsed.encoding == "Windows-1252"
    assert (parsed.rows[0][1]["name"], parsed.rows[0][1]["address"]) == ("Siti “Ani”", "Gg. Mawar – 3")


# --- merged headers ----------------------------------------------------------------------------

SHORT = ["nik", "nama", "alamat", "rt", "rw", "kelurahan"]


def test_xlsx_merged_alamat_without_subheader_warns_naming_the_lost_columns(staff, login):
    from sponsorship.beneficiaries.models import Beneficiary
    from sponsorship.extensions import db

    header = ["nik", "nama", "alamat", None, None, "kelurahan"]
    rows = [["1971015708450001", "Siti", "Jl. Mawar 3", "1", "2", "Bacang"]]
    page, url = _preview(login(staff), _xlsx(rows, header=header, merge="C1:E1"), "gabung.xlsx")
    warning = " ".join(page.select_one("[data-testid=import-warnings]").text.split())
    assert "Kolom D, E tidak punya judul sendiri" in warning and "\"alamat\" di kolom C" in warning
    assert "TIDAK dibaca" in warning
    login(staff).post(url + "/confirm")
    b = db.session.scalar(db.select(Beneficiary))
    assert (b.address, b.rt, b.rw) == ("Jl. Mawar 3", None, None)


def test_xlsx_merged_alamat_with_a_second_header_row_is_read_correctly(staff, login):
    from sponsorship.beneficiaries.models import Beneficiary
    from sponsorship.extensions import db

    wb = Workbook()
    ws = wb.active
    ws.append(["nik", "nama", "alamat", None, None, "kelurahan"])
    ws.append([None, None, "alamat", "rt", "rw", None])
    ws.append(["1971015708450001", "Siti", "Jl. Mawar 3", "1", "2", "Bacang"])
    ws.append(["1971011708450002", "Budi", "Jl. Melati", "4", "5", "Bintang Nasional"])
    for cells in ("A1:A2", "B1:B2", "C1:E1", "F1:F2"):
        ws.merge_cells(cells)
    buf = io.BytesIO()
    wb.save(buf)
    page, url = _preview(login(staff), buf.getvalue(), "dua-baris.xlsx")
    assert page.select_one("[data-testid=import-warnings]") is None
    # Line numbers count both header rows.
    assert _invalid(page) == [(4, "Kelurahan \"Bintang Nasional\" tidak dikenal.")]
    login(staff).post(url + "/confirm")
    b = db.session.scalar(db.select(Beneficiary))
    assert (b.name, b.address, b.rt, b.rw) == ("Siti", "Jl. Mawar 3", "001", "002")


def test_csv_shape_of_a_merged_header_warns_or_reads_the_second_row(staff, login):
    from sponsorship.beneficiaries.models import Beneficiary
    from sponsorship.extensions import db

    data = (b"nik,nama,alamat,,,kelurahan\r\n"
            b"1971015708450001,Siti,Jl. Mawar 3,1,2,Bacang\r\n")
    page, _ = _preview(login(staff), data, "gabung.csv")
    warning = page.select_one("[data-testid=import-warnings]").text
    assert "Kolom D, E tidak punya judul sendiri" in warning
    data = (b"nik,nama,alamat,,,kelurahan\r\n"
            b",,alamat,rt,rw,\r\n"
            b"1971015708450001,Siti,Jl. Mawar 3,1,2,Bacang\r\n")
    page, url = _preview(login(staff), data, "dua-baris.csv")
    assert page.select_one("[data-testid=import-warnings]") is None and _invalid(page) == []
    login(staff).post(url + "/confirm")
    b = db.session.scalar(db.select(Beneficiary))
    assert (b.address, b.rt, b.rw) == ("Jl. Mawar 3", "001", "002")


def test_an_unnamed_column_with_data_is_named_in_a_warning(app_ctx):
    from sponsorship.beneficiaries.importer import parse_file

    data = b"nik,nama,kelurahan\r\n1971015708450001,Siti,Bacang,catatan\r\n"
    parsed = parse_file(data, file_name="x.csv", source="dinsos", max_bytes=10**6)
    assert parsed.warnings == [
        "Kolom D tidak punya judul sendiri (judul \"kelurahan\" di kolom C mencakupnya, mis. sel gabungan); "
        "isinya TIDAK dibaca. Beri setiap kolom judulnya sendiri (mis. alamat, rt, rw) lalu unggah ulang "
        "jika data itu diperlukan."]
    assert len(parsed.rows) == 1


# --- village codes -----------------------------------------------------------------------------

def test_undotted_and_bps_village_codes_are_never_mapped_naively(staff, login):
    from sponsorship.beneficiaries.models import Beneficiary
    from sponsorship.extensions import db

    header = ["nik", "nama", "kelurahan", "kode_desa"]
    rows = [
        ["1971015708450001", "Siti", "Semabung Lama", "1971011004"],  # undotted Kemendagri, confirmed
        ["1971011708450002", "Budi", "Bacang", "1971011004"],  # a BPS code equal to another's Kemendagri
        ["1971011708450003", "Ani", "Bacang", "1971010002"],  # a BPS code that collides with nothing
        ["1971011708450004", "Dewi", "Bacang", "19.71.01.1006"],  # dotted code and name agree
        ["1971011708450005", "Eka", "Bacang", "19.71.01.1004"],  # dotted code and name disagree
    ]
    page, url = _preview(login(staff), _csv(rows, header=header), "bps.csv")
    invalid = dict(_invalid(page))
    assert sorted(invalid) == [3, 4, 6]
    assert "bukan kode Kemendagri kelurahan Bacang (19.71.01.1006)" in invalid[3]
    assert "kode desa BPS" in invalid[4]
    for line in (3, 4):
        assert "Gunakan kode Kemendagri bertitik (mis. NN.NN.NN.NNNN) atau nama kelurahan" in invalid[line]
    assert "menunjuk kelurahan yang berbeda" in invalid[6]
    login(staff).post(url + "/confirm")
    stored = dict(db.session.execute(db.select(Beneficiary.name, Beneficiary.region_code)).all())
    assert stored == {"Siti": "19.71.01.1004", "Dewi": "19.71.01.1006"}


def test_an_undotted_code_alone_is_refused(staff, login):
    rows = [_row("1971015708450001", "Siti", kelurahan="1971011006"),
            _row("1971011708450002", "Budi", kelurahan="19.71.01.1006")]
    page, _ = _preview(login(staff), _csv(rows), "kode.csv")
    (line, reason), = _invalid(page)
    assert line == 2 and "10 digit tanpa titik" in reason and "NN.NN.NN.NNNN" in reason
    assert _nothing_written()


def test_a_list_naming_the_kelurahan_only_by_code_and_name_columns(app_ctx):
    from sponsorship.beneficiaries.importer import parse_file

    data = b"nik,nama,kode_desa,nama_desa\r\n1971015708450001,Siti,1971011006,BACANG\r\n"
    parsed = parse_file(data, file_name="x.csv", source="dinsos", max_bytes=10**6)
    assert parsed.invalid == [] and parsed.rows[0][1]["region_code"] == "19.71.01.1006"


# --- input bombs -------------------------------------------------------------------------------

CONTENT_TYPES = (b'<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/'
                 b'package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.'
                 b'openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="'
                 b'application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.'
                 b'openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/'
                 b'worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.'
                 b'spreadsheetml.worksheet+xml"/></Types>')
RELS = (b'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/'
        b'package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/'
        b'officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>')
WORKBOOK = (b'<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/'
            b'spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/'
            b'relationships"><sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>')
WORKBOOK_RELS = (b'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.'
                 b'org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.'
                 b'org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>'
                 b'</Relationships>')
SHEET_HEAD = (b'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/'
              b'spreadsheetml/2006/main"><dimension ref="%s"/><sheetData>')
SHEET_TAIL = b"</sheetData></worksheet>"


def _deflated(parts: list[bytes], repeat: int = 1) -> tuple[bytes, int, int]:
    """Raw deflate of parts[0] + parts[1] * repeat + parts[2], compressing parts[1] once: after a
    full flush the compressor starts afresh, so the same input gives the same bytes again."""
    head, body, tail = parts
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    start = c.compress(head) + c.flush(zlib.Z_FULL_FLUSH)
    block = c.compress(body) + c.flush(zlib.Z_FULL_FLUSH)
    end = c.compress(tail) + c.flush()
    crc = zlib.crc32(head)
    for _ in range(repeat):
        crc = zlib.crc32(body, crc)
    crc = zlib.crc32(tail, crc)
    return start + block * repeat + end, crc, len(head) + len(body) * repeat + len(tail)


def _zip(members: dict[str, tuple[bytes, int, int]]) -> bytes:
    """A zip archive of already deflated members (name -> (data, crc, size))."""
    out, central = io.BytesIO(), []
    for name, (data, crc, size) in members.items():
        offset = out.tell()
        encoded = name.encode()
        out.write(struct.pack("<4s5H3L2H", b"PK\x03\x04", 20, 0, 8, 0, 0x21, crc, len(data), size,
                              len(encoded), 0) + encoded + data)
        central.append(struct.pack("<4s6H3L5H2L", b"PK\x01\x02", 20, 20, 0, 8, 0, 0x21, crc, len(data), size,
                                   len(encoded), 0, 0, 0, 0, 0, offset) + encoded)
    start = out.tell()
    out.write(b"".join(central))
    out.write(struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, len(central), len(central), out.tell() - start,
                          start, 0))
    return out.getvalue()


def _workbook(sheet: tuple[bytes, int, int]) -> bytes:
    small = {name: _deflated([data, b"", b""]) for name, data in (
        ("[Content_Types].xml", CONTENT_TYPES), ("_rels/.rels", RELS), ("xl/workbook.xml", WORKBOOK),
        ("xl/_rels/workbook.xml.rels", WORKBOOK_RELS))}
    return _zip({**small, "xl/worksheets/sheet1.xml": sheet})


def _cells(r: int) -> bytes:
    return (b'<row r="%d"><c r="A%d" t="inlineStr"><is><t>1971015708450001</t></is></c>'
            b'<c r="B%d" t="inlineStr"><is><t>Siti</t></is></c></row>') % (r, r, r)


def huge_declared_sheet() -> bytes:
    """About 1.6 KB: a sheet that declares 1,048,576 rows x 16,384 columns."""
    header = (b'<row r="1"><c r="A1" t="inlineStr"><is><t>nik</t></is></c><c r="B1" t="inlineStr"><is><t>nama'
              b'</t></is></c><c r="XFD1" t="inlineStr"><is><t>kelurahan</t></is></c></row>')
    rows = header + _cells(2) + b'<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>'
    return _workbook(_deflated([SHEET_HEAD % b"A1:XFD1048576" + rows, b"", SHEET_TAIL]))


def unpacking_bomb() -> bytes:
    """About 3 MB that unpacks to about 1.5 GB of sheet XML (a modest declared dimension)."""
    import random

    noise = random.Random(16).randbytes(700).hex().encode()  # what keeps the ratio near 500:1
    block = b'<row r="2"><c r="C2" t="inlineStr"><is><t>' + noise + b"</t></is></c></row>" + _cells(3)
    block += b" " * (1024 * 1024 - len(block))  # whitespace between elements: valid, and deflates best
    return _workbook(_deflated([SHEET_HEAD % b"A1:C3", block, SHEET_TAIL], repeat=1500))


def single_field_csv() -> bytes:
    """51 MB: a header, then one quoted field."""
    return b"nik,nama,kelurahan\r\n\"" + b"A" * (51_000_000 - 24) + b"\"\r\n"


BOMBS = {
    "besar.xlsx": (huge_declared_sheet, "Lembar kerja menyatakan ukuran 1.048.576 baris × 16.384 kolom; "
                   "batas berkas impor 300.000 baris dan 100 kolom."),
    "bom.xlsx": (unpacking_bomb, "Isi berkas XLSX terlalu besar setelah dibuka (1.500 MB; batas 400 MB "
                 "seluruhnya, 300 MB per bagian)."),
    "satu-kolom.csv": (single_field_csv, "Baris 2 berkas CSV lebih panjang dari batas 65.536 karakter."),
}


def test_bombs_are_the_size_the_issue_describes():
    assert 1_200 < len(huge_declared_sheet()) < 2_000
    bomb = unpacking_bomb()
    assert 2_000_000 < len(bomb) < 4_000_000
    import zipfile

    with zipfile.ZipFile(io.BytesIO(bomb)) as archive:
        assert 1.5e9 < sum(m.file_size for m in archive.infolist()) < 1.7e9
    assert len(single_field_csv()) == 51_000_000


@pytest.mark.parametrize("name", sorted(BOMBS))
def test_input_bombs_are_refused_with_a_message_naming_the_limit(staff, login, name):
    make, message = BOMBS[name]
    text = _refused(login(staff), make(), name)
    assert message in text


MEASURE = """
import json, sys
from sponsorship.beneficiaries import importer
import openpyxl.reader.excel, charset_normalizer  # loaded before the baseline: code is not the upload
from sponsorship import create_app
app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": "sqlite://"})
data = open(sys.argv[1], "rb").read()
def status(field):
    with open("/proc/self/status") as fh:
        return next(int(line.split()[1]) for line in fh if line.startswith(field + ":"))
with open("/proc/self/clear_refs", "w") as fh:  # the peak from now on: the upload's, not start-up's
    fh.write("5")
before = status("VmRSS")
with app.test_request_context():
    try:
        importer.parse_file(data, file_name=sys.argv[1], source="dukcapil", max_bytes=50 * 1024 * 1024)
        message = None
    except importer.UnusableFile as exc:
        message = str(exc.message)
after = status("VmHWM")
print(json.dumps({"growth_mb": (after - before) / 1024, "message": message}))
"""


@pytest.mark.parametrize("name", sorted(BOMBS))
def test_a_worker_refusing_a_bomb_stays_under_300_mb(tmp_path, name):
    make, message = BOMBS[name]
    path = tmp_path / name
    path.write_bytes(make())
    done = subprocess.run([sys.executable, "-c", MEASURE, str(path)], cwd=ROOT, capture_output=True,
                          text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["message"] == message
    assert result["growth_mb"] < 300, result


# --- the bounds themselves, on the reader alone ------------------------------------------------

def _sheet(xml: bytes) -> bytes:
    return _workbook(_deflated([xml, b"", b""]))


def _read(data: bytes):
    from sponsorship.core import spreadsheets

    return spreadsheets.read_table(data)


def _refusal(data: bytes) -> str:
    from sponsorship.core import spreadsheets

    with pytest.raises(spreadsheets.UnreadableTable) as caught:
        list(spreadsheets.read_table(data).rows)  # some bounds are met while the rows are read
    return str(caught.value.message)


def test_the_minimal_workbook_reads_without_padding(app_ctx):
    # No dimension and a cell far to the right on a later row: each row is as wide as it is.
    xml = (SHEET_HEAD.replace(b'<dimension ref="%s"/>', b"") + _cells(1)
           + b'<row r="2"><c r="E2"><v>5</v></c></row>' + SHEET_TAIL)
    assert list(_read(_sheet(xml)).rows) == [["1971015708450001", "Siti"], [None, None, None, None, 5]]


def test_a_row_with_too_many_cells_is_refused_before_it_is_built(app_ctx):
    cells = b"".join(b"<c><v>1</v></c>" for _ in range(101))
    plain = SHEET_HEAD % b"A1:B1" + b"<row>" + cells + b"</row>" + SHEET_TAIL
    assert _refusal(_sheet(plain)) == "Baris 1 berisi lebih dari 100 kolom (batas berkas impor)."
    # Neither a namespace prefix on the cells nor fake "row" elements between them hide a cell.
    prefixed = plain.replace(b"<c>", b'<x:c xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main">')
    assert "lebih dari 100 kolom" in _refusal(_sheet(prefixed.replace(b"</c>", b"</x:c>")))
    hidden = plain.replace(b"</c><c>", b"</c><rowBreaks/><c>")
    assert "lebih dari 100 kolom" in _refusal(_sheet(hidden))


def test_a_member_that_inflates_past_its_declared_size_is_not_read(app_ctx):
    data, crc, size = _deflated([SHEET_HEAD % b"A1:B2" + _cells(1) + b" " * 5_000_000 + SHEET_TAIL, b"", b""])
    lying = _workbook((data, crc, 2_000))  # the central directory says 2 KB
    assert _refusal(lying) == "Berkas bukan lembar kerja XLSX yang dapat dibaca."


def test_csv_field_and_width_bounds(app_ctx):
    long_field = b'nik,nama\r\n"' + b"A\n" * 6_000 + b'",x\r\n'  # short lines, one 12,000-character field
    assert _refusal(long_field) == "Baris 2 berkas CSV berisi kolom lebih panjang dari batas 10.000 karakter."
    wide = b"nik" + b",a" * 120 + b"\r\n"
    assert _refusal(wide) == "Baris 1 berisi lebih dari 100 kolom (batas berkas impor)."


def test_utf16_without_bom_and_binary_files(app_ctx):
    table = _read("nik\tnama\r\n1971015708450001\tÑoman\r\n".encode("utf-16-le"))
    assert (table.encoding, list(table.rows)[1]) == ("UTF-16 LE", ["1971015708450001", "Ñoman"])
    assert _refusal(b"\x89PNG\r\n\x1a\n\x00\x00\x00\x0dIHDR") == "Berkas bukan CSV atau XLSX."


def test_a_string_table_larger_than_its_sheet_is_refused_before_it_is_loaded(app_ctx):
    # 300 KB that would hold 3.9 million strings in memory (about 360 MB).
    rels = WORKBOOK_RELS.replace(b"</Relationships>", b'<Relationship Id="rId2" Type="http://schemas.'
                                 b'openxmlformats.org/officeDocument/2006/relationships/sharedStrings" '
                                 b'Target="strings.xml"/></Relationships>')
    types = CONTENT_TYPES.replace(b"</Types>", b'<Override PartName="/xl/strings.xml" ContentType="'
                                  b'application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings'
                                  b'+xml"/></Types>')
    table = _deflated([b'<?xml version="1.0"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/'
                       b'main">', b"<si><t>a</t></si>" * 1000, b"</sst>"], repeat=3900)
    sheet = SHEET_HEAD % b"A1:A1" + b'<row r="1"><c r="A1" t="s"><v>0</v></c></row>' + SHEET_TAIL
    members = {name: _deflated([data, b"", b""]) for name, data in (
        ("[Content_Types].xml", types), ("_rels/.rels", RELS), ("xl/workbook.xml", WORKBOOK),
        ("xl/_rels/workbook.xml.rels", rels), ("xl/worksheets/sheet1.xml", sheet))}
    data = _zip({**members, "xl/strings.xml": table})
    assert len(data) < 400_000
    assert _refusal(data) == ("Tabel teks berkas XLSX berisi 3.900.000 teks, lebih banyak daripada 1 sel "
                              "lembar kerjanya.")


@pytest.mark.parametrize("chunk", [5, 13, 64, 4 * 1024 * 1024])
def test_the_sheet_scan_counts_the_same_whatever_the_chunk_boundaries(monkeypatch, chunk):
    import zipfile

    from sponsorship.core import spreadsheets

    rows = [["1971015708450001", "Siti", "Jl. Mawar 3", "1", "2", "Bacang"] for _ in range(30)]
    data = _xlsx(rows, header=["nik", "nama", "alamat", None, None, "kelurahan"], merge="C1:E1")
    monkeypatch.setattr(spreadsheets, "SCAN_CHUNK", chunk)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        merged, cells = spreadsheets._scan_sheet(archive, "xl/worksheets/sheet1.xml", spreadsheets.LIMITS)
    assert (merged, cells) == ([(1, 3, 1, 5)], 4 + 30 * 6)


def test_a_text_run_without_tags_is_refused_before_lxml_holds_it(app_ctx):
    # 300 KB that unpacks to 290 MB of whitespace between two rows: one text node lxml would keep whole.
    padded = _deflated([SHEET_HEAD % b"A1:B2" + _cells(1), b" " * (1 << 20), _cells(2) + SHEET_TAIL],
                       repeat=290)
    assert _refusal(_workbook(padded)) == ("Berkas XLSX berisi teks tanpa putus lebih dari 128 KB "
                                           "(batas berkas impor).")
    # Excel's longest cell (32,767 characters, up to 3 bytes each) is read.
    text = "é" * 32_767
    rows = list(_read(_xlsx([["1971015708450001", text]], header=["nik", "alamat"])).rows)
    assert rows[1] == ["1971015708450001", text]


def test_the_bounds_admit_a_full_size_list_of_every_template_column():
    """A city's whole list in the import template (every column, the row cap) is not a bomb."""
    from sponsorship.core.spreadsheets import LIMITS

    assert LIMITS.max_cells >= LIMITS.max_rows * len(HEADER)
    assert LIMITS.max_columns >= len(HEADER)
