"""Writing audit events in the caller's transaction; the app never updates or deletes them."""
from __future__ import annotations

from datetime import date, datetime
from enum import Enum
from typing import Any

from sqlalchemy import inspect, text

from sponsorship.audit.models import AuditEvent
from sponsorship.extensions import db

MASK = "••••"


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return str(value)


def snapshot(obj, fields: list[str] | None = None) -> dict[str, list[Any]]:
    """Every column of a new object, as {field: [None, value]}, secrets masked."""
    mapper = inspect(obj).mapper
    hidden = getattr(obj, "__audit_hidden__", ())
    out: dict[str, list[Any]] = {}
    for col in mapper.column_attrs:
        name = col.key
        if name in {"id", "created_at", "updated_at"} or (fields and name not in fields):
            continue
        value = getattr(obj, name)
        if value is None:
            continue
        out[name] = [None, MASK if name in hidden else _plain(value)]
    return out


def pending_changes(obj) -> dict[str, list[Any]]:
    """Fields changed on a loaded object since it was read, as {field: [old, new]}."""
    state = inspect(obj)
    hidden = getattr(obj, "__audit_hidden__", ())
    out: dict[str, list[Any]] = {}
    for attr in state.mapper.column_attrs:
        name = attr.key
        if name == "updated_at":
            continue
        hist = state.attrs[name].history
        if not hist.has_changes():
            continue
        old = hist.deleted[0] if hist.deleted else None
        new = hist.added[0] if hist.added else None
        if _plain(old) == _plain(new):
            continue
        out[name] = [MASK, MASK] if name in hidden else [_plain(old), _plain(new)]
    return out


def record(
    *,
    actor,
    action: str,
    obj=None,
    object_type: str | None = None,
    object_id: int | None = None,
    changes: dict[str, list[Any]] | None = None,
    note: str | None = None,
) -> AuditEvent:
    """Add an audit event to the current transaction (the caller's commit writes both)."""
    if obj is not None:
        db.session.flush()  # the object needs its id
        object_type = object_type or obj.__tablename__
        object_id = object_id if object_id is not None else obj.id
    event = AuditEvent(
        actor_id=getattr(actor, "id", None),
        actor_name=getattr(actor, "username", None) or "system",
        action=action,
        object_type=object_type or "-",
        object_id=object_id,
        object_label=str(obj)[:200] if obj is not None else "",
        changes=changes or None,
        note=note,
    )
    db.session.add(event)
    return event


def record_create(obj, *, actor, note: str | None = None) -> AuditEvent:
    db.session.flush()  # keys set through relationships (pledge.sponsor) are in the snapshot too
    return record(actor=actor, action="create", obj=obj, changes=snapshot(obj), note=note)


def record_update(obj, *, actor, note: str | None = None) -> AuditEvent | None:
    """Record the pending field changes of obj; nothing is written when nothing changed."""
    changes = pending_changes(obj)
    if not changes:
        return None
    return record(actor=actor, action="update", obj=obj, changes=changes, note=note)


def history(object_type: str, object_id: int) -> list[AuditEvent]:
    return list(
        db.session.scalars(
            db.select(AuditEvent)
            .where(AuditEvent.object_type == object_type, AuditEvent.object_id == object_id)
            .order_by(AuditEvent.occurred_at.desc(), AuditEvent.id.desc())
        )
    )


def latest_event_id() -> int:
    """Id of the newest audit event. Every change is audited in its own transaction, so this
    moves with every write: a one-index-lookup cache key for pages that sum up many tables."""
    return db.session.execute(_LATEST_EVENT).scalar() or 0


# Plain SQL: asked on every cached page, and cheaper than compiling an ORM statement's cache key.
_LATEST_EVENT = text(f"SELECT max(id) FROM {AuditEvent.__tablename__}")  # noqa: S608 (a model's name)


# A loose index scan: one probe of ix_audit_event_object per kind, however long the trail
# (SELECT DISTINCT would read the whole index).
_OBJECT_TYPES = text(
    "WITH RECURSIVE kinds(kind) AS ("
    " SELECT min(object_type) FROM audit_event"
    " UNION ALL"
    " SELECT (SELECT min(object_type) FROM audit_event WHERE object_type > kinds.kind)"
    " FROM kinds WHERE kinds.kind IS NOT NULL)"
    " SELECT kind FROM kinds WHERE kind IS NOT NULL")


def object_types() -> list[str]:
    """The kinds of object the trail names, in alphabetical order."""
    return list(db.session.scalars(_OBJECT_TYPES))
