"""Files that belong to a database transaction: the one way to clean up after a failed one.

Whatever writes a file that rows of the current transaction will point at (an upload, an import
preview, an issued document) registers it with `written()`: the file is removed when that
transaction rolls back (or the savepoint it was written in does, or the commit itself fails) and
kept when the outermost transaction commits. A file that a transaction makes obsolete is given to
`remove_after_commit()`: it goes once the commit succeeds, and stays if the transaction fails.
Nothing else (no view, no service) cleans up by hand.
"""
from __future__ import annotations

import logging
from pathlib import Path

from sponsorship.core.ledger import Ledger
from sponsorship.extensions import db

log = logging.getLogger(__name__)


def _remove(paths: list) -> None:
    for path in paths:
        try:
            Path(path).unlink(missing_ok=True)
        except OSError:  # best effort: a leftover file is harmless, a failed request is not
            log.warning("could not remove %s", path, exc_info=True)


_written = Ledger("files-written", on_discard=_remove)
_obsolete = Ledger("files-obsolete", on_commit=_remove)


def written(path: str | Path) -> None:
    """`path` (absolute) was just written for the current transaction: it lives or goes with it."""
    _written.add(db.session(), Path(path).resolve())


def remove_after_commit(path: str | Path) -> None:
    """Remove `path` (absolute) once the current transaction has committed."""
    _obsolete.add(db.session(), Path(path).resolve())

