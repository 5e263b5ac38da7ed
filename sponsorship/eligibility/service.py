"""Who is entitled, and in what order, as SQL built from the policy in force.

Every condition is one SQL expression that is 1 where a resident fails it; every priority factor
is one SQL expression of points. The list filter, the fill by priority, a resident's explanation
and the what-if of a draft all read these same expressions, so there is one implementation of the
rules: a resident's page runs one query selecting each expression for that resident, a list or a
what-if runs them over the whole registry in the database. Services flush and audit; the caller
commits.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from flask import g, has_request_context
from flask_babel import lazy_gettext as _l
from sqlalchemy import String, and_, case, cast, exists, func, literal, or_, select
from sqlalchemy.orm import aliased
from sqlalchemy.sql.util import ClauseAdapter

from sponsorship import policy as permissions
from sponsorship.allocations.models import HOLDING, Allocation
from sponsorship.audit import service as audit
from sponsorship.beneficiaries.models import SEGMENTS, Beneficiary
from sponsorship.core.errors import DomainError
from sponsorship.core.formatting import tanggal
from sponsorship.core.models import utcnow
from sponsorship.core.workflow import Transition, Workflow
from sponsorship.eligibility.models import (
    ACTIVE,
    ARREARS_CAP,
    DEFAULT_WEIGHTS,
    DRAFT,
    FACTORS,
    MAX_WEIGHT,
    NO_DECILE,
    ONE_PER,
    STATUSES,
    UNCOVERED_CAP,
    UNKNOWN_JKN,
    EligibilityPolicy,
    default_policy,
)
from sponsorship.extensions import db
from sponsorship.regions.models import Region

B = Beneficiary
PBI = ("PBI_APBN", "PBI_APBD")

POLICY_FLOW = Workflow(
    tuple(STATUSES),
    [
        Transition("activate", frozenset({DRAFT}), ACTIVE, "eligibility.activate", _l("Berlakukan")),
        Transition("retire", frozenset({ACTIVE}), "retired", "eligibility.activate",
                   _l("Akhiri masa berlaku"), style="danger"),
    ],
    stale_message=_l("Kebijakan ini baru saja diubah oleh pengguna lain. Muat ulang halaman."),
)


def _city() -> str:
    from sponsorship.settings.service import get_setting

    return get_setting("city_short")


def _flag(expr) -> Any:
    """1 where `expr` holds, 0 where it does not or is unknown (never NULL)."""
    return case((expr, 1), else_=0)


# --- the policy in force ------------------------------------------------------------------------

def in_force() -> EligibilityPolicy:
    """The active policy, or the built-in defaults until one was activated (read once per request)."""
    if has_request_context() and "eligibility_policy" in g:
        return g.eligibility_policy
    found = db.session.scalar(select(EligibilityPolicy).where(EligibilityPolicy.status == ACTIVE))
    result = found or default_policy()
    if has_request_context():
        g.eligibility_policy = result
    return result


def _forget_in_force() -> None:
    if has_request_context():
        g.pop("eligibility_policy", None)


# --- conditions ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class Condition:
    key: str
    label: Any  # short, for the what-if tables
    failing: Any  # SQL: 1 where the resident fails the condition
    of_policy: bool = True  # False: holding a slot now (not a rule a policy changes)


def holding_clause():
    """The resident holds a reserved or active slot now."""
    return exists().where(Allocation.beneficiary_id == B.id, Allocation.status.in_(HOLDING))


def family_column(one_per: str):
    return {"kk": B.kk_number, "household": B.household_code}.get(one_per)


def family_key(one_per: str, b: Beneficiary) -> str | None:
    """What the allocation's one-per-family unique index holds for this resident, if anything."""
    column = family_column(one_per)
    value = getattr(b, column.key) if column is not None else None
    return f"{one_per}:{value}" if value else None


