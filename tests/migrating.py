"""Helpers of the migration tests: how far the migrated schema is from the models."""
from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect


def drift(db) -> list:
    with db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True,
                                                         "compare_server_default": False})
        return compare_metadata(context, db.metadata)


def tables(db) -> set[str]:
    return set(inspect(db.engine).get_table_names())
