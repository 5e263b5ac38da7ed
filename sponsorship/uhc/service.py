"""Recording coverage figures (form or CSV) and computing the city dashboard in SQL."""
from __future__ import annotations

import math
import re
from datetime import date

from flask_babel import lazy_gettext as _l

from sponsorship.audit import service as audit
from sponsorship.auth.models import ADMIN, STAFF
from sponsorship.core.csvtext import csv_reader
from sponsorship.core.errors import DomainError, PermissionDenied
from sponsorship.extensions import db
from sponsorship.pledges.models import ACTIVE, AGREED, CANCELLED, DRAFT, PREMIUM, PROGRAMMES, Pledge
from sponsorship.settings.service import get_setting
from sponsorship.sponsors.models import Sponsor
from sponsorship.uhc.models import APPROVALS, CoverageFigure

EDITORS = frozenset({ADMIN, STAFF})
MAX_PEOPLE = 10_000_000  # a sanity bound far above any Indonesian city
MAX_IMPORT_LINES = 1_000


# --- recording figures ---------------------------------------------------------------------

def _guard(actor) -> None:
    if getattr(actor, "role", None) not in EDITORS:
        raise PermissionDenied(_l("Hanya staf yang dapat mencatat angka kepesertaan."))


def _check(month: date | None, population, registered, active,
           city_funded: int | None = None) -> list[tuple[str, object]]:
    """The rules a month's figures must meet, as (field, message) pairs; empty when valid."""
    errors: list[tuple[str, object]] = []
    if month is None:
        errors.append(("month", _l("Bulan wajib diisi.")))
    for name, value, label in (("population", population, _l("Jumlah penduduk")),
                               ("registered", registered, _l("Jumlah peserta terdaftar")),
                               ("active", active, _l("Jumlah peserta aktif"))):
        if value is None:
            errors.append((name, _l("%(f)s wajib diisi.", f=label)))
        elif not 0 <= value <= MAX_PEOPLE:
            errors.append((name, _l("%(f)s harus antara 0 dan %(n)s.", f=label, n=f"{MAX_PEOPLE:,}")))
    if population is not None and population == 0:
        errors.append(("population", _l("Jumlah penduduk harus lebih dari nol.")))
    if registered is not None and active is not None and active > registered:
        errors.append(("active", _l("Peserta aktif tidak boleh melebihi peserta terdaftar.")))
    top = registered if registered is not None else MAX_PEOPLE
    if city_funded is not None and not 0 <= city_funded <= top:
        errors.append(("city_funded", _l("Peserta dibiayai APBD harus antara 0 dan jumlah peserta "
                                         "terdaftar.")))
    return errors


def _month_taken(month: date, exclude_id: int | None = None) -> bool:
    stmt = db.select(CoverageFigure.id).where(CoverageFigure.month == month)
    if exclude_id is not None:
        stmt = stmt.where(CoverageFigure.id != exclude_id)
    return db.session.scalar(stmt) is not None


def _apply(figure: CoverageFigure, data: dict) -> None:
    month = data.get("month")
    month = month.replace(day=1) if month else None
    population, registered, active = data.get("population"), data.get("registered"), data.get("active")
    city_funded = data.get("city_funded")
    errors = _check(month, population, registered, active, city_funded)
    approval = data.get("bpjs_approval") or "not_submitted"
    if approval not in APPROVALS:
        errors.append(("bpjs_approval", _l("Status persetujuan tidak dikenal.")))
    if errors:
        name, message = errors[0]
        raise DomainError(message, field=name)
    if _month_taken(month, figure.id):
        raise DomainError(_l("Angka untuk bulan ini sudah tercatat; ubah data yang ada."), field="month")
    figure.month, figure.population = month, population
    figure.registered, figure.active = registered, active
    figure.city_funded, figure.bpjs_approval = city_funded, approval
    figure.city_premium_arrears = bool(data.get("city_premium_arrears"))
    figure.source_note = (data.get("source_note") or "").strip() or None


def record_figure(*, actor, data: dict) -> CoverageFigure:
    _guard(actor)
    figure = CoverageFigure(recorded_by_id=actor.id)
    with db.session.no_autoflush:
        _apply(figure, data)
    db.session.add(figure)
    db.session.flush()
    audit.record_create(figure, actor=actor)
    return figure


def update_figure(figure: CoverageFigure, *, actor, data: dict) -> CoverageFigure:
    _guard(actor)
    with db.session.no_autoflush:
        _apply(figure, data)
    audit.record_update(figure, actor=actor)
    return figure


# --- CSV import: all lines or none ----------------------------------------------------------

