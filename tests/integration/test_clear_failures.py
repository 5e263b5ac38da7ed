"""Failures a user can understand: a dropped database connection, a full disk, a payout of an
already paid proposal, uploaded files served as attachments, import previews encrypted at rest."""
from __future__ import annotations

import errno
import io
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from sponsorship.extensions import db
from tests import factories
from tests.factories import resident_row
from tests.pages import post_page

PDF = b"%PDF-1.4\n%%EOF\n"
FULL = "Ruang penyimpanan server penuh"


def _files(root) -> set[Path]:
    root = Path(root)
    return {p for p in root.rglob("*") if p.is_file()} if root.exists() else set()


# --- a dropped database connection ---------------------------------------------------------

def drop_database_connections(app) -> None:
    """What a database restart does to the app's pool: every pooled connection is dead."""
    db.session.remove()
    url = db.engine.url
    if url.get_backend_name() == "postgresql":
        killer = create_engine(url, isolation_level="AUTOCOMMIT")
        with killer.connect() as conn:
            killed = conn.execute(text(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()")).scalar()
        killer.dispose()
    else:  # SQLite has no server: close the pooled connections under SQLAlchemy's feet
        killed = 0
        for record in list(db.engine.pool._pool.queue):
            if record.dbapi_connection is not None:
                record.dbapi_connection.close()
                killed += 1
    assert killed >= 1


def test_a_page_after_a_dropped_connection_is_served(app, login, staff, company_a):
    client = login(staff)
    assert client.get(f"/sponsors/{company_a.id}").status_code == 200
    drop_database_connections(app)
    response = client.get(f"/sponsors/{company_a.id}")
    assert response.status_code == 200
    assert "PT Alpha Sejahtera" in response.get_data(as_text=True)


def test_a_write_after_a_dropped_connection_says_try_again_and_saves_nothing(app, login, staff):
    from sponsorship.sponsors.models import Sponsor

    client = login(staff)
    assert client.get("/sponsors/new").status_code == 200
    drop_database_connections(app)
    data = {"name": "PT Gamma Raya", "npwp": factories.valid_npwp(77), "legal_form": "PT"}
    response = client.post("/sponsors/new", data=data)
    assert response.status_code == 503
    assert "coba lagi" in response.get_data(as_text=True)
    db.session.remove()
    assert db.session.scalar(db.select(db.func.count()).select_from(Sponsor)) == 0
    # Trying again works: the pool was renewed.
    assert client.post("/sponsors/new", data=data).status_code == 302
    assert db.session.scalar(db.select(Sponsor.id).where(Sponsor.name == "PT Gamma Raya")) is not None


# --- a full disk -------------------------------------------------------------------------

class _FullDiskFile:
    """A file that takes a few bytes and then reports a full disk, as a real one does."""

    def __init__(self, real):
        self.real = real

    def write(self, data):
        self.real.write(bytes(data[:7]))
        raise OSError(errno.ENOSPC, "No space left on device")

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.real.close()

    def close(self):
        self.real.close()


@pytest.fixture
def full_disk(monkeypatch):
    """Every file the app writes for a transaction (core.files, core.uploads) hits a full disk."""
    import builtins

    from sponsorship.core import files, uploads

    def fake_open(path, mode="r", *args, **kwargs):
        handle = builtins.open(path, mode, *args, **kwargs)
        return _FullDiskFile(handle) if any(m in mode for m in "wxa") else handle

    monkeypatch.setattr(files, "open", fake_open, raising=False)
    monkeypatch.setattr(uploads, "open", fake_open, raising=False)


def test_an_upload_on_a_full_disk_gets_a_message_and_leaves_no_file(app, login, staff, full_disk):
    from sponsorship.proposals.models import Attachment

    p = factories.make_proposal(staff=staff)
    client = login(staff)
    before = _files(app.config["UPLOAD_DIR"])
    response = client.post(f"/proposals/{p.id}/attachments", data={
        "kind": "kk", "file": (io.BytesIO(PDF), "kk.pdf")}, content_type="multipart/form-data",
        follow_redirects=True)
    assert FULL in response.get_data(as_text=True)
    assert _files(app.config["UPLOAD_DIR"]) == before
    assert db.session.scalar(db.select(db.func.count()).select_from(Attachment)) == 0


def test_a_document_on_a_full_disk_gets_a_message_and_leaves_no_file(app, login, staff, company_a,
                                                                       full_disk):
    from sponsorship.documents.models import Document
    from sponsorship.documents.service import document_root

    client = login(staff)
    before = _files(document_root())
    response = client.post(f"/documents/sponsors/{company_a.id}/impact-report",
                           data={"start": "2026-01", "end": "2026-06"})
    assert response.status_code == 507
    assert FULL in response.get_data(as_text=True)
    assert _files(document_root()) == before
    assert db.session.scalar(db.select(db.func.count()).select_from(Document)) == 0


def test_an_import_preview_on_a_full_disk_gets_a_message_and_leaves_no_file(app_ctx, staff, full_disk):
    from sponsorship.beneficiaries import service
    from sponsorship.beneficiaries.demo import to_csv
    from sponsorship.core.files import StorageFull

    folder = service._preview_dir()
    before = _files(folder)
    with pytest.raises(StorageFull, match=FULL):
        service.preview_import(actor=staff, data=to_csv([resident_row("1971015708450001", "Siti")]),
                               file_name="a.csv", source="manual")
    db.session.rollback()
    assert _files(folder) == before


# --- payouts -------------------------------------------------------------------------------

def _payout_form(fund) -> dict:
    return {"pledge_id": fund.id, "amount": "3.000.000", "paid_on": date.today().isoformat(),
            "method": "cash"}


def test_a_second_payout_is_a_409_with_a_message(app, login, staff, company_a):
    from sponsorship.disbursements.models import Disbursement

    fund = factories.make_pledge(sponsor=company_a, programme="aid_fund", status="active",
                                 total_amount=10_000_000)
    p = factories.make_proposal(status="approved", staff=staff, amount=3_000_000)
    client = login(staff)
    post_page(client, f"/disbursements/new/{p.id}", _payout_form(fund))
    again = client.post(f"/disbursements/new/{p.id}", data=_payout_form(fund))
    assert again.status_code == 409
    assert "sudah dicairkan" in again.get_data(as_text=True)
    assert db.session.scalar(db.select(db.func.count()).select_from(Disbursement)) == 1


@pytest.mark.concurrency
def test_simultaneous_payouts_of_one_proposal_get_the_same_refusal(app, app_ctx, staff, company_a):
    from sponsorship.auth.models import User
    from sponsorship.core.errors import DomainError
    from sponsorship.disbursements import service as payouts
    from sponsorship.disbursements.models import Disbursement
    from sponsorship.pledges.models import Pledge
    from sponsorship.proposals.models import AidProposal
    from tests.concurrency import run_concurrently

    fund = factories.make_pledge(sponsor=company_a, programme="aid_fund", status="active",
                                 total_amount=100_000_000)
    with app.test_request_context():
        proposal_id = factories.make_proposal(status="approved", staff=staff, amount=3_000_000).id
    fund_id, staff_id = fund.id, staff.id
    messages = []

    def job(_i: int) -> None:
        try:
            payouts.record_disbursement(
                db.session.get(AidProposal, proposal_id), actor=db.session.get(User, staff_id),
                pledge=db.session.get(Pledge, fund_id),
                data={"amount": 3_000_000, "paid_on": date.today(), "method": "cash"})
        except DomainError as exc:
            messages.append(str(exc.message))
            raise

    outcomes = run_concurrently(app, 8, job)
    assert sorted(outcomes) == ["ok"] + ["refused"] * 7, outcomes
    assert set(messages) == {str(payouts.ALREADY_PAID)}
    db.session.rollback()
    assert db.session.scalar(db.select(db.func.count()).select_from(Disbursement)) == 1
    assert db.session.get(Pledge, fund_id).disbursed_amount == 3_000_000


# --- uploads and previews at rest ----------------------------------------------------------

def test_an_uploaded_pdf_is_served_as_an_attachment_with_nosniff(app, login, staff):
    from sponsorship.proposals.models import Attachment

    p = factories.make_proposal(staff=staff)
    client = login(staff)
    post_page(client, f"/proposals/{p.id}/attachments", {"kind": "kk", "file": (io.BytesIO(PDF), "kk.pdf")},
              content_type="multipart/form-data")
    att = db.session.scalar(db.select(Attachment))
    response = client.get(f"/proposals/{p.id}/attachments/{att.id}")
    assert response.status_code == 200 and response.data == PDF
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_an_import_preview_is_encrypted_at_rest_and_gone_after_confirmation(app_ctx, staff):
    from sponsorship.beneficiaries import service
    from sponsorship.beneficiaries.demo import to_csv

    nik = "1971015708450001"
    data = to_csv([resident_row(nik, "Siti Aminah"), resident_row("19710157084500", "Pendek")])
    batch, _parsed, _plan = service.preview_import(actor=staff, data=data, file_name="a.csv",
                                                   source="manual")
    db.session.commit()
    folder = service._preview_dir()
    kept = [p for p in _files(folder) if p.name.startswith(batch.token)]
    assert len(kept) == 2
    for path in kept:
        raw = path.read_bytes()
        assert nik.encode() not in raw and b"Siti" not in raw and b"Pendek" not in raw
    assert [r["line"] for r in service.preview_invalid_rows(batch)] == [3]  # still readable
    service.confirm_import(batch, actor=staff)
    db.session.commit()
    assert not any(p.exists() for p in kept)


def test_a_database_that_stays_locked_says_try_again(app, login, staff, monkeypatch):
    import sqlite3

    from sqlalchemy.exc import OperationalError

    def locked(*args, **kwargs):
        raise OperationalError("UPDATE pledge ...", {}, sqlite3.OperationalError("database is locked"))

    client = login(staff)
    monkeypatch.setitem(app.view_functions, "pledges.index", locked)
    response = client.get("/pledges/")
    assert response.status_code == 503 and "coba lagi" in response.get_data(as_text=True)
