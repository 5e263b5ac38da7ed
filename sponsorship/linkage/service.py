"""One person, one record: linking what agencies' lists say to registry residents, the review
queue of probable duplicates, merging two residents (and undoing it), and the whole-registry run.

Services flush and audit; the caller commits (the request, the CLI, or a background job).
"""
from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, or_, select, update

from sponsorship import policy
from sponsorship.audit import service as audit
from sponsorship.beneficiaries.models import Beneficiary, Discrepancy, SourceRecord
from sponsorship.beneficiaries.text import normalise
from sponsorship.core.errors import DomainError
from sponsorship.core.models import utcnow
from sponsorship.core.workflow import Transition, Workflow
from sponsorship.extensions import db
from sponsorship.identity import agrees_with_nik, cipher, mask
from sponsorship.linkage import engine
from sponsorship.linkage.models import CANDIDATE_STATUSES, MERGE_STATUSES, LinkCandidate, ResidentMerge
from sponsorship.linkage.names import same_name

# A probable duplicate is decided once: the same person or different people (compare-and-set).
LINK_FLOW = Workflow(
    tuple(CANDIDATE_STATUSES),
    [Transition("same", frozenset({"open"}), "same", "linkage.decide", _l("Orang yang sama"), "success"),
     Transition("different", frozenset({"open"}), "different", "linkage.decide", _l("Orang berbeda"),
                "outline-secondary")],
    stale_message=_l("Pasangan ini sudah diputuskan."),
)
# A merge is undone once.
MERGE_FLOW = Workflow(
    tuple(MERGE_STATUSES),
    [Transition("unmerge", frozenset({"merged"}), "unmerged", "linkage.unmerge", _l("Batalkan penggabungan"),
                "outline-danger")],
    stale_message=_l("Penggabungan ini sudah dibatalkan."),
)

# A registry up to this size is deduplicated in the request that asks; above, `flask link-registry`
# (or the background job queue) runs it.
CHUNK = 900  # below SQLite's bound-parameter limit
# Fields a merge or an attach fills on the kept resident when it has none.
FILLED_FIELDS = ("kk_number", "sex", "birth_date", "address", "rt", "rw", "region_code", "phone",
                 "jkn_number", "jkn_segment", "jkn_status", "welfare_decile")
# Fields where a disagreement opens a discrepancy rather than an overwrite.
COMPARED_FIELDS = ("name", "birth_date", "region_code")
RESTORED_FIELDS = ("name", "name_search", "sex", "birth_date", "kk_number", "address", "rt", "rw",
                   "region_code", "phone", "jkn_number", "jkn_segment", "jkn_status", "arrears_months",
                   "welfare_decile", "deceased", "moved_away", "nik_mismatch", "field_sources")


def _guard(action: str, actor, obj=None) -> None:
    if actor is not None:  # None: a shell command
        policy.authorise(action, obj, user=actor)


def _plain(value: Any) -> Any:
    return value.isoformat() if isinstance(value, date) else value


def _typed(f: str, value: Any) -> Any:
    if f == "birth_date" and isinstance(value, str):
        return date.fromisoformat(value)
    return value


def _nik_of(b: Beneficiary) -> str:
    return cipher().decrypt(b.nik_encrypted, b.nik_key_id) or ""


def _first_source(b: Beneficiary) -> str:
    sources = b.field_sources or {}
    said = sources.get("nik") or sources.get("name")
    return said[0] if said else "manual"


def _source_date(b: Beneficiary, f: str) -> str:
    said = (b.field_sources or {}).get(f)
    if said:
        return said[1]
    return (b.created_at.date() if b.created_at else date.today()).isoformat()


# --- registry records as the model compares them ------------------------------------------------

_RECORD_COLS = ("id", "name", "nik_encrypted", "nik_key_id", "kk_number", "sex", "birth_date", "region_code")


