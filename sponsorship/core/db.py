"""Database helpers: SQLite pragmas, write transactions that take the lock up front, and reading
requests without a transaction on PostgreSQL."""
from __future__ import annotations

import contextlib
import functools
from contextvars import ContextVar

from flask import g, has_request_context
from flask_sqlalchemy.session import Session as FlaskSession
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


def _reading_request() -> bool:
    """A GET or HEAD request, as marked by the app's before_request hook (never a CLI command,
    a test's hand-made request context, or a block inside write_intent())."""
    return has_request_context() and g.get("write_request") is False and not _write_intent.get()


class RequestSession(FlaskSession):
    """Reading requests talk to PostgreSQL in autocommit mode.

    A page's queries gain nothing from a transaction under READ COMMITTED (each statement sees
    what was committed when it began), but BEGIN and ROLLBACK were two of the four round trips
    of a cached page. SQLite's BEGIN costs nothing, so it keeps its transactions. A reading
    request never writes: a flush with changes, or an UPDATE/INSERT/DELETE statement, raises in
    one instead of committing piecemeal.
    """

    def get_bind(self, *args, **kwargs):
        engine = super().get_bind(*args, **kwargs)
        if isinstance(engine, Engine) and engine.dialect.name == "postgresql" and _reading_request():
            return _autocommit_engine(engine)
        return engine


@functools.cache
def _autocommit_engine(engine: Engine) -> Engine:
    return engine.execution_options(isolation_level="AUTOCOMMIT")  # shares the engine's pool


_WRITE_IN_READ = "a GET or HEAD request tried to write; writes belong to POST requests"


@event.listens_for(RequestSession, "before_flush")
def _reading_requests_do_not_write(session, _context, _instances):
    if _reading_request() and (session.new or session.deleted
                               or any(session.is_modified(o) for o in session.dirty)):
        raise RuntimeError(_WRITE_IN_READ)


@event.listens_for(RequestSession, "do_orm_execute")
def _reading_requests_do_not_run_dml(state):
    if (state.is_update or state.is_insert or state.is_delete) and _reading_request():
        raise RuntimeError(_WRITE_IN_READ)
