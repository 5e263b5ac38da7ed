"""A pledge's allocation list in the shape BPJS registers Donasi JKN participants (NIK as text)."""
from __future__ import annotations

import csv
import io

from flask_babel import lazy_gettext as _l

from sponsorship.identity import cipher

# (header, description) in the order BPJS's registration sheet expects them.
EXPORT_COLUMNS = [
    ("NIK", _l("Nomor Induk Kependudukan, 16 digit, sebagai teks")),
    ("NO_KK", _l("Nomor Kartu Keluarga, 16 digit, sebagai teks")),
    ("NAMA", _l("Nama lengkap")),
    ("TANGGAL_LAHIR", _l("TTTT-BB-HH")),
    ("JENIS_KELAMIN", _l("L atau P")),
    ("ALAMAT", _l("Alamat, RT/RW")),
    ("KELURAHAN", _l("Nama kelurahan")),
    ("KODE_KELURAHAN", _l("Kode Kemendagri kelurahan")),
    ("NO_JKN", _l("Nomor kartu JKN, 13 digit, sebagai teks (kosong bila belum terdaftar)")),
    ("KELAS", _l("Kelas rawat: 3")),
    ("TMT", _l("Bulan mulai ditanggung (TTTT-BB-01)")),
]


def rows(allocations) -> list[list[str]]:
    c = cipher()
    out = []
    for a in allocations:
        b = a.beneficiary
        address = b.address or ""
        if b.rt:
            address = f"{address} RT {b.rt}/RW {b.rw or '-'}".strip()
        out.append([c.decrypt(b.nik_encrypted, b.nik_key_id), b.kk_number or "", b.name,
                    b.birth_date.isoformat() if b.birth_date else "", b.sex or "", address,
                    b.region.name if b.region else "", b.region_code or "", b.jkn_number or "", "3",
                    a.start_month.isoformat()])
    return out


def to_csv(data: list[list[str]]) -> bytes:
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow([h for h, _ in EXPORT_COLUMNS])
    w.writerows(data)
    return ("\ufeff" + buf.getvalue()).encode("utf-8")


def to_xlsx(data: list[list[str]]) -> bytes:
    from openpyxl import Workbook

    wb = Workbook(write_only=False)
    ws = wb.active
    ws.title = "Pendaftaran"
    ws.append([h for h, _ in EXPORT_COLUMNS])
    for row in data:
        ws.append(row)
    # Identity numbers are strings already; the text format keeps Excel from re-reading them as numbers.
    for col in ("A", "B", "I"):
        for cell in ws[col]:
            cell.number_format = "@"
            cell.data_type = "s"
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
