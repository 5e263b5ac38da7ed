"""The one way to read kelurahan: list them, name one and its kecamatan, map a list's spellings to codes.

The region table is the source at run time (names may be corrected there; the code is the key).
The shipped data file only fills that table, through migration 0002.
"""
from __future__ import annotations

import csv
from pathlib import Path

from flask import g, has_request_context

from sponsorship.beneficiaries.text import normalise
from sponsorship.extensions import db
from sponsorship.regions.models import Region

DATA_FILE = Path(__file__).with_name("data") / "pangkalpinang_wilayah.csv"
NO_NAME = "–"


def shipped_regions() -> list[dict]:
    """The official list shipped with the app, as region rows (read by migration 0002)."""
    with DATA_FILE.open(newline="", encoding="utf-8") as fh:
        return [
            {"code": r["kode_kelurahan"], "name": r["kelurahan"],
             "kecamatan_code": r["kode_kecamatan"], "kecamatan_name": r["kecamatan"]}
            for r in csv.DictReader(fh)
        ]


def all_regions() -> list[Region]:
    """Every kelurahan, by kecamatan and name (filters, the import documentation)."""
    return list(db.session.scalars(db.select(Region).order_by(Region.kecamatan_name, Region.name)))


def choices() -> list[tuple[str, str]]:
    """(code, "Kelurahan (Kecamatan)") for a select field."""
    return [(r.code, f"{r.name} ({r.kecamatan_name})") for r in all_regions()]


def _known() -> dict[str, Region | None]:
    """Regions already read in this request, by code (outside a request: nothing is kept)."""
    if not has_request_context():
        return {}
    known = g.get("regions_by_code")
    if known is None:
        known = g.regions_by_code = {}
    return known


def get(code: str | None) -> Region | None:
    """The kelurahan of a code, read at most once per request."""
    if not code:
        return None
    known = _known()
    if code not in known:
        known[code] = db.session.get(Region, code)
    return known[code]


def kelurahan_name(code: str | None) -> str:
    region = get(code)
    return region.name if region is not None else (code or NO_NAME)


def kecamatan_name(code: str | None) -> str:
    region = get(code)
    return region.kecamatan_name if region is not None else NO_NAME


def lookup() -> dict[str, str]:
    """Every way a list may write a kelurahan, mapped to its code: the code with or without dots,
    the name as spelled in the table, and the name normalised (case, accents, spaces)."""
    out: dict[str, str] = {}
    for code, name in db.session.execute(db.select(Region.code, Region.name)):
        out[code] = code
        out[code.replace(".", "")] = code
        out[normalise(name)] = code
        out[name] = code
    return out
