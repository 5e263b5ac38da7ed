"""Reading agency lists (CSV or XLSX): refuse unusable files, validate every row, apply in bulk.

Built for 250,000 rows: rows stay plain dicts, existing residents are loaded by blind index in
chunks, and writes go to the database as executemany batches, never one ORM object per row.
"""
from __future__ import annotations

import hashlib
import itertools
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from sponsorship.beneficiaries.models import (
    JKN_STATUSES,
    RECONCILED_FIELDS,
    SEGMENTS,
    SOURCES,
    Beneficiary,
    Discrepancy,
    SourceRecord,
)
from sponsorship.beneficiaries.text import normalise
from sponsorship.core import spreadsheets
from sponsorship.core.errors import DomainError
from sponsorship.core.models import utcnow
from sponsorship.extensions import db
from sponsorship.identity import (
    SCIENTIFIC,
    NikError,
    agrees_with_nik,
    cipher,
    clean_kk,
    clean_nik,
    mask,
)
from sponsorship.regions import service as regions

MAX_ROWS = spreadsheets.LIMITS.max_rows
CHUNK = 900  # below SQLite's bound-parameter limit


class UnusableFile(DomainError):
    """The file as a whole is refused; nothing is changed."""

    status_code = 400


@dataclass
class ParsedFile:
    source: str
    rows: list[tuple[int, dict[str, Any]]] = field(default_factory=list)  # (line, values)
    invalid: list[dict[str, Any]] = field(default_factory=list)  # {"line", "reason"}
    total: int = 0
    encoding: str | None = None  # a CSV's detected encoding ("Windows-1252"); None for XLSX
    warnings: list[str] = field(default_factory=list)  # what was read differently or not at all


@dataclass
class Plan:
    created: list[dict] = field(default_factory=list)
    updated: list[tuple[int, dict, dict]] = field(default_factory=list)  # (id, changes, field_sources)
    unchanged: int = 0
    conflicts: list[tuple[Any, str, list]] = field(default_factory=list)  # (index or id, field, values)
    records: list[tuple[str, dict]] = field(default_factory=list)  # (nik_index, values)
    ids: dict[str, int] = field(default_factory=dict)  # nik_index -> beneficiary id (existing)

    def counts(self, parsed: ParsedFile) -> dict[str, Any]:
        return {"created": len(self.created), "updated": len(self.updated), "unchanged": self.unchanged,
                "invalid": [{"line": i["line"], "reason": str(i["reason"])} for i in parsed.invalid]}


# --- reading the file ------------------------------------------------------------------------

