"""Looking up a kelurahan by its code or its (current or shipped) name."""
from __future__ import annotations

import csv
from pathlib import Path

from sponsorship.beneficiaries.text import normalise
from sponsorship.extensions import db
from sponsorship.regions.models import Region

DATA_FILE = Path(__file__).with_name("pangkalpinang_wilayah.csv")


def shipped_regions() -> list[dict]:
    """The official list shipped with the app (also read by migration 0002)."""
    with DATA_FILE.open(encoding="utf-8") as fh:
        return [
            {"code": r["kode_kelurahan"], "name": r["kelurahan"],
             "kecamatan_code": r["kode_kecamatan"], "kecamatan_name": r["kecamatan"]}
            for r in csv.DictReader(fh)
        ]


def all_regions() -> list[Region]:
    return list(db.session.scalars(db.select(Region).order_by(Region.kecamatan_name, Region.name)))


def region_lookup() -> dict[str, str]:
    """Map a code, "1004"-less code forms and normalised names (current and shipped) to the code."""
    out: dict[str, str] = {}
    for row in shipped_regions():
        out[normalise(row["name"])] = row["code"]
    for code, name in db.session.execute(db.select(Region.code, Region.name)):
        out[code] = code
        out[code.replace(".", "")] = code
        out[normalise(name)] = code
        out[name] = code  # the exact spelling, found without normalising
    return out
