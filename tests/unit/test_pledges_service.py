"""Pledges: totals from the dated tariff, editing while draft, and every status move."""
from datetime import date

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from sponsorship.audit.models import AuditEvent
from sponsorship.core.errors import DomainError, IllegalTransition, PermissionDenied
from sponsorship.pledges import service
from sponsorship.pledges.models import STATUSES
from sponsorship.settings.service import add_tariff
from tests import factories

PREMIUM_500 = {"programme": "premium", "title": "Iuran JKN 500 warga", "quota": 500, "months": 12,
               "start_month": date(2026, 1, 1), "workers_attested": True}


def test_premium_total_is_quota_months_and_the_tariff(db_session, staff, company_a):
    pledge = service.create_pledge(actor=staff, sponsor=company_a, data=PREMIUM_500)
    db_session.commit()
    assert pledge.monthly_amount == 35_000
    assert pledge.total_amount == 210_000_000
    assert pledge.status == "draft"
    assert pledge.end_month == date(2026, 12, 1)


def test_start_month_is_stored_as_its_first_day(db_session, staff, company_a):
    pledge = service.create_pledge(actor=staff, sponsor=company_a,
                                   data={**PREMIUM_500, "start_month": date(2026, 3, 17)})
    assert pledge.start_month == date(2026, 3, 1)


def test_tariff_change_applies_from_its_month(db_session, staff, company_a):
    add_tariff(actor=staff, jkn_class=3, valid_from=date(2027, 1, 1), monthly_premium=50_000,
               participant_share=40_000)
    db_session.commit()
    before = service.create_pledge(actor=staff, sponsor=company_a,
                                   data={**PREMIUM_500, "start_month": date(2026, 12, 1)})
    after = service.create_pledge(actor=staff, sponsor=company_a,
                                  data={**PREMIUM_500, "title": "b", "start_month": date(2027, 1, 1)})
    assert before.monthly_amount == 35_000
    assert after.monthly_amount == 40_000
    assert after.total_amount == 500 * 12 * 40_000


def test_no_tariff_before_the_first_one(db_session, staff, company_a):
    with pytest.raises(DomainError) as err:
        service.create_pledge(actor=staff, sponsor=company_a,
                              data={**PREMIUM_500, "start_month": date(2019, 1, 1)})
    assert err.value.field == "start_month"


@pytest.mark.parametrize(("change", "field"), [
    ({"quota": 0}, "quota"),
    ({"quota": None}, "quota"),
    ({"months": 61}, "months"),
    ({"start_month": None}, "start_month"),
    ({"title": "  "}, "title"),
    ({"programme": "loan"}, "programme"),
])
def test_premium_pledge_fields_are_checked(db_session, staff, company_a, change, field):
    with pytest.raises(DomainError) as err:
        service.create_pledge(actor=staff, sponsor=company_a, data={**PREMIUM_500, **change})
    assert err.value.field == field


def test_aid_fund_is_an_amount(db_session, staff, company_a):
    pledge = service.create_pledge(actor=staff, sponsor=company_a, data={
        "programme": "aid_fund", "title": "Dana rujukan", "total_amount": 150_000_000,
        "quota": 10, "months": 12, "start_month": date(2026, 1, 15)})
    db_session.commit()
    assert pledge.total_amount == 150_000_000
    assert pledge.quota is None and pledge.monthly_amount is None
    assert pledge.start_month == date(2026, 1, 1)
    with pytest.raises(DomainError) as err:
        service.create_pledge(actor=staff, sponsor=company_a, data={
            "programme": "aid_fund", "title": "Nol", "total_amount": 0})
    assert err.value.field == "total_amount"


def test_create_and_update_are_audited_with_old_and_new(db_session, staff, company_a):
    pledge = service.create_pledge(actor=staff, sponsor=company_a, data=PREMIUM_500)
    db_session.commit()
    service.update_pledge(pledge, actor=staff, data={**PREMIUM_500, "quota": 400})
    db_session.commit()
    events = db_session.scalars(
        db_session.query(AuditEvent).filter_by(object_type="pledge", object_id=pledge.id)
        .order_by(AuditEvent.id).statement).all()
    assert [e.action for e in events] == ["create", "update"]
    assert events[0].actor_name == staff.username
    assert events[0].changes["total_amount"] == [None, 210_000_000]
    assert events[1].changes["quota"] == [500, 400]
    assert events[1].changes["total_amount"] == [210_000_000, 168_000_000]


@pytest.mark.parametrize("status", ["agreed", "active", "completed", "cancelled"])
def test_edit_only_while_draft(db_session, staff, company_a, status):
    pledge = factories.make_pledge(sponsor=company_a, status=status, quota=500)
    with pytest.raises(DomainError):
        service.update_pledge(pledge, actor=staff, data={**PREMIUM_500, "quota": 1})
    db_session.rollback()
    assert db_session.get(type(pledge), pledge.id).quota == 500


MOVES = sorted(service.PLEDGE_FLOW.transitions)


