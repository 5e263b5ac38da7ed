"""An eligibility policy: named, versioned conditions and weighted priority factors with an
effective date. A draft is edited; an active one is in force (one at a time) and never changes;
a retired one is kept, since past allocations refer to the policy they were made under."""
from __future__ import annotations

from datetime import date, datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from sponsorship.core.models import TimestampMixin
from sponsorship.extensions import db

DRAFT, ACTIVE, RETIRED = "draft", "active", "retired"
STATUSES = {DRAFT: _l("Draf"), ACTIVE: _l("Berlaku"), RETIRED: _l("Tidak berlaku lagi")}

# What a resident whose JKN status nobody reported is.
UNKNOWN_JKN = {
    "check": _l("perlu dicek ke BPJS Kesehatan (belum layak)"),
    "ineligible": _l("tidak layak"),
    "eligible": _l("layak"),
}
# What a resident without a welfare decile is.
NO_DECILE = {
    "assess": _l("perlu asesmen Dinas Sosial (belum layak)"),
    "eligible": _l("layak"),
}
# At most one sponsored person at a time per family card or per DTSEN household.
ONE_PER = {
    "none": _l("tidak dibatasi"),
    "kk": _l("satu orang per Kartu Keluarga"),
    "household": _l("satu orang per rumah tangga (ID rumah tangga DTSEN)"),
}

# Priority factors: key -> (label, default weight, how the weight is applied).
FACTORS: dict[str, tuple[Any, int, Any]] = {
    "decile": (_l("Desil kesejahteraan"), 5, _l("× (11 − desil)")),
    "disability": (_l("Penyandang disabilitas"), 20, _l("sekali")),
    "elderly": (_l("Lanjut usia"), 15, _l("sekali, sejak usia batas lansia")),
    "chronic_illness": (_l("Penyakit kronis"), 15, _l("sekali")),
    "pregnancy": (_l("Hamil"), 15, _l("sekali, sampai hari perkiraan lahir")),
    "under_five": (_l("Balita dalam keluarga"), 10, _l("sekali")),
    "female_head": (_l("Kepala keluarga perempuan"), 10, _l("sekali")),
    "social_aid": (_l("Penerima PKH/BPNT"), 10, _l("sekali")),
    "uncovered": (_l("Bulan tanpa jaminan"), 2, _l("× bulan, paling banyak 12")),
    "arrears": (_l("Tunggakan iuran (mengurangi)"), 1,
                _l("− × bulan, paling banyak 24; tidak dihitung bila komitmen menanggung tunggakan")),
}
DEFAULT_WEIGHTS = {k: w for k, (_, w, _) in FACTORS.items()}
MAX_WEIGHT = 100
UNCOVERED_CAP, ARREARS_CAP = 12, 24


def _in(values) -> str:
    return "(" + ", ".join(f"'{v}'" for v in values) + ")"


class EligibilityPolicy(TimestampMixin, db.Model):
    __tablename__ = "eligibility_policy"
    __table_args__ = (
        UniqueConstraint("name", "version", name="uq_eligibility_policy_name_version"),
        CheckConstraint(f"status IN {_in(STATUSES)}", name="status_known"),
        CheckConstraint(f"unknown_jkn IN {_in(UNKNOWN_JKN)}", name="unknown_jkn_known"),
        CheckConstraint(f"no_decile IN {_in(NO_DECILE)}", name="no_decile_known"),
        CheckConstraint(f"one_per IN {_in(ONE_PER)}", name="one_per_known"),
        CheckConstraint("decile_cutoff BETWEEN 1 AND 10", name="cutoff_range"),
        CheckConstraint("elderly_age BETWEEN 40 AND 100", name="elderly_range"),
        CheckConstraint("version >= 1", name="version_positive"),
        CheckConstraint("status = 'draft' OR (activated_at IS NOT NULL)", name="activated_complete"),
        # One policy in force at a time; the database holds it, also under concurrent activations.
        Index("uq_eligibility_policy_active", "status", unique=True,
              sqlite_where=db.text("status = 'active'"), postgresql_where=db.text("status = 'active'")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    version: Mapped[int] = mapped_column(default=1)
    status: Mapped[str] = mapped_column(String(10), default=DRAFT)
    effective_from: Mapped[date]
    exclude_pbi: Mapped[bool] = mapped_column(default=True)
    exclude_ppu: Mapped[bool] = mapped_column(default=True)
    unknown_jkn: Mapped[str] = mapped_column(String(12), default="check")
    decile_cutoff: Mapped[int] = mapped_column(default=4)
    no_decile: Mapped[str] = mapped_column(String(10), default="assess")
    one_per: Mapped[str] = mapped_column(String(10), default="none")
    elderly_age: Mapped[int] = mapped_column(default=60)
    weights: Mapped[dict[str, Any]] = mapped_column(JSON)
    notes: Mapped[str | None] = mapped_column(Text)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    activated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    activated_at: Mapped[datetime | None]
    retired_at: Mapped[datetime | None]

    def __str__(self) -> str:
        return f"{self.name} v{self.version}"

    @property
    def status_label(self):
        return STATUSES[self.status]

    def weight(self, key: str) -> int:
        return int((self.weights or {}).get(key, DEFAULT_WEIGHTS[key]))


def default_policy() -> EligibilityPolicy:
    """The built-in defaults, unsaved: in force until an admin activates a policy."""
    return EligibilityPolicy(id=None, name=str(_l("Aturan bawaan")), version=1, status=ACTIVE,
                             effective_from=date(2026, 1, 1), exclude_pbi=True, exclude_ppu=True,
                             unknown_jkn="check", decile_cutoff=4, no_decile="assess", one_per="none",
                             elderly_age=60, weights=dict(DEFAULT_WEIGHTS))