def _family_holding(one_per: str):
    """Another member of the resident's family card (or household) holds a slot now. Two sets
    computed once per query, not a lookup per resident; whoever holds a slot is never refused for
    their family (holding is a reason of its own)."""
    column = family_column(one_per)
    other = aliased(Beneficiary)
    families = (select(getattr(other, column.key)).join(Allocation, Allocation.beneficiary_id == other.id)
                .where(Allocation.status.in_(HOLDING), getattr(other, column.key).is_not(None)))
    holders = select(Allocation.beneficiary_id).where(Allocation.status.in_(HOLDING))
    return and_(column.is_not(None), column.in_(families), B.id.not_in(holders))


def conditions(p: EligibilityPolicy, *, with_holding: bool = True) -> list[Condition]:
    """The policy's conditions as SQL, in the order a resident's page explains them."""
    out = [
        # A record merged into another resident is that resident's history, not a person.
        Condition("merged", _l("Data digabung ke warga lain"), _flag(B.merged_into_id.is_not(None))),
        Condition("domicile", _l("Tidak berdomisili di kelurahan kota"), _flag(B.region_code.is_(None))),
        Condition("moved_away", _l("Pindah domisili"), _flag(B.moved_away)),
        Condition("deceased", _l("Meninggal dunia"), _flag(B.deceased)),
    ]
    if p.exclude_pbi:
        out.append(Condition("pbi", _l("Sudah PBI APBN/APBD"), _flag(B.jkn_segment.in_(PBI))))
    if p.exclude_ppu:
        out.append(Condition("ppu", _l("PPU (kewajiban pemberi kerja)"), _flag(B.jkn_segment == "PPU")))
    out.append(Condition("jkn_active", _l("JKN masih aktif"), _flag(B.jkn_status == "AKTIF")))
    if p.unknown_jkn != "eligible":
        unknown = and_(B.jkn_status.is_(None), or_(B.jkn_segment.is_(None), B.jkn_segment != "BELUM"))
        label = _l("Status JKN perlu dicek ke BPJS") if p.unknown_jkn == "check" \
            else _l("Status JKN tidak diketahui")
        out.append(Condition("jkn_unknown", label, _flag(unknown)))
    out.append(Condition("decile_high", _l("Desil di atas batas"), _flag(B.welfare_decile > p.decile_cutoff)))
    if p.no_decile == "assess":
        out.append(Condition("no_decile", _l("Belum ada desil (asesmen Dinas Sosial)"),
                             _flag(B.welfare_decile.is_(None))))
    if p.one_per != "none":
        out.append(Condition("family", _l("Anggota keluarga lain sudah disponsori"),
                             _flag(_family_holding(p.one_per))))
    if with_holding:
        out.append(Condition("holding", _l("Sudah dalam alokasi"), _flag(holding_clause()), of_policy=False))
    return out


def _all_pass(conds: list[Condition]):
    return and_(*(c.failing == 0 for c in conds))


def eligible_clause(p: EligibilityPolicy | None = None):
    """Who may be placed in a slot now under the policy (in force by default), as a WHERE clause."""
    return _all_pass(conditions(p or in_force()))


def policy_clause(p: EligibilityPolicy):
    """Who qualifies under the policy's rules, whether or not they hold a slot now."""
    return _all_pass(conditions(p, with_holding=False))


def _reason(key: str, b: Beneficiary, p: EligibilityPolicy) -> Any:
    city = _city()
    if key == "merged":
        return _l("Data ini digabung ke warga lain (orang yang sama); alokasi dibuat pada warga tersebut.")
    if key == "domicile":
        return _l("Tidak tercatat berdomisili di kelurahan %(city)s.", city=city)
    if key == "moved_away":
        return _l("Pindah domisili ke luar %(city)s.", city=city)
    if key == "deceased":
        return _l("Meninggal dunia.")
    if key == "pbi":
        return _l("Sudah ditanggung %(s)s.", s=SEGMENTS.get(b.jkn_segment or "", b.jkn_segment))
    if key == "ppu":
        return _l("Peserta PPU: iurannya kewajiban pemberi kerja, bukan sponsor.")
    if key == "jkn_active":
        return _l("Kepesertaan JKN masih aktif.")
    if key == "jkn_unknown":
        if p.unknown_jkn == "check":
            return _l("Status JKN belum diketahui: perlu dicek ke BPJS Kesehatan.")
        return _l("Status JKN tidak diketahui.")
    if key == "decile_high":
        return _l("Desil %(d)s di atas batas kebijakan (desil 1 sampai %(c)s).", d=b.welfare_decile,
                  c=p.decile_cutoff)
    if key == "no_decile":
        return _l("Belum ada desil kesejahteraan: perlu asesmen Dinas Sosial.")
    if key == "family":
        if p.one_per == "kk":
            return _l("Anggota Kartu Keluarga yang sama sudah disponsori.")
        return _l("Anggota rumah tangga yang sama sudah disponsori.")
    return _l("Sudah dalam alokasi yang aktif atau dipesan.")


