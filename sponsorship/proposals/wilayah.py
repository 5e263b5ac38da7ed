"""Kelurahan and kecamatan of Pangkalpinang (Kemendagri codes), keyed on the code."""
from __future__ import annotations

import csv
from functools import cache
from pathlib import Path

_CSV = Path(__file__).with_name("data") / "pangkalpinang_wilayah.csv"


@cache
def kelurahan_rows() -> tuple[tuple[str, str, str, str], ...]:
    with open(_CSV, newline="", encoding="utf-8") as fh:
        return tuple((r["kode_kelurahan"], r["kelurahan"], r["kode_kecamatan"], r["kecamatan"])
                     for r in csv.DictReader(fh))


def kelurahan_choices() -> list[tuple[str, str]]:
    return [(code, f"{name} ({kec})") for code, name, _k, kec in kelurahan_rows()]


def kelurahan_name(code: str | None) -> str:
    return next((name for c, name, _k, _kn in kelurahan_rows() if c == code), code or "–")


def kecamatan_name(code: str | None) -> str:
    return next((kec for c, _n, _k, kec in kelurahan_rows() if c == code), "–")
