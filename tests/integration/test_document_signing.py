"""Electronic signatures (PAdES, pyHanko): the signed kinds are signed with the installed
certificate, the signed bytes are the stored ones, /verify validates them and an uploaded copy,
and one changed byte is caught."""
from __future__ import annotations

import hashlib
import io
import subprocess
from datetime import date

import pytest
from pypdf import PdfReader

from sponsorship.extensions import db
from tests import factories
from tests.pages import get_page


def upload(client, url, data: bytes):
    return client.post(url, data={"file": (io.BytesIO(data), "dokumen.pdf")},
                       content_type="multipart/form-data")


def page_text(data: bytes, page: int) -> str:
    out = subprocess.run(["pdftotext", "-f", str(page), "-l", str(page), "-layout", "-", "-"], input=data,
                         capture_output=True, check=True)
    return " ".join(out.stdout.decode().split())


def flip_content_byte(data: bytes) -> bytes:
    """`data` with one byte changed inside the first page's content stream (signed bytes)."""
    at = data.index(b"stream", data.index(b"/Length")) + 200
    return data[:at] + bytes([data[at] ^ 0x01]) + data[at + 1:]


@pytest.fixture
def signed_agreement(signing_certificates, company_a):
    from sponsorship.documents.service import read_bytes

    document = factories.agreement_for(company_a, "final").document
    return document, read_bytes(document)


def test_a_final_agreement_is_signed_by_the_mayor_and_validates(app_ctx, signing_certificates,
                                                                 signed_agreement):
    from sponsorship.documents import signing

    document, data = signed_agreement
    mayor = signing_certificates["mayor"]
    assert document.signer_name == mayor.common_name
    assert document.signer_certificate_sha256 == mayor.sha256
    assert document.sha256 == hashlib.sha256(data).hexdigest()  # the signed bytes are the stored ones
    result = signing.validate(data)
    assert len(result.signatures) == 1 and result.ok
    signature = result.signatures[0]
    assert (signature.intact, signature.valid, signature.trusted, signature.covers_whole_file) == (
        True, True, True, True)
    assert signature.signer_name == mayor.common_name and signature.test_certificate
    assert signature.signed_revision_sha256 == document.sha256
    # PAdES (ETSI.CAdES.detached) with a visible field over the stamp the signature page prints.
    reader = PdfReader(io.BytesIO(data))
    field = reader.trailer["/Root"]["/AcroForm"]["/Fields"][0].get_object()
    assert field["/V"]["/SubFilter"] == "/ETSI.CAdES.detached"
    page_index = next(i for i, p in enumerate(reader.pages)
                      if any(a.get_object() == field for a in p.get("/Annots", [])))
    x1, y1, x2, y2 = (float(v) for v in field["/Rect"])
    assert 0 < x1 < x2 and 0 < y1 < y2 and x2 - x1 > 100
    text = page_text(data, page_index + 1)
    assert "Ditandatangani secara elektronik" in text and f"oleh {mayor.common_name}" in text
    assert "SERTIFIKAT UJI" in text


def test_one_changed_byte_fails_the_validation_and_verify_says_so(app, signed_agreement):
    from sponsorship.documents import signing

    document, data = signed_agreement
    changed = flip_content_byte(data)
    result = signing.validate(changed)
    assert result.signed and not result.ok
    assert not (result.signatures[0].intact and result.signatures[0].valid)
    page = upload(app.test_client(), "/verify/", changed)
    assert page.status_code == 200
    assert b'data-match="no"' in page.data
    assert b'data-testid="upload-signature" data-valid="no"' in page.data
    assert "TIDAK sah" in page.get_data(as_text=True)


def test_verify_shows_kind_number_sha256_signer_and_validity(app, signed_agreement, signing_certificates):
    document, data = signed_agreement
    page = get_page(app.test_client(), f"/verify/{document.token}")
    assert page.select_one("[data-testid=verify-kind]").text == "Perjanjian Kerja Sama"
    assert page.select_one("[data-testid=verify-number]").text.strip() == document.number
    assert page.select_one("[data-testid=verify-sha256]").text == hashlib.sha256(data).hexdigest()
    assert page.select_one("[data-testid=signature-signer]").text == signing_certificates["mayor"].common_name
    assert page.select_one("[data-testid=verify-signature]")["data-valid"] == "yes"
    assert "Sertifikat uji" in page.select_one("[data-testid=signature-test]").text


