"""Every write is audited: a commit that changed rows without an audit event is refused.

Cached pages take the newest audit event as their data version, and the audit trail is only a
trail if nothing bypasses it, so the rule is checked on every commit, in requests and commands
alike. The session records which tables each flush and each UPDATE/INSERT/DELETE statement
touched (per transaction level, see `core.ledger`); the outermost commit raises `UnauditedWrite`,
naming the tables, when there is no audit event among them.

A model whose rows are not audited says so once, on the class:

    __unaudited__ = True                                # no change to this table needs an event
    __unaudited__ = ("last_login_at", "session_version")  # changes to only these columns do not

Bulk system work that writes directly (the demo data, a test's setup) opts out explicitly with
`with audit_exempt("seed-demo"): ...`. A request or a command is never exempt by inheritance:
`audit_enforced()` wraps each one.
"""
from __future__ import annotations

import contextlib
import functools
from contextvars import ContextVar

from sqlalchemy import event, inspect
from sqlalchemy.orm import Session

from sponsorship.core.db import RequestSession
from sponsorship.core.ledger import Ledger

_exempt: ContextVar[str | None] = ContextVar("audit_exempt", default=None)
_AUDITED = object()  # the ledger's mark for "an audit event was written"
_writes = Ledger("audited-writes")


class UnauditedWrite(RuntimeError):
    """A programming error: a change was about to be committed without its audit event."""


@contextlib.contextmanager
def audit_exempt(reason: str):
    """Commit inside this block without audit events (bulk system work; say why)."""
    if not reason:
        raise ValueError("say why the audit rule is lifted")
    token = _exempt.set(reason)
    try:
        yield
    finally:
        _exempt.reset(token)


@contextlib.contextmanager
def audit_enforced():
    """The rule applies inside this block whatever encloses it (each request, each command)."""
    token = _exempt.set(None)
    try:
        yield
    finally:
        _exempt.reset(token)


def enforced(fn):
    """Decorator form of `audit_enforced()`, for command callbacks."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        with audit_enforced():
            return fn(*args, **kwargs)

    return wrapper


@functools.cache
def _rule_of_table() -> dict[str, bool | frozenset]:
    """table name -> True (never audited), a set of exempt columns, or False (always audited)."""
    from sponsorship.extensions import db

    rules: dict[str, bool | frozenset] = {}
    for mapper in db.Model.registry.mappers:
        rule = getattr(mapper.class_, "__unaudited__", False)
        rules[mapper.local_table.name] = rule if isinstance(rule, bool) else frozenset(rule)
    return rules


def _table_needing_audit(obj, *, changed_only: bool) -> str | None:
    table = obj.__table__.name
    rule = _rule_of_table().get(table, False)
    if rule is True:
        return None
    if changed_only and rule:
        changed = {attr.key for attr in inspect(obj).attrs if attr.history.has_changes()}
        if changed <= rule:
            return None
    return table


@event.listens_for(RequestSession, "after_flush")
def _note_flushed_writes(session: Session, _context) -> None:
    from sponsorship.audit.models import AuditEvent

    seen: set = set()
    for obj in (*session.new, *session.deleted):
        if isinstance(obj, AuditEvent):
            seen.add(_AUDITED)
        elif (table := _table_needing_audit(obj, changed_only=False)) is not None:
            seen.add(table)
    for obj in session.dirty:
        if session.is_modified(obj) and (table := _table_needing_audit(obj, changed_only=True)):
            seen.add(table)
    for item in seen:
        _writes.add(session, item)


@event.listens_for(RequestSession, "do_orm_execute")
def _note_statement_writes(state) -> None:
    # UPDATE/INSERT/DELETE statements (atomic counters, conditional moves) bypass the flush.
    if not (state.is_update or state.is_insert or state.is_delete):
        return
    table = state.statement.table.name
    if table == "audit_event":
        _writes.add(state.session, _AUDITED)
    elif _rule_of_table().get(table, False) is not True:
        _writes.add(state.session, table)


@event.listens_for(RequestSession, "before_commit")
def _refuse_unaudited_commit(session: Session) -> None:
    if session.in_nested_transaction() or _exempt.get() is not None:
        return  # a savepoint: the outer transaction may still audit
    session.flush()
    written = set(_writes.items(session))
    if written and _AUDITED not in written:
        tables = ", ".join(sorted(written))
        raise UnauditedWrite(
            f"refused to commit changes to {tables} without an audit event in the same transaction: "
            "record one (sponsorship.audit.service.record), declare the model __unaudited__, or "
            "wrap bulk system work in audit_exempt(reason)")
