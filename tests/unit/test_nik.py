"""NIK and KK checks, and NIK secrecy (encryption, blind index, masking)."""
from __future__ import annotations

from datetime import date

import pytest

from sponsorship.beneficiaries.nik import (
    NikError,
    agrees_with_nik,
    birth_date_from_nik,
    cipher,
    clean_kk,
    clean_nik,
    mask,
)
from sponsorship.beneficiaries.text import initials, normalise


@pytest.mark.parametrize("raw, fragment", [
    ("", "kosong"),
    ("1.97101E+15", "notasi ilmiah"),
    ("19710157084500", "16 digit"),
    ("19710157084500011", "16 digit"),
    ("19710157O8450001", "angka"),
    ("1971013213450001", "Tanggal lahir"),  # month 13
    ("9971015708450001", "wilayah"),
    ("1971015708450000", "0000"),
])
def test_clean_nik_refuses_with_a_reason(app_ctx, raw, fragment):
    with pytest.raises(NikError) as err:
        clean_nik(raw)
    assert fragment in str(err.value.reason)


def test_clean_nik_accepts_separators(app_ctx):
    assert clean_nik(" 1971.0157.0845.0001 ") == "1971015708450001"


def test_kk_must_be_sixteen_digits(app_ctx):
    assert clean_kk("") is None
    assert clean_kk("1971 0101 0120 0001") == "1971010101200001"
    with pytest.raises(NikError):
        clean_kk("12345")
    with pytest.raises(NikError, match="notasi ilmiah"):
        clean_kk("1.97101E+15")


def test_sex_and_birth_date_must_agree_with_nik():
    woman = "1971015708450001"  # day 57 = 17 + 40
    assert agrees_with_nik(woman, "P", date(1945, 8, 17))
    assert not agrees_with_nik(woman, "L", None)
    assert not agrees_with_nik(woman, "P", date(1945, 8, 18))
    assert agrees_with_nik("1971011708450001", "L", date(1945, 8, 17))
    assert birth_date_from_nik(woman, today=date(2026, 1, 1)) == date(1945, 8, 17)
    assert birth_date_from_nik("1971010101100001", today=date(2026, 1, 1)) == date(2010, 1, 1)


def test_mask_keeps_region_and_last_four():
    assert mask("1971015708450003") == "197101******0003"


def test_encryption_roundtrip_and_blind_index(app_ctx):
    c = cipher()
    token1, token2 = c.encrypt("1971015708450001"), c.encrypt("1971015708450001")
    assert token1 != token2  # random nonce: equal NIKs do not look equal at rest
    assert "1971015708450001" not in token1
    assert c.decrypt(token1) == "1971015708450001"
    assert c.blind_index("1971015708450001") == c.blind_index("1971015708450001")
    assert c.blind_index("1971015708450001") != c.blind_index("1971015708450002")


def test_blind_index_depends_on_the_key(app):
    from sponsorship.beneficiaries.nik import NikCipher

    with app.app_context():
        first = NikCipher().blind_index("1971015708450001")
    old = app.config["NIK_HMAC_KEY"]
    app.config["NIK_HMAC_KEY"] = "another key"
    try:
        with app.app_context():
            assert NikCipher().blind_index("1971015708450001") != first
    finally:
        app.config["NIK_HMAC_KEY"] = old


def test_normalise_and_initials():
    assert normalise("  Sití   NÜRHALIZA ") == "siti nurhaliza"
    assert initials("Siti Nurhaliza") == "S. N."
