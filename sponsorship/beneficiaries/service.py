"""Registry rules: importing lists (preview, then one-transaction confirm), search, and settling
discrepancies between sources (who is eligible lives in sponsorship/eligibility). Services flush and
audit; the caller commits."""
from __future__ import annotations

import json
import secrets
from datetime import date
from pathlib import Path
from typing import Any

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import not_, or_, select

from sponsorship import policy
from sponsorship.audit import service as audit
from sponsorship.beneficiaries import importer
from sponsorship.beneficiaries.models import (
    BATCH_STATUSES,
    RECONCILED_FIELDS,
    Beneficiary,
    Discrepancy,
    ImportBatch,
)
from sponsorship.beneficiaries.search import Order, name_matches, registry_order
from sponsorship.beneficiaries.text import normalise
from sponsorship.core import files
from sponsorship.core.errors import DomainError
from sponsorship.core.models import utcnow
from sponsorship.core.workflow import Transition, Workflow
from sponsorship.extensions import db
from sponsorship.identity import NikError, agrees_with_nik, cipher, clean_nik

# An uploaded list is previewed, then applied once (a confirmation that comes second is refused).
IMPORT_FLOW = Workflow(
    BATCH_STATUSES,
    [Transition("apply", frozenset({"previewed"}), "applied", "beneficiary.import", _l("Terapkan impor"))],
    stale_message=_l("Impor ini sudah diterapkan."),
)


def _guard(actor) -> None:
    if actor is not None:  # None: the shell's import command
        policy.authorise("beneficiary.import", user=actor)


# --- import ------------------------------------------------------------------------------------

def _preview_dir() -> Path:
    """On the storage path shared by every host: the worker that confirms may run elsewhere."""
    from sponsorship.core.uploads import upload_root

    path = upload_root() / "imports"
    path.mkdir(parents=True, exist_ok=True)
    return path


def preview_import(*, actor, data: bytes, file_name: str, source: str):
    """Parse and compare without changing the registry; keep the file for confirmation.

    Returns (batch, parsed, plan). An unusable file raises importer.UnusableFile.
    """
    _guard(actor)
    parsed = importer.parse_file(data, file_name=file_name, source=source,
                                 max_bytes=current_app.config["IMPORT_MAX_BYTES"])
    plan, links = _plan(parsed)
    token = secrets.token_hex(16)
    _forget_stale_previews()
    # Both files belong to the batch row: a preview whose transaction fails leaves neither. They
    # hold full NIKs, so they are encrypted at rest (and removed once the import is confirmed).
    seal = cipher().seal
    files.write_new(_preview_dir() / token, seal(data, purpose="import-preview"))
    # The invalid rows, so the preview page lists them without parsing the file again.
    files.write_new(_preview_dir() / f"{token}.invalid.json", seal(json.dumps(
        [{"line": i["line"], "reason": str(i["reason"])} for i in parsed.invalid],
        ensure_ascii=False).encode(), purpose="import-invalid"))
    batch = ImportBatch(source=source, status="previewed", file_name=Path(file_name).name[:255] or "-",
                        sha256=importer.sha256_of(data), token=token,
                        uploaded_by_id=getattr(actor, "id", None), total_rows=parsed.total,
                        created_count=len(plan.created), updated_count=len(plan.updated),
                        unchanged_count=plan.unchanged, invalid_count=len(parsed.invalid),
                        discrepancy_count=len(plan.conflicts), linked_count=links.attached,
                        review_count=len(links.review), encoding=parsed.encoding,
                        warnings=parsed.warnings or None)
    db.session.add(batch)
    db.session.flush()
    return batch, parsed, plan


PREVIEW_LIFETIME_SECONDS = 2 * 24 * 3600


def _forget_stale_previews() -> None:
    """Uploads previewed but never confirmed hold personal data: keep them two days at most."""
    import time

    limit = time.time() - PREVIEW_LIFETIME_SECONDS
    for path in _preview_dir().iterdir():
        try:
            if path.is_file() and path.stat().st_mtime < limit:
                path.unlink()
        except OSError:  # another worker removed it first
            continue


def load_preview(batch: ImportBatch):
    path = _preview_dir() / batch.token
    if batch.status != "previewed" or not path.exists():
        raise DomainError(_l("Pratinjau impor ini sudah tidak berlaku; unggah ulang berkasnya."))
    try:
        data = cipher().unseal(path.read_bytes(), purpose="import-preview")
    except ValueError:
        raise DomainError(_l("Pratinjau impor ini sudah tidak berlaku; unggah ulang berkasnya.")) from None
    parsed = importer.parse_file(data, file_name=batch.file_name, source=batch.source,
                                 max_bytes=current_app.config["IMPORT_MAX_BYTES"])
    return parsed, _plan(parsed)