@pytest.mark.parametrize("move", MOVES)
@pytest.mark.parametrize("status", list(STATUSES))
def test_every_status_and_move(db_session, staff, company_a, status, move):
    # staff start an aid fund; a premium pledge starts when its agreement is signed
    programme = "aid_fund" if move == "activate" else "premium"
    pledge = factories.make_pledge(sponsor=company_a, status=status, programme=programme)
    if move == "start" and status == "agreed":
        factories.signed_agreement_record(pledge)
    t = service.PLEDGE_FLOW.transitions[move]
    before = db_session.query(AuditEvent).count()
    if status in t.sources:
        service.transition_pledge(pledge, move, actor=staff, note="alasan uji")
        db_session.commit()
        assert pledge.status == t.target
        event = db_session.scalars(db_session.query(AuditEvent).order_by(AuditEvent.id.desc())
                                   .limit(1).statement).one()
        assert event.action == f"status:{move}"
        assert (event.object_type, event.object_id) == ("pledge", pledge.id)
        assert event.changes == {"status": [status, t.target]}
        assert event.actor_id == staff.id
    else:
        with pytest.raises(IllegalTransition):
            service.transition_pledge(pledge, move, actor=staff, note="alasan uji")
        db_session.rollback()
        assert db_session.get(type(pledge), pledge.id).status == status
        assert db_session.query(AuditEvent).count() == before


@pytest.mark.parametrize("move", MOVES)
@pytest.mark.parametrize("role", ["sponsor", "verifier", "approver"])
def test_other_roles_may_not_move_pledges(db_session, company_a, role, move):
    pledge = factories.make_pledge(sponsor=company_a)
    actor = factories.make_user(role=role, sponsor=company_a if role == "sponsor" else None)
    with pytest.raises(PermissionDenied):
        service.transition_pledge(pledge, move, actor=actor, note="x")


def test_admin_may_move_pledges(db_session, admin, company_a):
    pledge = factories.make_pledge(sponsor=company_a)
    service.transition_pledge(pledge, "agree", actor=admin)
    assert pledge.status == "agreed"


def test_unknown_move_is_illegal(db_session, staff, company_a):
    with pytest.raises(IllegalTransition):
        service.transition_pledge(factories.make_pledge(sponsor=company_a), "approve", actor=staff)


def test_cancel_needs_a_reason(db_session, staff, company_a):
    pledge = factories.make_pledge(sponsor=company_a)
    with pytest.raises(DomainError) as err:
        service.transition_pledge(pledge, "cancel", actor=staff, note="  ")
    assert err.value.field == "note"
    assert pledge.status == "draft"


def test_premium_cannot_be_agreed_without_attestation(db_session, staff, company_a):
    pledge = factories.make_pledge(sponsor=company_a, workers_attested=False)
    with pytest.raises(DomainError, match="BPJS"):
        service.transition_pledge(pledge, "agree", actor=staff)
    assert pledge.status == "draft"
    aid = factories.make_pledge(sponsor=company_a, programme="aid_fund", workers_attested=False)
    service.transition_pledge(aid, "agree", actor=staff)
    assert aid.status == "agreed"


def test_database_refuses_an_unattested_agreed_premium(db_session, company_a):
    pledge = factories.make_pledge(sponsor=company_a, workers_attested=False)
    with pytest.raises(IntegrityError):
        db_session.execute(text("UPDATE pledge SET status = 'agreed' WHERE id = :id"), {"id": pledge.id})
        db_session.flush()
    db_session.rollback()


def test_database_refuses_a_wrong_premium_total(db_session, company_a):
    pledge = factories.make_pledge(sponsor=company_a)
    with pytest.raises(IntegrityError):
        db_session.execute(text("UPDATE pledge SET total_amount = total_amount + 1 WHERE id = :id"),
                           {"id": pledge.id})
    db_session.rollback()


def test_a_move_on_a_stale_pledge_loses_to_the_move_made_meanwhile(db_session, staff, company_a):
    """Staff B cancels while staff A, on a page read before, agrees: A's move is refused."""
    from sqlalchemy.orm.attributes import set_committed_value

    from sponsorship.extensions import db
    from sponsorship.pledges.models import Pledge

    pledge = factories.make_pledge(sponsor=company_a)
    pledge_id = pledge.id
    db_session.commit()  # A's read ends; the object reloads on next access
    with db.engine.begin() as other:  # another request moves it first
        other.execute(text("UPDATE pledge SET status = 'cancelled' WHERE id = :id"), {"id": pledge_id})
    assert pledge.status == "cancelled"
    set_committed_value(pledge, "status", "draft")  # what A's request had read
    with pytest.raises(IllegalTransition):
        service.transition_pledge(pledge, "agree", actor=staff)
    db_session.rollback()
    assert db_session.get(Pledge, pledge.id).status == "cancelled"
    assert db_session.query(AuditEvent).filter_by(action="status:agree").count() == 0


def test_a_premium_pledge_starts_only_through_a_signed_agreement(db_session, staff, company_a):
    pledge = factories.make_pledge(sponsor=company_a, status="agreed")
    with pytest.raises(DomainError, match="perjanjian kerja sama"):
        service.transition_pledge(pledge, "activate", actor=staff)
    with pytest.raises(DomainError, match="belum ditandatangani"):
        service.transition_pledge(pledge, "start", actor=staff)
    db_session.rollback()
    assert db_session.get(type(pledge), pledge.id).status == "agreed"
    assert [t.name for t in service.offered_moves(pledge, staff)] == ["cancel"]
    factories.signed_agreement_record(pledge)
    service.transition_pledge(pledge, "start", actor=staff)
    assert pledge.status == "active"