def _records(stmt) -> list[dict[str, Any]]:
    c = cipher()
    out = []
    for r in db.session.execute(stmt).mappings():
        out.append({"id": r["id"], "name": r["name"], "nik": c.decrypt(r["nik_encrypted"], r["nik_key_id"]),
                    "kk": r["kk_number"], "sex": r["sex"], "birth_date": r["birth_date"],
                    "region_code": r["region_code"]})
    return out


def _live():
    t = Beneficiary.__table__
    return select(*[t.c[n] for n in _RECORD_COLS]).where(t.c.merged_into_id.is_(None))


def registry_size() -> int:
    return db.session.scalar(select(func.count()).select_from(Beneficiary)
                             .where(Beneficiary.merged_into_id.is_(None))) or 0


def _registry_near(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Residents sharing a blocking key with any of `rows` (all of them for a big list)."""
    if len(rows) > 2000:
        return _records(_live())
    t = Beneficiary.__table__
    dates, kks, names = set(), set(), set()
    for r in rows:
        born = r.get("birth_date")
        if born:
            dates.add(born)
            if born.day <= 12 and born.day != born.month:
                dates.add(born.replace(month=born.day, day=born.month))
        if r.get("kk"):
            kks.add(r["kk"])
        names.add(normalise(r.get("name")))
    found: dict[int, dict] = {}
    for values, column in ((sorted(dates), t.c.birth_date), (sorted(kks), t.c.kk_number),
                           (sorted(names), t.c.name_search)):
        for i in range(0, len(values), CHUNK):
            for rec in _records(_live().where(column.in_(values[i:i + CHUNK]))):
                found[rec["id"]] = rec
    return list(found.values())


def best_matches(rows: list[dict[str, Any]]) -> dict[Any, engine.Match]:
    """For each row (id, name, nik, kk, sex, birth_date, region_code): its likeliest resident."""
    registry = _registry_near(rows)
    prior = 1.0 / max(registry_size(), engine.MIN_POPULATION)
    best: dict[Any, engine.Match] = {}
    for m in engine.link(rows, registry, prior=prior):
        if m.left not in best:  # sorted by probability, highest first
            best[m.left] = m
    return best


# --- import: attach, review or new --------------------------------------------------------------

@dataclass
class ImportLinks:
    attached: int = 0
    review: list[dict[str, Any]] = field(default_factory=list)


def link_import(plan, parsed, *, today: date | None = None) -> ImportLinks:
    """Settle, in the import's plan, the rows whose NIK is new to the registry: a row that is
    surely a resident already attaches to that resident (the NIK disagreement opens a discrepancy),
    a row that may be one waits for staff (not created), the others are new residents."""
    today_iso = (today or date.today()).isoformat()
    links = ImportLinks()
    _drop_spelling_conflicts(plan)
    _follow_merges(plan)
    if not plan.created:
        return links
    rows = [{"id": i, "name": row["name"], "nik": row["_nik"], "kk": row.get("kk_number"),
             "sex": row.get("sex"), "birth_date": row.get("birth_date"),
             "region_code": row.get("region_code")}
            for i, row in enumerate(plan.created)]
    best = best_matches(rows)
    if not best:
        return links
    residents = {b.id: b for b in db.session.scalars(
        select(Beneficiary).where(Beneficiary.id.in_({int(m.right) for m in best.values()})))}
    records = dict(plan.records)
    kept_rows, waiting = [], set()
    # A resident takes one row of a list: a second row that is surely them too waits for staff.
    taken = set(plan.ids.values())
    for i, row in enumerate(plan.created):
        m = best.get(str(i))
        if m is None or m.band == "new":
            kept_rows.append(row)
            continue
        resident = residents[int(m.right)]
        key = row["nik_index"]
        if m.band == "auto" and resident.id not in taken:
            taken.add(resident.id)
            _plan_attach(plan, resident, row, records[key], source=parsed.source, today_iso=today_iso)
            links.attached += 1
        else:
            links.review.append({"beneficiary_id": resident.id, "nik": row["_nik"], "nik_index": key,
                                 "values": records[key], "probability": m.probability, "agreed": m.agreed})
            waiting.add(key)
    plan.created = kept_rows
    plan.records = [(k, v) for k, v in plan.records if k not in waiting]
    return links


def _follow_merges(plan) -> None:
    """A row of the NIK of a merged resident is a record of the resident it was merged into: its
    record goes there; the merged one's own values stay as they were (the unmerge restores it)."""
    ids = set(plan.ids.values())
    if not ids:
        return
    t = Beneficiary.__table__
    kept: dict[int, int] = {}
    sorted_ids = sorted(ids)
    for i in range(0, len(sorted_ids), CHUNK):
        kept.update(db.session.execute(select(t.c.id, t.c.merged_into_id).where(
            t.c.id.in_(sorted_ids[i:i + CHUNK]), t.c.merged_into_id.is_not(None))).all())
    if not kept:
        return
    for key, bid in list(plan.ids.items()):
        if bid in kept:
            plan.ids[key] = live_resident(db.session.get(Beneficiary, kept[bid])).id
    before = len(plan.updated)
    plan.updated = [u for u in plan.updated if u[0] not in kept]
    plan.unchanged += before - len(plan.updated)
    plan.conflicts = [c for c in plan.conflicts if c[0] not in kept]


def _drop_spelling_conflicts(plan) -> None:
    """A name written in other case or spacing (SITI AMINAH, Siti  Aminah) is no disagreement."""
    kept, dropped = [], set()
    for conflict in plan.conflicts:
        bid, f, values = conflict
        if f == "name" and same_name(values[0]["value"], values[-1]["value"]):
            dropped.add(bid)
            continue
        kept.append(conflict)
    plan.conflicts = kept
    still = {bid for bid, _, _ in kept}
    quiet = {bid for bid in dropped if bid not in still}
    if quiet:
        before = len(plan.updated)
        plan.updated = [u for u in plan.updated if u[1] or u[0] not in quiet]
        plan.unchanged += before - len(plan.updated)


def _plan_attach(plan, resident: Beneficiary, row: dict, record: dict, *, source: str,
                 today_iso: str) -> None:
    """An incoming row of another NIK that is this resident: compare as an update would."""
    plan.ids[row["nik_index"]] = resident.id
    sources = dict(resident.field_sources or {})
    changes: dict[str, Any] = {}
    for f, v in record.items():
        current = _plain(getattr(resident, f, None))
        if current == v or v is None:
            continue
        if f == "name" and same_name(current, v):
            continue
        said = sources.get(f)
        if f in COMPARED_FIELDS and current is not None:
            plan.conflicts.append((resident.id, f, [
                {"source": said[0] if said else _first_source(resident), "value": current,
                 "date": said[1] if said else _source_date(resident, f)},
                {"source": source, "value": v, "date": today_iso}]))
            continue
        if current is not None and said and said[0] != source:
            continue  # another list's value stays; the record keeps what this list said
        changes[f] = _typed(f, v)
        sources[f] = [source, today_iso]
    plan.conflicts.append((resident.id, "nik", _nik_values(resident, row["_nik"], source, today_iso)))
    plan.updated.append((resident.id, changes, sources))


def _nik_values(resident: Beneficiary, nik: str, source: str, today_iso: str) -> list[dict]:
    """A NIK discrepancy's values: masked for the eye, the other NIK kept encrypted for settling it."""
    c = cipher()
    return [{"source": _first_source(resident), "value": resident.nik_masked,
             "date": _source_date(resident, "name")},
            {"source": source, "value": mask(nik), "date": today_iso,
             "nik_encrypted": c.encrypt(nik), "nik_key_id": c.key_id}]


def write_review_items(links: ImportLinks, *, batch, source: str) -> int:
    """The uncertain rows of an applied import, as review items (the caller audits the import)."""
    if not links.review:
        return 0
    c = cipher()
    open_pairs = set(db.session.execute(
        select(LinkCandidate.beneficiary_id, LinkCandidate.nik_index).where(
            LinkCandidate.status == "open",
            LinkCandidate.nik_index.in_([r["nik_index"] for r in links.review]))).all())
    written = 0
    for item in links.review:
        if (item["beneficiary_id"], item["nik_index"]) in open_pairs:
            continue
        db.session.add(LinkCandidate(
            kind="import", beneficiary_id=item["beneficiary_id"], batch_id=batch.id, source=source,
            incoming=item["values"], nik_encrypted=c.encrypt(item["nik"]), nik_key_id=c.key_id,
            nik_index=item["nik_index"], nik_masked=mask(item["nik"]), probability=item["probability"],
            agreed=item["agreed"]))
        written += 1
    db.session.flush()
    return written


# --- deciding a review item ------------------------------------------------------------------------

def decide(candidate: LinkCandidate, *, actor, same: bool, keep_id: int | None = None,
           note: str | None = None) -> LinkCandidate:
    """Staff settle a probable duplicate: the same person (attach or merge) or different people."""
    decision = "same" if same else "different"
    LINK_FLOW.check(decision, candidate, actor)
    if candidate.kind == "registry":
        if same:
            kept, absorbed = candidate.beneficiary, candidate.other
            if keep_id == absorbed.id:
                kept, absorbed = absorbed, kept
            merged = merge(kept, absorbed, actor=actor)
            candidate.merge_id, candidate.result_id = merged.id, kept.id
    elif same:
        candidate.result_id = _attach_record(candidate, candidate.beneficiary, actor=actor).id
    else:
        candidate.result_id = _create_from_record(candidate, actor=actor).id
    # Of two reviewers deciding at once, one moves it; the other's transaction rolls back whole.
    LINK_FLOW.move(candidate, decision, actor=actor, note=(note or "").strip()[:500] or None,
                   values={"decided_by_id": actor.id, "decided_at": utcnow(),
                           "result_id": candidate.result_id, "merge_id": candidate.merge_id},
                   changes={"result": [None, candidate.result_id]})
    return candidate


def _record_source(candidate: LinkCandidate) -> str:
    return candidate.source or "manual"


def _attach_record(candidate: LinkCandidate, resident: Beneficiary, *, actor) -> Beneficiary:
    """The reviewed record is this resident: keep what it said, fill gaps, open disagreements."""
    if resident.merged_into_id is not None:
        resident = db.session.get(Beneficiary, resident.merged_into_id)
    source, today_iso = _record_source(candidate), date.today().isoformat()
    values = dict(candidate.incoming or {})
    sources = dict(resident.field_sources or {})
    conflicts = []
    for f, v in values.items():
        current = _plain(getattr(resident, f, None))
        if v is None or current == v or (f == "name" and same_name(current, v)):
            continue
        if current is None and f in FILLED_FIELDS:
            setattr(resident, f, _typed(f, v))
            sources[f] = [source, today_iso]
        elif f in COMPARED_FIELDS:
            said = sources.get(f)
            conflicts.append((resident.id, f, [
                {"source": said[0] if said else _first_source(resident), "value": current,
                 "date": said[1] if said else _source_date(resident, f)},
                {"source": source, "value": v, "date": today_iso}]))
    nik = cipher().decrypt(candidate.nik_encrypted, candidate.nik_key_id) if candidate.nik_encrypted else None
    if nik and nik != _nik_of(resident):
        conflicts.append((resident.id, "nik", _nik_values(resident, nik, source, today_iso)))
    resident.field_sources = sources
    if candidate.batch_id is not None:
        db.session.add(SourceRecord(batch_id=candidate.batch_id, beneficiary_id=resident.id, source=source,
                                    recorded_on=date.today(), values=values))
    from sponsorship.beneficiaries.importer import open_discrepancies

    db.session.flush()
    open_discrepancies(conflicts, source=source)
    audit.record_update(resident, actor=actor, note=f"link candidate #{candidate.id}")
    return resident


def _create_from_record(candidate: LinkCandidate, *, actor) -> Beneficiary:
    """The reviewed record is someone else: the resident the import held back is created now."""
    nik = cipher().decrypt(candidate.nik_encrypted, candidate.nik_key_id)
    if db.session.scalar(select(Beneficiary.id).where(
            Beneficiary.nik_index.in_(cipher().blind_indexes(nik)))) is not None:
        raise DomainError(_l("NIK catatan ini sudah ada di registri; putuskan sebagai orang yang sama."))
    resident = new_resident(nik=nik, values=candidate.incoming or {}, source=_record_source(candidate),
                            actor=actor)
    if candidate.batch_id is not None:
        db.session.add(SourceRecord(batch_id=candidate.batch_id, beneficiary_id=resident.id,
                                    source=_record_source(candidate), recorded_on=date.today(),
                                    values=dict(candidate.incoming or {})))
    return resident


def new_resident(*, nik: str, values: dict[str, Any], source: str, actor=None) -> Beneficiary:
    """A registry resident from what one source said (audited as created)."""
    c = cipher()
    today_iso = date.today().isoformat()
    fields = {f: _typed(f, v) for f, v in values.items()
              if f in Beneficiary.__table__.c and f not in ("id", "nik_encrypted", "nik_index")}
    resident = Beneficiary(nik_encrypted=c.encrypt(nik), nik_index=c.blind_index(nik), nik_key_id=c.key_id,
                           nik_masked=mask(nik), **fields)
    resident.name_search = normalise(resident.name)
    resident.nik_mismatch = not agrees_with_nik(nik, resident.sex, resident.birth_date)
    resident.field_sources = {f: [source, today_iso] for f in fields}
    resident.arrears_months = resident.arrears_months or 0
    db.session.add(resident)
    db.session.flush()
    audit.record_create(resident, actor=actor, note=f"source {source}")
    return resident


# --- merge and unmerge ---------------------------------------------------------------------------

def _holding(b: Beneficiary):
    from sponsorship.allocations.models import HOLDING, Allocation

    return db.session.scalars(select(Allocation).where(Allocation.beneficiary_id == b.id,
                                                       Allocation.status.in_(HOLDING))).all()


def merge_refusal(kept: Beneficiary, absorbed: Beneficiary):
    """Why these two cannot be merged now, or None."""
    if kept.id == absorbed.id:
        return _l("Warga tidak dapat digabung dengan dirinya sendiri.")
    if kept.merged_into_id is not None or absorbed.merged_into_id is not None:
        return _l("Salah satu warga sudah digabung ke warga lain.")
    a, b = _holding(kept), _holding(absorbed)
    if a and b:
        if {x.pledge_id for x in a} != {x.pledge_id for x in b}:
            return _l("Keduanya memegang alokasi pada pledge yang berbeda (%(a)s dan %(b)s). "
                      "Akhiri salah satu alokasi lebih dulu, lalu gabungkan.",
                      a=", ".join(str(x.pledge_id) for x in a), b=", ".join(str(x.pledge_id) for x in b))
        return _l("Keduanya memegang alokasi pada pledge yang sama; satu orang hanya boleh memegang "
                  "satu alokasi. Akhiri salah satu alokasi (diganti) lebih dulu.")
    return None


def _moved_tables() -> dict[str, Any]:
    from sponsorship.allocations.models import Allocation

    tables = {"allocation": Allocation.__table__, "source_record": SourceRecord.__table__}
    from sponsorship.proposals.models import AidProposal

    if "beneficiary_id" in AidProposal.__table__.c:
        tables["aid_proposal"] = AidProposal.__table__
    return tables


def merge(kept: Beneficiary, absorbed: Beneficiary, *, actor) -> ResidentMerge:
    """`absorbed` is `kept`: allocations, records, proposals and open questions move to `kept`,
    which fills its gaps from `absorbed`; where they disagree a discrepancy opens. Reversible."""
    _guard("linkage.merge", actor, kept)
    refusal = merge_refusal(kept, absorbed)
    if refusal is not None:
        raise DomainError(refusal)
    before = {f: _plain(getattr(kept, f)) for f in RESTORED_FIELDS}
    moved: dict[str, list[int]] = {}
    for name, table in _moved_tables().items():
        ids = list(db.session.scalars(select(table.c.id).where(table.c.beneficiary_id == absorbed.id)))
        if ids:
            db.session.execute(update(table).where(table.c.id.in_(ids)).values(beneficiary_id=kept.id))
        moved[name] = ids
    # Open discrepancies move unless the kept resident has one open on the same field already.
    kept_open = set(db.session.scalars(select(Discrepancy.field).where(
        Discrepancy.beneficiary_id == kept.id, Discrepancy.status == "open")))
    moving = list(db.session.scalars(select(Discrepancy.id).where(
        Discrepancy.beneficiary_id == absorbed.id,
        or_(Discrepancy.status != "open", Discrepancy.field.not_in(kept_open or {""})))))
    if moving:
        db.session.execute(update(Discrepancy).where(Discrepancy.id.in_(moving)).values(beneficiary_id=kept.id))
    moved["discrepancy"] = moving
    before_id = kept.id
    db.session.expire_all()
    kept = db.session.get(Beneficiary, before_id)
    absorbed = db.session.get(Beneficiary, absorbed.id)
    sources = dict(kept.field_sources or {})
    other_sources = absorbed.field_sources or {}
    conflicts = []
    today_iso = date.today().isoformat()
    for f in FILLED_FIELDS:
        if getattr(kept, f) is None and getattr(absorbed, f) is not None:
            setattr(kept, f, getattr(absorbed, f))
            if f in other_sources:
                sources[f] = other_sources[f]
    for f in COMPARED_FIELDS:
        a, b = _plain(getattr(kept, f)), _plain(getattr(absorbed, f))
        if a is None or b is None or a == b or (f == "name" and same_name(a, b)):
            continue
        said_a, said_b = sources.get(f), other_sources.get(f)
        conflicts.append((kept.id, f, [
            {"source": said_a[0] if said_a else _first_source(kept), "value": a,
             "date": said_a[1] if said_a else today_iso},
            {"source": said_b[0] if said_b else _first_source(absorbed), "value": b,
             "date": said_b[1] if said_b else today_iso}]))
    other_nik = _nik_of(absorbed)
    if other_nik and other_nik != _nik_of(kept):
        conflicts.append((kept.id, "nik", _nik_values(kept, other_nik, _first_source(absorbed), today_iso)))
    kept.field_sources = sources
    absorbed.merged_into_id = kept.id
    db.session.flush()
    first_new = db.session.scalar(select(func.coalesce(func.max(Discrepancy.id), 0)))
    from sponsorship.beneficiaries.importer import open_discrepancies

    open_discrepancies(conflicts, source="merge")
    moved["opened"] = list(db.session.scalars(select(Discrepancy.id).where(
        Discrepancy.beneficiary_id == before_id, Discrepancy.id > first_new)))
    record = ResidentMerge(kept_id=kept.id, absorbed_id=absorbed.id, moved=moved, kept_before=before,
                           merged_by_id=getattr(actor, "id", None))
    db.session.add(record)
    db.session.flush()
    counts = {k: [None, len(v)] for k, v in moved.items()}
    audit.record(actor=actor, action="linkage:merge", obj=record, changes=counts)
    audit.record_update(kept, actor=actor, note=f"merge #{record.id}")
    audit.record(actor=actor, action="linkage:merged_into", obj=absorbed,
                 changes={"merged_into_id": [None, kept.id]}, note=f"merge #{record.id}")
    return record


def unmerge(record: ResidentMerge, *, actor) -> ResidentMerge:
    """Undo a merge: what moved goes back, the kept resident's fields are as before, both live."""
    MERGE_FLOW.check("unmerge", record, actor)
    kept, absorbed = record.kept, record.absorbed
    moved = record.moved or {}
    from sponsorship.allocations.models import HOLDING, Allocation

    back_allocations = moved.get("allocation") or []
    holding_back = db.session.scalar(select(func.count()).select_from(Allocation).where(
        Allocation.id.in_(back_allocations or [0]), Allocation.status.in_(HOLDING))) or 0
    tables = {**_moved_tables(), "discrepancy": Discrepancy.__table__}
    for name, table in tables.items():
        ids = moved.get(name) or []
        for i in range(0, len(ids), CHUNK):
            db.session.execute(update(table).where(table.c.id.in_(ids[i:i + CHUNK]),
                                                   table.c.beneficiary_id == kept.id)
                               .values(beneficiary_id=absorbed.id))
    opened = moved.get("opened") or []
    if opened:
        db.session.execute(Discrepancy.__table__.delete().where(
            Discrepancy.id.in_(opened), Discrepancy.status == "open"))
    db.session.expire_all()
    kept = db.session.get(Beneficiary, record.kept_id)
    absorbed = db.session.get(Beneficiary, record.absorbed_id)
    for f, v in (record.kept_before or {}).items():
        setattr(kept, f, _typed(f, v))
    absorbed.merged_into_id = None
    db.session.flush()
    MERGE_FLOW.move(record, "unmerge", actor=actor,
                    values={"unmerged_at": utcnow(), "unmerged_by_id": actor.id},
                    changes={"holding_allocations_back": [None, holding_back]})
    audit.record_update(kept, actor=actor, note=f"unmerge #{record.id}")
    audit.record(actor=actor, action="linkage:unmerged", obj=absorbed,
                 changes={"merged_into_id": [kept.id, None]}, note=f"unmerge #{record.id}")
    return record


# --- the whole registry --------------------------------------------------------------------------

def link_registry(*, actor, progress: Callable[[int, int], None] | None = None) -> dict[str, Any]:
    """Find probable duplicates among live residents: sure ones are merged (when a merge is
    allowed), uncertain ones queued for review. `progress(done, total)` is called as it goes."""
    _guard("linkage.run", actor)
    started = time.monotonic()
    total = registry_size()
    report = progress or (lambda done, total: None)
    records: list[dict[str, Any]] = []
    last = 0
    while True:
        chunk = _records(_live().where(Beneficiary.__table__.c.id > last)
                         .order_by(Beneficiary.__table__.c.id).limit(10_000))
        if not chunk:
            break
        records.extend(chunk)
        last = chunk[-1]["id"]
        report(len(records) // 2, total)
    matches = engine.link(records, prior=1.0 / max(total, engine.MIN_POPULATION))
    report(total * 3 // 4, total)
    decided = set(db.session.execute(select(LinkCandidate.beneficiary_id, LinkCandidate.other_id).where(
        LinkCandidate.kind == "registry")).all())
    merged_into: dict[int, int] = {}

    def root(i: int) -> int:
        while i in merged_into:
            i = merged_into[i]
        return i

    auto = review = 0
    for m in matches:
        a, b = sorted((int(m.left), int(m.right)))
        if (a, b) in decided:
            continue
        a, b = root(a), root(b)
        if a == b:
            continue
        kept, absorbed = db.session.get(Beneficiary, a), db.session.get(Beneficiary, b)
        if m.band == "auto" and merge_refusal(kept, absorbed) is None:
            merge(kept, absorbed, actor=actor)
            merged_into[b] = a
            auto += 1
        elif m.band in ("auto", "review"):
            db.session.add(LinkCandidate(kind="registry", beneficiary_id=a, other_id=b, source=None,
                                         probability=m.probability, agreed=m.agreed))
            decided.add((a, b))
            review += 1
    db.session.flush()
    summary = {"residents": total, "pairs_found": len(matches), "auto": auto, "review": review,
               "backend": engine.backend_name(), "seconds": round(time.monotonic() - started, 2)}
    audit.record(actor=actor, action="linkage:registry_run", object_type="beneficiary",
                 changes={k: [None, v] for k, v in summary.items() if k != "backend"})
    report(total, total)
    return summary


# --- what the review page shows ------------------------------------------------------------------

SHOWN = ("name", "birth_date", "sex", "region_code", "kk_number")


def side_by_side(candidate: LinkCandidate) -> dict[str, Any]:
    """The pair as the review page shows it: each side's values, masked NIKs and its sources."""
    left = candidate.beneficiary
    if candidate.kind == "registry":
        right = candidate.other
        right_values = {f: getattr(right, f) for f in SHOWN}
        right_nik, right_sources = right.nik_masked, right.field_sources or {}
        right_full = _nik_of(right)
    else:
        right = None
        right_values = {f: _typed(f, (candidate.incoming or {}).get(f)) for f in SHOWN}
        right_nik = candidate.nik_masked
        right_sources = {f: [candidate.source, None] for f in candidate.incoming or {}}
        right_full = (cipher().decrypt(candidate.nik_encrypted, candidate.nik_key_id)
                      if candidate.nik_encrypted else "")
    left_values = {f: getattr(left, f) for f in SHOWN}
    # Which digits differ is computed on the full numbers, then shown on the masks.
    left_full = _nik_of(left)
    differs = [i for i in range(16) if i < len(left_full) and i < len(right_full or "")
               and left_full[i] != right_full[i]]
    def shown(masked: str | None):
        return [(ch, i in differs) for i, ch in enumerate(masked or "")]
    return {"left": left, "right": right, "left_values": left_values, "right_values": right_values,
            "left_nik": shown(left.nik_masked), "right_nik": shown(right_nik),
            "nik_differs": len(differs), "left_sources": left.field_sources or {},
            "right_sources": right_sources,
            "refusal": merge_refusal(left, right) if right is not None else None}


# --- an aid proposal's patient ----------------------------------------------------------------------

def live_resident(b: Beneficiary | None) -> Beneficiary | None:
    """The resident a record now is (a merged one's kept resident)."""
    seen = 0
    while b is not None and b.merged_into_id is not None and seen < 20:
        b, seen = db.session.get(Beneficiary, b.merged_into_id), seen + 1
    return b


def patient_for_intake(*, nik: str, kk: str | None, name: str, region_code: str, actor) -> Beneficiary:
    """The registry resident an aid proposal is about: the one of this NIK (blind index); else the
    one linkage is sure of (name, birth date and sex from the NIK, kelurahan, KK, NIK nearly equal),
    whose other NIK opens a discrepancy; else a new resident of source "proposal" (queued for review
    beside the resident it may be, when there is one)."""
    from sponsorship.beneficiaries.service import find_by_nik
    from sponsorship.identity import birth_date_from_nik, nik_facts

    found = live_resident(find_by_nik(nik))
    if found is not None:
        return found
    try:
        sex, born = nik_facts(nik).sex, birth_date_from_nik(nik)
    except ValueError:
        sex, born = None, None
    row = {"id": "p", "name": name, "nik": nik, "kk": kk, "sex": sex, "birth_date": born,
           "region_code": region_code}
    match = best_matches([row]).get("p")
    today_iso = date.today().isoformat()
    if match is not None and match.band == "auto":
        resident = live_resident(db.session.get(Beneficiary, int(match.right)))
        from sponsorship.beneficiaries.importer import open_discrepancies

        open_discrepancies([(resident.id, "nik", _nik_values(resident, nik, "proposal", today_iso))],
                           source="proposal")
        audit.record(actor=actor, action="linkage:proposal_patient", obj=resident,
                     changes={"probability": [None, round(match.probability, 4)]})
        return resident
    values = {"name": name, "kk_number": kk, "sex": sex, "birth_date": born, "region_code": region_code}
    resident = new_resident(nik=nik, values={k: v for k, v in values.items() if v is not None},
                            source="proposal", actor=actor)
    if match is not None and match.band == "review":
        a, b = sorted((resident.id, int(match.right)))
        db.session.add(LinkCandidate(kind="registry", beneficiary_id=a, other_id=b, source="proposal",
                                     probability=match.probability, agreed=match.agreed))
        db.session.flush()
    return resident
