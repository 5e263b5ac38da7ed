"""Agreements (PKS) for a pledge, and the admin-editable clause templates per programme."""
from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, CheckConstraint, ForeignKey, String, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from sponsorship.core.models import TimestampMixin
from sponsorship.documents.models import Document
from sponsorship.extensions import db
from sponsorship.pledges.models import Pledge

DRAFT, FINAL, SIGNED = "draft", "final", "signed"
STATUSES = {DRAFT: "Draf", FINAL: "Final", SIGNED: "Ditandatangani"}


class AgreementTemplate(TimestampMixin, db.Model):
    """The clauses an agreement of a programme starts from (admins edit them)."""

    __tablename__ = "agreement_template"

    programme: Mapped[str] = mapped_column(String(20), primary_key=True)
    clauses: Mapped[list[dict[str, Any]]] = mapped_column(JSON)

    @property
    def id(self) -> str:  # audit events name the object by programme
        return self.programme


class Agreement(TimestampMixin, db.Model):
    __tablename__ = "agreement"
    __table_args__ = (
        CheckConstraint(f"status IN {tuple(STATUSES)!r}", name="status_known"),
        # Final and signed agreements carry their number and frozen PDF; signed ones their scan.
        CheckConstraint("status = 'draft' OR (city_number IS NOT NULL AND document_id IS NOT NULL)",
                        name="final_numbered"),
        CheckConstraint("status <> 'signed' OR (signed_on IS NOT NULL AND scan_path IS NOT NULL)",
                        name="signed_has_scan"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    pledge_id: Mapped[int] = mapped_column(ForeignKey("pledge.id"), unique=True)
    status: Mapped[str] = mapped_column(String(20), default=DRAFT)
    city_number: Mapped[str | None] = mapped_column(String(80), unique=True)
    company_number: Mapped[str | None] = mapped_column(String(80))
    signing_date: Mapped[date]
    signing_place: Mapped[str] = mapped_column(String(120))
    city_signatory_name: Mapped[str] = mapped_column(String(120))
    city_signatory_title: Mapped[str] = mapped_column(String(200))
    company_signatory_name: Mapped[str] = mapped_column(String(120))
    company_signatory_title: Mapped[str] = mapped_column(String(200))
    clauses: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    document_id: Mapped[int | None] = mapped_column(ForeignKey("document.id"))
    finalised_at: Mapped[datetime | None]
    signed_on: Mapped[date | None]
    scan_path: Mapped[str | None] = mapped_column(String(300))
    scan_sha256: Mapped[str | None] = mapped_column(String(64))
    # BPJS Kesehatan signs as PIHAK KETIGA when the parties want it (a tripartite PKS).
    bpjs_party: Mapped[bool] = mapped_column(default=False, server_default=false())
    bpjs_signatory_name: Mapped[str | None] = mapped_column(String(120))
    bpjs_signatory_title: Mapped[str | None] = mapped_column(String(200))

    pledge: Mapped[Pledge] = relationship()
    document: Mapped[Document | None] = relationship()

    def __str__(self) -> str:
        return f"PKS {self.city_number or 'draf'} ({self.pledge.title if self.pledge else ''})"

    @property
    def owner_sponsor_id(self) -> int:
        return self.pledge.sponsor_id

    @property
    def status_label(self) -> str:
        return STATUSES[self.status]

    @property
    def pays_through_city(self) -> bool:
        """Premiums paid into the city's account: the clauses print that account."""
        return self.pledge.is_premium and not self.pledge.pays_directly
