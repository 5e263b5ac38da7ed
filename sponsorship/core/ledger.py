"""What a transaction did besides its rows, kept per transaction level on the session.

A `Ledger` collects items (a file written, a table changed) in `session.info`, on the innermost
open transaction: a savepoint if one is open, else the outermost transaction. When a savepoint is
released its items move to the enclosing level; when it rolls back they are handed to `on_discard`.
When the outermost transaction commits they go to `on_commit`; when it ends any other way (rolled
back, the commit itself failed, the session closed) to `on_discard`.
"""
from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import event
from sqlalchemy.orm import Session, SessionTransaction

from sponsorship.core.db import RequestSession


def _current(session: Session) -> SessionTransaction:
    if not session.in_transaction():
        session.begin()  # only the ORM's bookkeeping: no connection is taken yet
    return session.get_nested_transaction() or session.get_transaction()


class Ledger:
    def __init__(self, name: str, *, on_commit: Callable[[list], None] | None = None,
                 on_discard: Callable[[list], None] | None = None) -> None:
        self.key = f"ledger:{name}"
        self.on_commit = on_commit
        self.on_discard = on_discard
        event.listen(RequestSession, "after_commit", self._committed)
        event.listen(RequestSession, "after_transaction_end", self._ended)

    def add(self, session: Session, item) -> None:
        levels, _done = session.info.setdefault(self.key, ({}, set()))
        levels.setdefault(_current(session), []).append(item)

    def items(self, session: Session) -> list:
        """Everything collected by the transaction levels open now."""
        levels, _done = session.info.get(self.key, ({}, set()))
        return [item for collected in levels.values() for item in collected]

    def _committed(self, session: Session) -> None:
        # after_commit fires while the level that committed is still the innermost one.
        if self.key in session.info:
            session.info[self.key][1].add(session.get_nested_transaction() or session.get_transaction())

    def _ended(self, session: Session, transaction: SessionTransaction) -> None:
        if self.key not in session.info:
            return
        levels, done = session.info[self.key]
        committed = transaction in done
        done.discard(transaction)
        collected = levels.pop(transaction, None)
        if transaction.parent is None and not levels:
            session.info.pop(self.key, None)
        if not collected:
            return
        if committed and transaction.parent is not None:  # a savepoint released
            levels.setdefault(transaction.parent, []).extend(collected)
        elif committed:
            if self.on_commit:
                self.on_commit(collected)
        elif self.on_discard:
            self.on_discard(collected)
