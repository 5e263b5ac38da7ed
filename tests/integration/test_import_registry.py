"""Import: every invalid-row reason, preview then all-or-nothing confirm, refused files, CLI."""
from __future__ import annotations

import io
import json

import pytest
from bs4 import BeautifulSoup

from sponsorship.beneficiaries.demo import HEADER, to_csv
from tests.factories import resident_row
from tests.pages import after_job, get_page, post_page


def _count(model):
    from sponsorship.extensions import db

    return db.session.scalar(db.select(db.func.count()).select_from(model))


BAD_ROWS = [
    (resident_row("1.97101E+15", "Excel"), "notasi ilmiah"),
    (resident_row("19710157084500", "Pendek"), "16 digit"),
    (resident_row("1971015708450001", "Ganda"), "NIK ganda"),
    (resident_row("1971011708450009", "Entah", kelurahan="Atlantis"), "Kelurahan \"Atlantis\" tidak dikenal"),
    (resident_row("1971011708450010", ""), "Kolom wajib \"nama\" kosong"),
    (resident_row("1971011708450011", "Tgl", tanggal_lahir="31-02-1980"), "Tanggal lahir"),
    (resident_row("1971011708450012", "Seg", segmen_jkn="VIP"), "Segmen JKN"),
    (resident_row("1971011708450013", "Jkn", no_jkn="123"), "13 digit"),
    (resident_row("1971011708450014", "Desil", desil="11"), "Desil"),
]


def _file(rows):
    return to_csv([resident_row("1971015708450001", "Siti Aminah")] + [r for r, _ in rows])


def test_preview_lists_each_invalid_row_with_line_and_reason(staff, login):
    from sponsorship.beneficiaries.models import Beneficiary

    client = login(staff)
    response = post_page(client, "/beneficiaries/import", {
        "source": "manual", "file": (io.BytesIO(_file(BAD_ROWS)), "daftar.csv")},
        content_type="multipart/form-data")
    preview = after_job(client, response)
    page = BeautifulSoup(preview.data, "html.parser")
    assert page.select_one("[data-count=created]").text == "1"
    assert page.select_one("[data-count=invalid]").text == str(len(BAD_ROWS))
    rows = [[td.text for td in tr.select("td")] for tr in page.select("[data-testid=invalid-rows] tbody tr")]
    for (line, reason), (_, fragment) in zip(rows, BAD_ROWS, strict=True):
        assert fragment in reason, (line, reason)
    assert [int(r[0]) for r in rows] == list(range(3, 3 + len(BAD_ROWS)))
    assert _count(Beneficiary) == 0  # a preview changes nothing
    after_job(client, post_page(client, preview.request.path + "/confirm", {}))
    assert _count(Beneficiary) == 1


def test_xlsx_with_numeric_nik_is_reported(staff, login):
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.append(["nik", "nama", "kelurahan"])
    ws.append(["1971015708450001", "Teks", "Bacang"])
    ws.append([1971011708450002, "Angka", "Bacang"])
    buf = io.BytesIO()
    wb.save(buf)
    client = login(staff)
    response = post_page(client, "/beneficiaries/import", {
        "source": "manual", "file": (io.BytesIO(buf.getvalue()), "daftar.xlsx")},
        content_type="multipart/form-data")
    page = BeautifulSoup(after_job(client, response).data, "html.parser")
    assert page.select_one("[data-count=created]").text == "1"
    assert "notasi ilmiah" in page.select_one("[data-testid=invalid-rows]").text


@pytest.mark.parametrize("data, name, message", [
    (b"", "kosong.csv", "kosong"),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00", "foto.csv", "bukan CSV"),
    (b"PK\x03\x04garbage", "rusak.xlsx", "bukan lembar kerja"),
    (b"nik,nama,kota\n1971015708450001,Siti,Pangkalpinang\n", "salah.csv", "kota"),
    (b"nik,nama,kelurahan\n", "header.csv", "tidak berisi baris"),
])
def test_refused_file_changes_nothing(staff, login, data, name, message):
    from sponsorship.beneficiaries.models import Beneficiary, ImportBatch

    client = login(staff)
    response = after_job(client, client.post("/beneficiaries/import",
                                             data={"source": "manual", "file": (io.BytesIO(data), name)},
                                             content_type="multipart/form-data"))
    page = BeautifulSoup(response.data, "html.parser")
    assert page.select_one("[data-testid=job-status]")["data-status"] == "failed"
    assert message in page.select_one("[data-testid=job-error]").text
    assert _count(Beneficiary) == 0 and _count(ImportBatch) == 0


