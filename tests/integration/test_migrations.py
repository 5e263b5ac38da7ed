"""The migrations build exactly the models' schema, and go down to nothing and up again.

Runs on the test run's database engine (SQLite, or PostgreSQL with TEST_DATABASE_URL),
in a database (SQLite) or schema (PostgreSQL) of its own that starts empty.
"""
from __future__ import annotations

import flask_migrate
import pytest
from alembic import command as alembic_command
from sqlalchemy import text

from sponsorship.settings.service import get_setting
from tests.migrating import drift, insert_old_kelurahan, tables


def test_upgrade_from_empty_gives_the_models_schema_and_downgrade_undoes_it(migration_app):
    from sponsorship.extensions import db

    with migration_app.app_context():
        assert tables(db) == set()
        flask_migrate.upgrade(revision="heads")
        model_tables = {t.name for t in db.metadata.sorted_tables}
        assert tables(db) == model_tables | {"alembic_version"}
        assert drift(db) == []

        flask_migrate.downgrade(revision="base")
        assert tables(db) <= {"alembic_version"}

        flask_migrate.upgrade(revision="heads")
        assert drift(db) == []


def test_drift_check_notices_a_difference(migration_app):
    """The comparison above is not vacuous: a model change without migration shows up."""
    from sqlalchemy import Column, Integer, String, Table

    from sponsorship.extensions import db

    with migration_app.app_context():
        flask_migrate.upgrade(revision="heads")
        extra = Table("drift_probe", db.metadata, Column("id", Integer, primary_key=True),
                      Column("name", String(10)))
        try:
            diff = drift(db)
        finally:
            db.metadata.remove(extra)
        assert [d[0] for d in diff] == ["add_table"] and diff[0][1].name == "drift_probe"


def test_a_database_with_invoices_and_payments_upgrades_and_keeps_them(migration_app):
    """Upgrading a working database, not only an empty one: SQLite rebuilds the invoice table
    for 0007 while payments point at it, which fails with foreign keys enforced."""
    from sponsorship.extensions import db

    rows = [
        "INSERT INTO sponsor (id, name, legal_form, npwp, listed_publicly, created_at, updated_at) "
        "VALUES (1, 'PT Lama', 'PT', '0123456789012345', false, '2026-01-01', '2026-01-01')",
        "INSERT INTO pledge (id, sponsor_id, programme, status, title, quota, months, start_month, "
        "monthly_amount, total_amount, workers_attested, disbursed_amount, allocated_count, created_at, "
        "updated_at) VALUES (1, 1, 'premium', 'active', 'Iuran', 10, 12, '2026-01-01', 35000, 4200000, "
        "true, 0, 1, '2026-01-01', '2026-01-01')",
        "INSERT INTO invoice (id, pledge_id, sponsor_id, month, persons, tariff, amount, due_on, status, "
        "paid_amount, claimed_amount, created_at, updated_at) VALUES (1, 1, 1, '2026-01-01', 1, 35000, "
        "35000, '2026-01-10', 'paid', 35000, 35000, '2026-01-01', '2026-01-01')",
        "INSERT INTO payment (id, invoice_id, amount, reference, paid_on, proof_path, proof_sha256, "
        "proof_mime, proof_name, status, decided_at, created_at, updated_at) VALUES (1, 1, 35000, "
        "'TRF-1', '2026-01-05', 'p/x.pdf', '" + "a" * 64 + "', 'application/pdf', 'bukti.pdf', "
        "'confirmed', '2026-01-06', '2026-01-05', '2026-01-06')",
    ]
    with migration_app.app_context():
        flask_migrate.upgrade(revision="0006")
        with db.engine.begin() as conn:
            for sql in rows:
                conn.execute(text(sql))
        flask_migrate.upgrade(revision="heads")
        with db.engine.connect() as conn:
            assert conn.execute(text("SELECT status, paid_amount FROM invoice")).all() == [("paid", 35000)]
            assert conn.execute(text("SELECT invoice_id FROM payment")).scalar_one() == 1
            if conn.dialect.name == "sqlite":  # enforcement is back on for the app's connections
                assert conn.execute(text("PRAGMA foreign_keys")).scalar_one() == 1
        assert drift(db) == []


def test_region_keys_refuse_rows_naming_an_unknown_kelurahan(migration_app):
    """0009 stops, naming the table and the codes, rather than null or drop what a row says."""
    from sponsorship.extensions import db

    row = ("INSERT INTO aid_proposal (id, code, year, seq, status, status_changed_at, patient_name, "
           "patient_nik_enc, patient_nik_hash, nik_key_id, nik_last4, phone, address, kelurahan_code, "
           "referral_origin, referral_destination, referral_city, referral_letter_no, referral_letter_date, "
           "total_requested, "
           "created_at, updated_at) VALUES ({id}, 'BNM-2026-000{id}', 2026, {id}, 'submitted', '2026-11-20', "
           "'Uji', 'x', '" + "h" * 64 + "', 'k1', '0001', '0812', 'Jl. Uji', '{code}', 'RSUD', 'RSCM', "
           "'Jakarta', "
           "'RJK/1', '2026-11-01', 1000000, '2026-11-20', '2026-11-20')")
    with migration_app.app_context():
        flask_migrate.upgrade(revision="0008")
        with db.engine.begin() as conn:  # a database of before the national data: its own kelurahan
            insert_old_kelurahan(conn)
            conn.execute(text(row.format(id=1, code="19.71.01.1006")))
            conn.execute(text(row.format(id=2, code="99.99.99.9999")))
        # Alembic itself: Flask-Migrate's command turns the error into a log line and exit status 1.
        config = migration_app.extensions["migrate"].migrate.get_config()
        with pytest.raises(RuntimeError, match=r"aid_proposal\.kelurahan_code: 99\.99\.99\.9999"):
            alembic_command.upgrade(config, "heads")
        with db.engine.begin() as conn:
            conn.execute(text("UPDATE aid_proposal SET kelurahan_code = '19.71.01.1004' WHERE id = 2"))
        flask_migrate.upgrade(revision="0009")
        with db.engine.begin() as conn:
            assert conn.execute(text("SELECT count(*) FROM aid_proposal")).scalar_one() == 2
            conn.execute(text("DELETE FROM aid_proposal"))  # their NIKs are no real ciphertexts
        flask_migrate.upgrade(revision="heads")
        with db.engine.connect() as conn:
            # The regions it had are kept, as kelurahan under their kecamatan and kabupaten/kota.
            assert conn.execute(text("SELECT code, level, parent_code, regency_code FROM region "
                                     "ORDER BY code")).all() == [
                ("19.71.01.1004", 4, "19.71.01", "19.71"), ("19.71.01.1006", 4, "19.71.01", "19.71")]
        # ...and they are the city's: its kelurahan pages keep listing them before setup-city runs.
        from sponsorship.regions import service as regions

        assert get_setting("area_code") == "19.71"
        assert [code for code, _ in regions.choices()] == ["19.71.01.1006", "19.71.01.1004"]
        assert drift(db) == []
