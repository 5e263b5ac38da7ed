"""Files live and die with their transaction (core.files), and a write request commits once, at
the commit point (core.app): an upload, an import preview and an issued document are gone when
their transaction (or the savepoint they were written in) fails, and stay when it commits."""
from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from sponsorship.extensions import db
from tests import factories
from tests.factories import resident_row
from tests.pages import post_page


def _files(root) -> set[Path]:
    return {p for p in Path(root).rglob("*") if p.is_file()}


@pytest.fixture
def upload_dir(app_ctx, app):
    from sponsorship.core.uploads import upload_root

    return upload_root()


def _store():
    from sponsorship.core import uploads

    return uploads.store_upload(factories.pdf_file(), folder="misc")


def test_an_upload_goes_when_its_transaction_rolls_back_and_stays_when_it_commits(upload_dir):
    before = _files(upload_dir)
    _store()
    assert len(_files(upload_dir) - before) == 1  # written before the commit decides
    db.session.rollback()
    assert _files(upload_dir) == before

    kept = _store()
    db.session.commit()
    assert (upload_dir / kept.path).is_file()
    db.session.rollback()  # a later transaction failing leaves a committed file alone
    assert (upload_dir / kept.path).is_file()


def test_an_upload_goes_with_the_savepoint_it_was_written_in(upload_dir):
    before = _files(upload_dir)
    with pytest.raises(RuntimeError), db.session.begin_nested():
        inner = _store()
        raise RuntimeError("a step inside the savepoint failed")
    assert not (upload_dir / inner.path).exists()
    outer = _store()
    with db.session.begin_nested():  # released: its file now belongs to the outer transaction
        released = _store()
    assert (upload_dir / released.path).is_file()
    db.session.rollback()
    assert _files(upload_dir) == before
    with db.session.begin_nested():
        released = _store()
    db.session.commit()
    assert (upload_dir / released.path).is_file() and not (upload_dir / outer.path).exists()


def test_an_import_preview_goes_with_its_transaction_and_is_removed_after_its_confirmation(app_ctx, staff):
    from sponsorship.beneficiaries import service
    from sponsorship.beneficiaries.demo import to_csv

    preview_dir = service._preview_dir()
    data = to_csv([resident_row("1971015708450001", "Siti Aminah")])
    before = _files(preview_dir)
    service.preview_import(actor=staff, data=data, file_name="daftar.csv", source="dukcapil")
    assert len(_files(preview_dir) - before) == 2  # the upload and its invalid rows
    db.session.rollback()
    assert _files(preview_dir) == before

    batch, _parsed, _plan = service.preview_import(actor=staff, data=data, file_name="daftar.csv",
                                                   source="dukcapil")
    db.session.commit()
    upload = preview_dir / batch.token
    assert upload.is_file()
    service.confirm_import(batch, actor=staff)
    db.session.rollback()  # a confirmation that fails keeps the preview for another try
    assert upload.is_file()
    service.confirm_import(batch, actor=staff)
    db.session.commit()
    assert not upload.exists() and not (preview_dir / f"{batch.token}.invalid.json").exists()


def test_an_issued_document_goes_with_a_failed_savepoint_or_transaction(app_ctx, staff, company_a):
    from sponsorship.documents.report import issue_impact_report
    from sponsorship.documents.service import document_root, read_bytes

    before = _files(document_root())
    with pytest.raises(RuntimeError), db.session.begin_nested():
        issue_impact_report(company_a, actor=staff, start=date(2026, 1, 1), end=date(2026, 6, 1))
        raise RuntimeError("a later step inside the savepoint failed")
    assert _files(document_root()) == before
    issue_impact_report(company_a, actor=staff, start=date(2026, 1, 1), end=date(2026, 6, 1))
    db.session.rollback()
    assert _files(document_root()) == before
    kept = issue_impact_report(company_a, actor=staff, start=date(2026, 1, 1), end=date(2026, 6, 1))
    db.session.commit()
    assert read_bytes(kept).startswith(b"%PDF")


def _invoice(company):
    from tests.factories import invoice_for

    return invoice_for(company)


def test_a_request_commits_once_and_its_upload_stays(login, sponsor_a, company_a, upload_dir):
    from sponsorship.billing.models import Payment

    invoice = _invoice(company_a)
    before = _files(upload_dir)
    post_page(login(sponsor_a), f"/billing/invoices/{invoice.id}/pay", {
        "amount": "100.000", "reference": "TRF-1", "paid_on": "2026-01-08",
        "proof": (factories.pdf_file().stream, "bukti.pdf")}, content_type="multipart/form-data")
    db.session.rollback()
    payment = db.session.scalar(db.select(Payment))
    assert payment is not None and (upload_dir / payment.proof_path).is_file()
    assert len(_files(upload_dir) - before) == 1


def test_a_refusal_beside_a_field_rolls_back_and_leaves_no_file(login, sponsor_a, company_a, upload_dir):
    from sponsorship.billing.models import Payment

    invoice = _invoice(company_a)
    before = _files(upload_dir)
    response = post_page(login(sponsor_a), f"/billing/invoices/{invoice.id}/pay", {
        "amount": "999.000.000", "reference": "TRF-1", "paid_on": "2026-01-08",
        "proof": (factories.pdf_file().stream, "bukti.pdf")}, status=400,
        content_type="multipart/form-data")
    assert b"is-invalid" in response.data or b"invalid-feedback" in response.data
    db.session.rollback()
    assert db.session.scalar(db.select(db.func.count()).select_from(Payment)) == 0
    assert _files(upload_dir) == before


def test_a_unique_key_lost_at_the_commit_is_a_clear_refusal_and_leaves_no_file(
        app, login, sponsor_a, company_a, upload_dir, monkeypatch):
    from sponsorship.billing import service
    from sponsorship.billing.models import Payment
    from sponsorship.sponsors.models import Sponsor

    invoice = _invoice(company_a)
    real = service.record_payment

    def racing(*args, **kwargs):  # a concurrent request registered the same company meanwhile
        payment = real(*args, **kwargs)
        db.session.add(Sponsor(name="PT Kembar", npwp=company_a.npwp, legal_form="PT"))
        return payment

    monkeypatch.setattr(service, "record_payment", racing)
    before = _files(upload_dir)
    client = login(sponsor_a)
    back = f"/billing/invoices/{invoice.id}"
    response = client.post(f"{back}/pay", data={
        "amount": "100.000", "reference": "TRF-1", "paid_on": "2026-01-08",
        "proof": (factories.pdf_file().stream, "bukti.pdf")}, content_type="multipart/form-data",
        headers={"Referer": back})
    assert response.status_code == 302 and response.headers["Location"].endswith(back)
    page = client.get(back).get_data(as_text=True)
    assert "baru saja diubah oleh permintaan lain" in page
    assert "Pembayaran dicatat" not in page  # the success message did not survive the failure
    db.session.rollback()
    assert db.session.scalar(db.select(db.func.count()).select_from(Payment)) == 0
    assert _files(upload_dir) == before
    # without a page to go back to, the refusal is a 409 page
    response = client.post(f"{back}/pay", data={
        "amount": "100.000", "reference": "TRF-2", "paid_on": "2026-01-08",
        "proof": (factories.pdf_file().stream, "bukti.pdf")}, content_type="multipart/form-data")
    assert response.status_code == 409
    db.session.rollback()
    assert _files(upload_dir) == before
