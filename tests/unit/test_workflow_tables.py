"""Every life cycle's transition table, pinned as literal data, and who the policy lets make each move.

A change to a table or to a move's rule must change this file too.
"""
from __future__ import annotations

from types import SimpleNamespace

import pytest

from sponsorship import policy
from sponsorship.agreements.service import AGREEMENT_FLOW
from sponsorship.allocations.service import ALLOCATION_FLOW
from sponsorship.beneficiaries.service import IMPORT_FLOW
from sponsorship.billing.service import BPJS_PAYMENT_FLOW, INVOICE_FLOW, PAYMENT_FLOW
from sponsorship.core.errors import IllegalTransition, PermissionDenied
from sponsorship.eligibility.service import POLICY_FLOW
from sponsorship.jobs.service import JOB_FLOW
from sponsorship.linkage.service import LINK_FLOW, MERGE_FLOW
from sponsorship.minutes.service import MINUTES_FLOW
from sponsorship.pledges.service import PLEDGE_FLOW
from sponsorship.proposals.service import PROPOSAL_FLOW

ROLES = ("admin", "staff", "sponsor", "verifier", "approver")
OFFICE = {"admin", "staff"}

# flow -> (name, sources, target, policy action, needs_note)
TABLES = {
    "pledge": (PLEDGE_FLOW, [
        ("agree", {"draft"}, "agreed", "pledge.agree", False),
        ("activate", {"agreed"}, "active", "pledge.activate", False),
        ("start", {"agreed"}, "active", "pledge.start", False),
        ("complete", {"active"}, "completed", "pledge.complete", False),
        ("cancel", {"draft", "agreed"}, "cancelled", "pledge.cancel", True),
    ]),
    "agreement": (AGREEMENT_FLOW, [
        ("finalise", {"draft"}, "final", "agreement.finalise", False),
        ("sign", {"final"}, "signed", "agreement.sign", False),
    ]),
    "allocation": (ALLOCATION_FLOW, [
        ("activate", {"reserved"}, "active", "allocation.activate", False),
        ("end", {"reserved", "active"}, "ended", "allocation.end", True),
    ]),
    "proposal": (PROPOSAL_FLOW, [
        ("take", {"submitted"}, "in_verification", "proposal.take", False),
        ("assign", {"submitted"}, "in_verification", "proposal.assign", False),
        ("verify_eligible", {"in_verification"}, "verified_eligible", "proposal.verify_eligible", False),
        ("verify_ineligible", {"in_verification"}, "verified_ineligible", "proposal.verify_ineligible",
         False),
        ("add_to_minutes", {"verified_eligible", "returned"}, "in_minutes", "proposal.add_to_minutes",
         False),
        ("remove_from_minutes", {"in_minutes"}, "verified_eligible", "proposal.remove_from_minutes",
         False),
        ("approve", {"in_minutes"}, "approved", "proposal.approve", False),
        ("return", {"in_minutes"}, "returned", "proposal.return", True),
        ("deny", {"in_minutes"}, "closed", "proposal.deny", False),
        ("disburse", {"approved"}, "disbursed", "proposal.payout", False),
        ("close", {"disbursed"}, "closed", "proposal.close", False),
        ("close_unfunded", {"verified_ineligible", "returned"}, "closed", "proposal.close_unfunded", True),
    ]),
    "minutes": (MINUTES_FLOW, [
        ("finalise", {"draft"}, "final", "minutes.finalise", False),
        ("approve", {"final"}, "approved", "minutes.approve", False),
        ("return", {"final"}, "returned", "minutes.return", True),
    ]),
    "payment": (PAYMENT_FLOW, [
        ("confirm", {"pending"}, "confirmed", "payment.confirm", False),
        ("reject", {"pending"}, "rejected", "payment.reject", True),
    ]),
    "bpjs_payment": (BPJS_PAYMENT_FLOW, [
        ("confirm", {"pending"}, "confirmed", "bpjs_payment.confirm", False),
        ("reject", {"pending"}, "rejected", "bpjs_payment.reject", True),
    ]),
    "invoice": (INVOICE_FLOW, [
        ("partially_paid", {"issued"}, "partially_paid", "invoice.settle", False),
        ("paid", {"issued", "partially_paid"}, "paid", "invoice.settle", False),
        ("cancelled", {"issued"}, "cancelled", "invoice.cancel", True),
    ]),
    "import": (IMPORT_FLOW, [
        ("apply", {"previewed"}, "applied", "beneficiary.import", False),
    ]),
    "eligibility_policy": (POLICY_FLOW, [
        ("activate", {"draft"}, "active", "eligibility.activate", False),
        ("retire", {"active"}, "retired", "eligibility.activate", False),
    ]),
    "link_candidate": (LINK_FLOW, [
        ("same", {"open"}, "same", "linkage.decide", False),
        ("different", {"open"}, "different", "linkage.decide", False),
    ]),
    "resident_merge": (MERGE_FLOW, [
        ("unmerge", {"merged"}, "unmerged", "linkage.unmerge", False),
    ]),
    "job": (JOB_FLOW, [
        ("start", {"queued"}, "running", "job.work", False),
        ("finish", {"running"}, "done", "job.work", False),
        ("fail", {"queued", "running"}, "failed", "job.work", False),
        ("requeue", {"running"}, "queued", "job.work", False),
        ("retry", {"failed"}, "queued", "job.retry", False),
    ]),
}

