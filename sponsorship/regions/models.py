"""A kelurahan with its kecamatan, keyed on the Kemendagri code (names change spelling)."""
from __future__ import annotations

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from sponsorship.extensions import db


class Region(db.Model):
    __tablename__ = "region"

    code: Mapped[str] = mapped_column(String(13), primary_key=True)  # e.g. 19.71.01.1004
    name: Mapped[str] = mapped_column(String(120))
    kecamatan_code: Mapped[str] = mapped_column(String(8), index=True)
    kecamatan_name: Mapped[str] = mapped_column(String(120))

    def __str__(self) -> str:
        return f"{self.name}, {self.kecamatan_name}"
