"""Residents in the registry, the agency lists they came from, and where those lists disagree."""
from __future__ import annotations

from datetime import date, datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String, Text, false, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from sponsorship.core.models import TimestampMixin, utcnow
from sponsorship.extensions import db
from sponsorship.regions.models import Region

SOURCES = {
    "bpjs": _l("BPJS Kesehatan"),
    "dukcapil": _l("Dukcapil"),
    "dinsos": _l("Dinas Sosial"),
    "manual": _l("Input manual"),
}
SEGMENTS = {
    "PBI_APBN": _l("PBI APBN"),
    "PBI_APBD": _l("PBI APBD"),
    "PBPU": _l("PBPU (mandiri)"),
    "BP": _l("BP (bukan pekerja)"),
    "PPU": _l("PPU (pekerja penerima upah)"),
    "BELUM": _l("Belum terdaftar"),
}
# Who may have said something about a resident: the lists above, and an aid proposal's intake.
RECORD_SOURCES = {**SOURCES, "proposal": _l("Usulan bantuan")}
JKN_STATUSES = {"AKTIF": _l("Aktif"), "NONAKTIF": _l("Nonaktif")}
SEXES = {"L": _l("Laki-laki"), "P": _l("Perempuan")}
# Fields where two sources may disagree; a disagreement opens a Discrepancy instead of overwriting.
RECONCILED_FIELDS = {
    "name": _l("Nama"),
    "birth_date": _l("Tanggal lahir"),
    "region_code": _l("Kelurahan"),
    "jkn_status": _l("Status JKN"),
    "deceased": _l("Meninggal"),
}


# Health facts: special personal data (UU PDP art. 4): office roles only, never to sponsors,
# masked in the audit trail.
HEALTH_FIELDS = ("disability", "chronic_illness", "pregnant", "pregnancy_due")


def _in(values) -> str:
    return "(" + ", ".join(f"'{v}'" for v in values) + ")"


class Beneficiary(TimestampMixin, db.Model):
    __tablename__ = "beneficiary"
    __table_args__ = (
        CheckConstraint(f"jkn_segment IS NULL OR jkn_segment IN {_in(SEGMENTS)}", name="segment_known"),
        CheckConstraint(f"jkn_status IS NULL OR jkn_status IN {_in(JKN_STATUSES)}", name="jkn_status_known"),
        CheckConstraint("sex IS NULL OR sex IN ('L', 'P')", name="sex_known"),
        CheckConstraint("welfare_decile IS NULL OR welfare_decile BETWEEN 1 AND 10", name="decile_range"),
        CheckConstraint("arrears_months >= 0", name="arrears_positive"),
        Index("ix_beneficiary_priority", "welfare_decile", "arrears_months", "birth_date"),
        # Covers every column an eligibility condition reads: a policy's what-if scans this, not the rows.
        Index("ix_beneficiary_eligibility", "region_code", "moved_away", "deceased", "jkn_segment",
              "jkn_status", "welfare_decile", "kk_number", "household_code", "merged_into_id"),
        CheckConstraint("children_under_five BETWEEN 0 AND 20", name="under_five_range"),
        CheckConstraint("months_uncovered BETWEEN 0 AND 600", name="uncovered_range"),
    )
    # The audit log must never hold a NIK, even encrypted, nor a health fact (special personal data).
    __audit_hidden__ = ("nik_encrypted", "nik_index", "nik_masked", *HEALTH_FIELDS)

    id: Mapped[int] = mapped_column(primary_key=True)
    nik_encrypted: Mapped[str] = mapped_column(String(120))
    nik_index: Mapped[str] = mapped_column(String(64), unique=True)  # HMAC-SHA256 blind index
    nik_key_id: Mapped[str] = mapped_column(String(16), index=True)  # the key of both (sponsorship.identity)
    nik_masked: Mapped[str] = mapped_column(String(16))  # 727101******0003
    kk_number: Mapped[str | None] = mapped_column(String(16), index=True)
    name: Mapped[str] = mapped_column(String(200))
    name_search: Mapped[str] = mapped_column(String(200), index=True)
    sex: Mapped[str | None] = mapped_column(String(1))
    birth_date: Mapped[date | None]
    nik_mismatch: Mapped[bool] = mapped_column(default=False)  # sex/birth date disagree with the NIK
    address: Mapped[str | None] = mapped_column(Text)
    rt: Mapped[str | None] = mapped_column(String(3))
    rw: Mapped[str | None] = mapped_column(String(3))
    region_code: Mapped[str | None] = mapped_column(ForeignKey("region.code"), index=True)
    phone: Mapped[str | None] = mapped_column(String(20))
    jkn_number: Mapped[str | None] = mapped_column(String(13))
    jkn_segment: Mapped[str | None] = mapped_column(String(10), index=True)
    jkn_status: Mapped[str | None] = mapped_column(String(10))
    arrears_months: Mapped[int] = mapped_column(default=0)
    welfare_decile: Mapped[int | None]
    deceased: Mapped[bool] = mapped_column(default=False)
    moved_away: Mapped[bool] = mapped_column(default=False)
    # Vulnerabilities a social-affairs officer ranks by (eligibility priority factors).
    disability: Mapped[bool] = mapped_column(default=False, server_default=false())
    chronic_illness: Mapped[bool] = mapped_column(default=False, server_default=false())
    pregnant: Mapped[bool] = mapped_column(default=False, server_default=false())
    pregnancy_due: Mapped[date | None]  # expected date of delivery (HPL)
    pkh_recipient: Mapped[bool] = mapped_column(default=False, server_default=false())
    bpnt_recipient: Mapped[bool] = mapped_column(default=False, server_default=false())
    household_head: Mapped[bool] = mapped_column(default=False, server_default=false())
    female_headed: Mapped[bool] = mapped_column(default=False, server_default=false())
    children_under_five: Mapped[int] = mapped_column(default=0, server_default=text("0"))
    months_uncovered: Mapped[int] = mapped_column(default=0, server_default=text("0"))
    household_code: Mapped[str | None] = mapped_column(String(32), index=True)  # DTSEN household id
    # {field: [source, ISO date]}: which list last set each field.
    field_sources: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    # Found to be the same person as another resident (linkage merge): that one is the record now.
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("beneficiary.id"), index=True)

    region: Mapped[Region | None] = relationship(lazy="joined")

    def __str__(self) -> str:
        return f"{self.nik_masked} {self.name}"

    @property
    def segment_label(self):
        return SEGMENTS.get(self.jkn_segment or "", "–")

    @property
    def jkn_status_label(self):
        return JKN_STATUSES.get(self.jkn_status or "", "–")

    @property
    def sex_label(self):
        return SEXES.get(self.sex or "", "–")


