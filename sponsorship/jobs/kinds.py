"""The kinds of long work this app queues. Each wraps a service function that does the work in the
current transaction; the job runner commits it (with the job's "done") or rolls it back.

Another part registers its own kind where its work lives, in one line (see jobs/service.py).
"""
from __future__ import annotations

import secrets
from datetime import date
from pathlib import Path

from flask import current_app, url_for
from flask_babel import lazy_gettext as _l

from sponsorship.core import files
from sponsorship.core.errors import DomainError
from sponsorship.extensions import db
from sponsorship.identity import cipher
from sponsorship.jobs.service import register

# --- the registry import: preview, then confirmation -------------------------------------------

_UPLOAD_PURPOSE = "import-upload"


def _upload_dir() -> Path:
    from sponsorship.beneficiaries.service import _preview_dir

    return _preview_dir()  # the storage path shared by every host, where previews live too


def keep_upload(data: bytes) -> str:
    """Keep an uploaded list (encrypted: it holds full NIKs) for the preview job; its name."""
    name = f"upload-{secrets.token_hex(16)}"
    files.write_new(_upload_dir() / name, cipher().seal(data, purpose=_UPLOAD_PURPOSE))
    return name


def _upload_path(job) -> Path:
    name = job.params.get("upload", "")
    if not name.startswith("upload-") or "/" in name or "\\" in name:
        raise DomainError(_l("Berkas unggahan tugas ini tidak dikenal; unggah ulang berkasnya."))
    return _upload_dir() / name


def _preview(job, progress) -> dict:
    from sponsorship.beneficiaries import service

    path = _upload_path(job)
    try:
        data = cipher().unseal(path.read_bytes(), purpose=_UPLOAD_PURPOSE)
    except (OSError, ValueError):
        raise DomainError(_l("Berkas unggahan tugas ini sudah tidak ada; unggah ulang berkasnya.")) from None
    progress(10)
    batch, parsed, plan = service.preview_import(actor=job.actor, data=data,
                                                 file_name=job.params.get("file_name", "-"),
                                                 source=job.params.get("source", ""))
    for problem in parsed.invalid:
        progress.error(problem["line"], problem["reason"])
    progress(rows_done=parsed.total, rows_total=parsed.total)
    files.remove_after_commit(path)  # the preview keeps its own (encrypted) copy
    return {"batch_id": batch.id, "rows": parsed.total, "created": len(plan.created),
            "updated": len(plan.updated), "unchanged": plan.unchanged, "invalid": len(parsed.invalid)}


def _forget_upload(job) -> None:
    """A preview that failed for good: its kept upload goes at once, not after two days."""
    try:
        _upload_path(job).unlink(missing_ok=True)
    except (OSError, DomainError):
        pass


def _to_batch(job) -> str | None:
    batch_id = (job.result or {}).get("batch_id") or job.params.get("batch_id")
    return url_for("beneficiaries.import_preview", batch_id=batch_id) if batch_id else None


register("registry-preview", _l("Pratinjau impor daftar warga"), _preview, next_url=_to_batch,
         on_fail=_forget_upload)


def _confirm(job, progress) -> dict:
    from sponsorship.beneficiaries import service
    from sponsorship.beneficiaries.models import ImportBatch

    batch = db.session.get(ImportBatch, job.params.get("batch_id"))
    if batch is None:
        raise DomainError(_l("Impor ini tidak ditemukan."))
    progress(5, rows_total=batch.total_rows)
    counts = service.confirm_import(batch, actor=job.actor)
    progress(rows_done=batch.total_rows)
    return {"batch_id": batch.id, "rows": batch.total_rows, "created": counts["created"],
            "updated": counts["updated"], "unchanged": counts["unchanged"],
            "invalid": len(counts["invalid"]), "discrepancies": batch.discrepancy_count}


def _confirmed(job):
    r = job.result or {}
    return _l("Impor selesai: %(c)s baru, %(u)s berubah, %(n)s tetap.", c=r.get("created", 0),
              u=r.get("updated", 0), n=r.get("unchanged", 0))


register("registry-confirm", _l("Penerapan impor daftar warga"), _confirm, next_url=_to_batch,
         done_message=_confirmed)


# --- monthly premium billing (a button, and the first of each month) ---------------------------

def _bill(job, progress) -> dict:
    from sponsorship.billing import service

    month = service.parse_month(job.params.get("month", ""))
    progress(5)
    counts = service.bill_month(month, actor=job.actor, with_document=job.params.get("pdf", True))
    return {"month": month.strftime("%Y-%m"), **counts}


register("bill-month", _l("Tagihan iuran bulanan"), _bill)


def start_monthly_billing(today: date | None = None):
    """The schedule's run on the first of the month: this month's invoices and their PDFs."""
    from sponsorship.jobs.service import start

    month = (today or date.today()).replace(day=1)
    job = start("bill-month", actor=None, params={"month": month.strftime("%Y-%m"), "pdf": True})
    current_app.logger.info("monthly billing queued", extra={"job_id": job.id})
    return job


# --- the whole registry's record linkage (a button on the review queue) ------------------------

def _link_registry(job, progress) -> dict:
    from sponsorship.linkage.service import link_registry

    def report(done: int, total: int) -> None:
        progress(100 * done / total if total else None, rows_done=done, rows_total=total)

    summary = link_registry(actor=job.actor, progress=report)
    return {k: summary[k] for k in ("residents", "pairs_found", "auto", "review") if k in summary}


def _linked(job):
    r = job.result or {}
    return _l("Pencarian duplikat selesai: %(p)s pasangan, %(a)s digabung otomatis, %(r)s perlu ditinjau.",
              p=r.get("pairs_found", 0), a=r.get("auto", 0), r=r.get("review", 0))


register("link-registry", _l("Pencarian duplikat di seluruh registri"), _link_registry,
         next_url=lambda job: url_for("linkage.queue"), done_message=_linked)


# --- the quarterly impact reports the agreements promise (every day; idempotent) ---------------

def _quarterly_reports(job, progress) -> dict:
    from sponsorship.documents.report import issue_due_quarterly_reports

    return issue_due_quarterly_reports()


register("quarterly-reports", _l("Laporan dampak triwulanan"), _quarterly_reports)
