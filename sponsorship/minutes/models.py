"""Berita acara: attendees, the proposals decided in it, and the approver's decision."""
from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

from flask_babel import lazy_gettext as _l
from sqlalchemy import CheckConstraint, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from sponsorship.core.models import Money, TimestampMixin, utcnow
from sponsorship.extensions import db
from sponsorship.proposals.models import AidProposal

if TYPE_CHECKING:
    from sponsorship.auth.models import User

DRAFT, FINAL, APPROVED, RETURNED = "draft", "final", "approved", "returned"
STATUSES = {
    DRAFT: _l("Draf"),
    FINAL: _l("Final, menunggu Wali Kota"),
    APPROVED: _l("Disetujui"),
    RETURNED: _l("Dikembalikan"),
}
GRANT, DENY = "grant", "deny"
DECISIONS = {GRANT: _l("Dibantu"), DENY: _l("Tidak dibantu")}


class Minutes(TimestampMixin, db.Model):
    __tablename__ = "aid_minutes"
    __table_args__ = (
        CheckConstraint("status IN ('draft', 'final', 'approved', 'returned')", name="status_known"),
        # A finalised berita acara always carries its number.
        CheckConstraint("status = 'draft' OR (number IS NOT NULL AND seq IS NOT NULL)",
                        name="numbered_when_final"),
        UniqueConstraint("year", "seq", name="uq_aid_minutes_year_seq"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    status: Mapped[str] = mapped_column(String(20), default=DRAFT)
    number: Mapped[str | None] = mapped_column(String(60), unique=True)
    year: Mapped[int | None]
    seq: Mapped[int | None]
    meeting_date: Mapped[date]
    place: Mapped[str] = mapped_column(String(200))
    summary: Mapped[str | None] = mapped_column(Text)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    finalised_at: Mapped[datetime | None]
    finalised_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))

    attendees: Mapped[list[MinutesAttendee]] = relationship(
        back_populates="minutes", cascade="all, delete-orphan", order_by="MinutesAttendee.position")
    items: Mapped[list[MinutesItem]] = relationship(
        back_populates="minutes", cascade="all, delete-orphan", order_by="MinutesItem.id")
    approval: Mapped[Approval | None] = relationship(back_populates="minutes")

    def __str__(self) -> str:
        return self.number or f"Draf berita acara #{self.id}"

    @property
    def status_label(self):
        return STATUSES[self.status]

    @property
    def total_amount(self) -> int:
        return sum(i.amount for i in self.items if i.decision == GRANT)


class MinutesAttendee(db.Model):
    __tablename__ = "aid_minutes_attendee"

    id: Mapped[int] = mapped_column(primary_key=True)
    minutes_id: Mapped[int] = mapped_column(ForeignKey("aid_minutes.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    name: Mapped[str] = mapped_column(String(120))
    nip: Mapped[str | None] = mapped_column(String(30))
    title: Mapped[str] = mapped_column(String(150))
    agency: Mapped[str] = mapped_column(String(150))

    minutes: Mapped[Minutes] = relationship(back_populates="attendees")


class MinutesItem(db.Model):
    __tablename__ = "aid_minutes_item"
    __table_args__ = (
        UniqueConstraint("minutes_id", "proposal_id", name="uq_aid_minutes_item_minutes_proposal"),
        CheckConstraint("decision IN ('grant', 'deny')", name="decision_known"),
        CheckConstraint("(decision = 'grant' AND amount > 0) OR (decision = 'deny' AND amount = 0)",
                        name="amount_matches_decision"),
        CheckConstraint("NOT excluded OR exclusion_reason IS NOT NULL", name="exclusion_reasoned"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    minutes_id: Mapped[int] = mapped_column(ForeignKey("aid_minutes.id", ondelete="CASCADE"), index=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("aid_proposal.id"), index=True)
    decision: Mapped[str] = mapped_column(String(10), default=GRANT)
    amount: Mapped[Money]
    note: Mapped[str | None] = mapped_column(String(300))
    # Set by the approver: this proposal is left out of the approval (goes back to staff).
    excluded: Mapped[bool] = mapped_column(default=False)
    exclusion_reason: Mapped[str | None] = mapped_column(String(300))

    minutes: Mapped[Minutes] = relationship(back_populates="items")
    proposal: Mapped[AidProposal] = relationship()

    @property
    def decision_label(self):
        return DECISIONS[self.decision]


class Approval(db.Model):
    """The approver's decision on a finalised berita acara (one per minutes)."""

    __tablename__ = "aid_approval"
    __table_args__ = (CheckConstraint("decision IN ('approved', 'returned')", name="decision_known"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    minutes_id: Mapped[int] = mapped_column(ForeignKey("aid_minutes.id", ondelete="CASCADE"), unique=True)
    approver_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    decided_at: Mapped[datetime] = mapped_column(default=utcnow)
    decision: Mapped[str] = mapped_column(String(10))
    note: Mapped[str | None] = mapped_column(Text)

    minutes: Mapped[Minutes] = relationship(back_populates="approval")
    approver: Mapped[User | None] = relationship()

    @property
    def decision_label(self):
        return STATUSES[self.decision]
