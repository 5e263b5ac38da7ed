"""Workflow.move, the one way a status changes, on every life cycle through the real services:
a stale move (the row changed since it was read) is refused and leaves nothing half-written,
a refused permission raises PermissionDenied and writes nothing, and the audit event is part of
the move's own transaction."""
from __future__ import annotations

from datetime import date

import pytest

from sponsorship.audit.models import AuditEvent
from sponsorship.core.errors import IllegalTransition, PermissionDenied
from sponsorship.extensions import db
from tests import factories


def _events(object_type: str, object_id: int) -> list[str]:
    return list(db.session.scalars(
        db.select(AuditEvent.action).where(AuditEvent.object_type == object_type,
                                           AuditEvent.object_id == object_id,
                                           AuditEvent.action.like("status:%"))
        .order_by(AuditEvent.id)))


def _user(user_id):
    from sponsorship.auth.models import User

    return db.session.get(User, user_id)


def _race(app, model, object_id: int, winner, loser, refusal: str = "pengguna lain") -> None:
    """Both users read the object in the same status; `winner` moves it and commits in another
    session; `loser`, still holding what it read, must be refused as stale."""
    session = db.session()
    session.expire_on_commit = False
    try:
        mine = db.session.get(model, object_id)
        assert mine.status  # read now, as the page the user had open
        db.session.commit()  # no transaction stays open between the two requests
        with app.app_context(), app.test_request_context():
            winner(db.session.get(model, object_id))
            db.session.commit()
            db.session.remove()
        with pytest.raises(IllegalTransition) as err:
            loser(mine)
        assert refusal in str(err.value.message)
        db.session.rollback()
    finally:
        session.expire_on_commit = True
    db.session.expire_all()


@pytest.fixture
def req(app):
    with app.test_request_context():
        yield


def test_stale_pledge_move(app, req, staff, company_a):
    from sponsorship.pledges import service
    from sponsorship.pledges.models import Pledge

    pledge = factories.make_pledge(sponsor=company_a)
    staff_id = staff.id
    _race(app, Pledge, pledge.id,
          lambda p: service.transition_pledge(p, "agree", actor=_user(staff_id)),
          lambda p: service.transition_pledge(p, "cancel", actor=_user(staff_id), note="Batal"))
    assert db.session.get(Pledge, pledge.id).status == "agreed"
    assert _events("pledge", pledge.id) == ["status:agree"]


def test_stale_proposal_move_adds_no_step(app, req, staff, verifier):
    from sponsorship.proposals import service
    from sponsorship.proposals.models import AidProposal, ProposalStep

    proposal = factories.make_proposal(staff=staff)
    staff_id, verifier_id = staff.id, verifier.id
    other = factories.make_user(role="verifier", username="baznas-lain")
    other_id = other.id
    _race(app, AidProposal, proposal.id,
          lambda p: service.take_for_verification(p, actor=_user(verifier_id)),
          lambda p: service.assign_verifier(p, actor=_user(staff_id), verifier=_user(other_id)))
    fresh = db.session.get(AidProposal, proposal.id)
    assert (fresh.status, fresh.assigned_verifier_id) == ("in_verification", verifier_id)
    steps = db.session.scalars(db.select(ProposalStep.status).where(
        ProposalStep.proposal_id == proposal.id)).all()
    assert steps == ["submitted", "in_verification"]
    assert _events("aid_proposal", proposal.id) == ["status:take"]


def test_stale_minutes_decision_moves_no_proposal(app, req, staff, approver):
    from sponsorship.minutes import service
    from sponsorship.minutes.models import Approval, Minutes
    from sponsorship.proposals.models import AidProposal

    proposal = factories.make_proposal(status="in_minutes", staff=staff)
    minutes = db.session.scalar(db.select(Minutes))
    service.finalise_minutes(minutes, actor=staff)
    db.session.commit()
    approver_id = approver.id
    _race(app, Minutes, minutes.id,
          lambda m: service.return_minutes(m, actor=_user(approver_id), note="Lengkapi data"),
          lambda m: service.approve_minutes(m, actor=_user(approver_id)))
    assert db.session.get(Minutes, minutes.id).status == "returned"
    assert db.session.get(AidProposal, proposal.id).status == "returned"
    assert db.session.scalar(db.select(db.func.count()).select_from(Approval)) == 1
    assert _events("aid_minutes", minutes.id) == ["status:finalise", "status:return"]


