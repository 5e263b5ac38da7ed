"""NIK and KK checks, and NIK secrecy (encryption, blind index, masking)."""
from __future__ import annotations

from datetime import date

import pytest

from sponsorship.beneficiaries.text import initials, normalise
from sponsorship.core.errors import DomainError
from sponsorship.identity import (
    NikCipher,
    NikError,
    NikKey,
    NikKeyError,
    agrees_with_nik,
    birth_date_from_nik,
    cipher,
    clean_kk,
    clean_nik,
    derive_keys,
    mask,
)


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


@pytest.mark.parametrize("raw, fragment", [
    ("1999015708450001", "wilayah"),  # regency 19.99 does not exist (stdnum knows province 19 only)
    ("1971005708450001", "wilayah"),  # kecamatan 00
    ("1971995708450001", "wilayah"),  # kecamatan 99
    ("1971085708450001", "wilayah"),  # Pangkalpinang has 7 kecamatan
    ("1971018108450001", "Tanggal lahir"),  # day 81: stdnum reads it as the 1st
    ("1971019908450001", "Tanggal lahir"),  # day 99
    ("1971013508450001", "Tanggal lahir"),  # day 35: neither a man's nor a woman's
    ("1971017208450001", "Tanggal lahir"),  # day 72 = 32 + 40
])
def test_the_region_and_day_parts_are_checked_against_the_national_data(raw, fragment):
    with pytest.raises(NikError) as err:
        clean_nik(raw)
    assert fragment in str(err.value.reason)


@pytest.mark.parametrize("nik", [
    "6501015708450001",  # Kalimantan Utara (65): not in python-stdnum's list
    "9202035708450001",  # Papua Barat (92)
    "9301015708450001",  # Papua Selatan (93)
    "9501015708450001",  # Papua Pegunungan (95)
    "9601015708450001",  # Papua Barat Daya (96)
    "7271084101900001",  # Kota Palu, Mantikulore; a woman born on 1 January 1990
    "9409015708450001",  # a regency code of Papua before 2022: NIKs keep where they were issued
])
def test_provinces_and_regencies_of_the_national_data_are_accepted(nik):
    assert clean_nik(nik) == nik


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
    assert c.decrypt(token1, c.key_id) == "1971015708450001"
    assert c.blind_index("1971015708450001") == c.blind_index("1971015708450001")
    assert c.blind_index("1971015708450001") != c.blind_index("1971015708450002")


def test_blind_index_depends_on_the_key(app):
    with app.app_context():
        first = cipher().blind_index("1971015708450001")
    old = app.config["NIK_ENCRYPTION_KEY"]
    app.config["NIK_ENCRYPTION_KEY"] = "another key"
    try:
        with app.app_context():
            assert cipher().blind_index("1971015708450001") != first
    finally:
        app.config["NIK_ENCRYPTION_KEY"] = old


def test_normalise_and_initials():
    assert normalise("  Sití   NÜRHALIZA ") == "siti nurhaliza"
    assert initials("Siti Nurhaliza") == "S. N."


# --- one module for every caller --------------------------------------------------------------

def test_a_refusal_is_a_domain_error_beside_the_field_the_caller_names(app_ctx):
    with pytest.raises(DomainError) as err:
        clean_nik("123", field="patient_nik")
    assert isinstance(err.value, NikError) and err.value.field == "patient_nik"
    assert "16 digit" in str(err.value.message)
    with pytest.raises(NikError) as err:
        clean_kk("12", field="patient_kk")
    assert err.value.field == "patient_kk"
    with pytest.raises(NikError) as err:
        clean_nik("123")
    assert err.value.field is None


def test_one_mask_for_a_nik_its_last_four_or_nothing():
    assert mask("1971015708450003") == "197101******0003"
    assert mask("0003") == "************0003"
    assert mask(None) == mask("") == "–"
    assert "570845" not in mask("1971015708450003")


def test_the_template_filter_is_the_same_mask(app):
    assert app.jinja_env.filters["mask_nik"] is mask


# --- keys ------------------------------------------------------------------------------------

def _cipher(current=("k2", "new secret"), *previous):
    return NikCipher(NikKey.from_secret(*current), tuple(NikKey.from_secret(*p) for p in previous))


def test_encryption_and_index_keys_are_derived_apart_not_a_bare_hash():
    import hashlib

    encryption, index = derive_keys("a secret")
    assert len(encryption) == len(index) == 32 and encryption != index
    assert hashlib.sha256(b"a secret").digest() not in (encryption, index)
    assert derive_keys("a secret") == (encryption, index)  # stable: stored indexes stay valid


