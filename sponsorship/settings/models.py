"""City settings (key/value with defaults in code) and the dated JKN tariff table."""
from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import JSON, CheckConstraint, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from sponsorship.core.models import Money, TimestampMixin
from sponsorship.extensions import db


class Setting(TimestampMixin, db.Model):
    __tablename__ = "setting"

    key: Mapped[str] = mapped_column(String(80), primary_key=True)
    value: Mapped[Any] = mapped_column(JSON)

    @property
    def id(self) -> str:  # audit events name the object by key
        return self.key


class JknTariff(TimestampMixin, db.Model):
    """Monthly JKN contribution per person for a class, in force from `valid_from`."""

    __tablename__ = "jkn_tariff"
    __table_args__ = (
        UniqueConstraint("jkn_class", "valid_from", name="uq_jkn_tariff_class_from"),
        CheckConstraint("jkn_class IN (1, 2, 3)", name="class_known"),
        CheckConstraint("monthly_premium > 0", name="premium_positive"),
        CheckConstraint(
            "participant_share > 0 AND participant_share <= monthly_premium", name="share_in_range"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    jkn_class: Mapped[int]
    valid_from: Mapped[date]
    monthly_premium: Mapped[Money]  # the full premium (class 3: Rp 42.000)
    participant_share: Mapped[Money]  # what the participant, hence a sponsor, pays (Rp 35.000)
    note: Mapped[str | None] = mapped_column(String(200))

    def __str__(self) -> str:
        return f"Kelas {self.jkn_class} sejak {self.valid_from.isoformat()}"
