"""Loading the shipped national region data into the region table (`flask --app app load-regions`).

The file is the Kemendagri 2025 list (kode, nama) of every province, kabupaten/kota, kecamatan and
desa/kelurahan; `aliases.csv` beside it holds official older spellings of village names. Loading is
idempotent and additive: codes already in the table keep their row (a name corrected locally stays
corrected), missing ones are inserted in bulk, and one audit event says how many.
"""
from __future__ import annotations

import csv
import gzip
import io
from functools import lru_cache
from pathlib import Path

from sqlalchemy import insert, select, update

from sponsorship.audit import service as audit
from sponsorship.extensions import db
from sponsorship.regions.models import (
    DISTRICT,
    PROVINCE,
    REGENCY,
    VILLAGE,
    Region,
    RegionAlias,
    level_of,
)

DATA_DIR = Path(__file__).with_name("data")
DATA_FILE = DATA_DIR / "wilayah_kemendagri_2025.csv.gz"
ALIAS_FILE = DATA_DIR / "aliases.csv"
SOURCE = "Kepmendagri 300.2.2-2138/2025 (cahyadsn/wilayah)"
BATCH = 5000


def shipped_rows() -> tuple[tuple[str, str], ...]:
    """(code, name) of every region in the shipped file, parents before their children (read each
    time: 91,599 rows are not worth keeping in every worker)."""
    with gzip.open(DATA_FILE, "rb") as raw:
        reader = csv.reader(io.TextIOWrapper(raw, encoding="utf-8", newline=""))
        next(reader)  # kode,nama
        return tuple((code.strip(), name.strip()) for code, name in reader)


def region_rows(rows=None) -> list[dict]:
    """The shipped rows as region rows: level, parent, kabupaten/kota and, for villages, their
    kecamatan's code and name."""
    rows = shipped_rows() if rows is None else rows
    names = dict(rows)
    out = []
    for code, name in rows:
        level = level_of(code)
        parent = code.rsplit(".", 1)[0] if level > PROVINCE else None
        district = code[:8] if level >= DISTRICT else None
        out.append({"code": code, "name": name, "level": level, "parent_code": parent,
                    "regency_code": code[:5] if level >= REGENCY else None,
                    "kecamatan_code": district, "kecamatan_name": names.get(district) if district else None})
    return out


def shipped_aliases() -> list[dict]:
    with ALIAS_FILE.open(newline="", encoding="utf-8") as fh:
        return [{"code": r["kode"].strip(), "alias": r["alias"].strip()} for r in csv.DictReader(fh)]


def load_regions(*, actor=None, rows=None) -> dict[str, int]:
    """Insert every shipped region and alias the table lacks; returns the counts (JSON-ready).

    Rows already present keep their name; only their derived columns (level, parent,
    kabupaten/kota) are filled if a database from before those columns left them empty."""
    wanted = region_rows(rows)
    present = set(db.session.scalars(select(Region.code)))
    missing = [r for r in wanted if r["code"] not in present]
    _insert(missing)
    # Rows a database had before the national data: give them what their code says about them.
    orphans = db.select(Region.code).where(Region.parent_code.is_(None), Region.level == VILLAGE)
    completed = 0
    if db.session.scalar(orphans.limit(1)) is not None:
        completed = db.session.execute(
            update(Region).where(Region.parent_code.is_(None), Region.level == VILLAGE)
            .values(parent_code=Region.kecamatan_code,
                    regency_code=db.func.substr(Region.code, 1, 5))).rowcount
    known_aliases = set(db.session.execute(select(RegionAlias.code, RegionAlias.alias)).tuples())
    present |= {r["code"] for r in missing}
    aliases = [a for a in shipped_aliases()
               if (a["code"], a["alias"]) not in known_aliases and a["code"] in present]
    if aliases:
        db.session.execute(insert(RegionAlias), aliases)
    counts = {"inserted": len(missing), "kept": len(wanted) - len(missing),
              "aliases_inserted": len(aliases),
              "provinces": sum(r["level"] == PROVINCE for r in wanted),
              "regencies": sum(r["level"] == REGENCY for r in wanted)}
    if missing or aliases or completed:
        audit.record(actor=actor, action="load", object_type="region", object_id=None,
                     note=f"{SOURCE}: {len(missing)} wilayah, {len(aliases)} ejaan lama ditambahkan")
    return counts


COLUMNS = ("code", "name", "level", "parent_code", "regency_code", "kecamatan_code", "kecamatan_name")


def _insert(rows: list[dict]) -> None:
    """Bulk insert in this transaction: COPY on PostgreSQL (several times faster than multi-row
    INSERTs for 90,000 rows), multi-row INSERTs elsewhere."""
    if not rows:
        return
    connection = db.session.connection()
    if connection.dialect.name == "postgresql":
        cursor = connection.connection.driver_connection.cursor()
        with cursor.copy(f"COPY region ({', '.join(COLUMNS)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row([row[c] for c in COLUMNS])
        return
    for start in range(0, len(rows), BATCH):
        db.session.execute(insert(Region), rows[start:start + BATCH])


@lru_cache(maxsize=1)
def shipped_codes_down_to_kecamatan() -> frozenset[str]:
    """The codes of every province, kabupaten/kota and kecamatan of the shipped file (about 7,800),
    read once per process: what the NIK check compares a NIK's first six digits with."""
    return frozenset(code for code, _name in shipped_rows() if level_of(code) <= DISTRICT)