def test_the_key_id_travels_with_the_ciphertext_and_old_keys_still_decrypt():
    old = _cipher(("k1", "old secret"))
    token = old.encrypt("1971015708450001")
    kk_token = old.encrypt("1971010101200001", kind="kk")
    assert old.key_id == "k1"

    rotated = _cipher(("k2", "new secret"), ("k1", "old secret"))
    assert rotated.key_id == "k2" and rotated.previous_ids == ("k1",)
    assert rotated.decrypt(token, "k1") == "1971015708450001"
    assert rotated.decrypt(kk_token, "k1", kind="kk") == "1971010101200001"
    new_token = rotated.encrypt("1971015708450001")
    assert rotated.decrypt(new_token, "k2") == "1971015708450001"
    with pytest.raises(Exception):  # noqa: B017  (cryptography's InvalidTag)
        rotated.decrypt(new_token, "k1")
    with pytest.raises(Exception):  # noqa: B017  a KK's ciphertext never reads as a NIK
        rotated.decrypt(kk_token, "k1", kind="nik")
    with pytest.raises(NikKeyError, match="not configured"):
        rotated.decrypt(token, "k0")
    assert rotated.decrypt(None, "k1") is None


def test_lookups_ask_under_every_configured_key():
    old = _cipher(("k1", "old secret"))
    rotated = _cipher(("k2", "new secret"), ("k1", "old secret"))
    nik = "1971015708450001"
    assert rotated.blind_indexes(nik) == [rotated.blind_index(nik), old.blind_index(nik)]
    assert rotated.older_indexes(nik) == [old.blind_index(nik)]
    assert rotated.blind_index(nik, key_id="k1") == old.blind_index(nik)
    assert rotated.blind_index(nik) != old.blind_index(nik)
    # A KK and a NIK with the same digits never share an index.
    assert rotated.blind_index(nik, kind="kk") != rotated.blind_index(nik)


def test_key_configuration_is_checked(app):
    from sponsorship.identity.secrecy import parse_previous_keys

    assert parse_previous_keys(" k1:abc:def , k0:x ") == [("k1", "abc:def"), ("k0", "x")]
    assert parse_previous_keys("") == []
    with pytest.raises(NikKeyError):
        parse_previous_keys("nocolon")
    with pytest.raises(NikKeyError):
        NikKey.from_secret("bad id!", "x")
    with pytest.raises(NikKeyError):
        _cipher(("k1", "a"), ("k1", "b"))
    saved = {k: app.config.get(k) for k in ("NIK_KEY_ID", "NIK_ENCRYPTION_KEY", "NIK_PREVIOUS_KEYS")}
    app.config.update(NIK_KEY_ID="k9", NIK_ENCRYPTION_KEY="nine", NIK_PREVIOUS_KEYS="k8:eight")
    try:
        with app.app_context():
            c = cipher()
            assert c.key_id == "k9" and c.previous_ids == ("k8",)
            nik = "1971015708450001"
            assert c.blind_index(nik) == _cipher(("k9", "nine")).blind_index(nik)
    finally:
        app.config.update(saved)


def test_same_nik_same_blind_index_in_the_registry_and_the_proposals(req, staff):
    from sponsorship.beneficiaries.models import Beneficiary
    from sponsorship.beneficiaries.service import find_by_nik, import_file
    from sponsorship.extensions import db
    from sponsorship.proposals import service as proposals
    from tests import factories

    nik = "1971014101900321"
    import_file(actor=None, data=f"nik,nama,kelurahan\n{nik},Siti,Bacang\n".encode(), file_name="x.csv",
                source="dinsos")
    proposal = proposals.create_proposal(
        actor=staff, data=factories.proposal_data(patient_nik=nik),
        lines=[{"category": "other", "quantity": 1, "unit_amount": 10}])
    db.session.commit()
    resident = db.session.scalar(db.select(Beneficiary))
    # The proposal's patient is that resident: one record holds the NIK.
    assert proposal.beneficiary_id == resident.id and resident.nik_index == cipher().blind_index(nik)
    assert resident.nik_key_id == proposal.nik_key_id == cipher().key_id
    assert proposals.patient_nik(proposal) == nik
    assert cipher().decrypt(resident.nik_encrypted, resident.nik_key_id) == nik
    assert find_by_nik(proposals.patient_nik(proposal)).id == resident.id


@pytest.fixture
def req(app):
    """Lazy refusal messages render inside a request."""
    with app.test_request_context():
        yield
