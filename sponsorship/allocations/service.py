"""Allocation rules: add, fill by priority, activate, end, replace; never over quota, never twice.

The quota is held by the database: `pledge.allocated_count` moves only through an atomic
conditional UPDATE in the same transaction as the allocation rows (CHECK keeps it within the
quota), and a partial unique index stops a resident from holding two slots at once.
"""
from __future__ import annotations

from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from sponsorship import policy
from sponsorship.allocations.models import (
    ACTIVE,
    END_REASONS,
    ENDED,
    HOLDING,
    RESERVED,
    STATUSES,
    Allocation,
)
from sponsorship.audit import service as audit
from sponsorship.beneficiaries.models import Beneficiary
from sponsorship.core.errors import DomainError
from sponsorship.core.models import utcnow
from sponsorship.core.workflow import Transition, Workflow
from sponsorship.eligibility import service as eligibility
from sponsorship.extensions import db
from sponsorship.pledges.models import ACTIVE as PLEDGE_ACTIVE
from sponsorship.pledges.models import AGREED, PREMIUM, Pledge

ALLOCATION_FLOW = Workflow(
    STATUSES,
    [
        Transition("activate", frozenset({RESERVED}), ACTIVE, "allocation.activate", _l("Aktifkan")),
        Transition("end", frozenset({RESERVED, ACTIVE}), ENDED, "allocation.end", _l("Akhiri"),
                   style="danger", needs_note=True),
    ],
)
OPEN_PLEDGE = (AGREED, PLEDGE_ACTIVE)


def _guard(actor, pledge: Pledge) -> None:
    policy.authorise("allocation.manage", pledge, user=actor)
    if pledge.programme != PREMIUM:
        raise DomainError(_l("Alokasi warga hanya untuk komitmen iuran JKN."))
    if pledge.status not in OPEN_PLEDGE:
        raise DomainError(_l("Alokasi hanya dapat dilakukan pada komitmen yang disepakati atau berjalan."))


def _start_month(pledge: Pledge, start_month: date | None) -> date:
    start = (start_month or pledge.start_month).replace(day=1)
    if start < pledge.start_month or start > pledge.end_month:
        raise DomainError(_l("Bulan mulai harus di dalam periode komitmen."), field="start_month")
    return start


def _take_slots(pledge: Pledge, n: int) -> bool:
    """The atomic conditional counter: true when n slots were still free and are now taken."""
    result = db.session.execute(
        update(Pledge).where(Pledge.id == pledge.id, Pledge.allocated_count + n <= Pledge.quota)
        .values(allocated_count=Pledge.allocated_count + n)
        .execution_options(synchronize_session=False)
    )
    db.session.expire(pledge, ["allocated_count"])
    return result.rowcount == 1


def _release_slot(pledge_id: int) -> None:
    db.session.execute(update(Pledge).where(Pledge.id == pledge_id)
                       .values(allocated_count=Pledge.allocated_count - 1)
                       .execution_options(synchronize_session=False))


def free_slots(pledge: Pledge) -> int:
    return max(0, (pledge.quota or 0) - pledge.allocated_count)


FAMILY_TAKEN = _l("Anggota keluarga yang sama baru saja disponsori; satu orang per keluarga.")


def allocate(pledge: Pledge, beneficiary: Beneficiary, *, actor,
             start_month: date | None = None) -> Allocation:
    """Put one resident in one slot (reserved while the pledge is agreed, active once it runs),
    under the eligibility policy in force, which the allocation keeps a reference to."""
    _guard(actor, pledge)
    start = _start_month(pledge, start_month)
    rules = eligibility.in_force()
    reasons = eligibility.explain(beneficiary, rules)["reasons"]
    if reasons:
        raise DomainError(_l("Warga tidak memenuhi syarat: %(r)s", r=" ".join(reasons)))
    if not _take_slots(pledge, 1):
        raise DomainError(_l("Kuota komitmen sudah penuh."))
    alloc = Allocation(pledge_id=pledge.id, beneficiary_id=beneficiary.id, start_month=start,
                       status=ACTIVE if pledge.status == PLEDGE_ACTIVE else RESERVED, policy_id=rules.id,
                       family_key=eligibility.family_key(rules.one_per, beneficiary))
    try:
        with db.session.begin_nested():
            db.session.add(alloc)
            db.session.flush()
    except IntegrityError as exc:
        if "family" in str(exc.orig):
            raise DomainError(FAMILY_TAKEN) from None
        raise DomainError(_l("Warga ini sudah dialokasikan pada komitmen lain.")) from None
    audit.record_create(alloc, actor=actor)
    return alloc


def preview_fill(pledge: Pledge, *, actor) -> list[tuple[Beneficiary, int]]:
    """(resident, score) of those who would fill the free slots, highest score first, at most one
    per family when the policy says so (nothing is written)."""
    _guard(actor, pledge)
    ranked = eligibility.ranked(free_slots(pledge), covers_arrears=pledge.covers_arrears)
    if not ranked:
        return []
    ids = [i for i, _ in ranked]
    rows: dict[int, Beneficiary] = {}
    for i in range(0, len(ids), 900):
        rows.update((b.id, b) for b in db.session.scalars(select(Beneficiary).where(
            Beneficiary.id.in_(ids[i:i + 900]))))
    return [(rows[i], score) for i, score in ranked if i in rows]


