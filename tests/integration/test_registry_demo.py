"""The demo city's residents: about 2,000 from two lists with a few dozen discrepancies, and 120
allocated to the Bank Sumsel Babel pledge; running seed-demo again changes nothing."""
from __future__ import annotations


def test_seed_demo_residents_are_reproducible_and_idempotent(app):
    from sponsorship.allocations.models import Allocation
    from sponsorship.beneficiaries.models import Beneficiary, Discrepancy, ImportBatch, SourceRecord
    from sponsorship.demo import BANK_NAME
    from sponsorship.extensions import db
    from sponsorship.pledges.models import Pledge
    from sponsorship.sponsors.models import Sponsor

    runner = app.test_cli_runner()

    def counts():
        with app.app_context():
            count = lambda m: db.session.scalar(db.select(db.func.count()).select_from(m))  # noqa: E731
            bank_pledge = db.session.scalar(db.select(Pledge).join(Sponsor).where(
                Sponsor.name == BANK_NAME, Pledge.programme == "premium"))
            held = db.session.scalar(db.select(db.func.count()).select_from(Allocation).where(
                Allocation.pledge_id == bank_pledge.id, Allocation.status.in_(("reserved", "active"))))
            regions = db.session.scalar(db.select(db.func.count(db.distinct(Beneficiary.region_code))))
            # Residents the agencies' lists brought (the aid proposals' patients are residents too).
            listed = db.session.scalar(db.select(db.func.count(db.distinct(SourceRecord.beneficiary_id))))
            return (listed, count(Discrepancy), count(ImportBatch), held,
                    bank_pledge.allocated_count, regions)

    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    first = counts()
    residents, discrepancies, batches, held, counter, regions = first
    assert residents == 2000 and batches == 2
    assert 24 <= discrepancies <= 60
    assert held == counter == 120
    assert regions == 42
    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    assert counts() == first
