"""Helpers of the migration tests: how far the migrated schema is from the models."""
from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from sponsorship.core.models import include_migration_name


def drift(db) -> list:
    with db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True,
                                                         "compare_server_default": False,
                                                         "include_name": include_migration_name})
        return compare_metadata(context, db.metadata)


def tables(db) -> set[str]:
    """The database's tables, less the engine-specific ones no model describes (FTS5)."""
    return {name for name in inspect(db.engine).get_table_names()
            if include_migration_name(name, "table", {})}


OLD_KELURAHAN = (("19.71.01.1006", "Bacang"), ("19.71.01.1004", "Semabung Lama"))


def insert_old_kelurahan(conn, rows=OLD_KELURAHAN) -> None:
    """Kelurahan rows as a database of before the national data holds them (migration 0002 used
    to load its city's list): code, name, kecamatan code and name only."""
    from sqlalchemy import text

    for code, name in rows:
        conn.execute(text("INSERT INTO region (code, name, kecamatan_code, kecamatan_name) "
                          "VALUES (:code, :name, :kec, 'Bukit Intan')"),
                     {"code": code, "name": name, "kec": code[:8]})