def fill_by_priority(pledge: Pledge, *, actor, beneficiary_ids: list[int],
                     start_month: date | None = None) -> int:
    """Allocate the previewed residents that are still eligible; returns how many were placed."""
    _guard(actor, pledge)
    start = _start_month(pledge, start_month)
    wanted = list(dict.fromkeys(beneficiary_ids))[: free_slots(pledge)]
    rules = eligibility.in_force()
    family = eligibility.family_column(rules.one_per)
    still: dict[int, str | None] = {}
    for i in range(0, len(wanted), 900):
        columns = (Beneficiary.id, family if family is not None else db.null())
        still.update(db.session.execute(select(*columns).where(
            Beneficiary.id.in_(wanted[i:i + 900]), eligibility.eligible_clause(rules))).tuples().all())
    chosen, families = [], set()
    for i in wanted:
        if i not in still:
            continue
        key = f"{rules.one_per}:{still[i]}" if still[i] else None
        if key is not None and key in families:
            continue  # one per family: the first (highest score) of the preview
        families.add(key)
        chosen.append((i, key))
    if not chosen:
        return 0
    if not _take_slots(pledge, len(chosen)):
        raise DomainError(_l("Kuota komitmen tidak cukup lagi; muat ulang pratinjau."))
    now = utcnow()
    status = ACTIVE if pledge.status == PLEDGE_ACTIVE else RESERVED
    table = Allocation.__table__
    try:
        with db.session.begin_nested():
            rows = db.session.execute(table.insert().returning(table.c.id, table.c.beneficiary_id), [
                {"pledge_id": pledge.id, "beneficiary_id": b, "start_month": start, "status": status,
                 "created_at": now, "updated_at": now, "policy_id": rules.id, "family_key": key}
                for b, key in chosen]).all()
    except IntegrityError as exc:
        if "family" in str(exc.orig):
            raise DomainError(FAMILY_TAKEN) from None
        raise DomainError(_l("Sebagian warga baru saja dialokasikan di tempat lain; muat ulang pratinjau.")) \
            from None
    # One event for the whole fill: its count, and the residents placed (in priority order).
    audit.record(actor=actor, action="allocation:fill", obj=pledge,
                 changes={"allocated": [None, len(rows)],
                          "beneficiaries": [None, [r.beneficiary_id for r in rows]],
                          "status": [None, status], "start_month": [None, start.isoformat()],
                          "policy_id": [None, rules.id]})
    return len(rows)


def transition_allocation(alloc: Allocation, name: str, *, actor, reason: str | None = None,
                          end_month: date | None = None, replaced_by: Allocation | None = None) -> Allocation:
    """The only way an allocation's status changes; ending frees the slot in the same transaction."""
    t = ALLOCATION_FLOW.check(name, alloc, actor)
    values: dict = {}
    changes: dict = {}
    if t.target == ENDED:
        if reason not in END_REASONS:
            raise DomainError(_l("Pilih alasan berakhirnya alokasi."), field="reason")
        month = (end_month or date.today()).replace(day=1)
        values = {"end_month": max(month, alloc.start_month), "end_reason": reason}
        if replaced_by is not None:
            values["replaced_by_id"] = replaced_by.id
        changes = {"end_month": [None, values["end_month"].isoformat()], "end_reason": [None, reason]}
    ALLOCATION_FLOW.move(alloc, name, actor=actor, note=reason if t.target == ENDED else None,
                         changes=changes, values=values)
    if t.target == ENDED:
        _release_slot(alloc.pledge_id)
        db.session.expire(alloc.pledge, ["allocated_count"])
    return alloc


def replace_allocation(alloc: Allocation, newcomer: Beneficiary, *, actor) -> Allocation:
    """End an allocation as "replaced" and give its slot to another resident."""
    if alloc.status not in HOLDING:
        raise DomainError(_l("Hanya alokasi yang aktif atau dipesan yang dapat diganti."))
    pledge = alloc.pledge
    start = max(date.today().replace(day=1), alloc.start_month)
    start = min(max(start, pledge.start_month), pledge.end_month)
    transition_allocation(alloc, "end", actor=actor, reason="replaced", end_month=start)
    new = allocate(pledge, newcomer, actor=actor, start_month=start)
    alloc.replaced_by_id = new.id
    db.session.flush()
    return new


def pledge_allocations(pledge: Pledge, *, holding_only: bool = False):
    stmt = (select(Allocation).where(Allocation.pledge_id == pledge.id)
            .options(db.joinedload(Allocation.beneficiary)).order_by(Allocation.id))
    if holding_only:
        stmt = stmt.where(Allocation.status.in_(HOLDING))
    return stmt
