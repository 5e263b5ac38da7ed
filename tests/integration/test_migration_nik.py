"""Migration 0008 on a populated database: registry rows and aid proposals encrypted the two old
ways come out on the one scheme, readable, with equal blind indexes for the same NIK."""
from __future__ import annotations

import base64
import hashlib
import hmac
import os
from datetime import date, datetime

import flask_migrate
import pytest
from cryptography.fernet import Fernet
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy import text

from tests.migrating import drift, insert_old_kelurahan

# The fixtures that give each test an empty database of its own (SQLite file or PostgreSQL schema).

OLD_SECRET, OLD_HMAC = "the old encryption secret", "the old hmac secret"
NIKS = ["1971015708450001", "1971011708450002", "1971014101900003"]
KK = "1971010101200001"


# What 0007's code wrote (sponsorship/beneficiaries/nik.py and sponsorship/proposals/nik.py then).
def old_registry_encrypt(nik: str) -> str:
    nonce = os.urandom(12)
    aead = AESGCM(hashlib.sha256(OLD_SECRET.encode()).digest())
    return base64.urlsafe_b64encode(nonce + aead.encrypt(nonce, nik.encode(), b"nik")).decode()


def old_registry_decrypt(token: str) -> str:
    raw = base64.urlsafe_b64decode(token.encode())
    return AESGCM(hashlib.sha256(OLD_SECRET.encode()).digest()).decrypt(raw[:12], raw[12:], b"nik").decode()


def old_registry_index(nik: str) -> str:
    return hmac.digest(hashlib.sha256(OLD_HMAC.encode()).digest(), nik.encode(), "sha256").hex()


def old_fernet() -> Fernet:
    return Fernet(base64.urlsafe_b64encode(hashlib.sha256(b"nik-encryption:" + OLD_SECRET.encode()).digest()))


def old_proposal_index(value: str) -> str:
    return hmac.new(OLD_HMAC.encode(), value.encode(), hashlib.sha256).hexdigest()


def _populate(db) -> None:
    now = datetime(2026, 11, 1, 8, 0)
    with db.engine.begin() as conn:
        insert_old_kelurahan(conn)  # what 0002 loaded then
        for i, nik in enumerate(NIKS, start=1):
            conn.execute(text(
                "INSERT INTO beneficiary (id, nik_encrypted, nik_index, nik_masked, kk_number, name, "
                "name_search, nik_mismatch, arrears_months, deceased, moved_away, created_at, updated_at) "
                "VALUES (:id, :enc, :idx, :masked, NULL, :name, :name, false, 0, false, false, :now, :now)"),
                {"id": i, "enc": old_registry_encrypt(nik), "idx": old_registry_index(nik),
                 "masked": nik[:6] + "******" + nik[-4:], "name": f"warga {i}", "now": now})
        # Proposals for the first two residents (the second without KK) and one for a patient
        # who is not in the registry.
        for i, nik in enumerate([NIKS[0], NIKS[1], "1971014101900099"], start=1):
            kk = KK if i != 2 else None
            conn.execute(text(
                "INSERT INTO aid_proposal (id, code, year, seq, status, status_changed_at, patient_name, "
                "patient_nik_enc, patient_nik_hash, nik_last4, patient_kk_enc, patient_kk_hash, phone, "
                "address, kelurahan_code, referral_origin, referral_destination, referral_city, "
                "referral_letter_no, referral_letter_date, total_requested, created_at, updated_at) "
                "VALUES (:id, :code, 2026, :id, "
                "'submitted', :now, :name, :enc, :idx, :last4, :kk_enc, :kk_idx, '0812', 'Jl. Uji', "
                "'19.71.01.1006', 'RSUD', 'RSUP', 'Palembang', :code, :letter, 5000000, :now, :now)"),
                {"id": i, "code": f"BNM-2026-{i:04d}", "now": now, "name": f"pasien {i}",
                 "enc": old_fernet().encrypt(nik.encode()).decode(), "idx": old_proposal_index(nik),
                 "last4": nik[-4:], "kk_enc": old_fernet().encrypt(kk.encode()).decode() if kk else None,
                 "kk_idx": old_proposal_index("kk:" + kk) if kk else None, "letter": date(2026, 10, 30)})


