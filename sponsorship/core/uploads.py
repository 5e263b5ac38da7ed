"""Uploaded files (scans, photos, receipts): checked by content, stored under generated names.

Files live under `UPLOAD_DIR` (outside static/), in a folder the server chooses, named by a
uuid; no user text ever reaches a path. Views serve them only after a policy check, through
`send_upload()`.
"""
from __future__ import annotations

import contextlib
import hashlib
import os
import re
import uuid
from dataclasses import dataclass
from pathlib import Path

from flask import current_app, send_file
from flask_babel import lazy_gettext as _l
from werkzeug.datastructures import FileStorage

from sponsorship.core import files
from sponsorship.core.errors import DomainError

# kind -> (magic prefix, mime, extension)
SIGNATURES: dict[str, tuple[bytes, str, str]] = {
    "pdf": (b"%PDF-", "application/pdf", ".pdf"),
    "jpeg": (b"\xff\xd8\xff", "image/jpeg", ".jpg"),
    "png": (b"\x89PNG\r\n\x1a\n", "image/png", ".png"),
}
DEFAULT_KINDS = frozenset({"pdf", "jpeg", "png"})
IMAGE_KINDS = frozenset({"jpeg", "png"})
DEFAULT_MAX_BYTES = 5 * 1024 * 1024
_FOLDER = re.compile(r"^[a-z0-9_]+(/[a-z0-9_]+)*$")
_CHUNK = 64 * 1024


@dataclass(frozen=True)
class StoredFile:
    path: str  # relative to UPLOAD_DIR, posix separators
    sha256: str
    size: int
    mime: str
    original_name: str


def upload_root() -> Path:
    root = Path(current_app.config["UPLOAD_DIR"]).resolve()
    root.mkdir(parents=True, exist_ok=True)
    return root


def detect_kind(head: bytes) -> str | None:
    for kind, (magic, _mime, _ext) in SIGNATURES.items():
        if head.startswith(magic):
            return kind
    return None


def _clean_original_name(name: str | None) -> str:
    """Kept only for display: the last path part, printable, short."""
    name = (name or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if ch.isprintable()).strip()
    return name[:200] or "berkas"


def _describe(kinds) -> str:
    return ", ".join(k.upper() for k in sorted(kinds))


def store_upload(
    file_storage: FileStorage | None,
    *,
    kinds=DEFAULT_KINDS,
    max_bytes: int = DEFAULT_MAX_BYTES,
    folder: str = "misc",
) -> StoredFile:
    """Validate and store one upload; raise DomainError (nothing stored) when refused.

    `folder` is chosen by the server (e.g. "proposals/12"), never from user input. The file
    belongs to the current transaction (`core.files`): it is removed if that rolls back.
    """
    if not _FOLDER.match(folder):
        raise ValueError(f"bad upload folder {folder!r}")
    if file_storage is None or not file_storage.filename:
        raise DomainError(_l("Berkas wajib dipilih."))
    stream = file_storage.stream
    head = stream.read(16)
    if not head:
        raise DomainError(_l("Berkas kosong."))
    kind = detect_kind(head)
    if kind is None or kind not in kinds:
        raise DomainError(_l("Jenis berkas tidak diterima: hanya %(kinds)s (diperiksa dari isinya).",
                             kinds=_describe(kinds)))
    magic, mime, ext = SIGNATURES[kind]

    root = upload_root()
    target_dir = (root / folder).resolve()
    if root not in target_dir.parents:
        raise ValueError("upload folder escapes UPLOAD_DIR")
    target_dir.mkdir(parents=True, exist_ok=True)
    name = uuid.uuid4().hex + ext
    final = target_dir / name
    tmp = target_dir / (name + ".part")

    digest = hashlib.sha256()
    size = 0
    too_big = False
    try:
        with open(tmp, "xb") as out:
            chunk = head
            while chunk:
                size += len(chunk)
                if size > max_bytes:
                    too_big = True
                    break
                digest.update(chunk)
                out.write(chunk)
                chunk = stream.read(_CHUNK)
        if too_big:
            raise DomainError(_l("Berkas terlalu besar: paling besar %(mb)s MB.",
                                 mb=f"{max_bytes / (1024 * 1024):g}"))
        files.written(final)
        os.replace(tmp, final)
    except OSError as exc:  # a full disk: a message, and the partial file goes (below)
        raise files.storage_refusal(exc) from exc
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
    return StoredFile(
        path=final.relative_to(root).as_posix(),
        sha256=digest.hexdigest(),
        size=size,
        mime=mime,
        original_name=_clean_original_name(file_storage.filename),
    )


def read_checked(file_storage: FileStorage | None, *, kinds=DEFAULT_KINDS,
                 max_bytes: int = DEFAULT_MAX_BYTES) -> bytes:
    """The bytes of an upload that is only examined, never stored (a PDF to verify): checked by
    content and size as `store_upload` checks, before anything parses it; DomainError if refused."""
    if file_storage is None or not file_storage.filename:
        raise DomainError(_l("Berkas wajib dipilih."))
    data = file_storage.stream.read(max_bytes + 1)
    if not data:
        raise DomainError(_l("Berkas kosong."))
    kind = detect_kind(data[:16])
    if kind is None or kind not in kinds:
        raise DomainError(_l("Jenis berkas tidak diterima: hanya %(kinds)s (diperiksa dari isinya).",
                             kinds=_describe(kinds)))
    if len(data) > max_bytes:
        raise DomainError(_l("Berkas terlalu besar: paling besar %(mb)s MB.",
                             mb=f"{max_bytes / (1024 * 1024):g}"))
    return data


def resolve_upload(relpath: str) -> Path:
    """The absolute path of a stored file, refusing anything outside UPLOAD_DIR."""
    root = upload_root()
    path = (root / relpath).resolve()
    if root not in path.parents or not path.is_file():
        raise FileNotFoundError(relpath)
    return path


def open_upload(relpath: str):
    return open(resolve_upload(relpath), "rb")  # noqa: SIM115 - the caller closes it


def send_upload(relpath: str, *, mime: str, download_name: str):
    """Serve a stored file; call only after the view's policy check.

    Always an attachment with nosniff: a file someone uploaded never renders inside the app's
    origin (an uploaded PDF or image opened inline runs the browser's viewer on our address).
    The mime type is the one recorded at upload (detected from content), never the client's claim.
    """
    try:
        path = resolve_upload(relpath)
    except FileNotFoundError:
        from flask import abort

        abort(404)
    response = send_file(path, mimetype=mime, as_attachment=True,
                         download_name=_clean_original_name(download_name), max_age=0)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
