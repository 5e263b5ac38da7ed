"""Aid proposals, their cost lines, attachments, field verification and step history."""
from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

from flask_babel import lazy_gettext as _l
from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from sponsorship.core.models import Money, TimestampMixin, utcnow
from sponsorship.extensions import db

if TYPE_CHECKING:
    from sponsorship.auth.models import User
    from sponsorship.beneficiaries.models import Beneficiary
    from sponsorship.regions.models import Region

SUBMITTED, IN_VERIFICATION = "submitted", "in_verification"
VERIFIED_ELIGIBLE, VERIFIED_INELIGIBLE = "verified_eligible", "verified_ineligible"
IN_MINUTES, APPROVED, RETURNED = "in_minutes", "approved", "returned"
DISBURSED, CLOSED = "disbursed", "closed"
STATUSES = {
    SUBMITTED: _l("Diajukan"),
    IN_VERIFICATION: _l("Dalam verifikasi"),
    VERIFIED_ELIGIBLE: _l("Layak"),
    VERIFIED_INELIGIBLE: _l("Tidak layak"),
    IN_MINUTES: _l("Dalam berita acara"),
    APPROVED: _l("Disetujui"),
    RETURNED: _l("Dikembalikan"),
    DISBURSED: _l("Dicairkan"),
    CLOSED: _l("Selesai"),
}
# Statuses where the proposal still waits on someone (counted in queues and the pipeline).
OPEN_STATUSES = (SUBMITTED, IN_VERIFICATION, VERIFIED_ELIGIBLE, VERIFIED_INELIGIBLE, IN_MINUTES,
                 APPROVED, RETURNED, DISBURSED)

COST_CATEGORIES = {
    "transport_land": _l("Transportasi pasien (darat)"),
    "transport_sea": _l("Transportasi pasien (laut)"),
    "transport_air": _l("Transportasi pasien (udara)"),
    "companion_transport": _l("Transportasi pendamping"),
    "accommodation": _l("Akomodasi"),
    "other": _l("Lainnya"),
}
ATTACHMENT_KINDS = {
    "referral_letter": _l("Surat rujukan"),
    "ktp": _l("KTP"),
    "kk": _l("Kartu Keluarga"),
    "statement_of_need": _l("Surat keterangan tidak mampu"),
    "photo": _l("Foto kunjungan"),
    "receipt": _l("Bukti terima"),
}
ELIGIBLE, INELIGIBLE = "eligible", "ineligible"
RECOMMENDATIONS = {ELIGIBLE: _l("Layak dibantu"), INELIGIBLE: _l("Tidak layak")}
CHECKLIST = {
    "domicile_confirmed": _l("Domisili sesuai"),
    "referral_authentic": _l("Surat rujukan asli"),
    "economically_in_need": _l("Keluarga kurang mampu"),
    "no_double_aid": _l("Tidak ada bantuan ganda untuk perjalanan yang sama"),
    "companion_needed": _l("Pendamping diperlukan"),
}


def _in(values) -> str:
    return "(" + ", ".join(f"'{v}'" for v in values) + ")"


class AidCounter(db.Model):
    """One row per (kind, year): the last number given; incremented atomically, gap-free."""

    __tablename__ = "aid_counter"

    kind: Mapped[str] = mapped_column(String(20), primary_key=True)
    year: Mapped[int] = mapped_column(primary_key=True)
    value: Mapped[int] = mapped_column(default=0)


class AidProposal(TimestampMixin, db.Model):
    __tablename__ = "aid_proposal"
    __table_args__ = (
        CheckConstraint(f"status IN {_in(STATUSES)}", name="status_known"),
        CheckConstraint("total_requested > 0", name="requested_positive"),
        CheckConstraint("recommended_amount IS NULL OR (recommended_amount >= 0"
                        " AND recommended_amount <= total_requested)", name="recommended_in_range"),
        CheckConstraint("approved_amount IS NULL OR (approved_amount > 0"
                        " AND approved_amount <= total_requested)", name="approved_in_range"),
        CheckConstraint("length(nik_last4) = 4", name="nik_last4_len"),
        UniqueConstraint("year", "seq", name="uq_aid_proposal_year_seq"),
        Index("ix_aid_proposal_status_changed", "status", "status_changed_at"),
    )
    __audit_hidden__ = ("patient_kk_enc", "patient_kk_hash")

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(20), unique=True)
    year: Mapped[int]
    seq: Mapped[int]
    status: Mapped[str] = mapped_column(String(20), default=SUBMITTED)
    status_changed_at: Mapped[datetime] = mapped_column(default=utcnow)

    # The patient is a registry resident (whose record holds the NIK, encrypted); the name as the
    # proposal wrote it, the last four digits of the NIK given for /track, and the family card
    # (KK) encrypted with a blind index under the key nik_key_id names (sponsorship.identity).
    beneficiary_id: Mapped[int] = mapped_column(ForeignKey("beneficiary.id"), index=True)
    patient_name: Mapped[str] = mapped_column(String(120))
    nik_last4: Mapped[str] = mapped_column(String(4))
    patient_kk_enc: Mapped[str | None] = mapped_column(Text)
    patient_kk_hash: Mapped[str | None] = mapped_column(String(64), index=True)
    nik_key_id: Mapped[str] = mapped_column(String(16), index=True)

    applicant_name: Mapped[str | None] = mapped_column(String(120))
    applicant_relation: Mapped[str | None] = mapped_column(String(60))
    phone: Mapped[str] = mapped_column(String(30))
    address: Mapped[str] = mapped_column(String(300))
    kelurahan_code: Mapped[str] = mapped_column(ForeignKey("region.code"), index=True)

    referral_origin: Mapped[str] = mapped_column(String(150))
    referral_destination: Mapped[str] = mapped_column(String(150))
    referral_city: Mapped[str] = mapped_column(String(80))
    referral_letter_no: Mapped[str] = mapped_column(String(80))
    referral_letter_date: Mapped[date]

    total_requested: Mapped[Money]
    recommended_amount: Mapped[Money | None]
    approved_amount: Mapped[Money | None]

    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    assigned_verifier_id: Mapped[int | None] = mapped_column(
        ForeignKey("user.id", ondelete="SET NULL"), index=True)
    first_contact_at: Mapped[datetime | None]
    approved_at: Mapped[datetime | None]
    disbursed_at: Mapped[datetime | None]

    lines: Mapped[list[CostLine]] = relationship(back_populates="proposal", cascade="all, delete-orphan",
                                                 order_by="CostLine.id")
    attachments: Mapped[list[Attachment]] = relationship(back_populates="proposal",
                                                         order_by="Attachment.id")
    verification: Mapped[FieldVerification | None] = relationship(back_populates="proposal")
    patient: Mapped[Beneficiary] = relationship()
    assigned_verifier: Mapped[User | None] = relationship(foreign_keys=[assigned_verifier_id])
    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])
    # One extra query per list of proposals, never one per row, and no join to lock with a row.
    kelurahan: Mapped[Region] = relationship(lazy="selectin")

    def __str__(self) -> str:
        return self.code

    @property
    def status_label(self):
        return STATUSES[self.status]

    @property
    def verifier_id(self) -> int | None:
        return self.verification.verifier_id if self.verification else None


