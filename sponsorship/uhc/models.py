"""Monthly coverage figures as BPJS reports them for the whole city."""
from __future__ import annotations

from datetime import date

from sqlalchemy import CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from sponsorship.core.models import TimestampMixin
from sponsorship.extensions import db


class CoverageFigure(TimestampMixin, db.Model):
    """One month of the city's JKN figures: population, registered, active participants."""

    __tablename__ = "uhc_coverage_figure"
    __table_args__ = (
        CheckConstraint("population > 0", name="population_positive"),
        CheckConstraint("registered >= 0", name="registered_not_negative"),
        CheckConstraint("active >= 0 AND active <= registered", name="active_in_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    month: Mapped[date] = mapped_column(unique=True)  # first day of the month
    population: Mapped[int]
    registered: Mapped[int]  # JKN participants domiciled in the city
    active: Mapped[int]  # participants whose contributions are paid up
    source_note: Mapped[str | None] = mapped_column(String(300))
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))

    def __str__(self) -> str:
        return f"Kepesertaan {self.month:%Y-%m}"

    @property
    def coverage(self) -> float:
        """Registered / population, in percent."""
        return 100.0 * self.registered / self.population

    @property
    def activity(self) -> float:
        """Active / registered, in percent (0 when nobody is registered)."""
        return 100.0 * self.active / self.registered if self.registered else 0.0