def confirm_import(batch: ImportBatch, *, actor) -> dict[str, Any]:
    """Apply every valid row of a previewed file; the caller commits once (all or nothing)."""
    _guard(actor)
    parsed, (plan, links) = load_preview(batch)
    # A compare-and-set claim: of two confirmations arriving together only one applies it.
    IMPORT_FLOW.move(batch, "apply", actor=actor, values={"applied_at": utcnow()})
    files.remove_after_commit(_preview_dir() / batch.token)  # the kept upload is no longer needed
    files.remove_after_commit(_preview_dir() / f"{batch.token}.invalid.json")
    return _apply(batch, parsed, plan, links, actor=actor)


def _plan(parsed):
    """What each valid row does. A row of a known NIK updates its resident; a row of a new NIK is
    linked (sponsorship.linkage): attached to the resident it surely is, held for review when it
    may be one, or else a new resident."""
    from sponsorship.linkage.service import link_import

    plan = importer.plan_import(parsed)
    return plan, link_import(plan, parsed)


def preview_invalid_rows(batch: ImportBatch) -> list[dict]:
    """The invalid rows found when the file was previewed (kept beside it), else none."""
    path = _preview_dir() / f"{batch.token}.invalid.json"
    try:
        return json.loads(cipher().unseal(path.read_bytes(), purpose="import-invalid"))
    except (OSError, ValueError):
        return []


def import_file(*, actor, data: bytes, file_name: str, source: str, dry_run: bool = False) -> dict[str, Any]:
    """The shell command's path: parse, compare and (unless dry_run) apply at once."""
    parsed = importer.parse_file(data, file_name=file_name, source=source,
                                 max_bytes=current_app.config["IMPORT_MAX_BYTES"])
    plan, links = _plan(parsed)
    if dry_run:
        return {**plan.counts(parsed), "linked": links.attached, "review": len(links.review)}
    # Applied as it is created: there is no preview to confirm.
    batch = ImportBatch(source=source, status="applied", applied_at=utcnow(),
                        file_name=Path(file_name).name[:255], sha256=importer.sha256_of(data),
                        token=secrets.token_hex(16), uploaded_by_id=getattr(actor, "id", None))
    db.session.add(batch)
    db.session.flush()
    return _apply(batch, parsed, plan, links, actor=actor)


def _apply(batch: ImportBatch, parsed, plan, links, *, actor) -> dict[str, Any]:
    from sponsorship.linkage.service import write_review_items

    opened = importer.apply_plan(plan, parsed, batch_id=batch.id)
    # The uncertain rows become review items, never residents created without a decision.
    batch.linked_count = links.attached
    batch.review_count = write_review_items(links, batch=batch, source=parsed.source)
    batch.total_rows = parsed.total
    batch.created_count, batch.updated_count = len(plan.created), len(plan.updated)
    batch.unchanged_count, batch.invalid_count = plan.unchanged, len(parsed.invalid)
    batch.discrepancy_count = opened
    counts = {**plan.counts(parsed), "linked": batch.linked_count, "review": batch.review_count}
    audit.record(actor=actor, action="import:apply", obj=batch,
                 changes={"created": [None, batch.created_count], "updated": [None, batch.updated_count],
                          "unchanged": [None, batch.unchanged_count], "invalid": [None, batch.invalid_count],
                          "discrepancies": [None, opened], "linked": [None, batch.linked_count],
                          "review": [None, batch.review_count]},
                 note=f"{batch.file_name} sha256={batch.sha256}")
    return counts


# --- search ------------------------------------------------------------------------------------

def find_by_nik(raw: str) -> Beneficiary | None:
    try:
        nik = clean_nik(raw)
    except NikError:
        return None
    # Under every configured key: rows not yet moved to the current one are found too.
    indexes = cipher().blind_indexes(nik)
    return db.session.scalar(select(Beneficiary).where(Beneficiary.nik_index.in_(indexes)))


def registry_listing(*, q: str = "", **filters) -> Order:
    """What the registry list pages through: the filters, the name search and its order."""
    q = (q or "").strip()
    by_number = q.isdigit() and len(q) == 16
    return registry_order(search_stmt(q=q if by_number else "", **filters), "" if by_number else q)


