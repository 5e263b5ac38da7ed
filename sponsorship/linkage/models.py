"""Probable duplicates waiting for staff, and the merges that settled them (each reversible)."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, CheckConstraint, Float, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from sponsorship.beneficiaries.models import Beneficiary
from sponsorship.core.models import utcnow
from sponsorship.extensions import db

CANDIDATE_KINDS = {"import": _l("Baris impor"), "registry": _l("Dua warga di registri"),
                   "proposal": _l("Pasien usulan")}
CANDIDATE_STATUSES = {"open": _l("Menunggu keputusan"), "same": _l("Orang yang sama"),
                      "different": _l("Orang berbeda")}
MERGE_STATUSES = {"merged": _l("Digabung"), "unmerged": _l("Dipisah kembali")}


class LinkCandidate(db.Model):
    """A probable duplicate: a resident and either another resident (registry run) or a record an
    agency list brought (import), which was neither attached nor created while this is open."""

    __tablename__ = "link_candidate"
    __table_args__ = (
        CheckConstraint("kind IN ('import', 'registry', 'proposal')", name="kind_known"),
        CheckConstraint("status IN ('open', 'same', 'different')", name="status_known"),
        CheckConstraint("(kind = 'registry') = (other_id IS NOT NULL)", name="registry_has_other"),
        CheckConstraint("other_id IS NULL OR other_id <> beneficiary_id", name="pair_distinct"),
        CheckConstraint("status = 'open' OR decided_at IS NOT NULL", name="decided_complete"),
        # One open question per pair.
        Index("uq_link_candidate_open_pair", "beneficiary_id", "other_id", unique=True,
              sqlite_where=db.text("status = 'open' AND other_id IS NOT NULL"),
              postgresql_where=db.text("status = 'open' AND other_id IS NOT NULL")),
        Index("uq_link_candidate_open_record", "beneficiary_id", "nik_index", unique=True,
              sqlite_where=db.text("status = 'open' AND nik_index IS NOT NULL"),
              postgresql_where=db.text("status = 'open' AND nik_index IS NOT NULL")),
        Index("ix_link_candidate_status", "status", "id"),
    )
    __audit_hidden__ = ("nik_encrypted", "nik_index", "nik_masked")

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(10))
    status: Mapped[str] = mapped_column(String(10), default="open")
    beneficiary_id: Mapped[int] = mapped_column(ForeignKey("beneficiary.id"), index=True)
    other_id: Mapped[int | None] = mapped_column(ForeignKey("beneficiary.id"), index=True)
    batch_id: Mapped[int | None] = mapped_column(ForeignKey("import_batch.id"), index=True)
    source: Mapped[str | None] = mapped_column(String(20))  # who said what the record says
    # The incoming record (import): its values without the NIK, which is kept encrypted below.
    incoming: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    nik_encrypted: Mapped[str | None] = mapped_column(String(120))
    nik_key_id: Mapped[str | None] = mapped_column(String(16))
    nik_index: Mapped[str | None] = mapped_column(String(64), index=True)
    nik_masked: Mapped[str | None] = mapped_column(String(16))
    probability: Mapped[float] = mapped_column(Float)
    agreed: Mapped[dict[str, Any]] = mapped_column(JSON)  # comparison -> level reached
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    decided_at: Mapped[datetime | None]
    # What the decision made: the resident attached to or created, or the merge.
    result_id: Mapped[int | None] = mapped_column(ForeignKey("beneficiary.id"))
    merge_id: Mapped[int | None] = mapped_column(ForeignKey("resident_merge.id"))

    beneficiary: Mapped[Beneficiary] = relationship(foreign_keys=[beneficiary_id])
    other: Mapped[Beneficiary | None] = relationship(foreign_keys=[other_id])

    def __str__(self) -> str:
        return f"#{self.id} {self.kind}"

    @property
    def status_label(self):
        return CANDIDATE_STATUSES[self.status]

    @property
    def kind_label(self):
        return CANDIDATE_KINDS[self.kind]


class ResidentMerge(db.Model):
    """Two residents found to be one: what moved from the absorbed to the kept one, so that an
    unmerge can move it back and restore both."""

    __tablename__ = "resident_merge"
    __table_args__ = (
        CheckConstraint("status IN ('merged', 'unmerged')", name="status_known"),
        CheckConstraint("kept_id <> absorbed_id", name="two_residents"),
        CheckConstraint("status = 'merged' OR unmerged_at IS NOT NULL", name="unmerged_complete"),
        # A resident is absorbed by at most one live merge.
        Index("uq_resident_merge_live_absorbed", "absorbed_id", unique=True,
              sqlite_where=db.text("status = 'merged'"), postgresql_where=db.text("status = 'merged'")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kept_id: Mapped[int] = mapped_column(ForeignKey("beneficiary.id"), index=True)
    absorbed_id: Mapped[int] = mapped_column(ForeignKey("beneficiary.id"), index=True)
    status: Mapped[str] = mapped_column(String(10), default="merged")
    # {"allocation": [ids], "source_record": [ids], "discrepancy": [ids], "aid_proposal": [ids],
    #  "opened": [discrepancy ids the merge opened]}
    moved: Mapped[dict[str, Any]] = mapped_column(JSON)
    kept_before: Mapped[dict[str, Any]] = mapped_column(JSON)  # the kept resident's fields before
    merged_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    merged_at: Mapped[datetime] = mapped_column(default=utcnow)
    unmerged_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    unmerged_at: Mapped[datetime | None]

    kept: Mapped[Beneficiary] = relationship(foreign_keys=[kept_id])
    absorbed: Mapped[Beneficiary] = relationship(foreign_keys=[absorbed_id])

    def __str__(self) -> str:
        return f"#{self.kept_id} <- #{self.absorbed_id}"

    @property
    def status_label(self):
        return MERGE_STATUSES[self.status]
