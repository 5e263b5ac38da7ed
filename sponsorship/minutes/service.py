"""Berita acara rules: drafting, finalising (numbered), the approver's decision.

`minutes_document_context(minutes)` is the seam for the documents part (PDF of the minutes
and of the mayor's approval): plain values only, nothing lazy, no ORM objects.
"""
from __future__ import annotations

from datetime import date, time

from flask_babel import lazy_gettext as _l

from sponsorship import policy
from sponsorship.audit import service as audit
from sponsorship.core.errors import DomainError
from sponsorship.core.models import utcnow
from sponsorship.core.workflow import Transition, Workflow
from sponsorship.documents import readiness
from sponsorship.documents.models import APPROVAL_LETTER
from sponsorship.documents.models import MINUTES as MINUTES_DOCUMENT
from sponsorship.extensions import db
from sponsorship.minutes.models import (
    APPROVED,
    DECISIONS,
    DENY,
    DRAFT,
    FINAL,
    GRANT,
    RETURNED,
    STATUSES,
    Approval,
    Minutes,
    MinutesAttendee,
    MinutesItem,
)
from sponsorship.proposals import service as proposals
from sponsorship.proposals.models import IN_MINUTES, VERIFIED_ELIGIBLE, AidProposal
from sponsorship.proposals.models import RETURNED as P_RETURNED
from sponsorship.settings.service import get_setting

MINUTES_FLOW = Workflow(
    STATUSES,
    [
        Transition("finalise", frozenset({DRAFT}), FINAL, "minutes.finalise", _l("Finalkan (beri nomor)")),
        Transition("approve", frozenset({FINAL}), APPROVED, "minutes.approve", _l("Setujui"),
                   style="success"),
        Transition("return", frozenset({FINAL}), RETURNED, "minutes.return", _l("Kembalikan"),
                   style="danger", needs_note=True),
    ],
)


def _guard_draft(minutes: Minutes) -> None:
    if minutes.status != DRAFT:
        raise DomainError(_l("Berita acara yang sudah final tidak dapat diubah."))


def create_minutes(*, actor, meeting_date: date, place: str, summary: str | None = None,
                   meeting_time: time | None = None) -> Minutes:
    policy.authorise("minutes.edit", user=actor)
    place = (place or "").strip()
    if not place:
        raise DomainError(_l("Tempat rapat wajib diisi."), field="place")
    if not isinstance(meeting_date, date):
        raise DomainError(_l("Tanggal rapat wajib diisi."), field="meeting_date")
    minutes = Minutes(status=DRAFT, meeting_date=meeting_date, meeting_time=meeting_time, place=place[:200],
                      summary=(summary or "").strip() or None, created_by_id=actor.id)
    db.session.add(minutes)
    audit.record_create(minutes, actor=actor)
    return minutes


def update_minutes(minutes: Minutes, *, actor, meeting_date: date, place: str,
                   summary: str | None, meeting_time: time | None = None) -> Minutes:
    policy.authorise("minutes.edit", minutes, user=actor)
    _guard_draft(minutes)
    if not (place or "").strip():
        raise DomainError(_l("Tempat rapat wajib diisi."), field="place")
    minutes.meeting_date, minutes.place = meeting_date, place.strip()[:200]
    minutes.meeting_time = meeting_time
    minutes.summary = (summary or "").strip() or None
    audit.record_update(minutes, actor=actor)
    return minutes


def add_attendee(minutes: Minutes, *, actor, name: str, title: str, agency: str,
                 nip: str | None = None) -> MinutesAttendee:
    policy.authorise("minutes.edit", minutes, user=actor)
    _guard_draft(minutes)
    name, title, agency = (name or "").strip(), (title or "").strip(), (agency or "").strip()
    if not (name and title and agency):
        raise DomainError(_l("Nama, jabatan dan instansi peserta wajib diisi."), field="name")
    person = MinutesAttendee(minutes=minutes, name=name[:120], title=title[:150], agency=agency[:150],
                             nip=(nip or "").strip()[:30] or None, position=len(minutes.attendees))
    db.session.add(person)
    audit.record(actor=actor, action="attendee:add", obj=minutes,
                 changes={"attendee": [None, f"{person.name}, {person.title}, {person.agency}"]})
    return person


def remove_attendee(minutes: Minutes, attendee: MinutesAttendee, *, actor) -> None:
    policy.authorise("minutes.edit", minutes, user=actor)
    _guard_draft(minutes)
    if attendee.minutes_id != minutes.id:
        raise DomainError(_l("Peserta tidak ditemukan."))
    minutes.attendees.remove(attendee)
    audit.record(actor=actor, action="attendee:remove", obj=minutes,
                 changes={"attendee": [attendee.name, None]})


