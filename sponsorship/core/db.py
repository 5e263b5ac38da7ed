"""Database helpers: SQLite pragmas and write transactions that take the lock up front."""
from __future__ import annotations

import contextlib
from contextvars import ContextVar

from flask import g, has_request_context
from sqlalchemy import event
from sqlalchemy.engine import Engine

_write_intent: ContextVar[bool] = ContextVar("write_intent", default=False)


@contextlib.contextmanager
def write_intent():
    """Make transactions begun inside this block take SQLite's write lock at BEGIN.

    A deferred SQLite transaction that reads and then writes fails at once with
    "database is locked" when another writer got there first; BEGIN IMMEDIATE waits
    for the lock (busy_timeout) instead. PostgreSQL ignores this.
    """
    token = _write_intent.set(True)
    try:
        yield
    finally:
        _write_intent.reset(token)


def _wants_immediate() -> bool:
    if _write_intent.get():
        return True
    return has_request_context() and bool(g.get("write_request"))


def install_sqlite_hooks(engine: Engine) -> None:
    if engine.dialect.name != "sqlite":
        return

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        # Take over transaction control from pysqlite so BEGIN can be IMMEDIATE.
        dbapi_connection.isolation_level = None
        cur = dbapi_connection.cursor()
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA busy_timeout=15000")
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn):
        conn.exec_driver_sql("BEGIN IMMEDIATE" if _wants_immediate() else "BEGIN")
