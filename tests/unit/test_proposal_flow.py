"""Every aid-proposal move and refusal, through the real services."""
from __future__ import annotations

from datetime import date, time
from types import SimpleNamespace

import pytest

from sponsorship.audit.service import history
from sponsorship.core.errors import DomainError, IllegalTransition, PermissionDenied
from sponsorship.disbursements import service as payouts
from sponsorship.extensions import db
from sponsorship.minutes import service as minutes_service
from sponsorship.proposals import service
from sponsorship.proposals.models import STATUSES, ProposalStep
from tests import factories

ALL_ROLES = ("admin", "staff", "sponsor", "verifier", "approver")


@pytest.fixture
def req(app):
    """Refusal messages are lazy translations; render them inside a request."""
    with app.test_request_context():
        yield


# name -> (sources, target, roles allowed on a proposal nobody verified, needs_note)
OFFICE, PAYERS = {"admin", "staff"}, {"admin", "staff", "verifier"}
TABLE = {
    "take": ({"submitted"}, "in_verification", {"verifier"}, False),
    "assign": ({"submitted"}, "in_verification", OFFICE, False),
    "verify_eligible": ({"in_verification"}, "verified_eligible", {"verifier"}, False),
    "verify_ineligible": ({"in_verification"}, "verified_ineligible", {"verifier"}, False),
    "add_to_minutes": ({"verified_eligible", "returned"}, "in_minutes", OFFICE, False),
    "remove_from_minutes": ({"in_minutes"}, "verified_eligible", OFFICE, False),
    "approve": ({"in_minutes"}, "approved", {"approver"}, False),
    "return": ({"in_minutes"}, "returned", {"approver"}, True),
    "deny": ({"in_minutes"}, "closed", {"approver"}, False),
    "disburse": ({"approved"}, "disbursed", PAYERS, False),
    "close": ({"disbursed"}, "closed", PAYERS, False),
    "close_unfunded": ({"verified_ineligible", "returned"}, "closed", OFFICE, True),
}


def person(role):
    return SimpleNamespace(is_authenticated=True, role=role, id=1, sponsor_id=None)


def test_the_table_is_pinned():
    assert {n: (set(t.sources), t.target, t.needs_note)
            for n, t in service.PROPOSAL_FLOW.transitions.items()} \
        == {n: (s, target, note) for n, (s, target, _, note) in TABLE.items()}


@pytest.mark.parametrize("name", sorted(TABLE))
@pytest.mark.parametrize("status", list(STATUSES))
def test_every_status_and_move_pair(req, name, status):
    sources, _, roles, _ = TABLE[name]
    t = service.PROPOSAL_FLOW.transitions[name]
    proposal = SimpleNamespace(status=status, code="BNM-2026-0001", verifier_id=None,
                               assigned_verifier_id=None)
    role = sorted(roles)[0]
    if status in sources:
        assert service.PROPOSAL_FLOW.check(name, proposal, person(role)) is t
    else:
        with pytest.raises(IllegalTransition):
            service.PROPOSAL_FLOW.check(name, proposal, person(role))
    for other in set(ALL_ROLES) - roles:
        with pytest.raises(PermissionDenied):
            service.PROPOSAL_FLOW.check(name, proposal, person(other))


@pytest.mark.parametrize("status", factories.PROPOSAL_PATH + ["verified_ineligible", "returned"])
def test_each_status_is_reachable_and_audited(req, status):
    proposal = factories.make_proposal(status=status)
    assert proposal.status == status
    steps = db.session.scalars(db.select(ProposalStep.status).where(
        ProposalStep.proposal_id == proposal.id).order_by(ProposalStep.id)).all()
    assert steps[-1] == status and steps[0] == "submitted"
    actions = {e.action for e in history("aid_proposal", proposal.id)}
    assert "create" in actions


def test_code_is_readable_and_sequential_per_year(req, staff):
    a = factories.make_proposal(staff=staff)
    b = factories.make_proposal(staff=staff)
    assert a.code.startswith(f"BNM-{a.year}-") and len(a.code) == len(f"BNM-{a.year}-0001")
    assert b.seq == a.seq + 1


def test_number_given_back_when_intake_fails(req, staff):
    a = factories.make_proposal(staff=staff)
    with pytest.raises(DomainError):
        service.create_proposal(actor=staff, data=factories.proposal_data(patient_nik="123"),
                                lines=[{"category": "other", "quantity": 1, "unit_amount": 10}])
    db.session.rollback()
    b = factories.make_proposal(staff=staff)
    assert b.seq == a.seq + 1  # gap-free


