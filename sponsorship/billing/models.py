"""Invoices (one per premium pledge and month) and the payments sponsors record against them."""
from __future__ import annotations

from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from sponsorship.core.models import Money, SponsorOwnedMixin, TimestampMixin
from sponsorship.extensions import db
from sponsorship.pledges.models import Pledge

ISSUED, PARTIALLY_PAID, PAID, CANCELLED = "issued", "partially_paid", "paid", "cancelled"
INVOICE_STATUSES = {
    ISSUED: _l("Terbit"),
    PARTIALLY_PAID: _l("Dibayar sebagian"),
    PAID: _l("Lunas"),
    CANCELLED: _l("Dibatalkan"),
}
PENDING, CONFIRMED, REJECTED = "pending", "confirmed", "rejected"
PAYMENT_STATUSES = {PENDING: _l("Menunggu konfirmasi"), CONFIRMED: _l("Dikonfirmasi"),
                    REJECTED: _l("Ditolak")}


class Invoice(SponsorOwnedMixin, TimestampMixin, db.Model):
    __tablename__ = "invoice"
    __table_args__ = (
        # One live invoice per pledge and month: billing runs are idempotent, and a cancelled
        # invoice may be replaced by billing the month again.
        Index("uq_invoice_pledge_month_live", "pledge_id", "month", unique=True,
              sqlite_where=db.text("status <> 'cancelled'"),
              postgresql_where=db.text("status <> 'cancelled'")),
        CheckConstraint("status IN ('issued', 'partially_paid', 'paid', 'cancelled')", name="status_known"),
        # A cancelled invoice says why, and carries no payment, pending or confirmed.
        CheckConstraint("status <> 'cancelled' OR (cancel_reason IS NOT NULL AND claimed_amount = 0)",
                        name="cancelled_clean"),
        CheckConstraint("persons > 0 AND tariff > 0 AND amount = persons * tariff", name="amount_consistent"),
        # claimed = confirmed + pending payments; raised only by an atomic conditional UPDATE.
        CheckConstraint("paid_amount >= 0 AND paid_amount <= claimed_amount AND claimed_amount <= amount",
                        name="payments_within_amount"),
        Index("ix_invoice_sponsor_month", "sponsor_id", "month"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    pledge_id: Mapped[int] = mapped_column(ForeignKey("pledge.id"))
    sponsor_id: Mapped[int] = mapped_column(ForeignKey("sponsor.id"))
    month: Mapped[date]
    persons: Mapped[int]
    tariff: Mapped[Money]  # participant's share per person that month
    amount: Mapped[Money]
    due_on: Mapped[date]
    status: Mapped[str] = mapped_column(String(20), default=ISSUED)
    paid_amount: Mapped[Money] = mapped_column(default=0, server_default="0")
    claimed_amount: Mapped[Money] = mapped_column(default=0, server_default="0")
    document_id: Mapped[int | None] = mapped_column(ForeignKey("document.id"))
    cancel_reason: Mapped[str | None] = mapped_column(Text)

    pledge: Mapped[Pledge] = relationship()
    payments: Mapped[list[Payment]] = relationship(back_populates="invoice", order_by="Payment.id")

    def __str__(self) -> str:
        return f"#{self.id} {self.month:%Y-%m}"

    @property
    def status_label(self):
        return INVOICE_STATUSES[self.status]

    @property
    def outstanding(self) -> int:
        return 0 if self.status == CANCELLED else self.amount - self.paid_amount

    @property
    def payable(self) -> int:
        """What a new payment may still cover (pending payments count as claimed)."""
        return 0 if self.status == CANCELLED else self.amount - self.claimed_amount

    def is_overdue(self, today: date) -> bool:
        return self.status in (ISSUED, PARTIALLY_PAID) and today > self.due_on


class Payment(TimestampMixin, db.Model):
    __tablename__ = "payment"
    __table_args__ = (
        CheckConstraint("status IN ('pending', 'confirmed', 'rejected')", name="status_known"),
        CheckConstraint("amount > 0", name="amount_positive"),
        CheckConstraint("status = 'pending' OR decided_at IS NOT NULL", name="decided_complete"),
        Index("ix_payment_status", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    invoice_id: Mapped[int] = mapped_column(ForeignKey("invoice.id"), index=True)
    amount: Mapped[Money]
    reference: Mapped[str] = mapped_column(String(80))
    paid_on: Mapped[date]
    proof_path: Mapped[str] = mapped_column(String(300))
    proof_sha256: Mapped[str] = mapped_column(String(64))
    proof_mime: Mapped[str] = mapped_column(String(40))
    proof_name: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(10), default=PENDING)
    submitted_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    decided_at: Mapped[datetime | None]
    decision_note: Mapped[str | None] = mapped_column(Text)

    invoice: Mapped[Invoice] = relationship(back_populates="payments")

    def __str__(self) -> str:
        return f"#{self.id} {self.reference}"

    @property
    def owner_sponsor_id(self) -> int:
        return self.invoice.sponsor_id

    @property
    def status_label(self):
        return PAYMENT_STATUSES[self.status]


class BpjsPayment(SponsorOwnedMixin, TimestampMixin, db.Model):
    """A month's premiums a company paid to BPJS Kesehatan itself (Donasi JKN), with BPJS's
    proof of payment; staff confirm it or reject it with a note. No invoice exists for it."""

    __tablename__ = "bpjs_payment"
    __table_args__ = (
        # One proof standing per pledge and month: a rejected one may be replaced.
        Index("uq_bpjs_payment_pledge_month_live", "pledge_id", "month", unique=True,
              sqlite_where=db.text("status <> 'rejected'"),
              postgresql_where=db.text("status <> 'rejected'")),
        CheckConstraint("status IN ('pending', 'confirmed', 'rejected')", name="status_known"),
        CheckConstraint("amount > 0 AND persons > 0 AND amount_due = persons * tariff",
                        name="amounts_consistent"),
        CheckConstraint("status = 'pending' OR decided_at IS NOT NULL", name="decided_complete"),
        CheckConstraint("status <> 'rejected' OR decision_note IS NOT NULL", name="rejection_reasoned"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    pledge_id: Mapped[int] = mapped_column(ForeignKey("pledge.id"), index=True)
    sponsor_id: Mapped[int] = mapped_column(ForeignKey("sponsor.id"), index=True)
    month: Mapped[date]
    persons: Mapped[int]  # the billing rule's count for the month, when the proof came in
    tariff: Mapped[Money]
    amount_due: Mapped[Money]
    amount: Mapped[Money]  # what BPJS's proof says was paid
    reference: Mapped[str] = mapped_column(String(80))
    paid_on: Mapped[date]
    proof_path: Mapped[str] = mapped_column(String(300))
    proof_sha256: Mapped[str] = mapped_column(String(64))
    proof_mime: Mapped[str] = mapped_column(String(40))
    proof_name: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(10), default=PENDING)
    submitted_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    decided_at: Mapped[datetime | None]
    decision_note: Mapped[str | None] = mapped_column(Text)

    pledge: Mapped[Pledge] = relationship()

    def __str__(self) -> str:
        return f"#{self.id} {self.month:%Y-%m} {self.reference}"

    @property
    def status_label(self):
        return PAYMENT_STATUSES[self.status]