def test_stale_finalise_takes_no_number(app, req, staff):
    from sponsorship.minutes import service
    from sponsorship.minutes.models import Minutes
    from sponsorship.proposals.models import AidCounter

    factories.make_proposal(status="in_minutes", staff=staff)
    minutes = db.session.scalar(db.select(Minutes))
    staff_id = staff.id
    _race(app, Minutes, minutes.id,
          lambda m: service.finalise_minutes(m, actor=_user(staff_id)),
          lambda m: service.finalise_minutes(m, actor=_user(staff_id)))
    assert db.session.get(Minutes, minutes.id).seq == 1
    assert db.session.scalar(db.select(AidCounter.value).where(AidCounter.kind == "minutes")) == 1
    assert _events("aid_minutes", minutes.id) == ["status:finalise"]


def test_stale_agreement_finalise_issues_no_second_document(app, req, staff, company_a):
    from sponsorship.agreements import service
    from sponsorship.agreements.models import Agreement
    from sponsorship.documents.models import Document

    pledge = factories.make_pledge(sponsor=company_a, status="agreed")
    agreement = service.create_agreement(pledge, actor=staff, data={
        "company_number": None, "signing_date": date(2026, 1, 5), "signing_place": "Pangkalpinang",
        "city_signatory_name": "Wali Kota", "city_signatory_title": "Wali Kota Pangkalpinang",
        "company_signatory_name": "Direktur", "company_signatory_title": "Direktur Utama"})
    db.session.commit()
    staff_id = staff.id
    _race(app, Agreement, agreement.id,
          lambda a: service.transition_agreement(a, "finalise", actor=_user(staff_id)),
          lambda a: service.transition_agreement(a, "finalise", actor=_user(staff_id)))
    assert db.session.get(Agreement, agreement.id).status == "final"
    assert db.session.scalar(db.select(db.func.count()).select_from(Document)) == 1
    assert _events("agreement", agreement.id) == ["status:finalise"]


def test_stale_allocation_end_frees_one_slot(app, req, staff, company_a):
    from sponsorship.allocations import service
    from sponsorship.allocations.models import Allocation
    from sponsorship.beneficiaries.models import Beneficiary
    from sponsorship.pledges.models import Pledge
    from tests.factories import make_residents, resident_row

    pledge = factories.make_pledge(sponsor=company_a, status="agreed", quota=3)
    first, second = (db.session.get(Beneficiary, i) for i in make_residents(
        rows=[resident_row(f"19710117084500{i:02d}", f"W{i}") for i in (1, 2)]))
    alloc = service.allocate(pledge, first, actor=staff)
    service.allocate(pledge, second, actor=staff)
    db.session.commit()
    staff_id = staff.id
    _race(app, Allocation, alloc.id,
          lambda a: service.transition_allocation(a, "end", actor=_user(staff_id), reason="deceased"),
          lambda a: service.transition_allocation(a, "end", actor=_user(staff_id), reason="moved_away"))
    fresh = db.session.get(Allocation, alloc.id)
    assert (fresh.status, fresh.end_reason) == ("ended", "deceased")
    assert db.session.get(Pledge, pledge.id).allocated_count == 1
    assert _events("allocation", alloc.id) == ["status:end"]


def test_stale_payment_decision_counts_once(app, app_ctx, staff, sponsor_a, company_a):
    from sponsorship.billing import service
    from sponsorship.billing.models import Invoice, Payment
    from tests.factories import payment_for

    payment = payment_for(company_a)
    staff_id = staff.id
    _race(app, Payment, payment.id,
          lambda p: service.decide_payment(p, "confirm", actor=_user(staff_id)),
          lambda p: service.decide_payment(p, "reject", actor=_user(staff_id), note="Tidak ada"),
          refusal="sudah diputuskan")
    fresh = db.session.get(Payment, payment.id)
    assert fresh.status == "confirmed" and fresh.decision_note is None
    invoice = db.session.get(Invoice, fresh.invoice_id)
    assert (invoice.paid_amount, invoice.claimed_amount) == (100_000, 100_000)
    assert _events("payment", payment.id) == ["status:confirm"]
    assert _events("invoice", invoice.id) == ["status:partially_paid"]