def test_nik_is_stored_encrypted_with_last_four(req, staff):
    data = factories.proposal_data(patient_nik="1971014101900123")
    p = service.create_proposal(actor=staff, data=data,
                                lines=[{"category": "accommodation", "quantity": 2, "unit_amount": 300_000}])
    db.session.commit()
    # The NIK lives in the patient's registry record, encrypted; the proposal keeps the last four.
    assert "1971014101900123" not in p.patient.nik_encrypted and p.nik_last4 == "0123"
    assert not hasattr(p, "patient_nik_enc")
    assert p.total_requested == 600_000
    snapshot = next(e for e in history("aid_proposal", p.id) if e.action == "create").changes
    assert "1971014101900123" not in str(snapshot)


@pytest.mark.parametrize("bad,field", [
    ({"patient_nik": "1971010000000000"}, "patient_nik"),
    ({"kelurahan_code": "99.99"}, "kelurahan_code"),
    ({"applicant_name": "Ibu", "applicant_relation": ""}, "applicant_relation"),
    ({"referral_letter_date": date(2099, 1, 1)}, "referral_letter_date"),
])
def test_intake_refusals(req, staff, bad, field):
    with pytest.raises(DomainError) as err:
        service.create_proposal(actor=staff, data=factories.proposal_data(**bad),
                                lines=[{"category": "other", "quantity": 1, "unit_amount": 10}])
    assert err.value.field == field


def test_intake_needs_a_cost_line_and_staff(req, staff, verifier):
    with pytest.raises(DomainError):
        service.create_proposal(actor=staff, data=factories.proposal_data(), lines=[{}])
    with pytest.raises(PermissionDenied):
        service.create_proposal(actor=verifier, data=factories.proposal_data(),
                                lines=[{"category": "other", "quantity": 1, "unit_amount": 10}])


def test_verifying_twice_is_refused(req, verifier):
    p = factories.make_proposal(status="verified_eligible", verifier=verifier)
    with pytest.raises(IllegalTransition):
        service.record_verification(p, actor=verifier, data={
            "visit_date": date(2026, 11, 21), "recommendation": "eligible", "reason": "x",
            "recommended_amount": 1})


def test_recommended_amount_cannot_exceed_request(req, verifier):
    p = factories.make_proposal(status="in_verification", verifier=verifier, amount=1_000_000)
    with pytest.raises(DomainError) as err:
        service.record_verification(p, actor=verifier, data={
            "visit_date": date(2026, 11, 21), "recommendation": "eligible", "reason": "x",
            "recommended_amount": 1_000_001})
    assert err.value.field == "recommended_amount"


def test_another_verifiers_assignment_is_refused(req, verifier):
    p = factories.make_proposal(status="in_verification", verifier=verifier)
    other = factories.make_user(role="verifier", username="verifier-lain")
    with pytest.raises(PermissionDenied):
        service.record_verification(p, actor=other, data={
            "visit_date": date(2026, 11, 21), "recommendation": "eligible", "reason": "x",
            "recommended_amount": 1})


def test_staff_assigns_only_a_verifier(req, staff, verifier, approver):
    p = factories.make_proposal(staff=staff)
    with pytest.raises(DomainError):
        service.assign_verifier(p, actor=staff, verifier=approver)
    service.assign_verifier(p, actor=staff, verifier=verifier)
    assert p.status == "in_verification" and p.assigned_verifier_id == verifier.id
    assert p.first_contact_at is not None


def test_approving_draft_minutes_is_refused(req, staff, approver):
    p = factories.make_proposal(status="in_minutes", staff=staff)
    minutes = minutes_service.waiting_for_approver()
    assert minutes == []  # still a draft
    from sponsorship.minutes.models import Minutes

    draft = db.session.scalar(db.select(Minutes))
    with pytest.raises(IllegalTransition):
        minutes_service.approve_minutes(draft, actor=approver)
    assert p.status == "in_minutes"


def test_finalise_numbers_and_freezes_the_minutes(req, staff):
    factories.make_proposal(status="in_minutes", staff=staff)
    from sponsorship.minutes.models import Minutes

    m = db.session.scalar(db.select(Minutes))
    minutes_service.finalise_minutes(m, actor=staff)
    assert m.number == f"400.9/{m.seq:04d}/SETDA/{m.meeting_date.year}"
    with pytest.raises(DomainError):
        minutes_service.add_attendee(m, actor=staff, name="B", title="C", agency="D")
    with pytest.raises(IllegalTransition):
        minutes_service.finalise_minutes(m, actor=staff)


