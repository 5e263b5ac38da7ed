"""An allocation: one resident in one slot of a premium pledge, for a range of months."""
from __future__ import annotations

from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import CheckConstraint, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from sponsorship.beneficiaries.models import Beneficiary
from sponsorship.core.models import TimestampMixin
from sponsorship.eligibility.models import EligibilityPolicy
from sponsorship.extensions import db
from sponsorship.pledges.models import Pledge

RESERVED, ACTIVE, ENDED = "reserved", "active", "ended"
STATUSES = {RESERVED: _l("Dipesan"), ACTIVE: _l("Aktif"), ENDED: _l("Berakhir")}
HOLDING = (RESERVED, ACTIVE)  # statuses that occupy a slot
END_REASONS = {
    "period_over": _l("Periode selesai"),
    "deceased": _l("Meninggal dunia"),
    "moved_away": _l("Pindah domisili"),
    "now_pbi": _l("Kini ditanggung PBI"),
    "replaced": _l("Diganti"),
}


class Allocation(TimestampMixin, db.Model):
    __tablename__ = "allocation"
    __table_args__ = (
        CheckConstraint("status IN ('reserved', 'active', 'ended')", name="status_known"),
        CheckConstraint("status <> 'ended' OR (end_reason IS NOT NULL AND end_month IS NOT NULL)",
                        name="ended_complete"),
        CheckConstraint("end_month IS NULL OR end_month >= start_month", name="months_ordered"),
        # A resident is never in two reserved or active allocations at once.
        Index("uq_allocation_holding_beneficiary", "beneficiary_id", unique=True,
              sqlite_where=db.text("status IN ('reserved', 'active')"),
              postgresql_where=db.text("status IN ('reserved', 'active')")),
        Index("ix_allocation_pledge_status", "pledge_id", "status"),
        # One sponsored person per family card or household at a time, when the policy said so.
        Index("uq_allocation_holding_family", "family_key", unique=True,
              sqlite_where=db.text("status IN ('reserved', 'active') AND family_key IS NOT NULL"),
              postgresql_where=db.text("status IN ('reserved', 'active') AND family_key IS NOT NULL")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    pledge_id: Mapped[int] = mapped_column(ForeignKey("pledge.id"))
    beneficiary_id: Mapped[int] = mapped_column(ForeignKey("beneficiary.id"), index=True)
    start_month: Mapped[date]
    end_month: Mapped[date | None]
    status: Mapped[str] = mapped_column(String(10), default=RESERVED)
    end_reason: Mapped[str | None] = mapped_column(String(20))
    replaced_by_id: Mapped[int | None] = mapped_column(ForeignKey("allocation.id"))
    # The eligibility policy in force when the resident was placed (empty: the built-in defaults).
    policy_id: Mapped[int | None] = mapped_column(ForeignKey("eligibility_policy.id"), index=True)
    # "kk:<KK>" or "household:<id>" when that policy allowed one person per family at a time.
    family_key: Mapped[str | None] = mapped_column(String(48))

    pledge: Mapped[Pledge] = relationship()
    beneficiary: Mapped[Beneficiary] = relationship()
    policy: Mapped[EligibilityPolicy | None] = relationship()

    def __str__(self) -> str:
        return f"#{self.id} {self.beneficiary.nik_masked if self.beneficiary else ''}"

    @property
    def owner_sponsor_id(self) -> int:
        return self.pledge.sponsor_id

    @classmethod
    def sponsor_scope(cls, sponsor_id: int):
        return cls.pledge_id.in_(db.select(Pledge.id).where(Pledge.sponsor_id == sponsor_id))

    @property
    def status_label(self):
        return STATUSES[self.status]

    @property
    def end_reason_label(self):
        return END_REASONS.get(self.end_reason or "", "")
