"""Monthly coverage figures as BPJS reports them for the whole city."""
from __future__ import annotations

from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import CheckConstraint, ForeignKey, String, false
from sqlalchemy.orm import Mapped, mapped_column

from sponsorship.core.models import TimestampMixin
from sponsorship.extensions import db

# Where the city stands with BPJS on UHC Prioritas (the status that lets new participants be active at once).
APPROVALS = {
    "not_submitted": _l("Belum diajukan"),
    "submitted": _l("Diajukan, menunggu BPJS"),
    "approved": _l("Disetujui BPJS"),
    "rejected": _l("Ditolak BPJS"),
}


class CoverageFigure(TimestampMixin, db.Model):
    """One month of the city's JKN figures: population, registered, active participants."""

    __tablename__ = "uhc_coverage_figure"
    __table_args__ = (
        CheckConstraint("population > 0", name="population_positive"),
        CheckConstraint("registered >= 0", name="registered_not_negative"),
        CheckConstraint("active >= 0 AND active <= registered", name="active_in_range"),
        CheckConstraint("city_funded IS NULL OR (city_funded >= 0 AND city_funded <= registered)",
                        name="city_funded_in_range"),
        CheckConstraint("bpjs_approval IN ('not_submitted', 'submitted', 'approved', 'rejected')",
                        name="approval_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    month: Mapped[date] = mapped_column(unique=True)  # first day of the month
    population: Mapped[int]
    registered: Mapped[int]  # JKN participants domiciled in the city
    active: Mapped[int]  # participants whose contributions are paid up
    # UHC Prioritas: participants whose premium the city's budget pays (PBPU Pemda), whether the
    # city owes BPJS premiums, and BPJS's answer on the status.
    city_funded: Mapped[int | None]
    city_premium_arrears: Mapped[bool] = mapped_column(default=False, server_default=false())
    bpjs_approval: Mapped[str] = mapped_column(String(15), default="not_submitted",
                                               server_default="not_submitted")
    source_note: Mapped[str | None] = mapped_column(String(300))
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))

    def __str__(self) -> str:
        return f"Kepesertaan {self.month:%Y-%m}"

    @property
    def coverage(self) -> float:
        """Registered / population, in percent."""
        return 100.0 * self.registered / self.population

    @property
    def city_share(self) -> float | None:
        """City-funded participants / population, in percent (unknown when not reported)."""
        return None if self.city_funded is None else 100.0 * self.city_funded / self.population

    @property
    def approval_label(self):
        return APPROVALS.get(self.bpjs_approval, "–")

    @property
    def activity(self) -> float:
        """Active / registered, in percent (0 when nobody is registered)."""
        return 100.0 * self.active / self.registered if self.registered else 0.0