def add_item(minutes: Minutes, proposal: AidProposal, *, actor, decision: str = GRANT,
             amount: int | None = None, note: str | None = None) -> MinutesItem:
    """Put a verified proposal in the draft with the decision and amount proposed."""
    policy.authorise("minutes.edit", minutes, user=actor)
    _guard_draft(minutes)
    if decision not in (GRANT, DENY):
        raise DomainError(_l("Keputusan tidak dikenal."), field="decision")
    if decision == GRANT:
        amount = amount if amount is not None else proposal.recommended_amount
        if not amount or amount <= 0:
            raise DomainError(_l("Isi nominal yang diusulkan."), field="amount")
        if amount > proposal.total_requested:
            raise DomainError(_l("Nominal tidak boleh melebihi yang diajukan."), field="amount")
    else:
        amount = 0
    proposals.move(proposal, "add_to_minutes", actor=actor,
                   changes={"minutes": [None, str(minutes)]})
    item = MinutesItem(minutes=minutes, proposal=proposal, decision=decision, amount=amount,
                       note=(note or "").strip()[:300] or None)
    db.session.add(item)
    audit.record(actor=actor, action="item:add", obj=minutes,
                 changes={"item": [None, proposal.code], "decision": [None, decision],
                          "amount": [None, amount]})
    return item


def remove_item(minutes: Minutes, item: MinutesItem, *, actor) -> None:
    policy.authorise("minutes.edit", minutes, user=actor)
    _guard_draft(minutes)
    if item.minutes_id != minutes.id:
        raise DomainError(_l("Usulan tidak ada di berita acara ini."))
    proposals.move(item.proposal, "remove_from_minutes", actor=actor,
                   changes={"minutes": [str(minutes), None]})
    minutes.items.remove(item)
    audit.record(actor=actor, action="item:remove", obj=minutes,
                 changes={"item": [item.proposal.code, None]})


def _number(minutes: Minutes, year: int, seq: int) -> str:
    fmt = get_setting("aid_minutes_number_format")
    try:
        return fmt.format(seq=seq, year=year)
    except (KeyError, IndexError, ValueError):
        return f"400.9/{seq:04d}/SETDA/{year}"


def finalise_minutes(minutes: Minutes, *, actor) -> Minutes:
    MINUTES_FLOW.check("finalise", minutes, actor)
    if not minutes.items:
        raise DomainError(_l("Berita acara belum berisi usulan."))
    if not minutes.attendees:
        raise DomainError(_l("Isi paling sedikit satu peserta rapat."))
    readiness.require_ready(MINUTES_DOCUMENT, minutes=minutes)  # numbered now, issued with it
    year = minutes.meeting_date.year
    seq = proposals.next_number("minutes", year)
    number = _number(minutes, year, seq)
    MINUTES_FLOW.move(minutes, "finalise", actor=actor, changes={"number": [None, number]},
                      values={"year": year, "seq": seq, "number": number, "finalised_at": utcnow(),
                              "finalised_by_id": actor.id})
    return minutes


def approve_minutes(minutes: Minutes, *, actor, note: str | None = None,
                    exclusions: dict[int, str] | None = None) -> Approval:
    """Approve; `exclusions` maps item ids to a reason: those proposals go back to staff."""
    MINUTES_FLOW.check("approve", minutes, actor)
    readiness.require_ready(APPROVAL_LETTER)  # the approval is issued as the mayor's letter
    exclusions = {int(k): (v or "").strip() for k, v in (exclusions or {}).items()}
    items = {i.id: i for i in minutes.items}
    for item_id, reason in exclusions.items():
        if item_id not in items:
            raise DomainError(_l("Usulan yang dikecualikan tidak ada di berita acara ini."))
        if not reason:
            raise DomainError(_l("Alasan pengecualian %(code)s wajib diisi.",
                                 code=items[item_id].proposal.code), field="exclusions")
    if len(exclusions) == len(items):
        raise DomainError(_l("Semua usulan dikecualikan: kembalikan berita acara ini."))
    for item in minutes.items:
        if item.id not in exclusions:
            policy.authorise("proposal.approve", item.proposal, user=actor)  # separation of duties
    # The berita acara moves first: of two approvers deciding at once, one moves nothing.
    MINUTES_FLOW.move(minutes, "approve", actor=actor, note=note,
                      changes={"excluded": [None, ", ".join(items[i].proposal.code for i in exclusions)
                                            or None]})
    now = utcnow()
    for item in minutes.items:
        proposal = item.proposal
        if item.id in exclusions:
            item.excluded, item.exclusion_reason = True, exclusions[item.id][:300]
            proposals.move(proposal, "return", actor=actor, note=item.exclusion_reason)
        elif item.decision == GRANT:
            proposal.approved_amount, proposal.approved_at = item.amount, now
            proposals.move(proposal, "approve", actor=actor, note=note,
                           changes={"approved_amount": [None, item.amount]})
        else:
            proposals.move(proposal, "deny", actor=actor, note=item.note or note)
    approval = Approval(minutes=minutes, approver_id=actor.id, decided_at=now, decision=APPROVED,
                        note=(note or "").strip() or None)
    db.session.add(approval)
    return approval