@pytest.mark.parametrize("configured", ["old key is still current", "new key, old one listed as previous"])
def test_old_registry_and_proposal_niks_come_out_on_one_scheme(migration_app, configured):
    from sponsorship.extensions import db
    from sponsorship.identity import cipher

    migration_app.config.update(NIK_ENCRYPTION_KEY=OLD_SECRET, NIK_HMAC_KEY=OLD_HMAC, NIK_KEY_ID="k1",
                                NIK_PREVIOUS_KEYS="")
    if configured.startswith("new"):
        migration_app.config.update(NIK_ENCRYPTION_KEY="a new secret", NIK_KEY_ID="k2",
                                    NIK_PREVIOUS_KEYS=f"k1:{OLD_SECRET}")
    with migration_app.app_context():
        flask_migrate.upgrade(revision="0007")
        _populate(db)
        flask_migrate.upgrade(revision="0009")  # later, the proposal's NIK copy goes to the registry

        c = cipher()
        with db.engine.connect() as conn:
            residents = conn.execute(text(
                "SELECT id, nik_encrypted, nik_index, nik_key_id FROM beneficiary ORDER BY id")).all()
            proposals = conn.execute(text(
                "SELECT id, patient_nik_enc, patient_nik_hash, patient_kk_enc, patient_kk_hash, nik_key_id "
                "FROM aid_proposal ORDER BY id")).all()
        assert [c.decrypt(r.nik_encrypted, r.nik_key_id) for r in residents] == NIKS
        assert {r.nik_key_id for r in residents} | {p.nik_key_id for p in proposals} == {c.key_id}
        assert [r.nik_index for r in residents] == [c.blind_index(n) for n in NIKS]
        # The same NIK has the same blind index in the registry and in the proposals.
        assert proposals[0].patient_nik_hash == residents[0].nik_index
        assert proposals[1].patient_nik_hash == residents[1].nik_index
        assert c.decrypt(proposals[2].patient_nik_enc, proposals[2].nik_key_id) == "1971014101900099"
        assert c.decrypt(proposals[0].patient_kk_enc, proposals[0].nik_key_id, kind="kk") == KK
        assert proposals[0].patient_kk_hash == proposals[2].patient_kk_hash == c.blind_index(KK, kind="kk")
        assert proposals[1].patient_kk_enc is None and proposals[1].patient_kk_hash is None
        flask_migrate.upgrade(revision="heads")
        assert drift(db) == []
        with db.engine.connect() as conn:
            linked = conn.execute(text("SELECT beneficiary_id FROM aid_proposal ORDER BY id")).scalars().all()
        assert linked[:2] == [1, 2] and linked[2] not in (1, 2)

        # And back: the old schemes again, readable by the old code, under the old keys' indexes.
        if configured.startswith("new"):  # the old code reads NIK_ENCRYPTION_KEY
            migration_app.config.update(NIK_ENCRYPTION_KEY=OLD_SECRET, NIK_KEY_ID="k1", NIK_PREVIOUS_KEYS="")
            migration_app.config.update(NIK_PREVIOUS_KEYS="k2:a new secret")
        flask_migrate.downgrade(revision="0007")
        with db.engine.connect() as conn:
            residents = conn.execute(text(
                "SELECT nik_encrypted, nik_index FROM beneficiary ORDER BY id")).all()
            proposals = conn.execute(text(
                "SELECT patient_nik_enc, patient_nik_hash, patient_kk_enc, patient_kk_hash FROM aid_proposal "
                "ORDER BY id")).all()
        assert [old_registry_decrypt(r.nik_encrypted) for r in residents] == NIKS
        assert [r.nik_index for r in residents] == [old_registry_index(n) for n in NIKS]
        assert old_fernet().decrypt(proposals[0].patient_nik_enc.encode()).decode() == NIKS[0]
        assert proposals[0].patient_nik_hash == old_proposal_index(NIKS[0])
        assert old_fernet().decrypt(proposals[0].patient_kk_enc.encode()).decode() == KK
        assert proposals[0].patient_kk_hash == old_proposal_index("kk:" + KK)

        flask_migrate.upgrade(revision="heads")
        assert drift(db) == []


def test_a_row_no_configured_key_opens_stops_the_upgrade(migration_app):
    from sponsorship.extensions import db

    migration_app.config.update(NIK_ENCRYPTION_KEY="not the key they were written with")
    with migration_app.app_context():
        flask_migrate.upgrade(revision="0007")
        _populate(db)
        with pytest.raises(SystemExit):  # flask_migrate logs the RuntimeError and exits
            flask_migrate.upgrade(revision="heads")
        with db.engine.connect() as conn:
            assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar() == "0007"
        # Nothing was half done: with the right key the same upgrade then succeeds.
        migration_app.config.update(NIK_ENCRYPTION_KEY=OLD_SECRET)
        flask_migrate.upgrade(revision="heads")
        assert drift(db) == []