def test_empty_minutes_cannot_be_finalised(req, staff):
    m = minutes_service.create_minutes(actor=staff, meeting_date=date(2026, 11, 22), place="Setda",
                                       meeting_time=time(9, 0))
    with pytest.raises(DomainError):
        minutes_service.finalise_minutes(m, actor=staff)


def test_approval_with_exclusion(req, staff, approver):
    p1 = factories.make_proposal(status="verified_eligible", staff=staff)
    p2 = factories.make_proposal(status="verified_eligible", staff=staff)
    m = minutes_service.create_minutes(actor=staff, meeting_date=date(2026, 11, 22), place="Setda",
                                       meeting_time=time(9, 0))
    minutes_service.add_attendee(m, actor=staff, name="A", title="B", agency="C")
    i1 = minutes_service.add_item(m, p1, actor=staff, amount=4_000_000)
    i2 = minutes_service.add_item(m, p2, actor=staff)
    minutes_service.finalise_minutes(m, actor=staff)
    db.session.flush()
    with pytest.raises(DomainError):
        minutes_service.approve_minutes(m, actor=approver, exclusions={i2.id: ""})
    minutes_service.approve_minutes(m, actor=approver, exclusions={i2.id: "Data KK belum cocok"})
    assert (p1.status, p1.approved_amount) == ("approved", 4_000_000)
    assert p2.status == "returned" and i2.excluded and i1.excluded is False
    assert m.status == "approved" and m.approval.approver_id == approver.id
    ctx = minutes_service.minutes_document_context(m)
    assert ctx["number"] == m.number and ctx["total_granted"] == 4_000_000
    assert {a["name"] for a in ctx["attendees"]} == {"A"}
    assert "patient_nik" not in str(ctx) and "1971" not in str(ctx)


def test_returned_minutes_send_proposals_back_and_they_can_return(req, staff, approver):
    p = factories.make_proposal(status="returned", staff=staff, approver=approver)
    assert p.status == "returned"
    m = minutes_service.create_minutes(actor=staff, meeting_date=date(2026, 11, 23), place="Setda",
                                       meeting_time=time(9, 0))
    minutes_service.add_item(m, p, actor=staff)
    assert p.status == "in_minutes"
    minutes_service.remove_item(m, m.items[0], actor=staff)
    assert p.status == "verified_eligible"


def test_return_needs_a_note(req, staff, approver):
    factories.make_proposal(status="in_minutes", staff=staff)
    from sponsorship.minutes.models import Minutes

    m = db.session.scalar(db.select(Minutes))
    minutes_service.finalise_minutes(m, actor=staff)
    with pytest.raises(DomainError):
        minutes_service.return_minutes(m, actor=approver, note=" ")


def test_paying_an_unapproved_proposal_is_refused(req, staff, company_a):
    fund = factories.make_pledge(sponsor=company_a, programme="aid_fund", status="active")
    p = factories.make_proposal(status="verified_eligible", staff=staff)
    with pytest.raises(IllegalTransition):
        payouts.record_disbursement(p, actor=staff, pledge=fund, data={
            "amount": 1, "paid_on": date(2026, 11, 23), "method": "cash"})
    db.session.refresh(fund)
    assert fund.disbursed_amount == 0


def test_the_verifier_cannot_pay_what_they_verified(req, staff, verifier, company_a):
    fund = factories.make_pledge(sponsor=company_a, programme="aid_fund", status="active")
    p = factories.make_proposal(status="approved", staff=staff, verifier=verifier)
    with pytest.raises(PermissionDenied):
        payouts.record_disbursement(p, actor=verifier, pledge=fund, data={
            "amount": 1_000, "paid_on": date(2026, 11, 23), "method": "cash"})
    other = factories.make_user(role="verifier", username="baznas-lain")
    payouts.record_disbursement(p, actor=other, pledge=fund, data={
        "amount": 1_000, "paid_on": date(2026, 11, 23), "method": "cash"})
    assert p.status == "disbursed"


def test_the_verifier_cannot_approve_even_with_a_new_role(req, staff, verifier):
    p = factories.make_proposal(status="in_minutes", staff=staff, verifier=verifier)
    from sponsorship.minutes.models import Minutes

    m = db.session.scalar(db.select(Minutes))
    minutes_service.finalise_minutes(m, actor=staff)
    verifier.role = "approver"
    with pytest.raises(PermissionDenied):
        minutes_service.approve_minutes(m, actor=verifier)
    assert p.status == "in_minutes"


@pytest.mark.parametrize("case", ["over_approved", "inactive_fund", "premium", "no_balance",
                                  "transfer_no_account"])
