"""The one way to read regions: the kelurahan of the city (list, name one and its kecamatan, map a
list's spellings to codes), and the kabupaten/kota a city may be set up as.

The region table is the source at run time (names may be corrected there; the code is the key);
`flask --app app load-regions` fills it from the national data shipped with the package. Every
"kelurahan of the city" question is scoped by the `area_code` setting (the city's Kemendagri code,
e.g. 72.71): a kelurahan of another kabupaten/kota is unknown here, as if it did not exist.
"""
from __future__ import annotations

from flask import g, has_request_context

from sponsorship.beneficiaries.text import normalise
from sponsorship.extensions import db
from sponsorship.regions.models import PROVINCE, REGENCY, VILLAGE, Region, RegionAlias
from sponsorship.settings.service import get_setting

NO_NAME = "–"


def area_code() -> str:
    """The Kemendagri code of the city's own kabupaten/kota ("" before the city is set up)."""
    return get_setting("area_code")


def _in_area():
    return (Region.regency_code == area_code(), Region.level == VILLAGE)


def all_regions() -> list[Region]:
    """Every kelurahan of the city, by kecamatan and name (filters, the import documentation)."""
    return list(db.session.scalars(
        db.select(Region).where(*_in_area()).order_by(Region.kecamatan_name, Region.name)))


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
    """The kelurahan of the city with this code (None for another area's), read at most once per
    request."""
    if not code:
        return None
    known = _known()
    if code not in known:
        region = db.session.get(Region, code)
        area = area_code()
        known[code] = region if (region is not None and region.level == VILLAGE and area
                                 and region.regency_code == area) else None
    return known[code]


def kelurahan_name(code: str | None) -> str:
    region = get(code)
    return region.name if region is not None else (code or NO_NAME)


def kecamatan_name(code: str | None) -> str:
    region = get(code)
    return region.kecamatan_name if region is not None else NO_NAME


def lookup() -> dict[str, str]:
    """Every way a list may write a kelurahan of the city, mapped to its code: the code with or
    without dots, the name as spelled in the table, the name normalised (case, accents, spaces),
    and the official older spellings (aliases) normalised."""
    out: dict[str, str] = {}
    rows = db.session.execute(db.select(Region.code, Region.name).where(*_in_area())).all()
    aliases = db.session.execute(
        db.select(RegionAlias.code, RegionAlias.alias).join(Region, Region.code == RegionAlias.code)
        .where(*_in_area())).all()
    for code, alias in aliases:  # the current names below win over an older spelling
        out[normalise(alias)] = code
        out[alias] = code
    for code, name in rows:
        out[code] = code
        out[code.replace(".", "")] = code
        out[normalise(name)] = code
        out[name] = code
    return out


def regency(code: str | None) -> Region | None:
    """A kabupaten/kota by its code (level 2), or None."""
    region = db.session.get(Region, code) if code else None
    return region if region is not None and region.level == REGENCY else None


def regency_choices() -> list[tuple[str, str]]:
    """(code, "Kota Palu — Sulawesi Tengah") of every kabupaten/kota, by province then name."""
    provinces = dict(db.session.execute(
        db.select(Region.code, Region.name).where(Region.level == PROVINCE)).all())
    rows = db.session.execute(db.select(Region.code, Region.name, Region.parent_code)
                              .where(Region.level == REGENCY).order_by(Region.code)).all()
    return [(code, f"{name} — {provinces.get(parent, parent)}") for code, name, parent in rows]


def loaded() -> bool:
    """Whether the national data has been loaded (the kabupaten/kota level is there)."""
    return db.session.scalar(db.select(Region.code).where(Region.level == REGENCY).limit(1)) is not None