HEADER_ALIASES = {
    "month": {"bulan", "month"},
    "population": {"penduduk", "jumlah_penduduk", "population"},
    "registered": {"terdaftar", "peserta_terdaftar", "registered"},
    "active": {"aktif", "peserta_aktif", "active"},
    "source_note": {"sumber", "keterangan", "catatan", "source", "source_note"},
    # UHC Prioritas, optional
    "city_funded": {"pbpu_pemda", "dibiayai_apbd", "city_funded"},
    "city_premium_arrears": {"tunggakan_pemda", "city_premium_arrears"},
    "bpjs_approval": {"persetujuan_bpjs", "status_bpjs", "bpjs_approval"},
}
APPROVALS_WRITTEN = {"": "not_submitted", "belum": "not_submitted", "belum diajukan": "not_submitted",
                     "diajukan": "submitted", "disetujui": "approved", "ditolak": "rejected",
                     **{k: k for k in APPROVALS}}
YES = {"ya", "y", "1", "true", "ada"}
REQUIRED = ("month", "population", "registered", "active")


class ImportRejected(DomainError):
    """The file was refused; `problems` lists (line number, reason) for every bad line."""

    status_code = 422

    def __init__(self, problems: list[tuple[int, str]]) -> None:
        super().__init__(_l("Berkas ditolak: %(n)s baris bermasalah; tidak ada data yang disimpan.",
                            n=len(problems)))
        self.problems = problems


def _parse_month(text: str) -> date | None:
    text = text.strip()
    for pattern, order in ((r"(\d{4})-(\d{1,2})(?:-01)?", "ym"), (r"(\d{1,2})[/-](\d{4})", "my")):
        m = re.fullmatch(pattern, text)
        if m:
            a, b = int(m.group(1)), int(m.group(2))
            year, month = (a, b) if order == "ym" else (b, a)
            if 1 <= month <= 12 and 2000 <= year <= 2100:
                return date(year, month, 1)
    return None


def _parse_count(text: str) -> int | None:
    """Whole numbers as people type them: 242285, 242.285 or 242,285 (never a decimal)."""
    text = text.strip().replace(" ", "")
    if re.fullmatch(r"\d{1,3}([.,]\d{3})+|\d+", text):
        return int(re.sub(r"[.,]", "", text))
    return None


def _header_map(header: list[str]) -> dict[str, int]:
    out: dict[str, int] = {}
    for index, name in enumerate(header):
        key = re.sub(r"\s+", "_", name.strip().lower().lstrip("\ufeff"))
        for target, aliases in HEADER_ALIASES.items():
            if key in aliases and target not in out:
                out[target] = index
    return out


def parse_csv(text: str) -> tuple[list[dict], list[tuple[int, str]]]:
    """Rows ready for `record_figure` and the problems found, each as (line, reason)."""
    reader = csv_reader(text)
    problems: list[tuple[int, str]] = []
    rows: list[dict] = []
    header = next(reader, None)
    if not header:
        return [], [(1, str(_l("Berkas kosong.")))]
    columns = _header_map(header)
    missing = [name for name in REQUIRED if name not in columns]
    if missing:
        return [], [(1, str(_l("Kolom wajib tidak ada: %(c)s. Kepala kolom: bulan, penduduk, terdaftar, "
                                "aktif, sumber.", c=", ".join(missing))))]
    seen: dict[date, int] = {}
    for line_no, values in enumerate(reader, start=2):
        if not any(v.strip() for v in values):
            continue
        if line_no > MAX_IMPORT_LINES + 1:
            problems.append((line_no, str(_l("Terlalu banyak baris (paling banyak %(n)s).",
                                             n=MAX_IMPORT_LINES))))
            break

        def cell(name: str, values=values) -> str:
            index = columns.get(name)
            return values[index] if index is not None and index < len(values) else ""

        reasons: list[str] = []
        month = _parse_month(cell("month"))
        if month is None:
            reasons.append(str(_l("bulan \"%(v)s\" tidak dikenali (tulis TTTT-BB, mis. 2025-04)",
                                  v=cell("month").strip())))
        counts = {}
        for name, label in (("population", _l("penduduk")), ("registered", _l("terdaftar")),
                            ("active", _l("aktif"))):
            raw = cell(name)
            counts[name] = _parse_count(raw)
            if counts[name] is None:
                reasons.append(str(_l("%(f)s \"%(v)s\" bukan bilangan bulat", f=label, v=raw.strip())))
        extra: dict = {}
        funded = cell("city_funded").strip()
        if funded:
            extra["city_funded"] = _parse_count(funded)
            if extra["city_funded"] is None:
                reasons.append(str(_l("pbpu_pemda \"%(v)s\" bukan bilangan bulat", v=funded)))
        extra["city_premium_arrears"] = cell("city_premium_arrears").strip().lower() in YES
        approval = APPROVALS_WRITTEN.get(cell("bpjs_approval").strip().lower())
        if approval is None:
            reasons.append(str(_l("persetujuan_bpjs \"%(v)s\" tidak dikenal (belum, diajukan, disetujui, "
                                  "ditolak)", v=cell("bpjs_approval").strip())))
        extra["bpjs_approval"] = approval
        if not reasons:
            reasons += [str(msg) for _, msg in _check(month, **counts, city_funded=extra.get("city_funded"))]
        if month is not None:
            if month in seen:
                reasons.append(str(_l("bulan %(m)s sudah ada di baris %(l)s", m=f"{month:%Y-%m}",
                                      l=seen[month])))
            else:
                seen[month] = line_no
        if reasons:
            problems.append((line_no, "; ".join(reasons)))
            continue
        rows.append({"month": month, **counts, **extra, "source_note": cell("source_note")[:300]})
    if seen:
        taken = set(db.session.scalars(db.select(CoverageFigure.month)
                                       .where(CoverageFigure.month.in_(list(seen)))))
        for month in sorted(taken):
            reason = _l("bulan %(m)s sudah tercatat di sistem", m=f"{month:%Y-%m}")
            problems.append((seen[month], str(reason)))
    if not rows and not problems:
        problems.append((2, str(_l("Tidak ada baris data."))))
    problems.sort()
    return rows, problems


