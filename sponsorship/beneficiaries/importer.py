"""Reading agency lists (CSV or XLSX): refuse unusable files, validate every row, apply in bulk.

Built for 250,000 rows: rows stay plain dicts, existing residents are loaded by blind index in
chunks, and writes go to the database as executemany batches, never one ORM object per row.
"""
from __future__ import annotations

import hashlib
import io
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
from sponsorship.core.csvtext import csv_reader
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

MAX_ROWS = 300_000
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


def _read_rows(data: bytes, max_bytes: int) -> list[list[Any]]:
    if not data:
        raise UnusableFile(_l("Berkas kosong."))
    if len(data) > max_bytes:
        raise UnusableFile(_l("Berkas terlalu besar (lebih dari %(mb)s MB).", mb=max_bytes // (1024 * 1024)))
    if data[:4] == b"PK\x03\x04":
        return _read_xlsx(data)
    if b"\x00" in data[:4096]:
        raise UnusableFile(_l("Berkas bukan CSV atau XLSX."))
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise UnusableFile(_l("Berkas CSV harus berenkode UTF-8.")) from None
    return list(csv_reader(text))


def _read_xlsx(data: bytes) -> list[list[Any]]:
    from openpyxl import load_workbook

    try:
        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # noqa: BLE001 - any unreadable zip/xml means "not a spreadsheet"
        raise UnusableFile(_l("Berkas bukan lembar kerja XLSX yang dapat dibaca.")) from None
    try:
        ws = wb.worksheets[0]
        return [list(r) for r in ws.iter_rows(values_only=True)]
    finally:
        wb.close()


def _cell(value: Any, *, identity: bool = False) -> str:
    """A cell as text; a number in an identity column is how Excel mangles a NIK."""
    if type(value) is str:
        return value.strip()
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float):
        if identity:
            return f"{value:.5E}"
        return str(int(value)) if value.is_integer() else str(value)
    if isinstance(value, int) and identity and len(str(value)) >= 15:
        return f"{float(value):.5E}"
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

    regions: dict[str, str]  # any accepted spelling -> code (regions.service.lookup)


def _nik(text: str, _context: RowContext) -> str:
    try:
        return clean_nik(text)
    except NikError as exc:
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


def _kelurahan(text: str, context: RowContext) -> str:
    code = context.regions.get(text) or context.regions.get(normalise(text))
    if code is None:
        raise RowError(_l("Kelurahan \"%(v)s\" tidak dikenal.", v=text))
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
    identity: bool = False  # an identity number: Excel turns it into 1.97101E+15 when it is a number
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
           _l("Nama kelurahan atau kode Kemendagri, mis. 19.71.01.1004 (wajib)"), required=True),
    Column("no_hp", "phone", _phone, _l("Nomor HP")),
    Column("no_jkn", "jkn_number", _jkn_number, _l("Nomor kartu JKN, 13 digit"), identity=True),
    Column("segmen_jkn", "jkn_segment", _segment, _l("PBI_APBN, PBI_APBD, PBPU, BP, PPU atau BELUM")),
    Column("status_jkn", "jkn_status", _jkn_status, _l("AKTIF atau NONAKTIF")),
    Column("tunggakan_bulan", "arrears_months", _arrears, _l("Jumlah bulan tunggakan iuran, 0-120")),
    Column("desil", "welfare_decile", _decile, _l("Desil kesejahteraan 1-10 (1 = paling miskin)")),
    Column("meninggal", "deceased", _yes_no("meninggal"), _l("YA jika meninggal dunia"), agency_only=True),
    Column("pindah", "moved_away", _yes_no("pindah"), _l("YA jika pindah domisili ke luar kota"),
           agency_only=True),
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
    for col, text in raw.items():
        if col != "nik":
            column = ALL_COLUMNS[col]
            out[column.field] = column.parse(text.strip(), context)
    out["nik_mismatch"] = not agrees_with_nik(out["nik"], out.get("sex"), out.get("birth_date"))
    return out


def parse_file(data: bytes, *, file_name: str, source: str, max_bytes: int) -> ParsedFile:
    """Refuse an unusable file (UnusableFile) or return every valid row and every invalid one."""
    if source not in SOURCES:
        raise UnusableFile(_l("Sumber data tidak dikenal."))
    table = _read_rows(data, max_bytes)
    while table and not any(_cell(c) for c in table[-1]):
        table.pop()
    if not table:
        raise UnusableFile(_l("Berkas kosong."))
    written = [normalise(_cell(h)).replace(" ", "_") for h in table[0]]
    known = _headers_for(source)
    header = [known.get(h, h) for h in written]  # each column by its name, whatever the file calls it
    unknown = [h for h in written if h and h not in known]
    missing = [c for c in REQUIRED if c not in header]
    if unknown or missing or len(set(h for h in header if h)) != len([h for h in header if h]):
        parts = []
        if missing:
            parts.append(str(_l("kolom wajib tidak ada: %(c)s", c=", ".join(missing))))
        if unknown:
            parts.append(str(_l("kolom tidak dikenal: %(c)s", c=", ".join(unknown))))
        if not parts:
            parts.append(str(_l("ada kolom ganda")))
        raise UnusableFile(_l("Kolom berkas tidak sesuai (%(p)s). "
                              "Unduh templat untuk susunan kolom yang benar.", p="; ".join(parts)))
    if len(table) < 2:
        raise UnusableFile(_l("Berkas tidak berisi baris data."))
    if len(table) - 1 > MAX_ROWS:
        raise UnusableFile(_l("Berkas berisi lebih dari %(n)s baris.", n=MAX_ROWS))
    parsed = ParsedFile(source=source)
    context = RowContext(regions=regions.lookup())
    seen: dict[str, int] = {}
    identity_cols = {i for i, h in enumerate(header) if h and ALL_COLUMNS[h].identity}
    width = len(header)
    for line, cells in enumerate(table[1:], start=2):
        if not any(c not in (None, "") for c in cells):
            continue
        parsed.total += 1
        raw = {header[i]: _cell(cells[i] if i < len(cells) else None, identity=i in identity_cols)
               for i in range(width) if header[i]}
        try:
            values = _row_values(raw, context)
        except RowError as exc:
            parsed.invalid.append({"line": line, "reason": exc.args[0]})
            continue
        first = seen.get(values["nik"])
        if first is not None:
            reason = _l("NIK ganda di dalam berkas (sama dengan baris %(n)s).", n=first)
            parsed.invalid.append({"line": line, "reason": reason})
            continue
        seen[values["nik"]] = line
        parsed.rows.append((line, values))
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