def return_minutes(minutes: Minutes, *, actor, note: str | None) -> Approval:
    MINUTES_FLOW.check("return", minutes, actor)
    note = (note or "").strip()
    if not note:
        raise DomainError(_l("Alasan pengembalian wajib diisi."), field="note")
    MINUTES_FLOW.move(minutes, "return", actor=actor, note=note)
    for item in minutes.items:
        proposals.move(item.proposal, "return", actor=actor, note=note)
    approval = Approval(minutes=minutes, approver_id=actor.id, decided_at=utcnow(), decision=RETURNED,
                        note=note)
    db.session.add(approval)
    return approval


def candidates() -> list[AidProposal]:
    """Proposals staff may put in a draft berita acara."""
    return list(db.session.scalars(
        db.select(AidProposal).where(AidProposal.status.in_((VERIFIED_ELIGIBLE, P_RETURNED)))
        .order_by(AidProposal.status_changed_at)))


def waiting_for_approver() -> list[Minutes]:
    return list(db.session.scalars(
        db.select(Minutes).where(Minutes.status == FINAL).order_by(Minutes.finalised_at)))


def minutes_totals(minutes: Minutes) -> dict[str, int]:
    """The one count of a berita acara, for its page, its PDF and the approval letter.

    decided = every proposal in it; excluded = left out by the approver (each with its reason);
    approved = decided - excluded, of which granted (an amount) or denied. The amounts: granted
    in the meeting (all grants), excluded (grants left out), approved (what is paid out).
    """
    items = list(minutes.items)
    kept = [i for i in items if not i.excluded]
    grants = [i for i in items if i.decision == GRANT]
    return {
        "decided": len(items),
        "excluded": len(items) - len(kept),
        "approved": len(kept),
        "granted": sum(1 for i in kept if i.decision == GRANT),
        "denied": sum(1 for i in kept if i.decision == DENY),
        "decided_amount": sum(i.amount for i in grants),
        "excluded_amount": sum(i.amount for i in grants if i.excluded),
        "approved_amount": sum(i.amount for i in grants if not i.excluded),
    }


def minutes_document_context(minutes: Minutes) -> dict:
    """Everything the PDF of the berita acara (and the approval letter) needs, as plain values.

    No NIK and no diagnosis: patients appear by name, kelurahan and the proposal code.
    """
    approval = minutes.approval
    return {
        "kind": "berita_acara_bantuan",
        "id": minutes.id,
        "number": minutes.number,
        "status": minutes.status,
        "meeting_date": minutes.meeting_date,
        "meeting_time": minutes.meeting_time,
        "place": minutes.place,
        "summary": minutes.summary,
        "finalised_at": minutes.finalised_at,
        "attendees": [{"name": a.name, "nip": a.nip, "title": a.title, "agency": a.agency}
                      for a in minutes.attendees],
        "items": [{
            "code": i.proposal.code,
            "patient_name": i.proposal.patient_name,
            "kelurahan": i.proposal.kelurahan.name,
            "kecamatan": i.proposal.kelurahan.kecamatan_name,
            "destination": f"{i.proposal.referral_destination}, {i.proposal.referral_city}",
            "requested": i.proposal.total_requested,
            "recommended": i.proposal.recommended_amount,
            "decision": i.decision,
            "decision_label": str(DECISIONS[i.decision]),
            "amount": i.amount,
            "note": i.note,
            "excluded": i.excluded,
            "exclusion_reason": i.exclusion_reason,
            "cost_lines": [{"category": c.category, "description": c.description,
                            "quantity": c.quantity, "unit_amount": c.unit_amount, "total": c.total}
                           for c in i.proposal.lines],
        } for i in minutes.items],
        "total_granted": minutes_totals(minutes)["approved_amount"],
        "totals": minutes_totals(minutes),
        "approval": None if approval is None else {
            "decision": approval.decision,
            "decision_label": str(approval.decision_label),
            "decided_at": approval.decided_at,
            "approver_name": approval.approver.full_name if approval.approver else None,
            "note": approval.note,
        },
        "mayor_name": get_setting("mayor_name"),
        "mayor_title": get_setting("mayor_title"),
        "city_name": get_setting("city_name"),
        "unit_name": get_setting("unit_name"),
    }


__all__ = ["IN_MINUTES", "MINUTES_FLOW", "minutes_document_context"]
