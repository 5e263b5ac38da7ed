"""The review queue of probable duplicates, a pair side by side, merges and their undoing."""
from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select

from sponsorship import policy
from sponsorship.beneficiaries.models import RECORD_SOURCES
from sponsorship.core.http import page_number
from sponsorship.extensions import db
from sponsorship.linkage import service
from sponsorship.linkage.models import LinkCandidate, ResidentMerge
from sponsorship.regions.service import kelurahan_name

bp = Blueprint("linkage", __name__, url_prefix="/linkage")


@bp.route("/")
@policy.require("linkage.review")
def queue():
    stmt = select(LinkCandidate).where(LinkCandidate.status == "open").order_by(
        LinkCandidate.probability.desc(), LinkCandidate.id)
    page = db.paginate(stmt, page=page_number(), per_page=current_app.config["PAGE_SIZE"], error_out=False)
    merges = db.session.scalars(select(ResidentMerge).order_by(ResidentMerge.id.desc()).limit(20)).all()
    return render_template("linkage/queue.html", page=page, merges=merges,
                           registry_size=service.registry_size())


@bp.route("/<int:candidate_id>")
@policy.require("linkage.review")
def pair(candidate_id: int):
    candidate = policy.get_or_404(LinkCandidate, candidate_id, "linkage.review")
    return render_template("linkage/pair.html", c=candidate, view=service.side_by_side(candidate),
                           SOURCES=RECORD_SOURCES, kelurahan=kelurahan_name, LABELS=FIELD_LABELS,
                           LEVELS=LEVEL_LABELS)


FIELD_LABELS = {"name": _l("Nama"), "birth_date": _l("Tanggal lahir"), "sex": _l("Jenis kelamin"),
                "kelurahan": _l("Kelurahan"), "kk": _l("No. KK"), "nik": _l("NIK")}
# The model's level labels (sponsorship.linkage.engine), as a reviewer reads them.
LEVEL_LABELS = {
    "null": _l("tidak ada di salah satu catatan"),
    "same": _l("sama"),
    "different": _l("berbeda"),
    "same (variants, case, spacing ignored)": _l("sama (varian ejaan, huruf besar/kecil, spasi diabaikan)"),
    "same words, other order": _l("kata sama, urutan lain"),
    "one or two letters apart": _l("beda satu atau dua huruf"),
    "first or last word": _l("hanya kata pertama atau terakhir sama"),
    "day and month swapped": _l("tanggal dan bulan tertukar"),
    "same year": _l("tahun sama"),
    "same kelurahan": _l("kelurahan sama"),
    "same kecamatan": _l("kecamatan sama"),
    "elsewhere": _l("di tempat lain"),
    "same family card": _l("KK sama"),
    "one digit wrong or two swapped": _l("beda satu digit atau dua digit tertukar"),
    "same region and birth date": _l("wilayah dan tanggal lahir sama"),
}


@bp.route("/<int:candidate_id>/decide", methods=["POST"])
@policy.require("linkage.decide")
def decide(candidate_id: int):
    candidate = policy.get_or_404(LinkCandidate, candidate_id, "linkage.decide")
    decision = request.form.get("decision", "")
    if decision not in ("same", "different"):
        abort(400)
    keep = request.form.get("keep", type=int)
    service.decide(candidate, actor=current_user, same=decision == "same", keep_id=keep,
                   note=request.form.get("note"))
    flash(_l("Diputuskan: orang yang sama.") if decision == "same" else _l("Diputuskan: orang berbeda."),
          "success")
    return redirect(url_for(".queue"))


@bp.route("/merges/<int:merge_id>/unmerge", methods=["POST"])
@policy.require("linkage.unmerge")
def unmerge(merge_id: int):
    record = policy.get_or_404(ResidentMerge, merge_id, "linkage.unmerge")
    service.unmerge(record, actor=current_user)
    flash(_l("Penggabungan dibatalkan; kedua warga kembali seperti semula."), "success")
    return redirect(url_for(".queue"))


@bp.route("/run", methods=["POST"])
@policy.require("linkage.run")
def run():
    """Look for probable duplicates across the whole registry, in the background: the job's page
    shows its progress, then comes back to the queue with what it found."""
    from sponsorship.jobs.service import start

    policy.authorise("linkage.run", user=current_user)
    job = start("link-registry", actor=current_user, rows_total=service.registry_size())
    return redirect(url_for("jobs.detail", job_id=job.id))
    summary = service.link_registry(actor=current_user)
    flash(_l("Pencarian duplikat selesai: %(p)s pasangan, %(a)s digabung otomatis, %(r)s perlu ditinjau.",
             p=summary["pairs_found"], a=summary["auto"], r=summary["review"]), "success")
    return redirect(url_for(".queue"))
