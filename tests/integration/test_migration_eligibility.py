"""Migration 0012 on a working database: residents get the new fields empty, past allocations name
no policy (they were made under the rules of their day), pledges pay no arrears, and the old
priority-keys setting gives way to the policy; downgrading takes it all back out."""
from __future__ import annotations

import flask_migrate
from sqlalchemy import text

from tests.migrating import drift

ROWS = [
    "INSERT INTO sponsor (id, name, legal_form, npwp, listed_publicly, created_at, updated_at) "
    "VALUES (1, 'PT Lama', 'PT', '0123456789012345', false, '2026-01-01', '2026-01-01')",
    "INSERT INTO pledge (id, sponsor_id, programme, status, title, quota, months, start_month, "
    "monthly_amount, total_amount, workers_attested, disbursed_amount, allocated_count, created_at, "
    "updated_at) VALUES (1, 1, 'premium', 'active', 'Iuran', 10, 12, '2026-01-01', 35000, 4200000, "
    "true, 0, 1, '2026-01-01', '2026-01-01')",
    "INSERT INTO beneficiary (id, nik_encrypted, nik_index, nik_key_id, nik_masked, name, name_search, "
    "nik_mismatch, arrears_months, deceased, moved_away, created_at, updated_at) VALUES (1, 'x', 'idx', "
    "'k1', '197101******0001', 'Warga Lama', 'warga lama', false, 3, false, false, '2026-01-01', "
    "'2026-01-01')",
    "INSERT INTO allocation (id, pledge_id, beneficiary_id, start_month, status, created_at, updated_at) "
    "VALUES (1, 1, 1, '2026-01-01', 'active', '2026-01-01', '2026-01-01')",
    "INSERT INTO setting (key, value, created_at, updated_at) VALUES ('allocation_priority', "
    "'[\"oldest\", \"decile\"]', '2026-01-01', '2026-01-01')",
]


def test_0012_upgrades_a_working_registry_and_downgrades(migration_app):
    from sponsorship.extensions import db

    with migration_app.app_context():
        flask_migrate.upgrade(revision="0009")
        with db.engine.begin() as conn:
            for sql in ROWS:
                conn.execute(text(sql))
        flask_migrate.upgrade(revision="heads")
        with db.engine.connect() as conn:
            assert conn.execute(text(
                "SELECT disability, pregnant, children_under_five, months_uncovered, household_code "
                "FROM beneficiary")).one() == (False, False, 0, 0, None)
            assert conn.execute(text("SELECT policy_id, family_key, status FROM allocation")).one() == (
                None, None, "active")
            assert conn.execute(text("SELECT covers_arrears FROM pledge")).scalar_one() == 0  # false
            assert conn.execute(text("SELECT count(*) FROM setting")).scalar_one() == 0
            assert conn.execute(text("SELECT count(*) FROM eligibility_policy")).scalar_one() == 0
        assert drift(db) == []
        flask_migrate.downgrade(revision="0009")
        with db.engine.connect() as conn:
            assert conn.execute(text("SELECT name, arrears_months FROM beneficiary")).one() == (
                "Warga Lama", 3)
            assert conn.execute(text("SELECT count(*) FROM allocation")).scalar_one() == 1
