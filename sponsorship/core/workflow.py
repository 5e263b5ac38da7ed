"""Status life cycles declared as data, and the one way a status changes: `Workflow.move()`.

A transition names the policy rule that guards it (`action`, a key of `policy.RULES`), so who
may make a move is decided in the policy module only, per object when the rule needs it.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import inspect, update
from sqlalchemy.orm.attributes import set_committed_value

from sponsorship import policy
from sponsorship.audit import service as audit
from sponsorship.core.errors import DomainError, IllegalTransition
from sponsorship.core.models import utcnow
from sponsorship.extensions import db

STALE = _l("Data ini baru saja diubah oleh pengguna lain. Muat ulang halaman lalu periksa kembali.")


@dataclass(frozen=True)
class Transition:
    name: str
    sources: frozenset[str]
    target: str
    action: str  # the policy rule that decides who may make this move
    label: object  # a lazy string, rendered in the user's language
    style: str = "primary"
    needs_note: bool = False


class Workflow:
    """A set of transitions over one `status` column; the page offers only `available()`."""

    registry: list[Workflow] = []  # every declared flow: the audit trail names moves by their labels

    def __init__(self, statuses: Iterable[str], transitions: Iterable[Transition], *,
                 stale_message: Any = STALE) -> None:
        self.statuses = tuple(statuses)
        self.transitions = {t.name: t for t in transitions}
        self.stale_message = stale_message
        for t in self.transitions.values():
            unknown = (t.sources | {t.target}) - set(self.statuses)
            if unknown:
                raise ValueError(f"{t.name}: unknown statuses {unknown}")
            if t.action not in policy.RULES:
                raise ValueError(f"{t.name}: no policy rule {t.action!r}")
        Workflow.registry.append(self)

    def available(self, obj: Any, user: Any) -> list[Transition]:
        """The moves `user` may make on `obj` from its current status."""
        return [t for t in self.transitions.values()
                if obj.status in t.sources and policy.can(t.action, obj, user=user)]

    def check(self, name: str, obj: Any, user: Any) -> Transition:
        """The transition, or raise: unknown -> IllegalTransition, not allowed -> PermissionDenied,
        from the wrong status -> IllegalTransition. Writes nothing."""
        t = self.transitions.get(name)
        if t is None:
            raise IllegalTransition(_l("Tindakan tidak dikenal."))
        policy.authorise(t.action, obj, user=user)
        if obj.status not in t.sources:
            raise IllegalTransition(
                _l("Tindakan \"%(action)s\" tidak dapat dilakukan pada status ini.", action=t.label)
            )
        return t

    def move(self, obj: Any, name: str, *, actor: Any, note: str | None = None,
             changes: dict[str, list] | None = None, values: dict[str, Any] | None = None,
             where: Iterable[Any] = (), conflict: Any = None) -> Transition:
        """The only way a status changes, in the caller's transaction (the caller commits).

        Checks the move (`check()`), requires the note when the move needs one, then one
        compare-and-set UPDATE: status (and `values`, extra columns of the same row) only
        where the row still has the status this request read (plus any `where` conditions).
        No row updated means someone else moved it first: refused with `conflict` or the
        workflow's "reload" message. Then the object holds the committed values and one audit
        event `status:<name>` records {"status": [old, new]} plus `changes`.
        """
        t = self.check(name, obj, actor)
        note = (note or "").strip() or None
        if t.needs_note and not note:
            raise DomainError(_l("Alasan wajib diisi."), field="note")
        model = inspect(obj).mapper.class_
        seen = obj.status
        if obj.id is None:
            db.session.flush()
        now = utcnow()
        columns = {"status": t.target, **(values or {})}
        if "updated_at" in model.__table__.c:
            columns["updated_at"] = now
        # PostgreSQL re-checks the WHERE after waiting for a concurrent writer of the row, so of
        # two requests that read the same status exactly one moves it.
        moved = db.session.execute(
            update(model).where(model.id == obj.id, model.status == seen, *where)
            .values(**columns).execution_options(synchronize_session=False)
        ).rowcount
        if moved != 1:
            raise IllegalTransition(conflict or self.stale_message)
        for key, value in columns.items():
            set_committed_value(obj, key, value)
        audit.record(actor=actor, action=f"status:{name}", obj=obj,
                     changes={"status": [seen, t.target], **(changes or {})}, note=note)
        return t
