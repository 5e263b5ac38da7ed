"""NIK and KK numbers: validation, normalisation, what a NIK encodes, and masking.

A NIK (Nomor Induk Kependudukan) is 16 digits: region (6), birth date (6, women's day + 40)
and a serial (4). A KK (Kartu Keluarga) number is 16 digits too.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from functools import lru_cache

from flask_babel import lazy_gettext as _l
from stdnum.exceptions import ValidationError
from stdnum.id import nik as stdnum_nik

from sponsorship.core.errors import DomainError

SCIENTIFIC = re.compile(r"^\s*\d+([.,]\d+)?[eE][+-]?\d+\s*$")


class NikError(DomainError):
    """A NIK or KK refused. `reason` is what staff read (Indonesian); `field` is the form field
    the caller named, so a form shows it beside that field like any other DomainError."""

    # What was wrong, for a caller that explains it further (an import names the spreadsheet's
    # rounding when a serial became 0000): "empty", "scientific", "digits", "length", "birth_date",
    # "region", "serial" (0000), or None.
    SERIAL = "serial"

    def __init__(self, reason, *, field: str | None = None, kind: str | None = None) -> None:
        super().__init__(reason, field=field)
        self.reason = reason
        self.kind = kind


@lru_cache(maxsize=1)
def _current_codes() -> tuple[frozenset[str], frozenset[str]]:
    """(kecamatan, kabupaten/kota) codes of the shipped Kemendagri data, undotted (727101, 7271)."""
    from sponsorship.regions.load import shipped_codes_down_to_kecamatan

    codes = shipped_codes_down_to_kecamatan()
    return (frozenset(c.replace(".", "") for c in codes if c.count(".") == 2),
            frozenset(c.replace(".", "") for c in codes if c.count(".") == 1))


@lru_cache(maxsize=1)
def _older_regencies() -> frozenset[str]:
    """Kabupaten/kota codes python-stdnum knows that the current list no longer has: a NIK keeps
    the code of where it was first issued, also after a province was split (Papua, 2022)."""
    from importlib.resources import files as package_files

    known, province = set(), None
    for line in package_files("stdnum.id").joinpath("loc.dat").read_text(encoding="utf-8").splitlines():
        if line[:2].isdigit():
            province = line[:2]
        elif line.startswith("  ") and line[2:4].isdigit() and province:
            known.add(province + line[2:4])
    return frozenset(known) - _current_codes()[1]


def region_known(prefix6: str) -> bool:
    """Whether the first six digits of a NIK name a kecamatan: one of the current Kemendagri list,
    or (for a kabupaten/kota code since retired) any kecamatan number but 00 and 99."""
    districts, regencies = _current_codes()
    if prefix6 in districts:
        return True
    return (prefix6[:4] not in regencies and prefix6[:4] in _older_regencies()
            and prefix6[4:] not in ("00", "99"))


def clean_nik(raw: str | None, *, label=None, field: str | None = None) -> str:
    """Return the 16-digit NIK or raise NikError with the reason: 16 digits, a real birth date
    (stdnum.id.nik, plus the day ranges 1-31 and 41-71), a kecamatan of the national region data
    (`region_known`), a serial other than 0000."""
    label = label or _l("NIK")

    def refuse(reason, kind):
        return NikError(reason, field=field, kind=kind)

    value = (raw or "").strip()
    if not value:
        raise refuse(_l("%(label)s kosong.", label=label), "empty")
    if SCIENTIFIC.match(value):
        raise refuse(_l("%(label)s ditulis Excel dalam notasi ilmiah (%(v)s) sehingga digitnya hilang; "
                        "format kolom sebagai teks.", label=label, v=value), "scientific")
    if not (len(value) == 16 and value.isascii() and value.isdigit()):  # the common case skips compact()
        value = stdnum_nik.compact(value)
    if not value.isdigit():
        raise refuse(_l("%(label)s hanya boleh berisi angka.", label=label), "digits")
    if len(value) != 16:
        raise refuse(_l("%(label)s harus 16 digit (tertulis %(n)s digit).", label=label, n=len(value)),
                     "length")
    day = int(value[6:8])
    try:
        if not (1 <= day <= 31 or 41 <= day <= 71):  # women: day + 40; stdnum reads 81 as 1
            raise ValidationError
        stdnum_nik.get_birth_date(value)
    except ValidationError:
        raise refuse(_l("Tanggal lahir di dalam %(label)s tidak valid.", label=label), "birth_date") from None
    if not region_known(value[:6]):
        raise refuse(_l("Kode wilayah %(label)s tidak dikenal.", label=label), "region")
    if value[12:] == "0000":
        raise refuse(_l("Nomor urut %(label)s tidak boleh 0000.", label=label), NikError.SERIAL)
    return value


def clean_kk(raw: str | None, *, field: str | None = None) -> str | None:
    """KK: 16 digits (area, issue date, serial); empty allowed."""
    value = (raw or "").strip()
    if not value:
        return None
    if SCIENTIFIC.match(value):
        raise NikError(_l("No. KK ditulis Excel dalam notasi ilmiah (%(v)s); format kolom sebagai teks.",
                          v=value), field=field)
    value = re.sub(r"[\s.-]", "", value)
    if not value.isdigit() or len(value) != 16:
        raise NikError(_l("No. KK harus 16 digit angka."), field=field)
    return value


@dataclass(frozen=True)
class NikFacts:
    sex: str  # "L" or "P"
    day: int
    month: int
    year2: int  # the century is ambiguous


def nik_facts(nik: str) -> NikFacts:
    day = int(nik[6:8])
    return NikFacts(sex="P" if day > 40 else "L", day=day % 40, month=int(nik[8:10]), year2=int(nik[10:12]))


def agrees_with_nik(nik: str, sex: str | None, birth_date: date | None) -> bool:
    """False when the given sex or birth date disagrees with what the NIK encodes."""
    facts = nik_facts(nik)
    if sex and sex != facts.sex:
        return False
    if birth_date and (birth_date.day, birth_date.month, birth_date.year % 100) != (
            facts.day, facts.month, facts.year2):
        return False
    return True


def birth_date_from_nik(nik: str, today: date | None = None) -> date:
    """The NIK's birth date, choosing the century that is not in the future."""
    facts = nik_facts(nik)
    today = today or date.today()
    year = 2000 + facts.year2
    if year > today.year:
        year -= 100
    return date(year, facts.month, facts.day)


def mask(value: str | None) -> str:
    """What sponsors, lists, documents and logs may show of a NIK: the one masking rule.

    A NIK keeps its region and last four, the birth date is hidden: `727101******0003`.
    Given only the last four digits (all an aid proposal keeps in clear), the rest is hidden:
    `************0003`. Nothing gives `–`.
    """
    if not value:
        return "–"
    if len(value) == 4:
        return "*" * 12 + value
    return value[:6] + "*" * (len(value) - 10) + value[-4:] if len(value) > 10 else "*" * len(value)
