"""Splink's PostgreSQL backend, as the linkage runs it inside the app's database.

Each run gets its own schema (its tables and Splink's helper functions live there and go with
it), through an engine of its own whose every connection searches that schema first, so the
app's connections never see a changed search_path. Tables are loaded through SQLAlchemy rather
than Splink's default loader, which would fetch a DuckDB extension from the network.
"""
from __future__ import annotations

import secrets

from splink.backends.postgres import PostgresAPI
from sqlalchemy import Column, Integer, MetaData, Table, Text, create_engine, text


class PostgresLinkageAPI(PostgresAPI):
    def __init__(self, app_engine) -> None:
        self._run_schema = f"splink_{secrets.token_hex(6)}"
        engine = create_engine(app_engine.url, pool_size=1, max_overflow=0,
                               connect_args={"options": f"-c search_path={self._run_schema},public"})
        super().__init__(engine, schema=self._run_schema)

    def _register_extensions(self):
        # levenshtein(); once per database, in public, so that every run's search path finds it.
        # Created only when missing (two first runs at once: the loser finds it made).
        found = self._execute_sql_against_backend(
            "SELECT 1 FROM pg_extension WHERE extname = 'fuzzystrmatch'").first()
        if found is None:
            try:
                self._execute_sql_against_backend(
                    "CREATE EXTENSION IF NOT EXISTS fuzzystrmatch SCHEMA public")
            except Exception:  # noqa: BLE001 - a concurrent CREATE; fails below if it truly is missing
                if self._execute_sql_against_backend(
                        "SELECT 1 FROM pg_extension WHERE extname = 'fuzzystrmatch'").first() is None:
                    raise

    def _table_registration(self, input, table_name):
        rows = input.to_pylist()
        meta = MetaData(schema=self._db_schema)
        table = Table(table_name, meta, *[
            Column(f.name, Integer if str(f.type).startswith("int") else Text) for f in input.schema])
        with self._engine.begin() as con:
            table.drop(con, checkfirst=True)
            table.create(con)
            if rows:
                con.execute(table.insert(), rows)

    def close(self) -> None:
        """Drop the run's schema (its tables, functions) and the run's engine."""
        try:
            with self._engine.begin() as con:
                con.execute(text(f'DROP SCHEMA IF EXISTS "{self._run_schema}" CASCADE'))
        finally:
            self._engine.dispose()
