"""The city's UHC dashboard, recording figures, and XLSX downloads of each chart's data."""
from __future__ import annotations

import io
from datetime import date

from babel.numbers import format_decimal
from flask import Blueprint, abort, flash, redirect, render_template, send_file, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from markupsafe import Markup

from sponsorship import policy
from sponsorship.audit.service import latest_event_id
from sponsorship.core import export as spreadsheet
from sponsorship.core.cache import FragmentCache
from sponsorship.core.formatting import ui_locale as _ui_locale
from sponsorship.core.forms import form_refusals
from sponsorship.uhc import service
from sponsorship.uhc.forms import FigureForm, ImportForm
from sponsorship.uhc.models import CoverageFigure

bp = Blueprint("uhc", __name__, url_prefix="/uhc")

MAX_CSV_BYTES = 512 * 1024


@bp.app_template_filter("angka")
def angka(value) -> str:
    """A count with the UI language's grouping: 239.344 (id), 239,344 (en)."""
    return "–" if value is None else format_decimal(value, locale=_ui_locale())


@bp.app_template_filter("persen")
def persen(value, digits: int = 2) -> str:
    """A percentage with fixed decimals: 98,79 % (id)."""
    if value is None:
        return "–"
    pattern = "#,##0." + "0" * digits if digits else "#,##0"
    return format_decimal(round(value, digits), format=pattern, locale=_ui_locale()) + " %"


@bp.app_context_processor
def inject_uhc_summary():
    # The approver's home includes uhc/_summary.html, which calls this only when rendered.
    return {"uhc_summary_html": summary_html}


dashboard_cache = FragmentCache()
summary_cache = FragmentCache(size=8)


def summary_html() -> Markup:
    """The approver's one-screen summary, rendered again only when its data changed."""
    key = (_ui_locale(), latest_event_id())
    return summary_cache.template(key, "uhc/_summary_body.html", lambda: {"s": service.summary()})


@bp.route("/")
@policy.require("uhc.view")
def dashboard():
    # The body (charts, tables, formatting of every month) is the costly part: rendered again
    # only when a figure, pledge, company or setting changed. It holds no user data or token.
    can_edit = policy.can("uhc.edit")
    key = (_ui_locale(), can_edit, latest_event_id())
    body = dashboard_cache.template(key, "uhc/_dashboard_body.html",
                                    lambda: {"can_edit": can_edit, **service.dashboard()})
    return render_template("uhc/dashboard.html", body=body)


@bp.route("/figures/new", methods=["GET", "POST"])
@policy.require("uhc.edit")
def create():
    form = FigureForm()
    if form.validate_on_submit():
        with form_refusals(form) as outcome:
            service.record_figure(actor=current_user, data=form.data)
        if outcome.ok:
            flash(_l("Angka kepesertaan disimpan."), "success")
            return redirect(url_for(".dashboard"))
    return render_template("uhc/figure_form.html", form=form, figure=None)


@bp.route("/figures/<int:figure_id>/edit", methods=["GET", "POST"])
@policy.require("uhc.edit")
def edit(figure_id: int):
    figure = policy.get_or_404(CoverageFigure, figure_id, "uhc.edit", view_action="uhc.view")
    form = FigureForm(obj=figure)
    if form.validate_on_submit():
        with form_refusals(form) as outcome:
            service.update_figure(figure, actor=current_user, data=form.data)
        if outcome.ok:
            flash(_l("Perubahan disimpan."), "success")
            return redirect(url_for(".dashboard"))
    return render_template("uhc/figure_form.html", form=form, figure=figure)


@bp.route("/figures/import", methods=["GET", "POST"])
@policy.require("uhc.edit")
def import_csv():
    form = ImportForm()
    problems: list[tuple[int, str]] = []
    if form.validate_on_submit():
        raw = form.file.data.read(MAX_CSV_BYTES + 1)
        if len(raw) > MAX_CSV_BYTES:
            form.file.errors = [_l("Berkas terlalu besar (paling besar 512 KB).")]
        else:
            try:
                text = raw.decode("utf-8-sig")
            except UnicodeDecodeError:
                text = raw.decode("cp1252", errors="replace")
            with form_refusals(None) as outcome:
                figures = service.import_figures(actor=current_user, text=text)
            if isinstance(outcome.error, service.ImportRejected):
                problems = outcome.error.problems
            if not outcome.ok:
                flash(outcome.error.message, "danger")
            else:
                flash(_l("%(n)s bulan diimpor.", n=len(figures)), "success")
                return redirect(url_for(".dashboard"))
    status = 422 if problems else 200
    return render_template("uhc/import.html", form=form, problems=problems), status


# --- XLSX downloads: each chart's data as a sheet --------------------------------------------

def _trend_sheet(data: dict):
    limits = data["limits"]
    header = [str(_l("Bulan")), str(_l("Penduduk")), str(_l("Terdaftar")), str(_l("Aktif")),
              str(_l("Kepesertaan (%)")), str(_l("Keaktifan (%)")), str(_l("Ambang kepesertaan (%)")),
              str(_l("Ambang keaktifan (%)")), str(_l("Sumber"))]
    rows = [[f.month, f.population, f.registered, f.active, round(f.coverage, 2), round(f.activity, 2),
             limits["coverage"], limits["activity"], f.source_note or ""] for f in data["figures"]]
    return str(_l("Kepesertaan dan keaktifan")), header, rows


def _pledges_sheet(data: dict):
    header = [str(_l("Perusahaan")), str(_l("Program")), str(_l("Jumlah komitmen")),
              str(_l("Kuota orang")), str(_l("Nilai (Rp)"))]
    rows = [[r["company"], str(r["programme_label"]), r["count"], r["persons"], r["amount"]]
            for r in data["by_company"]]
    return str(_l("Komitmen per perusahaan")), header, rows


SHEETS = {"trend": _trend_sheet, "pledges": _pledges_sheet}


@bp.route("/export/<name>.xlsx")
@policy.require("uhc.view")
def export(name: str):
    builder = SHEETS.get(name) or abort(404)
    title, header, rows = builder(service.dashboard())
    body = spreadsheet.to_xlsx([spreadsheet.Sheet(
        title=title, header=header, rows=rows, widths=(14, 14, 14, 14, 16, 16, 18, 18, 40),
        number_formats={date: "yyyy-mm", int: "#,##0"})])
    buffer = io.BytesIO(body)
    return send_file(buffer, as_attachment=True, download_name=f"uhc-{name}.xlsx",
                     mimetype=spreadsheet.XLSX_MIME)