class CostLine(db.Model):
    __tablename__ = "aid_cost_line"
    __table_args__ = (
        CheckConstraint(f"category IN {_in(COST_CATEGORIES)}", name="category_known"),
        CheckConstraint("quantity > 0 AND unit_amount > 0", name="positive"),
        CheckConstraint("total = quantity * unit_amount", name="total_matches"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("aid_proposal.id", ondelete="CASCADE"), index=True)
    category: Mapped[str] = mapped_column(String(30))
    description: Mapped[str | None] = mapped_column(String(200))
    quantity: Mapped[int]
    unit_amount: Mapped[Money]
    total: Mapped[Money]

    proposal: Mapped[AidProposal] = relationship(back_populates="lines")

    @property
    def category_label(self):
        return COST_CATEGORIES[self.category]


class Attachment(db.Model):
    """A stored file (see core.uploads); the path is generated, never user text."""

    __tablename__ = "aid_attachment"
    __table_args__ = (CheckConstraint(f"kind IN {_in(ATTACHMENT_KINDS)}", name="kind_known"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("aid_proposal.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(30))
    path: Mapped[str] = mapped_column(String(300), unique=True)
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int]
    mime: Mapped[str] = mapped_column(String(60))
    original_name: Mapped[str] = mapped_column(String(200))
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    uploaded_at: Mapped[datetime] = mapped_column(default=utcnow)

    proposal: Mapped[AidProposal] = relationship(back_populates="attachments")

    def __str__(self) -> str:
        return f"{self.kind} {self.original_name}"

    @property
    def kind_label(self):
        return ATTACHMENT_KINDS[self.kind]

    @property
    def is_image(self) -> bool:
        return self.mime.startswith("image/")


class FieldVerification(TimestampMixin, db.Model):
    """Baznas's home visit: one per proposal (verifying twice is refused)."""

    __tablename__ = "aid_field_verification"
    __table_args__ = (
        CheckConstraint(f"recommendation IN {_in(RECOMMENDATIONS)}", name="recommendation_known"),
        CheckConstraint("recommended_amount >= 0", name="amount_not_negative"),
        CheckConstraint("recommendation = 'eligible' OR recommended_amount = 0", name="ineligible_zero"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("aid_proposal.id", ondelete="CASCADE"), unique=True)
    verifier_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"), index=True)
    visit_date: Mapped[date]
    domicile_confirmed: Mapped[bool] = mapped_column(default=False)
    referral_authentic: Mapped[bool] = mapped_column(default=False)
    economically_in_need: Mapped[bool] = mapped_column(default=False)
    no_double_aid: Mapped[bool] = mapped_column(default=False)
    companion_needed: Mapped[bool] = mapped_column(default=False)
    notes: Mapped[str | None] = mapped_column(Text)
    recommendation: Mapped[str] = mapped_column(String(20))
    reason: Mapped[str] = mapped_column(Text)
    recommended_amount: Mapped[Money]

    proposal: Mapped[AidProposal] = relationship(back_populates="verification")
    verifier: Mapped[User | None] = relationship()

    def __str__(self) -> str:
        return f"verifikasi {self.proposal_id}"

    @property
    def recommendation_label(self):
        return RECOMMENDATIONS[self.recommendation]


class ProposalStep(db.Model):
    """When a proposal entered each status: waiting times and medians come from here."""

    __tablename__ = "aid_proposal_step"
    __table_args__ = (Index("ix_aid_proposal_step_proposal_at", "proposal_id", "entered_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("aid_proposal.id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(String(20))
    entered_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