def _met(key: str, b: Beneficiary, p: EligibilityPolicy) -> Any | None:
    """What a passed condition says in plain words (None: nothing worth saying)."""
    if key == "domicile":
        return _l("Berdomisili di kelurahan %(k)s, %(city)s.", k=b.region.name if b.region else "–",
                  city=_city())
    if key == "pbi":
        return _l("Bukan peserta PBI APBN/APBD.")
    if key == "ppu":
        return _l("Bukan pekerja penerima upah (PPU).")
    if key == "jkn_active":
        return _l("Belum terdaftar JKN.") if b.jkn_segment == "BELUM" else _l("Kepesertaan JKN tidak aktif.")
    if key == "decile_high" and b.welfare_decile is not None:
        return _l("Desil %(d)s, dalam batas kebijakan (desil 1 sampai %(c)s).", d=b.welfare_decile,
                  c=p.decile_cutoff)
    if key == "family":
        return _l("Tidak ada anggota keluarga lain yang sedang disponsori.")
    return None


# --- priority -----------------------------------------------------------------------------------

def _years_before(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def _capped(column, cap: int):
    return case((column > cap, cap), else_=column)


def factors(p: EligibilityPolicy, *, covers_arrears: bool = False, today: date | None = None) -> list:
    """(key, SQL points) of every factor with a weight; arrears only lower the score, and not at
    all for a pledge that pays them."""
    today = today or date.today()
    w = {k: p.weight(k) for k in FACTORS}
    out = [
        ("decile", case((B.welfare_decile.is_not(None), w["decile"] * (11 - B.welfare_decile)), else_=0)),
        ("disability", _flag(B.disability) * w["disability"]),
        ("elderly", _flag(B.birth_date <= _years_before(today, p.elderly_age)) * w["elderly"]),
        ("chronic_illness", _flag(B.chronic_illness) * w["chronic_illness"]),
        ("pregnancy", _flag(and_(B.pregnant, or_(B.pregnancy_due.is_(None), B.pregnancy_due >= today)))
         * w["pregnancy"]),
        ("under_five", _flag(B.children_under_five > 0) * w["under_five"]),
        ("female_head", _flag(or_(B.female_headed, and_(B.household_head, B.sex == "P"))) * w["female_head"]),
        ("social_aid", _flag(or_(B.pkh_recipient, B.bpnt_recipient)) * w["social_aid"]),
        ("uncovered", _capped(B.months_uncovered, UNCOVERED_CAP) * w["uncovered"]),
    ]
    if not covers_arrears:
        out.append(("arrears", _capped(B.arrears_months, ARREARS_CAP) * -w["arrears"]))
    return [(k, expr) for k, expr in out if w[k]]


def score_expr(p: EligibilityPolicy, *, covers_arrears: bool = False, today: date | None = None):
    parts = [expr for _, expr in factors(p, covers_arrears=covers_arrears, today=today)]
    if not parts:
        return literal(0)
    total = parts[0]
    for expr in parts[1:]:
        total = total + expr
    return total


def _age(born: date, today: date) -> int:
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


def _part_label(key: str, b: Beneficiary, today: date) -> Any:
    if key == "decile":
        return _l("desil %(d)s", d=b.welfare_decile)
    if key == "elderly":
        return _l("lansia %(a)s tahun", a=_age(b.birth_date, today))
    if key == "pregnancy":
        if b.pregnancy_due:
            return _l("hamil, perkiraan lahir %(d)s", d=tanggal(b.pregnancy_due))
        return _l("hamil")
    if key == "under_five":
        return _l("%(n)s balita dalam keluarga", n=b.children_under_five)
    if key == "uncovered":
        return _l("%(n)s bulan tanpa jaminan", n=b.months_uncovered)
    if key == "arrears":
        return _l("tunggakan %(n)s bulan (tidak dibayar komitmen)", n=b.arrears_months)
    return {"disability": _l("penyandang disabilitas"), "chronic_illness": _l("penyakit kronis"),
            "female_head": _l("kepala keluarga perempuan"), "social_aid": _l("penerima PKH/BPNT")}[key]


def _signed(n: int) -> str:
    return f"+{n}" if n >= 0 else f"\u2212{-n}"


# --- one resident -------------------------------------------------------------------------------

def explain(b: Beneficiary, p: EligibilityPolicy | None = None, *, today: date | None = None) -> dict:
    """Why a resident is or is not eligible and their score with its parts, in one query."""
    p = p or in_force()
    today = today or date.today()
    conds = conditions(p)
    parts = factors(p, today=today)
    row = db.session.execute(select(*[c.failing.label(f"c_{c.key}") for c in conds],
                                    *[expr.label(f"f_{k}") for k, expr in parts])
                             .select_from(B).where(B.id == b.id)).one()
    values = row._mapping
    failed = [c.key for c in conds if values[f"c_{c.key}"]]
    points = [(k, int(values[f"f_{k}"])) for k, _ in parts if values[f"f_{k}"]]
    return {
        "eligible": not failed,
        "reasons": [str(_reason(k, b, p)) for k in failed],
        "met": [str(m) for c in conds if c.key not in failed and (m := _met(c.key, b, p)) is not None],
        "score": sum(n for _, n in points),
        "parts": [f"{_part_label(k, b, today)}: {_signed(n)}" for k, n in points],
        "policy": {"name": p.name, "version": p.version},
    }


def explanation_json(b: Beneficiary) -> dict:
    """What `flask --app app explain-eligibility NIK` prints."""
    out = explain(b)
    return {k: out[k] for k in ("eligible", "reasons", "score", "parts", "policy")}


# --- many residents: the fill by priority and the list ------------------------------------------

def ranked(limit: int, *, p: EligibilityPolicy | None = None, covers_arrears: bool = False,
           today: date | None = None) -> list[tuple[int, int]]:
    """(resident id, score) of the `limit` eligible residents who come first: highest score, then
    the earliest registered; at most one per family when the policy says so."""
    if limit <= 0:
        return []
    p = p or in_force()
    score = score_expr(p, covers_arrears=covers_arrears, today=today)
    stmt = select(B.id.label("id"), score.label("score")).where(eligible_clause(p))
    column = family_column(p.one_per)
    if column is not None:
        family = func.coalesce(column, literal("#") + cast(B.id, String))
        rank = func.row_number().over(partition_by=family, order_by=(score.desc(), B.id.asc()))
        inner = stmt.add_columns(rank.label("n")).subquery()
        stmt = select(inner.c.id, inner.c.score).where(inner.c.n == 1)
        order = (inner.c.score.desc(), inner.c.id.asc())
    else:
        order = (score.desc(), B.id.asc())
    return [(r.id, int(r.score)) for r in db.session.execute(stmt.order_by(*order).limit(limit))]


def scores(ids: list[int], *, p: EligibilityPolicy | None = None) -> dict[int, int]:
    """Scores of the given residents under the policy (a page's worth, one query per 900)."""
    p = p or in_force()
    score = score_expr(p)
    out: dict[int, int] = {}
    for i in range(0, len(ids), 900):
        out.update((r[0], int(r[1])) for r in db.session.execute(
            select(B.id, score).where(B.id.in_(ids[i:i + 900]))))
    return out


# --- what-if ------------------------------------------------------------------------------------

NO_KECAMATAN = _l("(tanpa kelurahan di kota)")


# The columns the conditions read (besides a family's allocations): residents who agree on all of
# them have the same verdict under any policy, so a what-if reads one row per combination.
# merged_into_id: a merged record is a group of its own (they are few), never an eligible one.
VERDICT_COLUMNS = (B.region_code, B.moved_away, B.deceased, B.jkn_segment, B.jkn_status, B.welfare_decile,
                   B.merged_into_id)
# (also in the covering index: kk_number and household_code, which the one-per-family rule reads)


def _kecamatan_of() -> dict[str | None, str]:
    return dict(db.session.execute(select(Region.code, Region.kecamatan_name)).tuples().all())


def what_if(draft: EligibilityPolicy, current: EligibilityPolicy | None = None) -> dict:
    """How many residents become eligible or ineligible under `draft` compared with the policy in
    force, per kecamatan and per reason, and which allocated residents would no longer qualify.

    Holding a slot is left out of both sides: a policy does not change who holds one. The database
    counts the residents of each combination of the columns the conditions read (a covering index,
    a few thousand groups for a city), then evaluates both policies' conditions, the same SQL
    expressions as everywhere else, once per group; the sums per kecamatan are made from those."""
    current = current or in_force()
    now_c = conditions(current, with_holding=False)
    new_c = conditions(draft, with_holding=False)
    family = {p.one_per: _flag(_family_holding(p.one_per)).label(f"fam_{p.one_per}")
              for p in (current, draft) if p.one_per != "none"}
    grouping = [*VERDICT_COLUMNS, *family.values()]
    inner = select(*grouping, func.count().label("n")).group_by(*VERDICT_COLUMNS, *family.values()).subquery()
    adapter = ClauseAdapter(inner)

    def on_groups(c: Condition, p: EligibilityPolicy):
        return inner.c[f"fam_{p.one_per}"] if c.key == "family" else adapter.traverse(c.failing)

    flags = ([on_groups(c, current).label(f"n_{c.key}") for c in now_c]
             + [on_groups(c, draft).label(f"d_{c.key}") for c in new_c])
    groups = db.session.execute(select(inner.c.region_code, inner.c.n, *flags)).mappings().all()
    kecamatan_of = _kecamatan_of()
    labels = {**{c.key: c.label for c in now_c}, **{c.key: c.label for c in new_c}}
    per: dict[str, dict[str, int]] = {}
    lose_by = dict.fromkeys((c.key for c in new_c), 0)
    gain_by = dict.fromkeys((c.key for c in now_c), 0)
    for group in groups:
        was = not any(group[f"n_{c.key}"] for c in now_c)
        will = not any(group[f"d_{c.key}"] for c in new_c)
        n = int(group["n"])
        row = per.setdefault(kecamatan_of.get(group["region_code"], ""),
                             {"now": 0, "new": 0, "gain": 0, "lose": 0})
        row["now"] += n * was
        row["new"] += n * will
        row["gain"] += n * (will and not was)
        row["lose"] += n * (was and not will)
        for c in new_c:
            lose_by[c.key] += n * (was and bool(group[f"d_{c.key}"]))
        for c in now_c:
            gain_by[c.key] += n * (will and bool(group[f"n_{c.key}"]))
    new_ok = _all_pass(new_c)
    by_kecamatan = [{"kecamatan": k or str(NO_KECAMATAN), **v}
                    for k, v in sorted(per.items(), key=lambda kv: (not kv[0], kv[0]))]
    totals = {k: sum(r[k] for r in by_kecamatan) for k in ("now", "new", "gain", "lose")}
    lose_reasons = [{"key": c.key, "label": labels[c.key], "count": lose_by[c.key]} for c in new_c]
    gain_reasons = [{"key": c.key, "label": labels[c.key], "count": gain_by[c.key]} for c in now_c]
    # Allocated residents the draft would not take: they keep their slot; staff review them.
    held = (select(B, Allocation.pledge_id, *[c.failing.label(f"c_{c.key}") for c in new_c])
            .join(Allocation, and_(Allocation.beneficiary_id == B.id, Allocation.status.in_(HOLDING)))
            .where(~new_ok).order_by(B.name_search, B.id))
    review = []
    for row in db.session.execute(held.limit(500)):
        b = row[0]
        review.append({"beneficiary": b, "pledge_id": row.pledge_id,
                       "reasons": [str(_reason(c.key, b, draft)) for c in new_c
                                   if getattr(row, f"c_{c.key}")]})
    review_total = db.session.scalar(select(func.count()).select_from(B).join(
        Allocation, and_(Allocation.beneficiary_id == B.id, Allocation.status.in_(HOLDING))).where(~new_ok))
    return {"current": current, "draft": draft, "by_kecamatan": by_kecamatan, "totals": totals,
            "lose_reasons": [r for r in lose_reasons if r["count"]],
            "gain_reasons": [r for r in gain_reasons if r["count"]],
            "review": review, "review_total": int(review_total or 0)}


# --- editing and activating policies -----------------------------------------------------------

def policies() -> list[EligibilityPolicy]:
    order = case((EligibilityPolicy.status == ACTIVE, 0), (EligibilityPolicy.status == DRAFT, 1), else_=2)
    return list(db.session.scalars(select(EligibilityPolicy).order_by(
        order, EligibilityPolicy.name, EligibilityPolicy.version.desc())))


FIELDS = ("name", "effective_from", "exclude_pbi", "exclude_ppu", "unknown_jkn", "decile_cutoff",
          "no_decile", "one_per", "elderly_age", "notes")


def _next_version(name: str) -> int:
    top = db.session.scalar(select(func.max(EligibilityPolicy.version)).where(EligibilityPolicy.name == name))
    return (top or 0) + 1


def _apply(p: EligibilityPolicy, data: dict) -> None:
    name = (data.get("name") or "").strip()
    if not name or len(name) > 120:
        raise DomainError(_l("Nama kebijakan wajib diisi (paling panjang 120 karakter)."), field="name")
    if data.get("effective_from") is None:
        raise DomainError(_l("Tanggal berlaku wajib diisi."), field="effective_from")
    cutoff = data.get("decile_cutoff")
    if not isinstance(cutoff, int) or not 1 <= cutoff <= 10:
        raise DomainError(_l("Batas desil harus 1 sampai 10."), field="decile_cutoff")
    age = data.get("elderly_age")
    if not isinstance(age, int) or not 40 <= age <= 100:
        raise DomainError(_l("Usia lansia harus 40 sampai 100 tahun."), field="elderly_age")
    for key, choices in (("unknown_jkn", UNKNOWN_JKN), ("no_decile", NO_DECILE), ("one_per", ONE_PER)):
        if data.get(key) not in choices:
            raise DomainError(_l("Pilihan tidak dikenal."), field=key)
    weights = {}
    for key in FACTORS:
        value = (data.get("weights") or {}).get(key, DEFAULT_WEIGHTS[key])
        if not isinstance(value, int) or not 0 <= value <= MAX_WEIGHT:
            raise DomainError(_l("Bobot harus bilangan bulat 0 sampai %(n)s.", n=MAX_WEIGHT),
                              field=f"w_{key}")
        weights[key] = value
    if name != p.name:
        taken = db.session.scalar(select(EligibilityPolicy.id).where(
            EligibilityPolicy.name == name, EligibilityPolicy.version == p.version,
            EligibilityPolicy.id != p.id) if p.id else select(EligibilityPolicy.id).where(
            EligibilityPolicy.name == name, EligibilityPolicy.version == p.version))
        if taken:
            p.version = _next_version(name)
    p.name = name
    p.effective_from = data["effective_from"]
    p.exclude_pbi, p.exclude_ppu = bool(data.get("exclude_pbi")), bool(data.get("exclude_ppu"))
    p.unknown_jkn, p.no_decile, p.one_per = data["unknown_jkn"], data["no_decile"], data["one_per"]
    p.decile_cutoff, p.elderly_age = cutoff, age
    p.notes = (data.get("notes") or "").strip() or None
    if p.weights != weights:
        p.weights = weights


def policy_data(p: EligibilityPolicy) -> dict:
    """A policy's rules as the form and `create_draft` take them."""
    return {**{f: getattr(p, f) for f in FIELDS}, "weights": {k: p.weight(k) for k in FACTORS}}


def create_draft(*, actor, data: dict) -> EligibilityPolicy:
    """A new draft (a new version when the name exists): nothing changes until it is activated."""
    permissions.authorise("eligibility.edit", user=actor)
    name = (data.get("name") or "").strip()
    p = EligibilityPolicy(status=DRAFT, version=_next_version(name), created_by_id=getattr(actor, "id", None))
    with db.session.no_autoflush:
        _apply(p, data)
    db.session.add(p)
    db.session.flush()
    audit.record_create(p, actor=actor)
    return p


def update_draft(p: EligibilityPolicy, *, actor, data: dict) -> EligibilityPolicy:
    permissions.authorise("eligibility.edit", p, user=actor)
    if p.status != DRAFT:
        raise DomainError(_l("Kebijakan yang pernah berlaku tidak dapat diubah; buat versi baru."))
    with db.session.no_autoflush:
        _apply(p, data)
    audit.record_update(p, actor=actor)
    return p


def activate(p: EligibilityPolicy, *, actor) -> EligibilityPolicy:
    """Put a draft in force from its effective date; the one in force before is retired (both
    audited, naming who did it). Allocations already made keep the policy they were made under."""
    POLICY_FLOW.check("activate", p, actor)
    if p.effective_from > date.today():
        raise DomainError(_l("Kebijakan baru dapat diberlakukan pada tanggal berlakunya (%(d)s).",
                             d=tanggal(p.effective_from)))
    now = utcnow()
    for old in db.session.scalars(select(EligibilityPolicy).where(EligibilityPolicy.status == ACTIVE)):
        POLICY_FLOW.move(old, "retire", actor=actor, values={"retired_at": now},
                         note=f"replaced by {p.name} v{p.version}")
    db.session.flush()
    POLICY_FLOW.move(p, "activate", actor=actor, values={"activated_at": now, "activated_by_id": actor.id},
                     changes={"activated_by": [None, actor.username]})
    _forget_in_force()
    return p


def retire(p: EligibilityPolicy, *, actor) -> EligibilityPolicy:
    """End a policy's time in force without a successor: the built-in defaults apply again."""
    POLICY_FLOW.move(p, "retire", actor=actor, values={"retired_at": utcnow()})
    _forget_in_force()
    return p


# --- the registry's vulnerability fields --------------------------------------------------------

FACT_FIELDS = ("disability", "chronic_illness", "pregnant", "pregnancy_due", "pkh_recipient",
               "bpnt_recipient", "household_head", "female_headed", "children_under_five",
               "months_uncovered", "household_code")


def update_facts(b: Beneficiary, *, actor, data: dict) -> Beneficiary:
    """Staff correct what the social-affairs list said; audited with health facts masked."""
    permissions.authorise("beneficiary.facts", b, user=actor)
    pregnant = bool(data.get("pregnant"))
    due = data.get("pregnancy_due")
    if due is not None and not pregnant:
        raise DomainError(_l("Perkiraan lahir hanya diisi untuk warga yang hamil."), field="pregnancy_due")
    for key, top in (("children_under_five", 20), ("months_uncovered", 600)):
        value = data.get(key) or 0
        if not isinstance(value, int) or not 0 <= value <= top:
            raise DomainError(_l("Isi angka 0 sampai %(n)s.", n=top), field=key)
    code = (data.get("household_code") or "").strip() or None
    if code is not None and len(code) > 32:
        raise DomainError(_l("ID rumah tangga paling panjang 32 karakter."), field="household_code")
    for key in ("disability", "chronic_illness", "pkh_recipient", "bpnt_recipient", "household_head",
                "female_headed"):
        setattr(b, key, bool(data.get(key)))
    b.pregnant, b.pregnancy_due = pregnant, due if pregnant else None
    b.children_under_five = data.get("children_under_five") or 0
    b.months_uncovered = data.get("months_uncovered") or 0
    b.household_code = code
    audit.record_update(b, actor=actor, note="eligibility facts")
    return b
