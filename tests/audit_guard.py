"""Catching requests that commit a change without an audit event.

Cached pages (the role homes, the dashboard, the portal, /transparency) take the newest audit
event as their data version, and the rules say every change is audited in its own transaction.
"""
from __future__ import annotations

import contextlib

# Tables a request may write without an audit event of its own.
UNAUDITED_TABLES = {
    "audit_event",
    "user",  # sign-in time and session version on login and logout; account changes are audited
    "notification_seen",  # one person's read marks
    "import_batch",  # an uploaded list waiting for its preview to be confirmed (that is audited)
    "document_counter",  # the yearly number a document takes; the issue itself is audited
}


@contextlib.contextmanager
def unaudited_request_writes():
    """Yields a list that fills with (method, path, tables) of each commit made inside a request
    that wrote rows but no audit event."""
    from flask import has_request_context, request
    from sqlalchemy import event

    from sponsorship.audit.models import AuditEvent
    from sponsorship.extensions import db

    violations: list[tuple[str, str, list[str]]] = []

    def after_flush(session, _ctx):
        if not has_request_context():
            return
        for obj in (*session.new, *session.dirty, *session.deleted):
            if isinstance(obj, AuditEvent):
                session.info["audited"] = True
            elif obj in session.new or obj in session.deleted or session.is_modified(obj):
                session.info.setdefault("written", set()).add(obj.__table__.name)

    def before_commit(session):
        if session.in_nested_transaction():  # a savepoint: the outer transaction may still audit
            return
        session.flush()
        written = session.info.get("written", set()) - UNAUDITED_TABLES
        if has_request_context() and written and not session.info.get("audited"):
            violations.append((request.method, request.path, sorted(written)))

    def reset(session, transaction):
        if transaction.parent is None:  # the whole transaction ended
            session.info.pop("written", None)
            session.info.pop("audited", None)

    def core_write(state):
        # UPDATE/INSERT/DELETE statements (atomic counters, conditional moves) bypass the flush.
        if has_request_context() and (state.is_update or state.is_insert or state.is_delete):
            state.session.info.setdefault("written", set()).add(state.statement.table.name)

    hooks = [("after_flush", after_flush), ("before_commit", before_commit),
             ("after_transaction_end", reset), ("do_orm_execute", core_write)]
    for name, fn in hooks:
        event.listen(db.session, name, fn)
    try:
        yield violations
    finally:
        for name, fn in hooks:
            event.remove(db.session, name, fn)
