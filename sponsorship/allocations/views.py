"""Allocation screens for staff (per premium pledge) and the sponsor's coverage page (masked)."""
from __future__ import annotations

from datetime import date

from flask import Blueprint, Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import func, select

from sponsorship import policy
from sponsorship.allocations import export, service
from sponsorship.allocations.models import END_REASONS, HOLDING, Allocation
from sponsorship.beneficiaries import service as registry
from sponsorship.beneficiaries.models import Beneficiary
from sponsorship.beneficiaries.text import initials
from sponsorship.core import export as spreadsheet
from sponsorship.core.pagination import keyset_page
from sponsorship.eligibility import service as eligibility
from sponsorship.extensions import db
from sponsorship.pledges.models import PREMIUM, Pledge
from sponsorship.regions.models import Region

bp = Blueprint("allocations", __name__, url_prefix="/allocations")
portal_bp = Blueprint("coverage", __name__, url_prefix="/portal/coverage")


def _pledge(pledge_id: int, action: str = "allocation.view") -> Pledge:
    pledge = policy.get_or_404(Pledge, pledge_id, action, view_action="pledge.view")
    if pledge.programme != PREMIUM:
        abort(404)
    return pledge


def _month(value: str | None) -> date | None:
    try:
        y, m = (value or "").split("-")[:2]
        return date(int(y), int(m), 1)
    except ValueError:
        return None


@bp.route("/pledge/<int:pledge_id>", methods=["GET"])
@policy.require("allocation.view")
def pledge(pledge_id: int):
    return _pledge_page(_pledge(pledge_id), q="")


@bp.route("/pledge/<int:pledge_id>/search", methods=["POST"])
@policy.require("allocation.manage")
def search(pledge_id: int):
    """Eligible residents by name, KK or NIK; a POST, so a NIK never appears in a URL."""
    return _pledge_page(_pledge(pledge_id, "allocation.manage"), q=request.form.get("q", "").strip())


def _pledge_page(p: Pledge, *, q: str):
    status = request.args.get("status", "holding")
    stmt = service.pledge_allocations(p, holding_only=status == "holding")
    allocations = keyset_page(stmt, (Allocation.id,), lambda allocation_id: (allocation_id,),
                              per_page=current_app.config["PAGE_SIZE"])
    candidates = []
    if q:
        candidates = db.session.scalars(registry.search_stmt(q=q).where(eligibility.eligible_clause())
                                        .order_by(Beneficiary.name_search).limit(20)).all()
    return render_template("allocations/pledge.html", pledge=p, allocations=allocations, q=q,
                           candidates=candidates, free=service.free_slots(p), END_REASONS=END_REASONS,
                           status=status, moves=service.ALLOCATION_FLOW, rules=eligibility.in_force())


@bp.route("/pledge/<int:pledge_id>/add", methods=["POST"])
@policy.require("allocation.manage")
def add(pledge_id: int):
    p = _pledge(pledge_id, "allocation.manage")
    b = db.session.get(Beneficiary, request.form.get("beneficiary_id", type=int)) or abort(400)
    service.allocate(p, b, actor=current_user, start_month=_month(request.form.get("start_month")))
    flash(_l("%(n)s dialokasikan.", n=b.name), "success")
    return redirect(url_for(".pledge", pledge_id=p.id))


@bp.route("/pledge/<int:pledge_id>/fill", methods=["POST"])
@policy.require("allocation.manage")
def fill_preview(pledge_id: int):
    p = _pledge(pledge_id, "allocation.manage")
    chosen = service.preview_fill(p, actor=current_user)
    return render_template("allocations/fill.html", pledge=p, chosen=chosen, rules=eligibility.in_force(),
                           start_month=request.form.get("start_month") or p.start_month.strftime("%Y-%m"))


@bp.route("/pledge/<int:pledge_id>/fill/confirm", methods=["POST"])
@policy.require("allocation.manage")
def fill_confirm(pledge_id: int):
    p = _pledge(pledge_id, "allocation.manage")
    ids = [int(i) for i in request.form.getlist("beneficiary_id") if i.isdigit()]
    n = service.fill_by_priority(p, actor=current_user, beneficiary_ids=ids,
                                 start_month=_month(request.form.get("start_month")))
    flash(_l("%(n)s warga dialokasikan menurut prioritas.", n=n), "success")
    return redirect(url_for(".pledge", pledge_id=p.id))