def test_too_large_file_is_refused(app, staff, login):
    from sponsorship.beneficiaries.models import Beneficiary

    old = app.config["IMPORT_MAX_BYTES"]
    app.config["IMPORT_MAX_BYTES"] = 100
    try:
        client = login(staff)
        response = after_job(client, client.post("/beneficiaries/import", data={
            "source": "manual", "file": (io.BytesIO(_file(BAD_ROWS)), "besar.csv")},
            content_type="multipart/form-data"))
    finally:
        app.config["IMPORT_MAX_BYTES"] = old
    assert "terlalu besar" in BeautifulSoup(response.data, "html.parser").select_one(
        "[data-testid=job-error]").text
    assert _count(Beneficiary) == 0


def test_manual_source_refuses_agency_columns(app_ctx):
    from sponsorship.beneficiaries.importer import UnusableFile, parse_file

    data = b"nik,nama,kelurahan,meninggal\n1971015708450001,Siti,Bacang,YA\n"
    with pytest.raises(UnusableFile):
        parse_file(data, file_name="x.csv", source="manual", max_bytes=10**6)
    parsed = parse_file(data, file_name="x.csv", source="dinsos", max_bytes=10**6)
    assert parsed.rows[0][1]["deceased"] is True


def test_confirm_is_all_or_nothing(staff, login, monkeypatch):
    from sponsorship.beneficiaries import importer
    from sponsorship.beneficiaries.models import Beneficiary, SourceRecord

    client = login(staff)
    rows = [resident_row(f"19710117084500{i:02d}", f"Warga {i}") for i in range(1, 40)]
    response = post_page(client, "/beneficiaries/import", {
        "source": "dukcapil", "file": (io.BytesIO(to_csv(rows)), "daftar.csv")},
        content_type="multipart/form-data")
    preview_url = after_job(client, response).request.path

    def failing(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(importer, "open_discrepancies", failing)
    failed = after_job(client, client.post(preview_url + "/confirm"))
    page = BeautifulSoup(failed.data, "html.parser")
    assert page.select_one("[data-testid=job-status]")["data-status"] == "failed"
    assert "tidak ada yang diterapkan" in page.select_one("[data-testid=job-error]").text
    from sponsorship.extensions import db

    # Seen from another connection: nothing of the failed confirmation was committed.
    with db.engine.connect() as other:
        for model in (Beneficiary, SourceRecord):
            assert other.scalar(db.select(db.func.count()).select_from(model)) == 0
    db.session.rollback()  # the request shared the test's app context; end its transaction as teardown would
    monkeypatch.undo()
    done = after_job(client, post_page(client, preview_url + "/confirm", {}))
    assert done.request.path == preview_url
    assert _count(Beneficiary) == 39 and _count(SourceRecord) == 39
    # Confirming the same preview again changes nothing.
    again = client.post(preview_url + "/confirm", headers={"Referer": preview_url})
    assert again.status_code == 302 and again.headers["Location"] == preview_url
    assert _count(SourceRecord) == 39


def test_second_import_counts_changed_unchanged_and_opens_discrepancies(app_ctx):
    from sponsorship.beneficiaries.models import Beneficiary, Discrepancy
    from sponsorship.beneficiaries.service import import_file
    from sponsorship.extensions import db

    first = [resident_row("1971015708450001", "Siti Aminah"), resident_row("1971011708450002", "Budi")]
    assert import_file(actor=None, data=to_csv(first), file_name="a.csv", source="dukcapil")["created"] == 2
    again = import_file(actor=None, data=to_csv(first), file_name="a.csv", source="dukcapil")
    assert (again["created"], again["updated"], again["unchanged"]) == (0, 0, 2)
    second = [resident_row("1971015708450001", "Siti Aminah Binti Ali", tunggakan_bulan="5"),
              resident_row("1971011708450002", "Budi")]
    result = import_file(actor=None, data=to_csv(second), file_name="b.csv", source="dinsos")
    assert (result["updated"], result["unchanged"]) == (1, 1)
    db.session.commit()
    siti = db.session.scalar(db.select(Beneficiary).where(Beneficiary.nik_masked == "197101******0001"))
    assert siti.name == "Siti Aminah"  # a disagreement is not silently applied
    assert siti.arrears_months == 5  # a field nobody disputes is updated
    d = db.session.scalar(db.select(Discrepancy))
    assert d.field == "name" and d.source_pair == "dinsos/dukcapil"
    assert {v["source"]: v["value"] for v in d.values} == {"dukcapil": "Siti Aminah",
                                                             "dinsos": "Siti Aminah Binti Ali"}


def test_cli_prints_one_json_object(app, tmp_path):
    from sponsorship.beneficiaries.models import Beneficiary

    path = tmp_path / "dinsos.csv"
    path.write_bytes(to_csv([resident_row("1971015708450001", "Siti"), resident_row("1.97101E+15", "X")]))
    runner = app.test_cli_runner()
    dry = runner.invoke(args=["import-beneficiaries", str(path), "--source", "dinsos", "--dry-run"])
    assert dry.exit_code == 0, dry.output
    out = json.loads(dry.stdout)
    assert out == {"created": 1, "updated": 0, "unchanged": 0, "linked": 0, "review": 0,
                   "invalid": [out["invalid"][0]]}
    assert out["invalid"][0]["line"] == 3 and "notasi ilmiah" in out["invalid"][0]["reason"]
    with app.app_context():
        assert _count(Beneficiary) == 0
    real = runner.invoke(args=["import-beneficiaries", str(path), "--source", "dinsos"])
    assert json.loads(real.stdout)["created"] == 1
    with app.app_context():
        assert _count(Beneficiary) == 1
    bad = tmp_path / "bad.csv"
    bad.write_bytes(b"foo,bar\n1,2\n")
    refused = runner.invoke(args=["import-beneficiaries", str(bad), "--source", "dinsos"])
    assert refused.exit_code != 0


def test_template_download_has_the_source_columns(staff, login):
    response = login(staff).get("/beneficiaries/import/template-manual.csv")
    assert response.status_code == 200
    assert response.get_data(as_text=True).lstrip("\ufeff").strip() == ",".join(HEADER)
    get_page(login(staff), "/beneficiaries/import/columns")


def test_stale_previews_are_deleted(app, staff, login):
    import os
    import time

    client = login(staff)
    post_page(client, "/beneficiaries/import", {
        "source": "manual", "file": (io.BytesIO(_file([])), "satu.csv")}, content_type="multipart/form-data")
    from sponsorship.beneficiaries.service import _preview_dir

    with app.app_context():
        folder = _preview_dir()
    (old,) = [p for p in folder.iterdir() if p.stat().st_size > 0][-1:]
    three_days = time.time() - 3 * 24 * 3600
    os.utime(old, (three_days, three_days))
    post_page(client, "/beneficiaries/import", {
        "source": "manual", "file": (io.BytesIO(_file([])), "dua.csv")}, content_type="multipart/form-data")
    assert not old.exists()


@pytest.mark.parametrize("delimiter", [",", ";", "\t", "|"])
def test_each_agency_delimiter_reads_the_same_rows(app_ctx, delimiter):
    import csv

    from sponsorship.beneficiaries.importer import parse_file

    buf = io.StringIO()
    csv.writer(buf, delimiter=delimiter).writerows([
        ["nik", "nama", "alamat", "kelurahan"],
        ["1971015708450001", "Siti Aminah", "Jl. Mawar 3, RT 1; belakang masjid", "Bacang"],
        ["1971011708450002", "Budi", "Jl. Melati", "19.71.01.1004"]])
    parsed = parse_file(buf.getvalue().encode(), file_name="x.csv", source="dinsos", max_bytes=10**6)
    assert parsed.invalid == []
    assert [(v["name"], v["address"], v["region_code"]) for _, v in parsed.rows] == [
        ("Siti Aminah", "Jl. Mawar 3, RT 1; belakang masjid", "19.71.01.1006"),
        ("Budi", "Jl. Melati", "19.71.01.1004")]


def test_the_column_table_drives_headers_fields_and_documentation(app_ctx, monkeypatch):
    from sponsorship.beneficiaries import importer

    assert list(importer.COLUMNS) == HEADER  # the template's columns, in order
    assert importer.REQUIRED == ("nik", "nama", "kelurahan")
    assert set(importer.AGENCY_COLUMNS) == {"meninggal", "pindah"}
    assert {c.field for c in importer.COLUMN_TABLE} - {"nik"} == set(importer.FIELD_NAMES)
    # Another spelling of a header is one entry's aliases: the file's "NO HP" fills the phone.
    phone = importer.ALL_COLUMNS["no_hp"]
    monkeypatch.setitem(importer.ALL_COLUMNS, "no_hp", importer.Column(
        phone.name, phone.field, phone.parse, phone.label, aliases=("telepon",)))
    data = b"nik,nama,kelurahan,Telepon\n1971015708450001,Siti,Bacang,0812-1111-2222\n"
    parsed = importer.parse_file(data, file_name="x.csv", source="dinsos", max_bytes=10**6)
    assert parsed.rows[0][1]["phone"] == "081211112222"
