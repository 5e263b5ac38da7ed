"""Twenty-four simultaneous allocation requests at a pledge with 5 free slots end with exactly 5,
on SQLite (file database, BEGIN IMMEDIATE) and on PostgreSQL, each with its own connection."""
from __future__ import annotations

import pytest

from tests import factories
from tests.concurrency import run_concurrently
from tests.factories import make_residents, resident_row

WORKERS = 24


def _eligible(n: int) -> list[int]:
    return make_residents(rows=[resident_row(f"197101170845{i:04d}", f"Warga {i}") for i in range(1, n + 1)])


@pytest.mark.concurrency
def test_concurrent_allocations_never_exceed_quota(app, staff, company_a):
    from sponsorship.allocations import service
    from sponsorship.allocations.models import Allocation
    from sponsorship.auth.models import User
    from sponsorship.beneficiaries.models import Beneficiary
    from sponsorship.extensions import db
    from sponsorship.pledges.models import Pledge

    pledge = factories.make_pledge(sponsor=company_a, status="active", quota=8)
    ids = _eligible(WORKERS + 3)
    # 3 slots already taken: 5 remain free.
    for bid in ids[:3]:
        service.allocate(pledge, db.session.get(Beneficiary, bid), actor=staff)
    db.session.commit()
    pledge_id, staff_id, contenders = pledge.id, staff.id, ids[3:]
    def allocate(i: int) -> None:
        service.allocate(db.session.get(Pledge, pledge_id), db.session.get(Beneficiary, contenders[i]),
                         actor=db.session.get(User, staff_id))

    outcomes = run_concurrently(app, WORKERS, allocate)
    assert len(outcomes) == WORKERS
    assert [o for o in outcomes if o.startswith("error")] == []
    assert outcomes.count("ok") == 5 and outcomes.count("refused") == WORKERS - 5
    db.session.rollback()  # end the snapshot this session held while the threads ran
    holding = db.session.scalar(db.select(db.func.count()).select_from(Allocation).where(
        Allocation.pledge_id == pledge_id, Allocation.status.in_(("reserved", "active"))))
    assert holding == 8
    assert db.session.get(Pledge, pledge_id).allocated_count == 8


@pytest.mark.concurrency
def test_concurrent_requests_for_one_resident_give_one_slot(app, staff, company_a, company_b):
    from sponsorship.allocations import service
    from sponsorship.allocations.models import Allocation
    from sponsorship.auth.models import User
    from sponsorship.beneficiaries.models import Beneficiary
    from sponsorship.extensions import db
    from sponsorship.pledges.models import Pledge

    pledges = [factories.make_pledge(sponsor=c, status="agreed", quota=5).id
               for c in (company_a, company_b) for _ in range(5)]
    (bid,) = _eligible(1)
    staff_id = staff.id

    def allocate(i: int) -> None:
        service.allocate(db.session.get(Pledge, pledges[i]), db.session.get(Beneficiary, bid),
                         actor=db.session.get(User, staff_id))

    outcomes = run_concurrently(app, len(pledges), allocate)
    assert sorted(outcomes) == ["ok"] + ["refused"] * (len(pledges) - 1), outcomes
    db.session.rollback()  # end the snapshot this session held while the threads ran
    assert db.session.scalar(db.select(db.func.count()).select_from(Allocation)) == 1
    assert db.session.scalar(db.select(db.func.sum(Pledge.allocated_count))) == 1