def import_figures(*, actor, text: str) -> list[CoverageFigure]:
    """Record every line of a BPJS figures CSV, or none of them (ImportRejected lists why)."""
    _guard(actor)
    rows, problems = parse_csv(text)
    if problems:
        raise ImportRejected(problems=problems)
    figures = [record_figure(actor=actor, data=row) for row in rows]
    return figures


# --- the dashboard --------------------------------------------------------------------------

def thresholds() -> dict[str, float]:
    """Coverage and activity thresholds from the settings."""
    return {"coverage": get_setting("uhc_coverage_threshold"),
            "activity": get_setting("uhc_activity_threshold"),
            "city_share": get_setting("uhc_city_share_threshold")}


def trend(limit: int | None = None) -> list[CoverageFigure]:
    """Figures by month, oldest first (the most recent `limit` when given)."""
    stmt = db.select(CoverageFigure).order_by(CoverageFigure.month.desc())
    if limit:
        stmt = stmt.limit(limit)
    return list(reversed(db.session.scalars(stmt).all()))


def activity_gap(figure: CoverageFigure | None, threshold: float) -> dict | None:
    """How many more active participants reach the threshold, with the arithmetic shown."""
    if figure is None:
        return None
    # Integer arithmetic in basis points of a percent avoids 0.8 * n rounding surprises.
    bp = round(threshold * 100)
    needed_active = math.ceil(figure.registered * bp / 10_000) if figure.registered else 0
    return {"month": figure.month, "registered": figure.registered, "active": figure.active,
            "threshold": threshold, "needed_active": needed_active,
            "gap": max(0, needed_active - figure.active)}


def pledged_slots() -> dict[str, int]:
    """Persons covered by premium pledges: agreed or active, and the same plus drafts."""
    quota = db.func.coalesce(db.func.sum(Pledge.quota), 0)
    rows = dict(db.session.execute(
        db.select(Pledge.status, quota)
        .where(Pledge.programme == PREMIUM, Pledge.status.in_((DRAFT, AGREED, ACTIVE)))
        .group_by(Pledge.status)
    ).all())
    firm = int(rows.get(AGREED, 0)) + int(rows.get(ACTIVE, 0))
    return {"firm": firm, "draft": int(rows.get(DRAFT, 0)), "with_drafts": firm + int(rows.get(DRAFT, 0))}


def pledges_by_company() -> list[dict]:
    """Live pledges (not cancelled) per company and programme: count, persons, Rupiah."""
    rows = db.session.execute(
        db.select(Sponsor.id, Sponsor.name, Sponsor.short_name, Pledge.programme,
                  db.func.count(Pledge.id), db.func.coalesce(db.func.sum(Pledge.quota), 0),
                  db.func.sum(Pledge.total_amount))
        .join(Pledge, Pledge.sponsor_id == Sponsor.id)
        .where(Pledge.status != CANCELLED)
        .group_by(Sponsor.id, Sponsor.name, Sponsor.short_name, Pledge.programme)
        .order_by(db.func.sum(Pledge.total_amount).desc(), Sponsor.name)
    ).all()
    return [{"sponsor_id": sid, "company": short or name, "programme": programme,
             "programme_label": PROGRAMMES[programme], "count": count, "persons": int(persons),
             "amount": int(amount)} for sid, name, short, programme, count, persons, amount in rows]


