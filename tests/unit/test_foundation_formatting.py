"""Rupiah, dates, words and masked NIKs as pages and documents show them."""
from datetime import UTC, date, datetime

import pytest

from sponsorship.core.formatting import month_label, rupiah, tanggal, terbilang, waktu
from sponsorship.identity import mask as mask_nik


@pytest.mark.parametrize(("amount", "shown"), [
    (210_000_000, "Rp 210.000.000"),
    (35_000, "Rp 35.000"),
    (0, "Rp 0"),
    (None, "–"),
])
def test_rupiah_uses_dot_grouping_without_decimals(amount, shown):
    assert rupiah(amount) == shown


def test_tanggal_writes_the_month_in_indonesian():
    assert tanggal(date(2025, 11, 13)) == "13 November 2025"
    assert tanggal(date(2026, 2, 1)) == "1 Februari 2026"


def test_tanggal_of_a_utc_time_is_the_jakarta_day():
    # 20:00 UTC on 13 November is already 14 November in WIB (UTC+7).
    assert tanggal(datetime(2025, 11, 13, 20, 0, tzinfo=UTC)) == "14 November 2025"


def test_month_label():
    assert month_label(date(2026, 1, 1)) == "Januari 2026"


@pytest.mark.parametrize(("amount", "words"), [
    (210_000_000, "dua ratus sepuluh juta rupiah"),
    (1_000, "seribu rupiah"),
    (1_000_000, "satu juta rupiah"),
    (11, "sebelas rupiah"),
    (42_000, "empat puluh dua ribu rupiah"),
])
def test_terbilang(amount, words):
    assert terbilang(amount) == words


def test_mask_nik_hides_the_birth_date():
    assert mask_nik("1971011301900003") == "197101******0003"
    assert mask_nik(None) == "–"
    assert "130190" not in mask_nik("1971011301900003")


def test_waktu_converts_utc_to_wib():
    assert waktu(datetime(2025, 11, 13, 7, 5, tzinfo=UTC)) == "13 November 2025 14:05 WIB"
    assert waktu(datetime(2025, 11, 13, 20, 5, tzinfo=UTC)) == "14 November 2025 03:05 WIB"
    assert waktu(datetime(2025, 11, 13, 20, 5)) == "14 November 2025 03:05 WIB"  # naive means UTC


def test_tanggal_reads_a_naive_datetime_as_utc_like_waktu():
    late_utc = datetime(2025, 11, 13, 20, 5)  # 14 November in Jakarta
    assert tanggal(late_utc, locale="id") == "14 November 2025"
    assert waktu(late_utc).startswith("14 November 2025")
