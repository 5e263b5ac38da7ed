"""Status transitions declared as data: who may move an object from where to where."""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

from sponsorship.core.errors import IllegalTransition, PermissionDenied


@dataclass(frozen=True)
class Transition:
    name: str
    sources: frozenset[str]
    target: str
    roles: frozenset[str]
    label: object  # a lazy string, rendered in the user's language
    style: str = "primary"
    needs_note: bool = False


class Workflow:
    """A set of transitions over one status column; the page offers only `available()`."""

    def __init__(self, statuses: Iterable[str], transitions: Iterable[Transition]) -> None:
        self.statuses = tuple(statuses)
        self.transitions = {t.name: t for t in transitions}
        for t in self.transitions.values():
            unknown = (t.sources | {t.target}) - set(self.statuses)
            if unknown:
                raise ValueError(f"{t.name}: unknown statuses {unknown}")

    def available(self, status: str, role: str) -> list[Transition]:
        return [t for t in self.transitions.values() if status in t.sources and role in t.roles]

    def check(self, name: str, status: str, role: str) -> Transition:
        """Return the transition or raise: unknown or from the wrong status -> 409, role -> 403."""
        t = self.transitions.get(name)
        if t is None:
            raise IllegalTransition(_l("Tindakan tidak dikenal."))
        if role not in t.roles:
            raise PermissionDenied(_l("Peran Anda tidak berwenang melakukan tindakan ini."))
        if status not in t.sources:
            raise IllegalTransition(
                _l("Tindakan \"%(action)s\" tidak dapat dilakukan pada status ini.", action=t.label)
            )
        return t
