"""A pledge's allocation list in the shape BPJS registers Donasi JKN participants (NIK as text)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from sponsorship.core import export as spreadsheet
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
    return spreadsheet.to_csv([h for h, _ in EXPORT_COLUMNS], data)


def to_xlsx(data: list[list[str]]) -> bytes:
    # Identity numbers (NIK, KK, JKN card) are kept as text: Excel would re-read them as numbers.
    return spreadsheet.to_xlsx([spreadsheet.Sheet(
        title="Pendaftaran", header=[h for h, _ in EXPORT_COLUMNS], rows=data, text_columns=(1, 2, 9),
        bold_header=False)])
