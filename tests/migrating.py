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
