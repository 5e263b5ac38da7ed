"""Issued documents (immutable bytes on disk, sha256 in the row) and yearly number counters."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from sponsorship.core.models import SponsorOwnedMixin, utcnow
from sponsorship.extensions import db

AGREEMENT, ADDENDUM, MINUTES, APPROVAL_LETTER, VERIFICATION_SHEET, IMPACT_REPORT = (
    "agreement", "addendum", "berita_acara", "approval_letter", "verification_sheet", "impact_report")
INVOICE, RECEIPT, CERTIFICATE = "invoice", "receipt", "certificate"
# Every kind; what each needs before it is issued is declared in documents/readiness.py.
KINDS = {
    AGREEMENT: "Perjanjian Kerja Sama",
    ADDENDUM: "Addendum Perjanjian Kerja Sama",
    MINUTES: "Berita Acara",
    APPROVAL_LETTER: "Surat Persetujuan Kepala Daerah",
    VERIFICATION_SHEET: "Lembar Verifikasi Lapangan",
    IMPACT_REPORT: "Laporan Dampak Program TJSL",
    INVOICE: "Tagihan Iuran JKN",  # billing
    RECEIPT: "Tanda Terima Pembayaran",
    CERTIFICATE: "Piagam Penghargaan",
}


@dataclass(frozen=True)
class SignedBy:
    """A kind an official signs electronically (PAdES): the official's certificate slot
    (documents/signing.OFFICIALS) and, when not always, the condition on the document's context."""

    official: str
    when: Callable[[dict], bool] | None = None
    condition: object = ""  # said where the rule is shown (a lazy translation)


def _approved(context: dict) -> bool:
    return (context.get("approval") or {}).get("decision") == "approved"


# Which kinds are signed, and by whom; every other kind is issued unsigned (its QR and sha256
# still verify it). A berita acara is signed once the mayor has approved it (the version issued
# at approval); before that it is the secretariat's draft record.
SIGNATURES: dict[str, SignedBy] = {
    AGREEMENT: SignedBy("mayor"),
    ADDENDUM: SignedBy("mayor"),
    APPROVAL_LETTER: SignedBy("mayor"),
    MINUTES: SignedBy("mayor", when=_approved, condition=_l("setelah disetujui kepala daerah")),
}


class DocumentCounter(db.Model):
    """Last sequence used per kind and year, raised only by an atomic UPDATE ... RETURNING."""

    __tablename__ = "document_counter"
    __table_args__ = (CheckConstraint("last_seq >= 0", name="seq_non_negative"),)
    __unaudited__ = True  # the number a document takes; the issue itself is audited

    kind: Mapped[str] = mapped_column(String(40), primary_key=True)
    year: Mapped[int] = mapped_column(primary_key=True)
    last_seq: Mapped[int] = mapped_column(default=0)


class Document(SponsorOwnedMixin, db.Model):
    """One issued file. The row and the bytes are written once and never changed."""

    __tablename__ = "document"
    __table_args__ = (
        UniqueConstraint("kind", "number", name="uq_document_kind_number"),
        CheckConstraint("version >= 1", name="version_positive"),
        CheckConstraint("length(sha256) = 64", name="sha256_length"),
        Index("ix_document_object", "object_type", "object_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(40))
    number: Mapped[str] = mapped_column(String(80))
    version: Mapped[int] = mapped_column(default=1)
    title: Mapped[str] = mapped_column(String(300))
    issued_at: Mapped[datetime] = mapped_column(default=utcnow)
    issued_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    issued_by_name: Mapped[str] = mapped_column(String(120))
    sha256: Mapped[str] = mapped_column(String(64), unique=True)
    size: Mapped[int]
    page_count: Mapped[int]
    storage_path: Mapped[str] = mapped_column(String(300))
    token: Mapped[str] = mapped_column(String(64), unique=True)
    object_type: Mapped[str] = mapped_column(String(40))
    object_id: Mapped[int]
    supersedes_id: Mapped[int | None] = mapped_column(ForeignKey("document.id"))
    sponsor_id: Mapped[int | None] = mapped_column(ForeignKey("sponsor.id"), index=True)
    # Electronic signature (PAdES) of a signed kind: who (the certificate's subject name), when,
    # and the sha256 of the signing certificate. The stored bytes (and `sha256`) are the signed ones.
    signer_name: Mapped[str | None] = mapped_column(String(200))
    signed_at: Mapped[datetime | None]
    signer_certificate_sha256: Mapped[str | None] = mapped_column(String(64))

    supersedes: Mapped[Document | None] = relationship(remote_side=[id])

    def __str__(self) -> str:
        return f"{self.kind_label} {self.number}"

    @property
    def kind_label(self) -> str:
        return KINDS.get(self.kind, self.kind)

    @property
    def filename(self) -> str:
        safe = "".join(ch if ch.isalnum() else "-" for ch in self.number)
        return f"{self.kind}-{safe}.pdf"


class ImpactStory(SponsorOwnedMixin, db.Model):
    """A short anonymised story for a sponsor's impact report, with a photo, told only with the
    resident's written consent (the signed consent form is stored beside it)."""

    __tablename__ = "impact_story"
    __table_args__ = (
        CheckConstraint("consent_path IS NOT NULL AND consent_on IS NOT NULL", name="consent_recorded"),
        CheckConstraint("length(text) <= 800", name="text_short"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    sponsor_id: Mapped[int] = mapped_column(ForeignKey("sponsor.id"), index=True)
    month: Mapped[date]  # the month the story belongs to
    title: Mapped[str] = mapped_column(String(120))
    text: Mapped[str] = mapped_column(Text)
    photo_path: Mapped[str] = mapped_column(String(300))
    photo_sha256: Mapped[str] = mapped_column(String(64))
    photo_mime: Mapped[str] = mapped_column(String(40))
    consent_path: Mapped[str | None] = mapped_column(String(300))
    consent_on: Mapped[date | None]
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


REQUESTED_BY_STAFF, REQUESTED_BY_SPONSOR, SCHEDULED = "staff", "sponsor", "schedule"


class ImpactReportIssue(db.Model):
    """Which period an issued impact report covers and who asked for it; the quarterly
    schedule looks here for the quarters it has already issued."""

    __tablename__ = "impact_report_issue"
    __table_args__ = (
        CheckConstraint("period_end >= period_start", name="period_ordered"),
        CheckConstraint("requested_by IN ('staff', 'sponsor', 'schedule')", name="requested_by_known"),
        # The schedule issues a quarter once; people may ask for any period again.
        Index("uq_impact_report_issue_scheduled", "sponsor_id", "period_start", "period_end", unique=True,
              sqlite_where=db.text("requested_by = 'schedule'"),
              postgresql_where=db.text("requested_by = 'schedule'")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    sponsor_id: Mapped[int] = mapped_column(ForeignKey("sponsor.id"), index=True)
    period_start: Mapped[date]
    period_end: Mapped[date]
    requested_by: Mapped[str] = mapped_column(String(10))
    document_id: Mapped[int] = mapped_column(ForeignKey("document.id"), unique=True)

    document: Mapped[Document] = relationship()