def test_stale_invoice_cancel(app, app_ctx, staff, company_a):
    from sponsorship.billing import service
    from sponsorship.billing.models import Invoice
    from tests.factories import invoice_for

    invoice = invoice_for(company_a)
    staff_id = staff.id
    _race(app, Invoice, invoice.id,
          lambda i: service.cancel_invoice(i, actor=_user(staff_id), reason="Salah hitung"),
          lambda i: service.cancel_invoice(i, actor=_user(staff_id), reason="Dobel"),
          refusal="tidak dapat dibatalkan")
    assert db.session.get(Invoice, invoice.id).cancel_reason == "Salah hitung"
    assert _events("invoice", invoice.id) == ["status:cancelled"]


# --- permission and transaction ----------------------------------------------------------------

def test_a_refused_permission_writes_nothing(req, staff, sponsor_a, verifier, approver, company_a):
    from sponsorship.minutes import service as minutes_service
    from sponsorship.minutes.models import Minutes
    from sponsorship.pledges import service as pledges
    from sponsorship.pledges.service import PLEDGE_FLOW
    from sponsorship.proposals import service as proposals

    pledge = factories.make_pledge(sponsor=company_a)
    proposal = factories.make_proposal(status="in_minutes", staff=staff, verifier=verifier)
    minutes = db.session.scalar(db.select(Minutes))
    before = db.session.scalar(db.select(db.func.count()).select_from(AuditEvent))
    with pytest.raises(PermissionDenied):
        PLEDGE_FLOW.move(pledge, "agree", actor=sponsor_a)
    with pytest.raises(PermissionDenied):
        pledges.transition_pledge(pledge, "agree", actor=approver)
    with pytest.raises(PermissionDenied):
        minutes_service.finalise_minutes(minutes, actor=approver)
    with pytest.raises(PermissionDenied):  # separation of duties: the verifier may not decide
        proposals.move(proposal, "approve", actor=verifier)
    db.session.flush()
    assert db.session.scalar(db.select(db.func.count()).select_from(AuditEvent)) == before
    db.session.expire_all()
    assert (pledge.status, minutes.status, proposal.status) == ("draft", "draft", "in_minutes")


def test_the_audit_event_is_in_the_moves_transaction(req, staff, company_a):
    from sponsorship.pledges.models import Pledge
    from sponsorship.pledges.service import PLEDGE_FLOW

    pledge = factories.make_pledge(sponsor=company_a)
    PLEDGE_FLOW.move(pledge, "cancel", actor=staff, note="Perusahaan mundur",
                     changes={"reason": [None, "mundur"]})
    event = db.session.scalar(db.select(AuditEvent).where(AuditEvent.action == "status:cancel"))
    assert event.changes == {"status": ["draft", "cancelled"], "reason": [None, "mundur"]}
    assert event.note == "Perusahaan mundur" and event.actor_id == staff.id
    assert db.session.scalar(db.select(Pledge.status).where(Pledge.id == pledge.id)) == "cancelled"
    db.session.rollback()  # the move and its event go together
    assert db.session.get(Pledge, pledge.id).status == "draft"
    assert _events("pledge", pledge.id) == []


def test_a_move_that_needs_a_note_refuses_without_one(req, staff, company_a):
    from sponsorship.core.errors import DomainError
    from sponsorship.pledges.service import PLEDGE_FLOW

    pledge = factories.make_pledge(sponsor=company_a)
    with pytest.raises(DomainError) as err:
        PLEDGE_FLOW.move(pledge, "cancel", actor=staff, note="  ")
    assert err.value.field == "note"
    assert _events("pledge", pledge.id) == []
