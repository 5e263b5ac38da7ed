"""Uploads are checked by content, size-limited, stored under generated names, or not at all."""
from __future__ import annotations

import io
import os
from pathlib import Path

import pytest
from werkzeug.datastructures import FileStorage

from sponsorship.core.errors import DomainError
from sponsorship.core.uploads import open_upload, resolve_upload, store_upload

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 100
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 100
EXE = b"MZ\x90\x00\x03" + b"\x00" * 200


@pytest.fixture
def req_ctx(app):
    """Refusal messages are lazy translations: rendering them needs a request."""
    with app.test_request_context():
        yield


def _fs(data: bytes, name: str, mime: str = "application/pdf") -> FileStorage:
    return FileStorage(stream=io.BytesIO(data), filename=name, content_type=mime)


def _files(app) -> list[Path]:
    root = Path(app.config["UPLOAD_DIR"])
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


@pytest.mark.parametrize("data,mime", [(PDF, "application/pdf"), (JPEG, "image/jpeg"), (PNG, "image/png")])
def test_accepted_kinds_are_stored_under_a_generated_name(req_ctx, app, data, mime):
    stored = store_upload(_fs(data, "../../etc/passwd surat.pdf", "text/plain"), folder="uji/a")
    assert stored.mime == mime  # from the content, not from the client's claim
    assert stored.size == len(data)
    assert stored.path.startswith("uji/a/") and "passwd" not in stored.path
    assert stored.original_name == "passwd surat.pdf"
    with open_upload(stored.path) as fh:
        assert fh.read() == data


def test_renamed_exe_is_refused_and_nothing_stored(req_ctx, app):
    before = _files(app)
    with pytest.raises(DomainError, match="Jenis berkas"):
        store_upload(_fs(EXE, "rujukan.pdf", "application/pdf"), folder="uji/b")
    assert _files(app) == before


def test_oversize_is_refused_and_nothing_stored(req_ctx, app):
    before = _files(app)
    with pytest.raises(DomainError, match="terlalu besar"):
        store_upload(_fs(PDF + b"x" * 2048, "besar.pdf"), max_bytes=1024, folder="uji/c")
    assert _files(app) == before


def test_empty_and_missing_files_are_refused(req_ctx, app):
    before = _files(app)
    with pytest.raises(DomainError):
        store_upload(_fs(b"", "kosong.pdf"), folder="uji/d")
    with pytest.raises(DomainError):
        store_upload(None, folder="uji/d")
    assert _files(app) == before


def test_kinds_can_be_narrowed(req_ctx):
    with pytest.raises(DomainError):
        store_upload(_fs(PDF, "foto.jpg"), kinds={"jpeg", "png"}, folder="uji/e")


def test_paths_outside_upload_dir_are_refused(req_ctx, app):
    outside = Path(app.config["UPLOAD_DIR"]).parent / "rahasia.txt"
    outside.write_text("x")
    with pytest.raises(FileNotFoundError):
        resolve_upload("../rahasia.txt")
    with pytest.raises(ValueError):
        store_upload(_fs(PDF, "a.pdf"), folder="../luar")
    os.unlink(outside)
