"""Issuing documents: a number from the yearly counter, render, sign, store the bytes once, audit.

A document's bytes never change after issue. Issuing again for the same object makes a new
version: the same number with a `-v2`, `-v3` suffix, pointing at the one it supersedes.
"""
from __future__ import annotations

import hashlib
import os
import secrets
import string
import uuid
from pathlib import Path

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import update
from sqlalchemy.exc import IntegrityError

from sponsorship.audit import service as audit
from sponsorship.core import files
from sponsorship.core.errors import DomainError
from sponsorship.core.models import utcnow
from sponsorship.documents import signing
from sponsorship.documents.models import Document, DocumentCounter
from sponsorship.documents.render import render_pdf, verify_url
from sponsorship.extensions import db
from sponsorship.settings.service import get_setting


def document_root() -> Path:
    root = current_app.config["DOCUMENT_DIR"] or os.path.join(current_app.config["UPLOAD_DIR"],
                                                              "documents")
    path = Path(root).resolve()
    path.mkdir(parents=True, exist_ok=True)
    return path


def next_sequence(kind: str, year: int) -> int:
    """The next number of (kind, year), in the caller's transaction.

    One atomic UPDATE ... RETURNING: concurrent issuers queue on the row lock, and a rolled
    back issue gives its number back, so numbers never repeat or skip.
    """
    bump = (update(DocumentCounter)
            .where(DocumentCounter.kind == kind, DocumentCounter.year == year)
            .values(last_seq=DocumentCounter.last_seq + 1)
            .returning(DocumentCounter.last_seq)
            .execution_options(synchronize_session=False))
    seq = db.session.execute(bump).scalar()
    if seq is not None:
        return seq
    try:
        with db.session.begin_nested():
            db.session.add(DocumentCounter(kind=kind, year=year, last_seq=1))
        return 1
    except IntegrityError:  # another transaction created the row first
        return db.session.execute(bump).scalar_one()


def check_number_format(fmt: str) -> None:
    """Only `{seq}` (with a format spec) and `{year}` may appear in a number format."""
    try:
        fields = [f for _lit, f, _spec, _conv in string.Formatter().parse(fmt) if f is not None]
    except ValueError as exc:
        raise DomainError(_l("Format nomor tidak sah.")) from exc
    if "seq" not in fields or set(fields) - {"seq", "year"}:
        raise DomainError(_l("Format nomor hanya boleh memuat {seq} dan {year}."))


def format_number(kind: str, seq: int, year: int) -> str:
    fmt = get_setting(f"number_format_{kind}")
    check_number_format(fmt)
    return fmt.format(seq=seq, year=year)


def allocate_number(kind: str, year: int) -> str:
    return format_number(kind, next_sequence(kind, year), year)


def _store(pdf: bytes, kind: str) -> str:
    root = document_root()
    folder = root / kind
    folder.mkdir(parents=True, exist_ok=True)
    name = f"{uuid.uuid4().hex}.pdf"
    # Never overwritten (issued bytes are final); goes again if the issue's transaction does not
    # commit; a full disk is a refusal with a message and leaves no empty file.
    files.write_new(folder / name, pdf)
    return f"{kind}/{name}"


def read_bytes(document: Document) -> bytes:
    root = document_root()
    path = (root / document.storage_path).resolve()
    if root not in path.parents:
        raise FileNotFoundError(document.storage_path)
    return path.read_bytes()


def current_version(object_type: str, object_id: int, kind: str) -> Document | None:
    return db.session.scalar(
        db.select(Document)
        .where(Document.object_type == object_type, Document.object_id == object_id,
               Document.kind == kind)
        .order_by(Document.version.desc(), Document.id.desc()).limit(1))


def issue_document(*, kind: str, template: str, context: dict, title: str, object_type: str,
                   object_id: int, actor, sponsor_id: int | None = None, number: str | None = None,
                   supersedes: Document | None = None) -> Document:
    """Number, render, store and record one document; the caller's commit makes it official.

    `number` is given when the object already carries its own (a berita acara numbered by the
    minutes); otherwise the yearly counter of `kind` provides it. `supersedes` makes this a new
    version of that document with the same number and a `-vN` suffix.
    """
    issued_at = utcnow()
    version = 1
    if supersedes is not None:
        version = supersedes.version + 1
        base = supersedes.number.rsplit("-v", 1)[0] if supersedes.version > 1 else supersedes.number
        number = f"{base}-v{version}"
    elif number is None:
        number = allocate_number(kind, issued_at.year)
    token = secrets.token_urlsafe(24)
    url = verify_url(token)
    doc_info = {"number": number, "version": version, "issued_at": issued_at, "token": token}
    # render -> sign -> store: a signed kind (models.SIGNATURES) is rendered with its official's
    # stamp and signed over it; the signed bytes are the ones stored, hashed and served.
    signature = signing.plan(kind, context, when=issued_at)
    rendered = render_pdf(template, {**context, "doc": doc_info,
                                     "signature": signature.stamp if signature else None}, qr_url=url)
    pdf = signing.sign(rendered.pdf, signature, box=rendered.stamp) if signature else rendered.pdf
    path = _store(pdf, kind)
    document = Document(
        kind=kind, number=number, version=version, title=title[:300], issued_at=issued_at,
        issued_by_id=getattr(actor, "id", None),
        issued_by_name=getattr(actor, "full_name", None) or getattr(actor, "username", None)
        or "sistem",
        sha256=hashlib.sha256(pdf).hexdigest(), size=len(pdf),
        page_count=rendered.pages, storage_path=path, token=token, object_type=object_type,
        object_id=object_id, supersedes_id=supersedes.id if supersedes else None,
        sponsor_id=sponsor_id,
        signer_name=signature.info.common_name if signature else None,
        signed_at=issued_at if signature else None,
        signer_certificate_sha256=signature.info.sha256 if signature else None)
    db.session.add(document)
    changes = {"number": [None, number], "sha256": [None, document.sha256]}
    if signature:
        changes["signer"] = [None, f"{signature.info.subject} ({signature.info.sha256[:16]})"]
    audit.record(actor=actor, action="document:issue", obj=document, changes=changes,
                 note=f"{object_type} #{object_id}")
    return document


# object_type -> function(object_id) giving why the object a document is about was withdrawn
# (an invoice cancelled), or None. Parts of the domain register theirs; documents never import them.
_WITHDRAWAL_CHECKS: dict = {}


def register_withdrawal_check(object_type: str, check) -> None:
    _WITHDRAWAL_CHECKS[object_type] = check


def withdrawal(document: Document) -> str | None:
    """Why this issued document no longer stands, or None while it does."""
    check = _WITHDRAWAL_CHECKS.get(document.object_type)
    return check(document.object_id) if check else None


def find_by_token(token: str) -> Document | None:
    if not token or len(token) > 64:
        return None
    return db.session.scalar(db.select(Document).where(Document.token == token))


def find_by_bytes(data: bytes) -> Document | None:
    """The issued document whose stored bytes are exactly `data`, if any."""
    return find_by_sha256(hashlib.sha256(data).hexdigest())


def find_by_sha256(digest: str) -> Document | None:
    if not digest or len(digest) != 64:
        return None
    return db.session.scalar(db.select(Document).where(Document.sha256 == digest))