# policy action of a move -> the roles it allows (on an object no object-level rule refuses)
MOVE_ROLES = {
    "pledge.agree": OFFICE, "pledge.activate": OFFICE, "pledge.start": OFFICE,
    "pledge.complete": OFFICE, "pledge.cancel": OFFICE,
    "agreement.finalise": OFFICE, "agreement.sign": OFFICE,
    "allocation.activate": OFFICE, "allocation.end": OFFICE,
    "proposal.take": {"verifier"}, "proposal.assign": OFFICE,
    "proposal.verify_eligible": {"verifier"}, "proposal.verify_ineligible": {"verifier"},
    "proposal.add_to_minutes": OFFICE, "proposal.remove_from_minutes": OFFICE,
    "proposal.approve": {"approver"}, "proposal.return": {"approver"}, "proposal.deny": {"approver"},
    "proposal.payout": OFFICE | {"verifier"}, "proposal.close": OFFICE | {"verifier"},
    "proposal.close_unfunded": OFFICE,
    "minutes.finalise": OFFICE, "minutes.approve": {"approver"}, "minutes.return": {"approver"},
    "payment.confirm": OFFICE, "payment.reject": OFFICE,
    "bpjs_payment.confirm": OFFICE, "bpjs_payment.reject": OFFICE,
    "invoice.settle": OFFICE, "invoice.cancel": OFFICE,
    "beneficiary.import": OFFICE,
    "eligibility.activate": {"admin"},
    "linkage.decide": OFFICE, "linkage.unmerge": OFFICE,
    "job.work": {"worker"}, "job.retry": OFFICE,  # the worker is a principal, never an account's role
}


def person(role, user_id=1):
    return SimpleNamespace(is_authenticated=True, role=role, id=user_id, sponsor_id=None,
                           is_company_admin=False)


def thing(status, **extra):
    """An object of any flow, as the rules read it: a status and nobody's verification."""
    return SimpleNamespace(status=status, id=1, code="BNM-2026-0001", verifier_id=None,
                           assigned_verifier_id=None, owner_sponsor_id=1, **extra)


@pytest.mark.parametrize("flow_name", sorted(TABLES))
def test_the_transition_table_is_exactly_this(flow_name):
    flow, rows = TABLES[flow_name]
    got = [(t.name, set(t.sources), t.target, t.action, t.needs_note) for t in flow.transitions.values()]
    assert got == rows


def test_every_move_names_a_pinned_policy_rule():
    actions = {t.action for flow, _ in TABLES.values() for t in flow.transitions.values()}
    assert actions == set(MOVE_ROLES)
    assert actions <= set(policy.RULES)


@pytest.mark.parametrize("action", sorted(MOVE_ROLES))
@pytest.mark.parametrize("role", ROLES)
def test_who_may_make_each_move(action, role):
    assert policy.can(action, thing("x"), user=person(role)) is (role in MOVE_ROLES[action])


CASES = [(flow_name, t.name, status) for flow_name, (flow, _) in sorted(TABLES.items())
         for t in flow.transitions.values() for status in flow.statuses]


@pytest.mark.parametrize(("flow_name", "name", "status"), CASES)
def test_every_status_and_move_pair(app, flow_name, name, status):
    """Allowed from its sources only; every other role refused before the status is looked at."""
    flow, _ = TABLES[flow_name]
    t = flow.transitions[name]
    allowed = MOVE_ROLES[t.action]
    with app.test_request_context():
        for role in ROLES:
            if role not in allowed:
                with pytest.raises(PermissionDenied):
                    flow.check(name, thing(status), person(role))
            elif status in t.sources:
                assert flow.check(name, thing(status), person(role)) is t
            else:
                with pytest.raises(IllegalTransition):
                    flow.check(name, thing(status), person(role))
        assert [m.name for m in flow.available(thing(status), person(sorted(allowed)[0]))
                if m.name == name] == ([name] if status in t.sources else [])


def test_unknown_moves_are_illegal(app):
    with app.test_request_context(), pytest.raises(IllegalTransition):
        PLEDGE_FLOW.check("fly", thing("draft"), person("staff"))


def test_no_actor_may_move_anything(app):
    with app.test_request_context(), pytest.raises(PermissionDenied):
        PLEDGE_FLOW.check("agree", thing("draft"), None)


def test_separation_of_duties_is_a_rule_on_the_object():
    verified_by_7 = thing("in_minutes")
    verified_by_7.verifier_id = 7
    for action in ("proposal.approve", "proposal.deny"):
        assert not policy.can(action, verified_by_7, user=person("approver", user_id=7))
        assert policy.can(action, verified_by_7, user=person("approver", user_id=8))
    assert not policy.can("proposal.payout", verified_by_7, user=person("verifier", user_id=7))
    assert policy.can("proposal.payout", verified_by_7, user=person("verifier", user_id=8))
    assert policy.can("proposal.return", verified_by_7, user=person("approver", user_id=7))
    assigned_to_7 = thing("in_verification")
    assigned_to_7.assigned_verifier_id = 7
    assert policy.can("proposal.verify_eligible", assigned_to_7, user=person("verifier", user_id=7))
    assert not policy.can("proposal.verify_eligible", assigned_to_7, user=person("verifier", user_id=8))


def test_authorise_raises_with_the_rules_reason(app):
    verified_by_7 = thing("approved")
    verified_by_7.verifier_id = 7
    with app.test_request_context():
        with pytest.raises(PermissionDenied) as err:
            policy.authorise("proposal.payout", verified_by_7, user=person("verifier", user_id=7))
        assert "Pemisahan tugas" in str(err.value.message)
        with pytest.raises(PermissionDenied) as err:
            policy.authorise("minutes.edit", user=person("approver"))
        assert str(err.value.message) == "Hanya staf yang menyusun berita acara."
        with pytest.raises(PermissionDenied):
            policy.authorise("pledge.edit", user=None)  # never the signed-in user by default
        policy.authorise("pledge.edit", user=person("staff"))