def _allocation(allocation_id: int) -> Allocation:
    alloc = db.session.get(Allocation, allocation_id) or abort(404)
    _pledge(alloc.pledge_id, "allocation.manage")
    return alloc


@bp.route("/<int:allocation_id>/move/<name>", methods=["POST"])
@policy.require("allocation.manage")
def move(allocation_id: int, name: str):
    alloc = _allocation(allocation_id)
    service.transition_allocation(alloc, name, actor=current_user, reason=request.form.get("reason"),
                                  end_month=_month(request.form.get("end_month")))
    flash(_l("Alokasi: %(s)s.", s=alloc.status_label), "success")
    return redirect(url_for(".pledge", pledge_id=alloc.pledge_id))


@bp.route("/<int:allocation_id>/replace", methods=["POST"])
@policy.require("allocation.manage")
def replace(allocation_id: int):
    alloc = _allocation(allocation_id)
    newcomer = registry.find_by_nik(request.form.get("nik", "")) or db.session.get(
        Beneficiary, request.form.get("beneficiary_id", type=int) or 0)
    if newcomer is None:
        flash(_l("Warga pengganti tidak ditemukan."), "danger")
        return redirect(url_for(".pledge", pledge_id=alloc.pledge_id))
    service.replace_allocation(alloc, newcomer, actor=current_user)
    flash(_l("Alokasi diganti."), "success")
    return redirect(url_for(".pledge", pledge_id=alloc.pledge_id))


@bp.route("/pledge/<int:pledge_id>/export.<fmt>")
@policy.require("allocation.manage")
def export_file(pledge_id: int, fmt: str):
    p = _pledge(pledge_id, "allocation.manage")
    if fmt not in ("csv", "xlsx"):
        abort(404)
    data = export.rows(db.session.scalars(service.pledge_allocations(p, holding_only=True)).all())
    if fmt == "csv":
        body, mime = export.to_csv(data), spreadsheet.CSV_MIME
    else:
        body, mime = export.to_xlsx(data), spreadsheet.XLSX_MIME
    return Response(body, mimetype=mime, headers={
        "Content-Disposition": f"attachment; filename=pendaftaran-bpjs-komitmen-{p.id}.{fmt}"})


@bp.route("/export-columns")
@policy.require("allocation.view")
def export_columns():
    return render_template("allocations/export_columns.html", columns=export.EXPORT_COLUMNS)


# --- the sponsor's view: its own pledges, masked ------------------------------------------------

@portal_bp.route("/")
@policy.require("coverage.view")
def index():
    pledges = db.session.scalars(policy.scope(select(Pledge), Pledge).where(Pledge.programme == PREMIUM)
                                 .order_by(Pledge.id.desc())).all()
    return render_template("allocations/coverage_index.html", pledges=pledges)


@portal_bp.route("/<int:pledge_id>")
@policy.require("coverage.view")
def pledge_coverage(pledge_id: int):
    p = _pledge(pledge_id, "coverage.view")
    holding = (Allocation.pledge_id == p.id, Allocation.status.in_(HOLDING))
    by_kecamatan = db.session.execute(
        select(Region.kecamatan_name, func.count()).select_from(Allocation)
        .join(Beneficiary, Allocation.beneficiary_id == Beneficiary.id)
        .join(Region, Beneficiary.region_code == Region.code)
        .where(*holding).group_by(Region.kecamatan_name).order_by(Region.kecamatan_name)).all()
    by_month = db.session.execute(
        select(Allocation.start_month, func.count()).where(*holding)
        .group_by(Allocation.start_month).order_by(Allocation.start_month)).all()
    rows = db.session.execute(
        select(Beneficiary.nik_masked, Beneficiary.name, Region.name, Allocation.start_month,
               Allocation.status)
        .select_from(Allocation).join(Beneficiary, Allocation.beneficiary_id == Beneficiary.id)
        .outerjoin(Region, Beneficiary.region_code == Region.code)
        .where(*holding).order_by(Allocation.id)).all()
    people = [{"nik": r[0], "initials": initials(r[1]), "kelurahan": r[2], "start": r[3], "status": r[4]}
              for r in rows]
    return render_template("allocations/coverage.html", pledge=p, by_kecamatan=by_kecamatan,
                           by_month=by_month, people=people)
