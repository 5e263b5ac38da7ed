"""One sponsored person per family card, under concurrency: eight simultaneous requests to place
eight members of one KK end with exactly one placed and the quota counter at one, on SQLite (file
database, BEGIN IMMEDIATE) and on PostgreSQL (the partial unique index on the family key)."""
from __future__ import annotations

import pytest

from tests import factories
from tests.concurrency import run_concurrently
from tests.factories import make_residents, resident_row

WORKERS = 8


@pytest.mark.concurrency
def test_concurrent_allocations_of_one_family_give_one_slot(app, admin, staff, company_a):
    from sponsorship.allocations import service
    from sponsorship.allocations.models import Allocation
    from sponsorship.auth.models import User
    from sponsorship.beneficiaries.models import Beneficiary
    from sponsorship.extensions import db
    from sponsorship.pledges.models import Pledge

    factories.make_policy(status="active", actor=admin, one_per="kk")
    family = make_residents(rows=[resident_row(f"197101170845{i:04d}", f"Anggota {i}",
                                               no_kk="1971010101200001") for i in range(1, WORKERS + 1)])
    pledge_id = factories.make_pledge(sponsor=company_a, status="active", quota=10).id
    staff_id = staff.id

    def allocate(i: int) -> None:
        service.allocate(db.session.get(Pledge, pledge_id), db.session.get(Beneficiary, family[i]),
                         actor=db.session.get(User, staff_id))

    outcomes = run_concurrently(app, WORKERS, allocate)
    assert sorted(outcomes) == ["ok"] + ["refused"] * (WORKERS - 1), outcomes
    db.session.rollback()  # end the snapshot this session held while the threads ran
    held = db.session.scalars(db.select(Allocation.family_key).where(Allocation.status == "active")).all()
    assert held == ["kk:1971010101200001"]
    assert db.session.get(Pledge, pledge_id).allocated_count == 1
