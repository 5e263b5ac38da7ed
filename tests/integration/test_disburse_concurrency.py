"""Simultaneous payouts from one aid fund: exactly the affordable ones succeed, the balance never
goes below zero; simultaneous intakes get unique, gap-free codes. SQLite (file database, BEGIN
IMMEDIATE) and PostgreSQL, each worker on its own connection."""
from __future__ import annotations

from datetime import date

import pytest

from tests import factories
from tests.concurrency import run_concurrently

WORKERS = 8


@pytest.mark.concurrency
def test_simultaneous_payouts_never_overdraw_the_fund(app, app_ctx, staff, company_a):
    from sponsorship.disbursements import service as payouts
    from sponsorship.disbursements.models import Disbursement
    from sponsorship.extensions import db
    from sponsorship.pledges.models import Pledge
    from sponsorship.proposals.models import AidProposal

    # Rp 10 million covers three payouts of Rp 3 million; eight arrive at once.
    fund = factories.make_pledge(sponsor=company_a, programme="aid_fund", status="active",
                                 total_amount=10_000_000)
    with app.test_request_context():
        ids = [factories.make_proposal(status="approved", staff=staff, amount=3_000_000).id
               for _ in range(WORKERS)]
    fund_id, staff_id = fund.id, staff.id

    def job(i: int) -> None:
        from sponsorship.auth.models import User

        payouts.record_disbursement(
            db.session.get(AidProposal, ids[i]), actor=db.session.get(User, staff_id),
            pledge=db.session.get(Pledge, fund_id),
            data={"amount": 3_000_000, "paid_on": date(2026, 11, 23), "method": "cash"})

    outcomes = run_concurrently(app, WORKERS, job)
    assert sorted(outcomes) == ["ok"] * 3 + ["refused"] * (WORKERS - 3), outcomes
    db.session.rollback()  # end the snapshot taken before the workers committed
    assert db.session.get(Pledge, fund_id).disbursed_amount == 9_000_000
    assert db.session.scalar(db.select(db.func.count()).select_from(Disbursement)) == 3
    statuses = db.session.scalars(db.select(AidProposal.status).where(AidProposal.id.in_(ids))).all()
    assert sorted(statuses) == ["approved"] * (WORKERS - 3) + ["disbursed"] * 3


@pytest.mark.concurrency
def test_simultaneous_intakes_get_unique_gap_free_codes(app, app_ctx, staff):
    from sponsorship.auth.models import User
    from sponsorship.extensions import db
    from sponsorship.proposals import service
    from sponsorship.proposals.models import AidProposal

    staff_id = staff.id

    def job(i: int) -> None:
        service.create_proposal(actor=db.session.get(User, staff_id), data=factories.proposal_data(),
                                lines=[{"category": "other", "quantity": 1, "unit_amount": 1000 + i}])

    outcomes = run_concurrently(app, WORKERS, job)
    assert outcomes == ["ok"] * WORKERS, outcomes
    db.session.rollback()
    seqs = sorted(db.session.scalars(db.select(AidProposal.seq)).all())
    assert seqs == list(range(1, WORKERS + 1))
