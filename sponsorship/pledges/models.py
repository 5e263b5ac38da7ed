"""Pledges: a company's promise of premium slots or of an aid fund."""
from __future__ import annotations

from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from sponsorship.core.models import Money, SponsorOwnedMixin, TimestampMixin
from sponsorship.core.months import add_months
from sponsorship.extensions import db
from sponsorship.sponsors.models import Sponsor

PREMIUM, AID_FUND = "premium", "aid_fund"
PROGRAMMES = {PREMIUM: _l("Iuran JKN (premi)"), AID_FUND: _l("Dana bantuan non-medis")}

# How a premium pledge's money reaches BPJS Kesehatan; the agreement's clauses follow it.
CITY, DIRECT = "city", "direct"
PAYMENT_ROUTES = {
    CITY: _l("Melalui rekening kas daerah: kota menerbitkan tagihan dan tanda terima"),
    DIRECT: _l("Langsung ke BPJS Kesehatan (Donasi JKN): perusahaan mengunggah bukti bayar BPJS "
               "setiap bulan, staf mengonfirmasinya"),
}

DRAFT, AGREED, ACTIVE, COMPLETED, CANCELLED = "draft", "agreed", "active", "completed", "cancelled"
STATUSES = {
    DRAFT: _l("Draf"),
    AGREED: _l("Disepakati"),
    ACTIVE: _l("Berjalan"),
    COMPLETED: _l("Selesai"),
    CANCELLED: _l("Dibatalkan"),
}


class Pledge(SponsorOwnedMixin, TimestampMixin, db.Model):
    __tablename__ = "pledge"
    __table_args__ = (
        CheckConstraint(f"programme IN {tuple(PROGRAMMES)!r}", name="programme_known"),
        CheckConstraint(f"status IN {tuple(STATUSES)!r}", name="status_known"),
        CheckConstraint("total_amount > 0", name="total_positive"),
        # A premium pledge is quota x months x monthly amount, all positive.
        CheckConstraint(
            "programme <> 'premium' OR (quota > 0 AND months > 0 AND monthly_amount > 0"
            " AND start_month IS NOT NULL AND total_amount = quota * months * monthly_amount)",
            name="premium_complete",
        ),
        CheckConstraint(
            "programme <> 'aid_fund' OR (quota IS NULL AND monthly_amount IS NULL)",
            name="aid_fund_shape",
        ),
        # Premium pledges cannot be agreed before BPJS's condition is attested.
        CheckConstraint(
            "programme <> 'premium' OR status IN ('draft', 'cancelled') OR workers_attested",
            name="premium_attested",
        ),
        Index("ix_pledge_status_programme", "status", "programme"),
        CheckConstraint("payment_route IN ('city', 'direct')", name="payment_route_known"),
        # An aid fund's payouts never exceed it (raised by an atomic conditional UPDATE).
        CheckConstraint("disbursed_amount >= 0 AND disbursed_amount <= total_amount",
                        name="disbursed_in_range"),
        # Slots held by reserved/active allocations, moved only by an atomic conditional UPDATE.
        CheckConstraint("allocated_count >= 0 AND (quota IS NULL OR allocated_count <= quota)",
                        name="allocated_within_quota"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    sponsor_id: Mapped[int] = mapped_column(ForeignKey("sponsor.id"), index=True)
    programme: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(20), default=DRAFT)
    title: Mapped[str] = mapped_column(String(200))
    quota: Mapped[int | None]
    months: Mapped[int | None]
    start_month: Mapped[date | None]
    monthly_amount: Mapped[Money | None]  # Rupiah per person per month (participant's share)
    total_amount: Mapped[Money]
    # BPJS accepts "Donasi JKN" only from a company whose own workers are all registered.
    workers_attested: Mapped[bool] = mapped_column(default=False)
    workers_attested_at: Mapped[datetime | None]
    # A premium pledge pays the monthly premium only, unless it says it also pays arrears.
    covers_arrears: Mapped[bool] = mapped_column(default=False, server_default=false())
    payment_route: Mapped[str] = mapped_column(String(20), default=CITY, server_default=CITY)
    notes: Mapped[str | None] = mapped_column(Text)
    disbursed_amount: Mapped[Money] = mapped_column(default=0, server_default="0")
    allocated_count: Mapped[int] = mapped_column(default=0, server_default="0")

    sponsor: Mapped[Sponsor] = relationship(back_populates="pledges")

    def __str__(self) -> str:
        return f"#{self.id} {self.title}"

    @property
    def is_premium(self) -> bool:
        return self.programme == PREMIUM

    @property
    def status_label(self):
        return STATUSES[self.status]

    @property
    def programme_label(self):
        return PROGRAMMES[self.programme]

    @property
    def pays_directly(self) -> bool:
        """Premiums paid by the company to BPJS Kesehatan: no invoice, a proof per month."""
        return self.is_premium and self.payment_route == DIRECT

    @property
    def payment_route_label(self):
        return PAYMENT_ROUTES[self.payment_route]

    @property
    def end_month(self) -> date | None:
        if not (self.start_month and self.months):
            return None
        return add_months(self.start_month, self.months - 1)
