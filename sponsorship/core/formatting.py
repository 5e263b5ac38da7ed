"""Rupiah, dates in WIB and words, registered as Jinja filters and usable in documents."""
from __future__ import annotations

import functools
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from babel.dates import format_date as babel_format_date
from babel.numbers import format_currency, format_decimal
from flask import has_request_context
from flask_babel import get_locale
from num2words import num2words

WIB = ZoneInfo("Asia/Jakarta")


def ui_locale() -> str:
    return str(get_locale()) if has_request_context() else "id"


def rupiah(amount: int | None) -> str:
    """`Rp 210.000.000`: whole Rupiah, dot grouping, in every UI language."""
    if amount is None:
        return "–"
    return _rupiah(int(amount))


def number(value: int | float | None) -> str:
    """`1.234.567` / `0,8` in Indonesian, `1,234,567` / `0.8` in English."""
    if value is None:
        return "–"
    return format_decimal(value, locale=ui_locale())


# Babel parses the pattern and looks up the locale on every call; pages repeat the same amounts
# (tariff multiples) and dates, so the formatted text is remembered.
@functools.lru_cache(maxsize=8192)
def _rupiah(amount: int) -> str:
    return format_currency(amount, "IDR", format="¤ #,##0", locale="id", currency_digits=False)


@functools.lru_cache(maxsize=8192)
def _format_date(value: date, pattern: str, locale: str) -> str:
    return babel_format_date(value, pattern, locale=locale)


def rupiah_resmi(amount: int | None) -> str:
    """`Rp42.000,00`: amounts in figures as official letters and documents write them.

    Every issued document uses this one style (the `rupiah_resmi` filter); pages use `rupiah`.
    """
    if amount is None:
        return "–"
    return f"Rp{int(amount):,}".replace(",", ".") + ",00"


def npwp(value: str | None) -> str:
    """An NPWP as documents print it: `01.308.224.3-323.000` for the 15-digit form (or the
    16-digit form that is a 0 and those 15), a person's 16-digit NPWP (their NIK) as it is.

    stdnum's format() applies the 15-digit pattern to 16 digits, hence the leading-0 case."""
    from stdnum.id import npwp as stdnum_npwp

    digits = "".join(ch for ch in (value or "") if ch.isdigit())
    if len(digits) == 16 and digits.startswith("0"):
        digits = digits[1:]
    if len(digits) == 15:
        return stdnum_npwp.format(digits)
    return digits or "–"


def terbilang(amount: int) -> str:
    """Amount in Indonesian words, as official documents write it: 'dua ratus sepuluh juta rupiah'."""
    return f"{num2words(int(amount), lang='id')} rupiah"


def tanggal(value: date | datetime | None, locale: str | None = None) -> str:
    """`13 November 2025` (in the UI language)."""
    if value is None:
        return "–"
    if isinstance(value, datetime):
        if value.tzinfo is None:  # stored times are UTC (core.models.UTCDateTime)
            value = value.replace(tzinfo=UTC)
        value = value.astimezone(WIB).date()
    return _format_date(value, "d MMMM yyyy", locale or ui_locale())


def month_label(value: date | None) -> str:
    """`Januari 2026` for a first-of-month date."""
    if value is None:
        return "–"
    return _format_date(value, "MMMM yyyy", ui_locale())


def waktu(value: datetime | None) -> str:
    """`13 November 2025 14:05 WIB`: stored in UTC, shown in Jakarta time."""
    if value is None:
        return "–"
    if value.tzinfo is None:  # stored times are UTC (core.models.UTCDateTime)
        value = value.replace(tzinfo=UTC)
    local = value.astimezone(WIB)
    return f"{_format_date(local.date(), 'd MMMM yyyy', ui_locale())} {local:%H:%M} WIB"


HARI = ("Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu", "Minggu")
BULAN = ("Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus", "September",
         "Oktober", "November", "Desember")


def tanggal_terbilang(value: date) -> str:
    """`Kamis tanggal tiga belas bulan November tahun dua ribu dua puluh lima`, as official
    documents open ("Pada hari ini ..."); always Indonesian, whatever the UI language."""
    return (f"{HARI[value.weekday()]} tanggal {num2words(value.day, lang='id')} bulan "
            f"{BULAN[value.month - 1]} tahun {num2words(value.year, lang='id')}")


def tanggal_resmi(value: date | datetime) -> str:
    """`13 November 2025` in Indonesian regardless of the UI language (for documents); a stored
    (UTC) datetime is dated in WIB."""
    if isinstance(value, datetime):
        value = (value if value.tzinfo else value.replace(tzinfo=UTC)).astimezone(WIB).date()
    return f"{value.day} {BULAN[value.month - 1]} {value.year}"


def register_filters(app) -> None:
    from sponsorship.identity import mask

    app.jinja_env.filters.update(
        rupiah=rupiah,
        number=number,
        rupiah_resmi=rupiah_resmi,
        npwp=npwp,
        terbilang=terbilang,
        tanggal=tanggal,
        bulan=month_label,
        waktu=waktu,
        mask_nik=mask,
        tanggal_terbilang=tanggal_terbilang,
        tanggal_resmi=tanggal_resmi,
    )
