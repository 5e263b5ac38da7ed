"""Registry screens: search, detail, import with preview, reconciliation queue."""
from __future__ import annotations

from flask import Blueprint, Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select

from sponsorship import jobs, policy
from sponsorship.allocations.models import Allocation
from sponsorship.audit.service import history
from sponsorship.beneficiaries import importer, service
from sponsorship.beneficiaries.models import (
    JKN_STATUSES,
    RECONCILED_FIELDS,
    RECORD_SOURCES,
    SEGMENTS,
    SOURCES,
    Beneficiary,
    Discrepancy,
    ImportBatch,
    SourceRecord,
)
from sponsorship.core import export as spreadsheet
from sponsorship.core.errors import DomainError
from sponsorship.core.http import page_number
from sponsorship.core.pagination import keyset_page
from sponsorship.eligibility import service as eligibility
from sponsorship.eligibility.forms import FactsForm
from sponsorship.extensions import db
from sponsorship.identity import cipher
from sponsorship.jobs.kinds import keep_upload
from sponsorship.regions.service import all_regions

bp = Blueprint("beneficiaries", __name__, url_prefix="/beneficiaries")


@bp.route("/")
@policy.require("beneficiary.list")
def index():
    args = {k: request.args.get(k, "") for k in ("q", "region", "segment", "status", "eligible")}
    listing = service.registry_listing(**args)
    page = keyset_page(listing.stmt, listing.keys, listing.boundary, per_page=current_app.config["PAGE_SIZE"])
    ids = [b.id for b in page.items]
    # One query tells which residents on this page are eligible (same rule as the filter).
    eligible = set(db.session.scalars(select(Beneficiary.id).where(
        Beneficiary.id.in_(ids), eligibility.eligible_clause()))) if ids else set()
    return render_template("beneficiaries/index.html", page=page, filters=args, regions=all_regions(),
                           SEGMENTS=SEGMENTS, JKN_STATUSES=JKN_STATUSES, eligible=eligible)


@bp.route("/find", methods=["POST"])
@policy.require("beneficiary.view")
def find():
    """Look a resident up by NIK without the NIK ever appearing in a URL."""
    raw = request.form.get("nik", "").strip()
    found = service.find_by_nik(raw)
    if found is None:
        if raw.isdigit() and len(raw) == 16:  # not a known NIK: perhaps a KK number, which may be in a URL
            return redirect(url_for(".index", q=raw))
        flash(_l("Tidak ada warga dengan NIK tersebut."), "warning")
        return redirect(url_for(".index"))
    return redirect(url_for(".detail", beneficiary_id=found.id))


@bp.route("/<int:beneficiary_id>")
@policy.require("beneficiary.view")
def detail(beneficiary_id: int):
    b = policy.get_or_404(Beneficiary, beneficiary_id, "beneficiary.view")
    records = db.session.execute(
        select(SourceRecord, ImportBatch).join(ImportBatch, SourceRecord.batch_id == ImportBatch.id)
        .where(SourceRecord.beneficiary_id == b.id).order_by(SourceRecord.id.desc()).limit(50)).all()
    allocations = db.session.scalars(select(Allocation).where(Allocation.beneficiary_id == b.id)
                                     .order_by(Allocation.id.desc())).all()
    discrepancies = db.session.scalars(select(Discrepancy).where(Discrepancy.beneficiary_id == b.id)
                                       .order_by(Discrepancy.id.desc())).all()
    nik = cipher().decrypt(b.nik_encrypted, b.nik_key_id)
    return render_template("beneficiaries/detail.html", b=b, nik=nik,
                           verdict=eligibility.explain(b), rules=eligibility.in_force(),
                           facts_form=FactsForm(obj=b), records=records,
                           allocations=allocations, discrepancies=discrepancies,
                           events=history("beneficiary", b.id), SOURCES=RECORD_SOURCES,
                           COLUMNS=importer.COLUMNS)


# --- import ------------------------------------------------------------------------------------