def test_payout_refusals(req, staff, company_a, case):
    p = factories.make_proposal(status="approved", staff=staff, amount=5_000_000)
    fund = factories.make_pledge(sponsor=company_a, programme="aid_fund",
                                 status="agreed" if case == "inactive_fund" else "active",
                                 total_amount=1_000_000 if case == "no_balance" else 100_000_000)
    if case == "premium":
        fund = factories.make_pledge(sponsor=company_a, status="active")
    data = {"amount": 5_000_001 if case == "over_approved" else 5_000_000,
            "paid_on": date(2026, 11, 23),
            "method": "transfer" if case == "transfer_no_account" else "cash"}
    with pytest.raises(DomainError):
        payouts.record_disbursement(p, actor=staff, pledge=fund, data=data)
    db.session.rollback()
    db.session.refresh(fund)
    assert fund.disbursed_amount == 0


def test_payout_charges_the_fund_and_receipt_closes(req, staff, company_a):
    fund = factories.make_pledge(sponsor=company_a, programme="aid_fund", status="active",
                                 total_amount=10_000_000)
    p = factories.make_proposal(status="approved", staff=staff, amount=4_000_000)
    payout = payouts.record_disbursement(p, actor=staff, pledge=fund, data={
        "amount": 4_000_000, "paid_on": date(2026, 11, 23), "method": "transfer",
        "bank_name": "Bank Sumsel Babel", "account_number": "123-456", "account_holder": "Ibu Pasien"})
    assert p.status == "disbursed" and payouts.balance(fund) == 6_000_000
    assert payout.account_number == "123456"
    with pytest.raises(DomainError):
        service.close_proposal(p, actor=staff)  # no receipt yet
    payouts.attach_receipt(p, payout, actor=staff, file_storage=factories.pdf_file())
    assert p.status == "closed" and payout.receipt_id is not None


def test_close_unfunded_needs_a_note(req, staff):
    p = factories.make_proposal(status="verified_ineligible", staff=staff)
    with pytest.raises(DomainError):
        service.close_proposal(p, actor=staff, note="")
    service.close_proposal(p, actor=staff, note="Tidak memenuhi syarat")
    assert p.status == "closed"


def test_other_help_finds_aid_to_same_kk(req, staff):
    first = factories.make_proposal(status="disbursed", staff=staff, amount=2_000_000)
    second = factories.make_proposal(staff=staff)  # other NIK, same KK (the builder's default)
    help_ = service.other_help(second)
    assert [r.code for r in help_["aid"]] == [first.code] and help_["aid_total"] == 2_000_000
    assert service.other_help(first)["aid"] == []  # its own payout does not count


def test_overdue_and_pipeline(req, staff):
    from datetime import timedelta

    from sponsorship.core.models import utcnow

    late = service.create_proposal(actor=staff, data=factories.proposal_data(),
                                   lines=[{"category": "other", "quantity": 1, "unit_amount": 10}],
                                   submitted_on=utcnow() - timedelta(days=2))
    fresh = factories.make_proposal(staff=staff)
    db.session.commit()
    assert service.is_overdue(late) and not service.is_overdue(fresh)
    assert service.overdue_count() == 1
    factories.make_proposal(status="closed", staff=staff)
    pipe = service.pipeline()
    assert pipe["counts"]["submitted"] == 2 and pipe["counts"]["closed"] == 1
    assert pipe["overdue_count"] == 1 and late.id in pipe["overdue"]
    # only the closed proposal has left `submitted`, within the test: a median of 0.0 days
    assert pipe["medians"]["submitted"] == 0.0


def test_verification_document_context_is_plain_and_masked(req, staff):
    p = factories.make_proposal(status="verified_eligible", staff=staff,
                                data=factories.proposal_data(patient_nik="1971014101900123"))
    ctx = service.verification_document_context(p)
    assert ctx["code"] == p.code and ctx["verification"]["recommendation"] == "eligible"
    assert ctx["patient_nik_masked"].endswith("0123") and "1971014101900123" not in str(ctx)
    assert ctx["kecamatan"] == "Bukit Intan" and ctx["cost_lines"][0]["total"] == 5_000_000


def test_verifier_queue_offers_no_payout_of_their_own_verification(req, staff, verifier):
    mine = factories.make_proposal(status="approved", staff=staff, verifier=verifier)
    other = factories.make_proposal(status="approved", staff=staff)  # verified by another verifier
    queue = service.verifier_queue(verifier)
    assert [p.id for p in queue["payable"]] == [other.id]
    assert mine.id not in {p.id for p in queue["payable"]}