def test_an_uploaded_signed_pdf_is_matched_and_its_signature_validated(app, signed_agreement):
    document, data = signed_agreement
    for url in ("/verify/", f"/verify/{document.token}"):
        page = upload(app.test_client(), url, data)
        assert b'data-match="yes"' in page.data
        assert b'data-testid="upload-signatures"\n       data-valid="yes"' in page.data
        assert b'data-testid="upload-signature" data-valid="yes"' in page.data


def test_a_revision_added_after_signing_is_named_ours_but_changed(app, signed_agreement):
    from pyhanko.pdf_utils.generic import NameObject
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

    from sponsorship.documents import signing

    document, data = signed_agreement
    writer = IncrementalPdfFileWriter(io.BytesIO(data))
    writer.root["/PageMode"] = NameObject("/UseOutlines")  # any change, as a new revision
    writer.update_root()
    out = io.BytesIO()
    writer.write(out)
    amended = out.getvalue()
    result = signing.validate(amended)
    assert result.signatures[0].intact and result.signatures[0].changed_after and not result.ok
    response = upload(app.test_client(), "/verify/", amended)
    assert b'data-match="no"' in response.data
    assert b'data-testid="verify-signed-match"' in response.data
    assert document.number in response.get_data(as_text=True)


def test_a_signature_by_a_certificate_never_installed_is_not_trusted(app_ctx, signed_agreement, admin,
                                                                     tmp_path, monkeypatch, app):
    from sponsorship.documents import signing

    _document, data = signed_agreement
    monkeypatch.setitem(app.config, "SIGNING_DIR", str(tmp_path / "elsewhere"))
    result = signing.validate(data)
    assert result.signatures[0].intact and not result.signatures[0].trusted and not result.ok


def test_documents_signed_before_a_replacement_still_validate(app_ctx, signed_agreement, admin):
    from sponsorship.documents import signing

    _document, data = signed_agreement
    replacement = signing.install_test_certificate("mayor", actor=admin)
    db.session.commit()
    assert signing.installed("mayor").sha256 == replacement.sha256
    assert signing.validate(data).ok


def test_a_not_pdf_or_broken_upload_is_a_message_not_a_500(app, signed_agreement):
    _document, data = signed_agreement
    client = app.test_client()
    page = upload(client, "/verify/", b"GIF89a not a pdf")
    assert page.status_code == 200 and "hanya PDF" in page.get_data(as_text=True)
    page = upload(client, "/verify/", data[:4000])  # a truncated PDF
    assert page.status_code == 200 and b'data-match="no"' in page.data


def test_the_berita_acara_is_signed_once_approved(app_ctx, signing_certificates, approver):
    from sponsorship.documents import official
    from sponsorship.minutes import service as minutes_service

    minutes = factories.issued_minutes()
    unsigned = official.service.current_version(official.MINUTES_OBJECT, minutes.id, "berita_acara")
    assert unsigned.signer_name is None
    minutes_service.approve_minutes(minutes, actor=approver)
    signed = official.issue_minutes_document(minutes, actor=approver)
    letter = official.issue_approval_letter(minutes, actor=approver)
    db.session.commit()
    assert signed.supersedes_id == unsigned.id
    assert signed.signer_name == letter.signer_name == signing_certificates["mayor"].common_name


def test_a_signed_kind_without_a_certificate_is_refused_outside_tests(app, app_ctx, staff, company_a,
                                                                      monkeypatch, tmp_path):
    from sponsorship.agreements import service as agreements
    from sponsorship.core.errors import DomainError
    from sponsorship.documents.models import Document

    monkeypatch.setitem(app.config, "SIGNING_DIR", str(tmp_path / "none"))
    agreement = factories.agreement_for(company_a, "draft")
    monkeypatch.setitem(app.config, "TESTING", False)
    with pytest.raises(DomainError, match="sertifikat tanda tangannya belum dipasang"):
        agreements.transition_agreement(agreement, "finalise", actor=staff)
    db.session.rollback()
    assert db.session.scalar(db.select(db.func.count(Document.id))) == 0


def test_unsigned_kinds_stay_unsigned(app_ctx, signing_certificates, staff, company_a):
    from sponsorship.documents.report import issue_impact_report

    document = issue_impact_report(company_a, actor=staff, start=date(2026, 1, 1), end=date(2026, 2, 1))
    assert document.signer_name is None and document.signed_at is None
