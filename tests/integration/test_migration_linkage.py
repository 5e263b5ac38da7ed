"""Migration 0011 on a populated database: each aid proposal's patient becomes a registry resident
(the one of the same NIK, found by blind index, or a new one of source "proposal"), the proposal's
copy of the NIK goes; the downgrade writes the copy back and removes the residents it made."""
from __future__ import annotations

import json
from datetime import date, datetime

import flask_migrate
from sqlalchemy import text

from tests.migrating import drift, insert_old_kelurahan

REGISTERED = "1971015708450001"  # in the registry and patient of two proposals
NEW = "1971014101900099"  # patient only: becomes a resident
KK = "1971010101200001"


def _populate(db) -> None:
    from sponsorship.identity import cipher, mask

    c = cipher()
    now = datetime(2026, 11, 1, 8, 0)
    with db.engine.begin() as conn:
        insert_old_kelurahan(conn)  # a database of before the national data: its own kelurahan
        conn.execute(text(
            "INSERT INTO beneficiary (nik_encrypted, nik_index, nik_key_id, nik_masked, name, name_search, "
            "nik_mismatch, arrears_months, deceased, moved_away, created_at, updated_at) VALUES "
            "(:enc, :idx, :key, :masked, 'Siti Aminah', 'siti aminah', false, 0, false, false, :now, :now)"),
            {"enc": c.encrypt(REGISTERED), "idx": c.blind_index(REGISTERED), "key": c.key_id,
             "masked": mask(REGISTERED), "now": now})
        for i, nik in enumerate([REGISTERED, NEW, REGISTERED], start=1):
            conn.execute(text(
                "INSERT INTO aid_proposal (id, code, year, seq, status, status_changed_at, patient_name, "
                "patient_nik_enc, patient_nik_hash, nik_last4, patient_kk_enc, patient_kk_hash, nik_key_id, "
                "phone, address, kelurahan_code, referral_origin, referral_destination, referral_city, "
                "referral_letter_no, referral_letter_date, total_requested, created_at, updated_at) VALUES "
                "(:id, :code, 2026, :id, 'submitted', :now, :name, :enc, :idx, :last4, :kk_enc, :kk_idx, "
                ":key, '0812', 'Jl. Uji', '19.71.01.1006', 'RSUD', 'RSUP', 'Palembang', :code, :letter, "
                "5000000, :now, :now)"),
                {"id": i, "code": f"BNM-2026-{i:04d}", "now": now, "name": f"pasien {i}",
                 "enc": c.encrypt(nik), "idx": c.blind_index(nik), "last4": nik[-4:],
                 "kk_enc": c.encrypt(KK, kind="kk"), "kk_idx": c.blind_index(KK, kind="kk"), "key": c.key_id,
                 "letter": date(2026, 10, 30)})


def test_proposals_link_to_registry_residents_and_back(migration_app):
    from sponsorship.extensions import db
    from sponsorship.identity import cipher

    with migration_app.app_context():
        flask_migrate.upgrade(revision="0009")
        _populate(db)
        flask_migrate.upgrade(revision="heads")
        assert drift(db) == []
        c = cipher()
        with db.engine.connect() as conn:
            residents = conn.execute(text(
                "SELECT id, nik_encrypted, nik_key_id, name, sex, birth_date, region_code, kk_number, "
                "field_sources FROM beneficiary ORDER BY id")).mappings().all()
            linked = conn.execute(text("SELECT beneficiary_id FROM aid_proposal ORDER BY id")).scalars().all()
            columns = {r[0] for r in conn.execute(text(
                "SELECT * FROM aid_proposal LIMIT 0")).cursor.description}
        assert [c.decrypt(r["nik_encrypted"], r["nik_key_id"]) for r in residents] == [REGISTERED, NEW]
        registered, new = residents
        # Both proposals of the registered NIK point at that resident; the other patient is one now.
        assert linked == [registered["id"], new["id"], registered["id"]]
        assert (new["name"], new["sex"], str(new["birth_date"]), new["region_code"], new["kk_number"]) == (
            "pasien 2", "P", "1990-01-01", "19.71.01.1006", KK)
        sources = new["field_sources"]
        assert (json.loads(sources) if isinstance(sources, str) else sources)["name"][0] == "proposal"
        assert not {"patient_nik_enc", "patient_nik_hash"} & columns

        flask_migrate.downgrade(revision="0009")
        with db.engine.connect() as conn:
            proposals = conn.execute(text(
                "SELECT patient_nik_enc, patient_nik_hash, nik_key_id FROM aid_proposal ORDER BY id")).all()
            left = conn.execute(text("SELECT count(*) FROM beneficiary")).scalar_one()
        patients = [REGISTERED, NEW, REGISTERED]
        assert [c.decrypt(p.patient_nik_enc, p.nik_key_id) for p in proposals] == patients
        assert [p.patient_nik_hash for p in proposals] == [c.blind_index(n) for n in patients]
        assert left == 1  # the resident the upgrade registered for the patient is gone again

        flask_migrate.upgrade(revision="heads")
        assert drift(db) == []