BATCH_STATUSES = ("previewed", "applied", "discarded")


class ImportBatch(db.Model):
    """One uploaded list: who sent which file when, and what it did."""

    __tablename__ = "import_batch"
    __table_args__ = (
        CheckConstraint(f"source IN {_in(SOURCES)}", name="source_known"),
        CheckConstraint(f"status IN {_in(BATCH_STATUSES)}", name="status_known"),
    )
    __unaudited__ = True  # a list waiting for its preview to be confirmed (confirming is audited)

    id: Mapped[int] = mapped_column(primary_key=True)
    source: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(20), default="previewed")
    file_name: Mapped[str] = mapped_column(String(255))
    sha256: Mapped[str] = mapped_column(String(64))
    token: Mapped[str] = mapped_column(String(64), unique=True)  # names the parsed preview on disk
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    uploaded_at: Mapped[datetime] = mapped_column(default=utcnow)
    applied_at: Mapped[datetime | None]
    total_rows: Mapped[int] = mapped_column(default=0)
    created_count: Mapped[int] = mapped_column(default=0)
    updated_count: Mapped[int] = mapped_column(default=0)
    unchanged_count: Mapped[int] = mapped_column(default=0)
    invalid_count: Mapped[int] = mapped_column(default=0)
    discrepancy_count: Mapped[int] = mapped_column(default=0)
    # How the file was read: a CSV's detected encoding ("Windows-1252"; None for XLSX) and the
    # warnings of the reading (columns that were not read), shown on the preview.
    encoding: Mapped[str | None] = mapped_column(String(40))
    warnings: Mapped[list[Any] | None] = mapped_column(JSON)
    # Rows whose NIK is new but that linkage found to be a resident already (attached), or perhaps
    # one (waiting in the review queue instead of being created).
    linked_count: Mapped[int] = mapped_column(default=0)
    review_count: Mapped[int] = mapped_column(default=0)

    def __str__(self) -> str:
        return f"{self.source}: {self.file_name}"

    @property
    def source_label(self):
        return SOURCES[self.source]


class SourceRecord(db.Model):
    """What one list said about one resident (NIK never stored here in clear)."""

    __tablename__ = "source_record"

    id: Mapped[int] = mapped_column(primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("import_batch.id"), index=True)
    beneficiary_id: Mapped[int] = mapped_column(ForeignKey("beneficiary.id"), index=True)
    source: Mapped[str] = mapped_column(String(20))
    recorded_on: Mapped[date]
    values: Mapped[dict[str, Any]] = mapped_column(JSON)


class Discrepancy(db.Model):
    """Two sources disagree on a field of one resident; staff settle it."""

    __tablename__ = "discrepancy"
    __table_args__ = (
        CheckConstraint("status IN ('open', 'resolved')", name="status_known"),
        CheckConstraint("status = 'open' OR (resolved_at IS NOT NULL)", name="resolved_complete"),
        # At most one open question per resident and field.
        Index("uq_discrepancy_open", "beneficiary_id", "field", unique=True,
              sqlite_where=db.text("status = 'open'"), postgresql_where=db.text("status = 'open'")),
        Index("ix_discrepancy_status_field", "status", "field"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    beneficiary_id: Mapped[int] = mapped_column(ForeignKey("beneficiary.id"), index=True)
    field: Mapped[str] = mapped_column(String(30))
    # [{"source": "dukcapil", "value": "...", "date": "2026-01-05"}, ...]
    values: Mapped[list[Any]] = mapped_column(JSON)
    source_pair: Mapped[str] = mapped_column(String(50))  # "dinsos/dukcapil", sorted
    status: Mapped[str] = mapped_column(String(10), default="open")
    resolution: Mapped[str | None] = mapped_column(String(250))
    resolved_source: Mapped[str | None] = mapped_column(String(20))
    resolved_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    resolved_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    beneficiary: Mapped[Beneficiary] = relationship()

    def __str__(self) -> str:
        return f"{self.field} #{self.beneficiary_id}"

    @property
    def field_label(self):
        return RECONCILED_FIELDS.get(self.field, self.field)