@bp.route("/import", methods=["GET", "POST"])
@policy.require("beneficiary.import")
def import_upload():
    if request.method == "POST":
        source = request.form.get("source", "")
        upload = request.files.get("file")
        if upload is None or not upload.filename:
            flash(_l("Pilih berkas CSV atau XLSX."), "danger")
            return redirect(url_for(".import_upload"))
        if source not in SOURCES:
            flash(_l("Pilih sumber data."), "danger")
            return redirect(url_for(".import_upload"))
        # Checking and comparing a large list takes long: a job does it off the request (the
        # upload is kept encrypted for it), and its page shows the progress, then the preview.
        policy.authorise("beneficiary.import", user=current_user)
        job = jobs.start("registry-preview", actor=current_user, params={
            "upload": keep_upload(upload.read()), "file_name": upload.filename[:255], "source": source})
        return redirect(url_for("jobs.detail", job_id=job.id))
    return render_template("beneficiaries/import.html", SOURCES=SOURCES, batches=_recent_batches(),
                           selected=request.args.get("source", "manual"))


def _recent_batches():
    return db.session.scalars(select(ImportBatch).order_by(ImportBatch.id.desc()).limit(10)).all()


@bp.route("/import/<int:batch_id>")
@policy.require("beneficiary.import")
def import_preview(batch_id: int):
    batch = db.session.get(ImportBatch, batch_id) or abort(404)
    return render_template("beneficiaries/import_preview.html", batch=batch,
                           invalid=service.preview_invalid_rows(batch))


@bp.route("/import/<int:batch_id>/confirm", methods=["POST"])
@policy.require("beneficiary.import")
def import_confirm(batch_id: int):
    batch = db.session.get(ImportBatch, batch_id) or abort(404)
    if batch.status != "previewed":
        raise DomainError(service.IMPORT_FLOW.stale_message)
    policy.authorise("beneficiary.import", user=current_user)
    job = jobs.start("registry-confirm", actor=current_user, params={"batch_id": batch.id},
                     rows_total=batch.total_rows)
    return redirect(url_for("jobs.detail", job_id=job.id))


@bp.route("/import/columns")
@policy.require("beneficiary.import")
def import_columns():
    return render_template("beneficiaries/columns.html", SOURCES=SOURCES, COLUMNS=importer.COLUMNS,
                           AGENCY_COLUMNS=importer.AGENCY_COLUMNS, REQUIRED=importer.REQUIRED,
                           regions=all_regions())


@bp.route("/import/template-<source>.csv")
@policy.require("beneficiary.import")
def import_template(source: str):
    if source not in SOURCES:
        abort(404)
    return Response(spreadsheet.to_csv(list(importer.columns_for(source)), []), mimetype=spreadsheet.CSV_MIME,
                    headers={"Content-Disposition": f"attachment; filename=templat-{source}.csv"})


# --- reconciliation ----------------------------------------------------------------------------

@bp.route("/discrepancies")
@policy.require("discrepancy.resolve")
def discrepancies():
    field = request.args.get("field", "")
    stmt = select(Discrepancy).where(Discrepancy.status == "open").options(
        db.joinedload(Discrepancy.beneficiary))
    if field in RECONCILED_FIELDS:
        stmt = stmt.where(Discrepancy.field == field)
    page = db.paginate(stmt.order_by(Discrepancy.id), page=page_number(),
                       per_page=current_app.config["PAGE_SIZE"], error_out=False)
    return render_template("beneficiaries/discrepancies.html", page=page,
                           summary=service.discrepancy_summary(),
                           FIELDS=RECONCILED_FIELDS, SOURCES=RECORD_SOURCES, field=field)


@bp.route("/discrepancies/<int:discrepancy_id>/resolve", methods=["POST"])
@policy.require("discrepancy.resolve")
def resolve(discrepancy_id: int):
    d = db.session.get(Discrepancy, discrepancy_id) or abort(404)
    service.resolve_discrepancy(d, actor=current_user, source=request.form.get("source", ""),
                                note=request.form.get("note"))
    flash(_l("Perbedaan data diselesaikan."), "success")
    return redirect(request.form.get("next_detail") and url_for(".detail", beneficiary_id=d.beneficiary_id)
                    or url_for(".discrepancies"))


@bp.route("/discrepancies/bulk", methods=["POST"])
@policy.require("discrepancy.resolve")
def bulk_rule():
    source = request.form.get("source", "")
    if source not in SOURCES:
        abort(400)
    n = service.apply_bulk_rule(actor=current_user, source=source, fields=request.form.getlist("fields"))
    flash(_l("%(n)s perbedaan diselesaikan dengan aturan massal.", n=n), "success")
    return redirect(url_for(".discrepancies"))