def search_stmt(*, q: str = "", region: str = "", segment: str = "", status: str = "",
                eligible: str = ""):
    B = Beneficiary
    stmt = select(B).where(B.merged_into_id.is_(None))  # a merged record lives on in its resident
    q = (q or "").strip()
    if q.isdigit() and len(q) == 16:
        # Could be a KK or a NIK: the NIK through its blind index, never in clear.
        stmt = stmt.where(or_(B.kk_number == q, B.nik_index.in_(cipher().blind_indexes(q))))
    elif q:
        stmt = stmt.where(name_matches(q))
    if region:
        stmt = stmt.where(or_(B.region_code == region, B.region_code.like(f"{region}.%")))
    if segment:
        stmt = stmt.where(B.jkn_segment == segment)
    if status:
        stmt = stmt.where(B.jkn_status == status)
    if eligible in ("1", "0"):
        from sponsorship.eligibility.service import eligible_clause

        stmt = stmt.where(eligible_clause() if eligible == "1" else not_(eligible_clause()))
    return stmt


# --- reconciliation ----------------------------------------------------------------------------

def _typed(field: str, value: Any) -> Any:
    if field == "birth_date" and isinstance(value, str):
        return date.fromisoformat(value)
    return value


def resolve_discrepancy(d: Discrepancy, *, actor, source: str, note: str | None = None) -> Discrepancy:
    """Settle a disagreement by taking the value one source gave; audited on both objects."""
    _guard(actor)
    if d.status != "open":
        raise DomainError(_l("Perbedaan data ini sudah diselesaikan."))
    chosen = next((v for v in d.values if v["source"] == source), None)
    if chosen is None:
        raise DomainError(_l("Sumber yang dipilih tidak memberi nilai untuk data ini."), field="source")
    b = d.beneficiary
    value = _typed(d.field, chosen["value"])
    if d.field == "nik":
        _take_nik(b, chosen)
    else:
        setattr(b, d.field, value)
    if d.field == "name":
        b.name_search = normalise(value)
    if d.field == "birth_date":
        nik = cipher().decrypt(b.nik_encrypted, b.nik_key_id)
        b.nik_mismatch = not agrees_with_nik(nik, b.sex, b.birth_date)
    sources = dict(b.field_sources or {})
    sources[d.field] = [source, chosen["date"]]
    b.field_sources = sources
    d.status, d.resolution, d.resolved_source = "resolved", str(value)[:250], source
    d.resolved_by_id, d.resolved_at = getattr(actor, "id", None), utcnow()
    audit.record_update(b, actor=actor, note=f"discrepancy #{d.id}: {d.field} <- {source}")
    audit.record(actor=actor, action="discrepancy:resolve", obj=d,
                 changes={"status": ["open", "resolved"], "source": [None, source]},
                 note=(note or "").strip() or None)
    return d


def _take_nik(b: Beneficiary, chosen: dict) -> None:
    """A NIK discrepancy (record linkage) settled for the other number, kept encrypted in it."""
    if not chosen.get("nik_encrypted"):
        return  # the resident's own number was chosen: nothing to change
    c = cipher()
    nik = c.decrypt(chosen["nik_encrypted"], chosen["nik_key_id"])
    if db.session.scalar(select(Beneficiary.id).where(Beneficiary.nik_index.in_(c.blind_indexes(nik)),
                                                      Beneficiary.id != b.id)) is not None:
        raise DomainError(_l("NIK itu milik warga lain di registri; periksa antrean duplikat."))
    b.nik_encrypted, b.nik_key_id = c.encrypt(nik), c.key_id
    b.nik_index, b.nik_masked = c.blind_index(nik), chosen["value"]
    b.nik_mismatch = not agrees_with_nik(nik, b.sex, b.birth_date)


def apply_bulk_rule(*, actor, source: str, fields: list[str]) -> int:
    """'<source> wins for <fields>': resolve every open discrepancy where that source gave a value."""
    _guard(actor)
    fields = [f for f in fields if f in RECONCILED_FIELDS]
    if not fields:
        raise DomainError(_l("Pilih minimal satu jenis data."), field="fields")
    items = db.session.scalars(select(Discrepancy).where(Discrepancy.status == "open",
                                                         Discrepancy.field.in_(fields))).all()
    done = 0
    for d in items:
        if any(v["source"] == source for v in d.values):
            resolve_discrepancy(d, actor=actor, source=source, note=str(_l("Aturan massal")))
            done += 1
    audit.record(actor=actor, action="discrepancy:bulk_rule", object_type="discrepancy",
                 changes={"source": [None, source], "fields": [None, ",".join(fields)],
                          "resolved": [None, done]})
    return done


def discrepancy_summary() -> list:
    """Open discrepancies counted per source pair and field."""
    return db.session.execute(
        select(Discrepancy.source_pair, Discrepancy.field, db.func.count())
        .where(Discrepancy.status == "open")
        .group_by(Discrepancy.source_pair, Discrepancy.field)
        .order_by(Discrepancy.source_pair, Discrepancy.field)
    ).all()
