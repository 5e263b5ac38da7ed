"""Files that belong to a database transaction: the one way to clean up after a failed one.

Whatever writes a file that rows of the current transaction will point at (an upload, an import
preview, an issued document) registers it with `written()`: the file is removed when that
transaction rolls back (or the savepoint it was written in does, or the commit itself fails) and
kept when the outermost transaction commits. A file that a transaction makes obsolete is given to
`remove_after_commit()`: it goes once the commit succeeds, and stays if the transaction fails.
Nothing else (no view, no service) cleans up by hand.

`write_new()` is the one way to write such a file whole: it never overwrites, registers the file
with `written()`, and when the disk is full (or any other write error) removes what was written
and raises `StorageFull`, a refusal with a message, instead of a 500 and an empty file.
"""
from __future__ import annotations

import errno
import logging
from pathlib import Path

from flask_babel import lazy_gettext as _l

from sponsorship.core.errors import DomainError
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



FULL_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EFBIG})


class StorageFull(DomainError):
    """The storage path refused a write (full disk, quota): nothing of the file is kept."""

    status_code = 507


def storage_refusal(exc: OSError) -> DomainError:
    """The refusal shown for a failed write: a full disk by name, anything else generically."""
    if exc.errno in FULL_ERRNOS:
        return StorageFull(_l("Ruang penyimpanan server penuh, jadi berkas tidak disimpan dan tidak "
                              "ada yang berubah. Beri tahu admin TI, lalu coba lagi nanti."))
    return StorageFull(_l("Berkas tidak dapat disimpan di server, jadi tidak ada yang berubah. "
                          "Beri tahu admin TI, lalu coba lagi nanti."))


def write_new(path: str | Path, data: bytes) -> None:
    """Write `data` to a new file `path` (never overwriting) for the current transaction; on a
    write error the partial file is removed and `StorageFull` raised."""
    path = Path(path)
    try:
        out = open(path, "xb")  # noqa: SIM115 - closed below; FileExistsError is a bug, raised
    except FileExistsError:
        raise
    except OSError as exc:
        raise storage_refusal(exc) from exc
    written(path)
    try:
        with out:
            out.write(data)
    except OSError as exc:
        _remove([path])
        log.error("could not write %s: %s", path.name, exc.strerror)
        raise storage_refusal(exc) from exc