def sha256_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _read_table(data: bytes, max_bytes: int) -> spreadsheets.Table:
    if not data:
        raise UnusableFile(_l("Berkas kosong."))
    if len(data) > max_bytes:
        raise UnusableFile(_l("Berkas terlalu besar (lebih dari %(mb)s MB).", mb=max_bytes // (1024 * 1024)))
    try:
        return spreadsheets.read_table(data)
    except spreadsheets.UnreadableTable as exc:
        raise UnusableFile(exc.message) from None


def _rows(table: spreadsheets.Table):
    """The table's rows; a bound reached while reading refuses the whole file."""
    try:
        yield from table.rows
    except spreadsheets.UnreadableTable as exc:
        raise UnusableFile(exc.message) from None


def _cell(value: Any) -> str:
    """A cell as text (a number in an identity column is refused before: see _number_format_mark)."""
    if type(value) is str:
        return value.strip()
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else str(value)
    return str(value).strip()


DATE_FORMATS = (re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$"),
                re.compile(r"^(\d{1,2})[-/](\d{1,2})[-/](\d{4})$"))
YES = {"ya", "y", "1", "true", "benar"}
SPACES = re.compile(r"\s+")
PHONE_NOISE = re.compile(r"[\s-]")
PHONE = re.compile(r"\+?\d{8,15}")
JKN_NUMBER = re.compile(r"\d{13}")
NO = {"", "tidak", "t", "n", "0", "false", "no"}


def _parse_date(text: str) -> date:
    m = DATE_FORMATS[0].match(text)
    try:
        if m:
            return date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
        m = DATE_FORMATS[1].match(text)
        if m:
            return date(int(m.group(3)), int(m.group(2)), int(m.group(1)))
    except ValueError:
        pass
    raise ValueError(text)


class RowError(Exception):
    pass


@dataclass(frozen=True)
class RowContext:
    """What a column's parser may need besides the cell: how lists write each kelurahan."""

    regions: dict[str, str]  # any accepted spelling -> code (regions.service.lookup, undotted codes left out)


# A number format's marks on an identity number or a phone, and the one fix for all of them.
TEXT_FIX = _l("Format kolom %(c)s sebagai Teks di program lembar kerja, lalu ekspor ulang.")
ROUNDED_SERIAL = _l("Nomor urut NIK menjadi 0000: NIK ini kemungkinan dibulatkan program lembar kerja, "
                    "yang hanya menyimpan 15 digit bermakna dari sebuah angka.")


def _nik(text: str, _context: RowContext) -> str:
    try:
        return clean_nik(text)
    except NikError as exc:
        if exc.kind == NikError.SERIAL:  # a serial 0003 kept as 15 significant digits reads 0000
            raise RowError(f"{ROUNDED_SERIAL} {TEXT_FIX % {'c': 'NIK'}}") from None
        raise RowError(exc.reason) from None


def _kk(text: str, _context: RowContext) -> str | None:
    try:
        return clean_kk(text)
    except NikError as exc:
        raise RowError(exc.reason) from None


def _name(text: str, _context: RowContext) -> str:
    if len(text) > 200:
        raise RowError(_l("Nama terlalu panjang."))
    return SPACES.sub(" ", text)


SEXES_WRITTEN = {"l": "L", "laki-laki": "L", "p": "P", "perempuan": "P", "": None}


def _sex(text: str, _context: RowContext) -> str | None:
    if text.lower() not in SEXES_WRITTEN:
        raise RowError(_l("Jenis kelamin harus L atau P."))
    return SEXES_WRITTEN[text.lower()]


def _birth_date(text: str, _context: RowContext) -> date | None:
    if not text:
        return None
    try:
        return _parse_date(text)
    except ValueError:
        raise RowError(_l("Tanggal lahir \"%(v)s\" tidak valid (TTTT-BB-HH atau HH-BB-TTTT).",
                          v=text)) from None


def _optional_text(text: str, _context: RowContext) -> str | None:
    return text or None


def _neighbourhood(label: str):
    """RT or RW: up to three digits, stored zero-padded."""
    def parse(text: str, _context: RowContext) -> str | None:
        if text and not (text.isdigit() and len(text) <= 3):
            raise RowError(_l("%(c)s harus angka (paling banyak 3 digit).", c=label))
        return text.zfill(3) if text else None
    return parse


UNDOTTED = re.compile(r"\d{10}")
UNDOTTED_UNCONFIRMED = _l(
    "Kode wilayah \"%(v)s\" (10 digit tanpa titik) tidak dapat dipastikan: kode desa BPS berbeda dari kode "
    "Kemendagri, dan di kota ini kode BPS satu kelurahan sama dengan kode Kemendagri tanpa titik kelurahan "
    "lain. Gunakan kode Kemendagri bertitik (mis. NN.NN.NN.NNNN) atau nama kelurahan.")
UNDOTTED_DISAGREES = _l(
    "Kode wilayah \"%(v)s\" bukan kode Kemendagri kelurahan %(name)s (%(code)s); bisa jadi kode desa BPS, "
    "yang tidak dapat dipetakan dengan pasti. Gunakan kode Kemendagri bertitik (mis. NN.NN.NN.NNNN) atau "
    "nama kelurahan.")
# Headers of a second column about the kelurahan (agency lists often carry a code beside the name).
REGION_NAME_HEADERS = ("nama_kelurahan", "nama_desa", "nama_kel", "desa", "nama_desa_kelurahan",
                       "desa_kelurahan")
REGION_CODE_HEADERS = ("kode_kelurahan", "kode_desa", "kode_kel", "kode_wilayah", "kode_desa_kelurahan",
                       "kode_bps", "kode_kemendagri")
REGION_COMPANIONS = ({h: "_region_name" for h in REGION_NAME_HEADERS}
                     | {h: "_region_code" for h in REGION_CODE_HEADERS})


def _known_region(text: str, context: RowContext) -> str:
    code = context.regions.get(text) or context.regions.get(normalise(text))
    if code is None:
        raise RowError(_l("Kelurahan \"%(v)s\" tidak dikenal.", v=text))
    return code


def _kelurahan(text: str, context: RowContext) -> str:
    """A kelurahan by name or dotted Kemendagri code. A 10-digit undotted code alone is refused:
    it may be a BPS village code, and some of those equal another kelurahan's undotted code."""
    if UNDOTTED.fullmatch(text):
        raise RowError(UNDOTTED_UNCONFIRMED % {"v": text})
    return _known_region(text, context)


def _confirmed_region(texts: list[str], context: RowContext) -> str:
    """The kelurahan that every given cell (name, dotted code, undotted code) agrees on; an undotted
    10-digit code counts only when a name or dotted code of the same kelurahan confirms it."""
    confirmed: dict[str, str] = {}
    undotted = []
    for text in texts:
        if UNDOTTED.fullmatch(text):
            undotted.append(text)
        else:
            confirmed.setdefault(_known_region(text, context), text)
    if len(confirmed) > 1:
        raise RowError(_l("Kolom kelurahan menunjuk kelurahan yang berbeda (%(v)s).",
                          v=", ".join(confirmed.values())))
    if not confirmed:
        raise RowError(UNDOTTED_UNCONFIRMED % {"v": undotted[0]})
    code = next(iter(confirmed))
    for text in undotted:
        if text != code.replace(".", ""):
            raise RowError(UNDOTTED_DISAGREES % {"v": text, "name": regions.kelurahan_name(code),
                                                 "code": code})
    return code


def _phone(text: str, _context: RowContext) -> str | None:
    phone = PHONE_NOISE.sub("", text)
    if phone and not PHONE.fullmatch(phone):
        raise RowError(_l("Nomor HP tidak valid."))
    return phone or None


def _jkn_number(text: str, _context: RowContext) -> str | None:
    if text and SCIENTIFIC.match(text):
        raise RowError(_l("No. JKN ditulis Excel dalam notasi ilmiah (%(v)s); "
                          "format kolom sebagai teks.", v=text))
    if text and not JKN_NUMBER.fullmatch(text):
        raise RowError(_l("No. JKN harus 13 digit angka."))
    return text or None


def _segment(text: str, _context: RowContext) -> str | None:
    seg = text.upper().replace(" ", "_") or None
    if seg is not None and seg not in SEGMENTS:
        raise RowError(_l("Segmen JKN \"%(v)s\" tidak dikenal.", v=text))
    return seg


def _jkn_status(text: str, _context: RowContext) -> str | None:
    st = text.upper().replace("-", "").replace(" ", "") or None
    if st is not None and st not in JKN_STATUSES:
        raise RowError(_l("Status JKN harus AKTIF atau NONAKTIF."))
    return st


def _arrears(text: str, _context: RowContext) -> int:
    if text and not (text.isdigit() and int(text) <= 120):
        raise RowError(_l("Tunggakan harus angka bulan 0-120."))
    return int(text) if text else 0


def _decile(text: str, _context: RowContext) -> int | None:
    if text and not (text.isdigit() and 1 <= int(text) <= 10):
        raise RowError(_l("Desil harus angka 1-10."))
    return int(text) if text else None


def _yes_no(column: str):
    def parse(text: str, _context: RowContext) -> bool:
        flag = text.lower()
        if flag not in YES | NO:
            raise RowError(_l("Kolom %(c)s harus YA atau TIDAK.", c=column))
        return flag in YES
    return parse


def _optional_date(label: str):
    def parse(text: str, _context: RowContext) -> date | None:
        if not text:
            return None
        try:
            return _parse_date(text)
        except ValueError:
            raise RowError(_l("%(c)s \"%(v)s\" bukan tanggal (TTTT-BB-HH atau HH-BB-TTTT).", c=label,
                              v=text)) from None
    return parse


def _count(label: str, top: int):
    def parse(text: str, _context: RowContext) -> int:
        if text and not (text.isdigit() and int(text) <= top):
            raise RowError(_l("%(c)s harus angka 0-%(n)s.", c=label, n=top))
        return int(text) if text else 0
    return parse


def _household_code(text: str, _context: RowContext) -> str | None:
    if len(text) > 32:
        raise RowError(_l("ID rumah tangga paling panjang 32 karakter."))
    return text or None


@dataclass(frozen=True)
class Column:
    """One column of an import file: its header (and other spellings of it), the field it fills,
    how its cell is read, and what the documentation page says about it."""

    name: str
    field: str
    parse: Callable[[str, RowContext], Any]
    label: Any
    aliases: tuple[str, ...] = ()  # other headers meaning this column, normalised (lower case, "_")
    required: bool = False
    identity: bool = False  # an identity number: refused when a number format touched it (1.97101E+15)
    agency_only: bool = False  # only the agencies' lists, not the manual form


# Every column an import file may have, in the template's order. Adding a column is one line here
# (and the field on Beneficiary).
COLUMN_TABLE: tuple[Column, ...] = (
    Column("nik", "nik", _nik, _l("NIK, 16 digit (wajib; format sel sebagai teks)"),
           required=True, identity=True),
    Column("no_kk", "kk_number", _kk, _l("Nomor Kartu Keluarga, 16 digit"), identity=True),
    Column("nama", "name", _name, _l("Nama lengkap (wajib)"), required=True),
    Column("jenis_kelamin", "sex", _sex, _l("L atau P")),
    Column("tanggal_lahir", "birth_date", _birth_date, _l("TTTT-BB-HH atau HH-BB-TTTT")),
    Column("alamat", "address", _optional_text, _l("Alamat")),
    Column("rt", "rt", _neighbourhood("RT"), _l("RT, angka")),
    Column("rw", "rw", _neighbourhood("RW"), _l("RW, angka")),
    Column("kelurahan", "region_code", _kelurahan,
           _l("Nama kelurahan atau kode Kemendagri, mis. 72.71.01.1004 (wajib)"), required=True),
    Column("no_hp", "phone", _phone, _l("Nomor HP")),
    Column("no_jkn", "jkn_number", _jkn_number, _l("Nomor kartu JKN, 13 digit"), identity=True),
    Column("segmen_jkn", "jkn_segment", _segment, _l("PBI_APBN, PBI_APBD, PBPU, BP, PPU atau BELUM")),
    Column("status_jkn", "jkn_status", _jkn_status, _l("AKTIF atau NONAKTIF")),
    Column("tunggakan_bulan", "arrears_months", _arrears, _l("Jumlah bulan tunggakan iuran, 0-120")),
    Column("desil", "welfare_decile", _decile, _l("Desil kesejahteraan 1-10 (1 = paling miskin)")),
    Column("meninggal", "deceased", _yes_no("meninggal"), _l("YA jika meninggal dunia"), agency_only=True),
    Column("pindah", "moved_away", _yes_no("pindah"), _l("YA jika pindah domisili ke luar kota"),
           agency_only=True),
    # Vulnerabilities from the social-affairs list (priority factors); health facts are special
    # personal data: office roles only, never shown or exported to sponsors.
    Column("disabilitas", "disability", _yes_no("disabilitas"), _l("YA jika penyandang disabilitas")),
    Column("penyakit_kronis", "chronic_illness", _yes_no("penyakit_kronis"),
           _l("YA jika mengidap penyakit kronis")),
    Column("hamil", "pregnant", _yes_no("hamil"), _l("YA jika sedang hamil")),
    Column("hpl", "pregnancy_due", _optional_date("HPL"), _l("Hari perkiraan lahir, TTTT-BB-HH"),
           aliases=("perkiraan_lahir",)),
    Column("pkh", "pkh_recipient", _yes_no("pkh"), _l("YA jika penerima PKH")),
    Column("bpnt", "bpnt_recipient", _yes_no("bpnt"), _l("YA jika penerima BPNT")),
    Column("kepala_keluarga", "household_head", _yes_no("kepala_keluarga"), _l("YA jika kepala keluarga")),
    Column("kk_perempuan", "female_headed", _yes_no("kk_perempuan"),
           _l("YA jika kepala keluarganya perempuan"), aliases=("kepala_keluarga_perempuan",)),
    Column("balita", "children_under_five", _count("balita", 20), _l("Jumlah balita dalam keluarga, 0-20")),
    Column("bulan_tanpa_jaminan", "months_uncovered", _count("bulan_tanpa_jaminan", 600),
           _l("Berapa bulan tanpa jaminan kesehatan, 0-600")),
    Column("id_rumah_tangga", "household_code", _household_code, _l("ID rumah tangga DTSEN")),
)
ALL_COLUMNS: dict[str, Column] = {c.name: c for c in COLUMN_TABLE}
COLUMNS: dict[str, Column] = {c.name: c for c in COLUMN_TABLE if not c.agency_only}
# Agency lists may also say whether a resident died or moved; the manual form has exactly COLUMNS.
AGENCY_COLUMNS: dict[str, Column] = {c.name: c for c in COLUMN_TABLE if c.agency_only}
REQUIRED = tuple(c.name for c in COLUMN_TABLE if c.required)


def columns_for(source: str) -> dict[str, Column]:
    return COLUMNS if source == "manual" else ALL_COLUMNS


def _headers_for(source: str) -> dict[str, str]:
    """Every header a file from this source may use, mapped to its column's name."""
    return {spelling: c.name for c in columns_for(source).values() for spelling in (c.name, *c.aliases)}


def _row_values(raw: dict[str, str], context: RowContext) -> dict[str, Any]:
    """Validate one row (keys are column names); raise RowError(reason) on the first problem."""
    for col in REQUIRED:
        if not raw.get(col, "").strip():
            raise RowError(_l("Kolom wajib \"%(c)s\" kosong.", c=col))
    out: dict[str, Any] = {"nik": ALL_COLUMNS["nik"].parse(raw["nik"].strip(), context)}
    companions = [raw[k].strip() for k in ("_region_name", "_region_code") if raw.get(k, "").strip()]
    for col, text in raw.items():
        if col == "kelurahan" and companions:
            out[ALL_COLUMNS[col].field] = _confirmed_region([text.strip(), *companions], context)
        elif col != "nik" and not col.startswith("_"):
            column = ALL_COLUMNS[col]
            out[column.field] = column.parse(text.strip(), context)
    out["nik_mismatch"] = not agrees_with_nik(out["nik"], out.get("sex"), out.get("birth_date"))
    return out


# How staff call the columns a number format mangles (every identity column, and the phone).
MARK_LABELS = {"nik": "NIK", "no_kk": "No. KK", "no_jkn": "No. JKN", "no_hp": "No. HP"}
DECIMAL_ZERO = re.compile(r"^\s*\d+[.,]0+\s*$")
NUMBER_CELL = _l("%(c)s tersimpan sebagai angka, bukan teks (tampil sebagai notasi ilmiah, mis. "
                 "1,97101E+15): program lembar kerja hanya menyimpan 15 digit bermakna, sehingga digit "
                 "terakhirnya bisa hilang.")
SCIENTIFIC_TEXT = _l("%(c)s ditulis dalam notasi ilmiah (%(v)s) sehingga digitnya hilang.")
DECIMAL_TEXT = _l("%(c)s ditulis sebagai angka desimal (berakhiran \",0\" atau \".0\"), tanda kolom "
                  "berformat angka.")
PHONE_LOST_ZERO = _l("Nomor HP kehilangan angka 0 di depan (ditulis %(v)s…), tanda kolom berformat angka; "
                     "NIK dan No. KK pada baris yang sama mungkin ikut dibulatkan.")
ROUNDED_COLUMN = _l(
    "Kolom %(c)s tampaknya disimpan sebagai angka: %(k)s dari %(n)s nilai 16 digit berakhiran 0 "
    "(baris %(lines)s). Program lembar kerja hanya menyimpan 15 digit bermakna, sehingga digit terakhir "
    "setiap nomor hilang. "
    "Format kolom %(c)s sebagai Teks di program lembar kerja, lalu ekspor ulang.")
# A column whose 16-digit values mostly end in 0 was rounded; one NIK ending in 0 is ordinary (one in ten).
ROUNDED_MIN_VALUES = 3
ROUNDED_SHARE = 0.8


def _number_format_mark(name: str, cell: Any, text: str) -> str | None:
    """Why this cell shows a spreadsheet's number format, with the fix; None when it does not."""
    if type(cell) is str and text.isdigit() and (name != "no_hp" or text.startswith(("0", "62"))):
        return None  # digits written as text: the common case, no pattern to try
    label = MARK_LABELS.get(name, name)
    if type(cell) in (int, float) and name != "no_hp":
        reason = NUMBER_CELL % {"c": label}
    elif SCIENTIFIC.match(text):
        reason = SCIENTIFIC_TEXT % {"c": label, "v": text}
    elif DECIMAL_ZERO.match(text):
        reason = DECIMAL_TEXT % {"c": label}
    elif name == "no_hp" and (phone := PHONE_NOISE.sub("", text)).isdigit() \
            and not phone.startswith(("0", "62")):
        reason = PHONE_LOST_ZERO % {"v": phone[:3]}
    else:
        return None
    return f"{reason} {TEXT_FIX % {'c': label}}"


def _lines(lines: list[int], shown: int = 10) -> str:
    text = ", ".join(str(n) for n in lines[:shown])
    return str(_l("%(lines)s dan %(n)s baris lainnya", lines=text, n=len(lines) - shown)) if len(
        lines) > shown else text


class _RoundingWatch:
    """Look at the file, not one value: an identity column whose 16-digit values mostly end in 0
    went through a number format that kept 15 significant digits. The whole file is refused."""

    def __init__(self, header: list[str]) -> None:
        self.columns = [(header.index(n), n) for n in ("nik", "no_kk") if n in header]
        self.counts = {n: 0 for _, n in self.columns}
        self.zeros: dict[str, list[int]] = {n: [] for _, n in self.columns}

    def see(self, line: int, cells: list[Any]) -> None:
        for i, name in self.columns:
            value = cells[i] if i < len(cells) else None
            if type(value) is str and len(text := value.strip()) == 16 and text.isdigit():
                self.counts[name] += 1
                if text[-1] == "0":
                    self.zeros[name].append(line)

    def refuse_rounded(self) -> None:
        for _, name in self.columns:
            count, zeros = self.counts[name], self.zeros[name]
            if count >= ROUNDED_MIN_VALUES and len(zeros) >= ROUNDED_SHARE * count:
                raise UnusableFile(ROUNDED_COLUMN % {"c": MARK_LABELS[name], "k": len(zeros), "n": count,
                                                     "lines": _lines(zeros)})


def _letter(index: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(index + 1)


def _header_key(value: Any) -> str:
    return normalise(_cell(value)).replace(" ", "_")


def _lost_columns_warnings(header: list[str], first_row: list[Any], lost: set[int],
                           spans: dict[int, int]) -> list[str]:
    """A warning for every column without a header that held data: its content was not read."""
    groups: dict[int | None, list[int]] = {}
    for i in sorted(lost):
        owner = next((first for first, last in spans.items() if first < i <= last), None)
        if owner is None:  # the CSV a program writes from a merge: empty headers after the merged one
            owner = next((j for j in range(min(i, len(header)) - 1, -1, -1) if header[j]), None)
        groups.setdefault(owner, []).append(i)
    warnings = []
    for owner, columns in groups.items():
        letters = ", ".join(_letter(i) for i in columns)
        if owner is None:
            warnings.append(str(_l("Kolom %(cols)s tidak punya judul; isinya TIDAK dibaca.", cols=letters)))
            continue
        warnings.append(str(_l(
            "Kolom %(cols)s tidak punya judul sendiri (judul \"%(h)s\" di kolom %(at)s mencakupnya, mis. sel "
            "gabungan); isinya TIDAK dibaca. Beri setiap kolom judulnya sendiri (mis. alamat, rt, rw) lalu "
            "unggah ulang jika data itu diperlukan.", cols=letters, at=_letter(owner),
            h=_cell(first_row[owner]) if owner < len(first_row) else header[owner])))
    return warnings


def _resolve_header(first: list[Any], second: list[Any] | None, merged: list[tuple[int, int, int, int]],
                    known: dict[str, str]) -> tuple[list[str], bool, dict[int, int]]:
    """The column names (by position), whether the second row is a second header row, and the
    header's merged spans (first column -> last column, 0-based).

    A merged header ("alamat" over the address, RT and RW columns) leaves the cells after its first
    empty, in an XLSX and in the CSV a program writes from it. When the row beneath names those
    columns (a second header row) it is read as their header; otherwise every column left without a
    header that holds data is named in a warning (see parse_file), never dropped in silence."""
    header = [_header_key(h) for h in first]
    spans = {c1 - 1: c2 - 1 for r1, c1, _r2, c2 in merged if r1 == 1 and c2 > c1}
    covered = {c for first_col, last in spans.items() for c in range(first_col + 1, last + 1)}
    if second is None:
        return header, False, spans
    below = [_header_key(h) for h in second]
    fills = [i for i, h in enumerate(below)
             if h in known and (i >= len(header) or not header[i] or i in covered)]
    nik_at = next((i for i, h in enumerate(header) if known.get(h) == "nik"), None)
    data_like = nik_at is not None and nik_at < len(below) and bool(below[nik_at])
    if not fills or data_like:
        return header, False, spans
    header += [""] * max(0, len(below) - len(header))
    for i, h in enumerate(below):  # a second header row: it names what the first left empty
        if h in known and (not header[i] or i in covered or i in spans):
            header[i] = h
    return header, True, spans


def parse_file(data: bytes, *, file_name: str, source: str, max_bytes: int) -> ParsedFile:
    """Refuse an unusable file (UnusableFile) or return every valid row and every invalid one.

    Rows are read one at a time: only what a valid row says is kept, never the file as a table."""
    if source not in SOURCES:
        raise UnusableFile(_l("Sumber data tidak dikenal."))
    table = _read_table(data, max_bytes)
    rows = _rows(table)
    first = next(rows, None)
    if first is None or not any(_cell(c) for c in first):
        if first is None or not any(any(_cell(c) for c in r) for r in rows):
            raise UnusableFile(_l("Berkas kosong."))
    second = next(rows, None)
    known = _headers_for(source)
    companions = {h: v for h, v in REGION_COMPANIONS.items() if h not in known}
    written, two_rows, spans = _resolve_header(first, second, table.merged, known | companions)
    header = [known.get(h) or companions.get(h) or h for h in written]  # each column by its name
    if "kelurahan" not in header:  # a list that names the kelurahan only in a companion column
        for alias in ("_region_name", "_region_code"):
            if alias in header:
                header[header.index(alias)] = "kelurahan"
                break
    unknown = [h for h in written if h and h not in known and h not in companions]
    missing = [c for c in REQUIRED if c not in header]
    named = [h for h in header if h]
    if unknown or missing or len(set(named)) != len(named):
        parts = []
        if missing:
            parts.append(str(_l("kolom wajib tidak ada: %(c)s", c=", ".join(missing))))
        if unknown:
            parts.append(str(_l("kolom tidak dikenal: %(c)s", c=", ".join(unknown))))
        if not parts:
            parts.append(str(_l("ada kolom ganda")))
        raise UnusableFile(_l("Kolom berkas tidak sesuai (%(p)s). "
                              "Unduh templat untuk susunan kolom yang benar.", p="; ".join(parts)))
    data_rows = rows if two_rows or second is None else itertools.chain([second], rows)
    parsed = ParsedFile(source=source, encoding=table.encoding)
    spellings = regions.lookup()
    # Undotted codes are left out: a 10-digit code counts only when a name confirms it.
    context = RowContext(regions={k: v for k, v in spellings.items() if not k.isdigit()})
    seen: dict[str, int] = {}
    columns = [(i, h) for i, h in enumerate(header) if h]
    marked = [(i, h) for i, h in columns if h == "no_hp" or h in ALL_COLUMNS and ALL_COLUMNS[h].identity]
    unnamed = [i for i, h in enumerate(header) if not h]
    lost: set[int] = set()
    rounding = _RoundingWatch(header)
    reasons: dict[str, str] = {}  # one string per distinct reason: a list of 300,000 refused rows stays small

    def refuse(line: int, reason: Any) -> None:
        text = str(reason)
        parsed.invalid.append({"line": line, "reason": reasons.setdefault(text, text)})

    for line, cells in enumerate(data_rows, start=3 if two_rows else 2):
        if not any(c not in (None, "") for c in cells):
            continue
        parsed.total += 1
        if parsed.total > MAX_ROWS:
            raise UnusableFile(_l("Berkas berisi lebih dari %(n)s baris.", n=MAX_ROWS))
        rounding.see(line, cells)
        for i in unnamed:  # a column without a header holding data: named in a warning
            if i < len(cells) and i not in lost and _cell(cells[i]):
                lost.add(i)
        for i in range(len(header), len(cells)):
            if i not in lost and _cell(cells[i]):
                lost.add(i)
        mark = None
        for i, h in marked:
            cell = cells[i] if i < len(cells) else None
            if cell not in (None, "") and (mark := _number_format_mark(h, cell, _cell(cell))):
                break
        if mark:
            refuse(line, mark)
            continue
        raw = {h: _cell(cells[i] if i < len(cells) else None) for i, h in columns}
        try:
            values = _row_values(raw, context)
        except RowError as exc:
            refuse(line, exc.args[0])
            continue
        first_line = seen.get(values["nik"])
        if first_line is not None:
            refuse(line, _l("NIK ganda di dalam berkas (sama dengan baris %(n)s).", n=first_line))
            continue
        seen[values["nik"]] = line
        parsed.rows.append((line, values))
    if parsed.total == 0:
        raise UnusableFile(_l("Berkas tidak berisi baris data."))
    rounding.refuse_rounded()
    parsed.warnings = _lost_columns_warnings(header, first, lost, spans)
    return parsed


# --- comparing with the registry ---------------------------------------------------------------

def _plain(value: Any) -> Any:
    return value.isoformat() if isinstance(value, date) else value


FIELD_NAMES = [c.field for c in COLUMN_TABLE if c.field != "nik"]


def plan_import(parsed: ParsedFile, *, today: date | None = None) -> Plan:
    """Decide, without writing, what each valid row does: create, update, nothing, or a discrepancy."""
    today_iso = (today or date.today()).isoformat()
    c = cipher()
    table = Beneficiary.__table__
    plan = Plan()
    rows = [(c.blind_index(v["nik"]), v) for _, v in parsed.rows]
    existing: dict[str, Any] = {}
    cols = [table.c[n] for n in ["id", "nik_index", "field_sources", "nik_mismatch", *FIELD_NAMES]]
    for i in range(0, len(rows), CHUNK):
        keys = [k for k, _ in rows[i:i + CHUNK]]
        # During a key rotation a resident may still be indexed under a previous key.
        older = {old: k for k, v in rows[i:i + CHUNK] for old in c.older_indexes(v["nik"])}
        found = select(*cols).where(table.c.nik_index.in_(keys + list(older)))
        for r in db.session.execute(found).mappings():
            existing[older.get(r["nik_index"], r["nik_index"])] = r
    source = parsed.source
    created_sources: dict | None = None  # the same for every new row of a file: shared, dumped once
    for key, values in rows:
        record = {k: _plain(v) for k, v in values.items() if k not in ("nik", "nik_mismatch")}
        plan.records.append((key, record))
        current = existing.get(key)
        if current is None:
            new = dict(values)
            nik = new.pop("nik")
            if created_sources is None:
                created_sources = {f: [source, today_iso] for f in values if f not in ("nik", "nik_mismatch")}
            new.update(nik_index=key, nik_masked=mask(nik), _nik=nik, name_search=normalise(new["name"]),
                       field_sources=created_sources)
            plan.created.append(new)
            continue
        plan.ids[key] = current["id"]
        sources = dict(current["field_sources"] or {})
        changes: dict[str, Any] = {}
        disputed = False
        for f, v in values.items():
            if f in ("nik", "nik_mismatch") or current[f] == v:
                continue
            if v is None and f not in ("birth_date", "welfare_decile"):
                continue  # an empty cell never erases what another list said
            said = sources.get(f)
            if f in RECONCILED_FIELDS and said and said[0] != source and current[f] is not None:
                plan.conflicts.append((current["id"], f, [
                    {"source": said[0], "value": _plain(current[f]), "date": said[1]},
                    {"source": source, "value": _plain(v), "date": today_iso},
                ]))
                disputed = True
                continue
            changes[f] = v
            sources[f] = [source, today_iso]
        if changes:
            if "name" in changes:
                changes["name_search"] = normalise(changes["name"])
            if "sex" in changes or "birth_date" in changes:
                changes["nik_mismatch"] = values["nik_mismatch"]
            plan.updated.append((current["id"], changes, sources))
        elif disputed:
            plan.updated.append((current["id"], {}, sources))  # changed: a discrepancy was opened
        else:
            plan.unchanged += 1
    return plan


def _sqlite_value(value: Any) -> Any:
    """What SQLAlchemy would bind on SQLite, for the raw executemany path."""
    if isinstance(value, datetime):
        return value.astimezone(UTC).replace(tzinfo=None).isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, dict | list):
        return json.dumps(value)
    return value


def _bulk_insert(table, rows: list[dict]) -> None:
    """INSERT many rows of identical keys. On SQLite straight through the driver's executemany
    (SQLAlchemy's per-value processing was most of a 250,000-row import); elsewhere via Core."""
    if not rows:
        return
    conn = db.session.connection()
    if conn.dialect.name != "sqlite":
        db.session.execute(table.insert(), rows)
        return
    cols = list(rows[0])
    # Convert only the columns that need it; identical dicts (shared field_sources) are dumped once.
    special = {c for c in cols if any(isinstance(r[c], date | dict | list) for r in rows[:50])}
    dumped: dict[int, str] = {}

    def conv(v: Any) -> Any:
        if isinstance(v, dict | list):
            key = id(v)
            if key not in dumped:
                dumped[key] = json.dumps(v)
            return dumped[key]
        return _sqlite_value(v)

    names = ", ".join(f'"{c}"' for c in cols)  # names from our own table metadata, never from input
    sql = f'INSERT INTO "{table.name}" ({names}) VALUES ({", ".join("?" for _ in cols)})'  # noqa: S608
    conn.exec_driver_sql(sql, [tuple(conv(r[c]) if c in special else r[c] for c in cols) for r in rows])


def apply_plan(plan: Plan, parsed: ParsedFile, *, batch_id: int, today: date | None = None) -> int:
    """Write the plan (the caller commits once); returns the number of discrepancies opened."""
    conn = db.session.connection()
    if conn.dialect.name != "sqlite" or len(plan.created) + len(plan.updated) < 20_000:
        return _apply_plan(plan, parsed, batch_id=batch_id, today=today)
    # Random blind-index keys thrash SQLite's default 2 MB page cache on big files: widen it meanwhile.
    old = conn.exec_driver_sql("PRAGMA cache_size").scalar()
    conn.exec_driver_sql("PRAGMA cache_size=-262144")
    try:
        return _apply_plan(plan, parsed, batch_id=batch_id, today=today)
    finally:
        conn.exec_driver_sql(f"PRAGMA cache_size={int(old)}")


def _apply_plan(plan: Plan, parsed: ParsedFile, *, batch_id: int, today: date | None = None) -> int:
    today = today or date.today()
    now = utcnow()
    c = cipher()
    table = Beneficiary.__table__
    ids = dict(plan.ids)
    if plan.created:
        keys = sorted({k for row in plan.created for k in row if k != "_nik"}
                      | {"arrears_months", "deceased", "moved_away"})
        defaults = {"arrears_months": 0, "deceased": False, "moved_away": False}
        # Under this transaction's write lock, every id above the current maximum is one of ours.
        before = db.session.scalar(select(db.func.coalesce(db.func.max(table.c.id), 0)))
        for i in range(0, len(plan.created), 10000):
            chunk = []
            for row in plan.created[i:i + 10000]:
                values = {k: row.get(k, defaults.get(k)) for k in keys}
                values.update(nik_encrypted=c.encrypt(row["_nik"]), nik_key_id=c.key_id, created_at=now,
                              updated_at=now)
                chunk.append(values)
            _bulk_insert(table, chunk)
        ids.update(db.session.execute(select(table.c.nik_index, table.c.id).where(table.c.id > before)).all())
    by_keys: dict[tuple, list[dict]] = {}
    for bid, changes, sources in plan.updated:
        row = {"b_id": bid, "field_sources": sources, "updated_at": now,
               **{f"v_{k}": v for k, v in changes.items()}}
        by_keys.setdefault(tuple(sorted(changes)), []).append(row)
    for fields, rows in by_keys.items():
        stmt = table.update().where(table.c.id == db.bindparam("b_id")).values(
            field_sources=db.bindparam("field_sources"), updated_at=db.bindparam("updated_at"),
            **{f: db.bindparam(f"v_{f}") for f in fields})
        db.session.execute(stmt, rows)
    if plan.records:
        sr = SourceRecord.__table__
        rows = [{"batch_id": batch_id, "beneficiary_id": ids[key], "source": parsed.source,
                 "recorded_on": today, "values": values} for key, values in plan.records]
        for i in range(0, len(rows), 10000):
            _bulk_insert(sr, rows[i:i + 10000])
    return open_discrepancies(plan.conflicts, source=parsed.source)


def open_discrepancies(conflicts: list[tuple[int, str, list]], *, source: str) -> int:
    """Open one discrepancy per resident and field, or add the new source's value to the open one."""
    if not conflicts:
        return 0
    dt = Discrepancy.__table__
    open_rows: dict[tuple[int, str], Any] = {}
    bids = sorted({bid for bid, _, _ in conflicts})
    for i in range(0, len(bids), CHUNK):
        stmt = select(dt.c.id, dt.c.beneficiary_id, dt.c.field, dt.c["values"]).where(
            dt.c.status == "open", dt.c.beneficiary_id.in_(bids[i:i + CHUNK]))
        for r in db.session.execute(stmt):
            open_rows[(r.beneficiary_id, r.field)] = r
    now = utcnow()
    new_rows, updates = [], []
    for bid, f, values in conflicts:
        found = open_rows.get((bid, f))
        if found is None:
            pair = "/".join(sorted({v["source"] for v in values}))
            new_rows.append({"beneficiary_id": bid, "field": f, "values": values, "source_pair": pair,
                             "status": "open", "created_at": now})
        else:
            merged = [v for v in found._mapping["values"] if v["source"] != source] + [values[-1]]
            updates.append({"d_id": found.id, "v": merged})
    if new_rows:
        db.session.execute(dt.insert(), new_rows)
    if updates:
        db.session.execute(dt.update().where(dt.c.id == db.bindparam("d_id")).values(
            {"values": db.bindparam("v")}), updates)
    return len(new_rows)