def pledges_by_programme(by_company: list[dict]) -> list[dict]:
    out = {p: {"programme": p, "programme_label": label, "count": 0, "persons": 0, "amount": 0}
           for p, label in PROGRAMMES.items()}
    for row in by_company:
        target = out[row["programme"]]
        for key in ("count", "persons", "amount"):
            target[key] += row[key]
    return list(out.values())


def _pct(value: float) -> float:
    return round(value, 2)


def chart_data(figures: list[CoverageFigure], limits: dict, by_company: list[dict]) -> dict:
    """Plain values for static/js/charts.js (read from a JSON data block, never inline script)."""
    labels = [f"{f.month:%Y-%m}" for f in figures]
    companies: dict[str, dict[str, int]] = {}
    for row in by_company:
        companies.setdefault(row["company"], {p: 0 for p in PROGRAMMES})[row["programme"]] = row["amount"]
    return {
        "trend": {
            "labels": labels,
            "series": [
                {"key": "coverage", "label": str(_l("Kepesertaan (%)")),
                 "data": [_pct(f.coverage) for f in figures]},
                {"key": "activity", "label": str(_l("Keaktifan (%)")),
                 "data": [_pct(f.activity) for f in figures]},
                {"key": "coverage_threshold", "label": str(_l("Ambang kepesertaan")), "threshold": True,
                 "data": [limits["coverage"]] * len(figures)},
                {"key": "activity_threshold", "label": str(_l("Ambang keaktifan")), "threshold": True,
                 "data": [limits["activity"]] * len(figures)},
            ],
            "unit": "%",
        },
        "pledges": {
            "labels": list(companies),
            "series": [{"key": p, "label": str(label), "data": [companies[c][p] for c in companies]}
                       for p, label in PROGRAMMES.items()],
            "unit": "Rp",
            "stacked": True,
        },
    }


def prioritas(figure: CoverageFigure | None, limits: dict) -> dict | None:
    """UHC Prioritas for the latest month: the city-funded share against its threshold, unpaid
    city premiums, BPJS's answer, and what still stands between the city and the status."""
    if figure is None:
        return None
    share_bp = round(limits["city_share"] * 100)
    needed = math.ceil(figure.population * share_bp / 10_000)
    coverage_needed = math.ceil(figure.population * round(limits["coverage"] * 100) / 10_000)
    active_needed = math.ceil(figure.registered * round(limits["activity"] * 100) / 10_000)
    obstacles = []
    if figure.registered < coverage_needed:
        obstacles.append(_l("Kepesertaan di bawah ambang: kurang %(n)s peserta terdaftar.",
                            n=f"{coverage_needed - figure.registered:,}".replace(",", ".")))
    if figure.active < active_needed:
        obstacles.append(_l("Keaktifan di bawah ambang: kurang %(n)s peserta aktif.",
                            n=f"{active_needed - figure.active:,}".replace(",", ".")))
    if figure.city_funded is None:
        obstacles.append(_l("Jumlah peserta dibiayai APBD (PBPU Pemda) bulan ini belum dicatat."))
    elif figure.city_funded < needed:
        obstacles.append(_l("Peserta dibiayai APBD di bawah ambang: kurang %(n)s peserta PBPU Pemda.",
                            n=f"{needed - figure.city_funded:,}".replace(",", ".")))
    if figure.city_premium_arrears:
        obstacles.append(_l("Pemda masih menunggak iuran ke BPJS Kesehatan."))
    if figure.bpjs_approval != "approved":
        obstacles.append(_l("Persetujuan BPJS: %(s)s.", s=APPROVALS[figure.bpjs_approval]))
    return {"month": figure.month, "share": figure.city_share, "threshold": limits["city_share"],
            "city_funded": figure.city_funded, "needed": needed, "arrears": figure.city_premium_arrears,
            "approval": figure.bpjs_approval, "approval_label": APPROVALS[figure.bpjs_approval],
            "obstacles": obstacles}


def dashboard() -> dict:
    """Everything the dashboard shows, in five queries whatever the size of the registry."""
    limits = thresholds()
    figures = trend()
    latest = figures[-1] if figures else None
    by_company = pledges_by_company()
    return {
        "limits": limits,
        "figures": figures,
        "latest": latest,
        "gap": activity_gap(latest, limits["activity"]),
        "prioritas": prioritas(latest, limits),
        "slots": pledged_slots(),
        "by_company": by_company,
        "by_programme": pledges_by_programme(by_company),
        "charts": chart_data(figures, limits, by_company),
    }


def summary() -> dict:
    """The short version for the approver's home: where the city stands."""
    limits = thresholds()
    figures = trend(limit=2)
    latest = figures[-1] if figures else None
    return {"limits": limits, "latest": latest, "previous": figures[0] if len(figures) == 2 else None,
            "gap": activity_gap(latest, limits["activity"]), "slots": pledged_slots(),
            "prioritas": prioritas(latest, limits)}
