"""Regions of Indonesia keyed on the Kemendagri code (names change spelling, codes stay).

Four levels: 1 province (`72`), 2 kabupaten/kota (`72.71`), 3 kecamatan (`72.71.01`),
4 desa/kelurahan (`72.71.01.1004`). A kelurahan row also carries its kecamatan's code and name
(what lists and reports group by) and every row below a province its kabupaten/kota's code, the
one column the city's scope filters on.
"""
from __future__ import annotations

from sqlalchemy import ForeignKey, Index, SmallInteger, String
from sqlalchemy.orm import Mapped, mapped_column

from sponsorship.extensions import db

PROVINCE, REGENCY, DISTRICT, VILLAGE = 1, 2, 3, 4


def level_of(code: str) -> int:
    """The level a well-formed code names: one more than its dots."""
    return code.count(".") + 1


class Region(db.Model):
    __tablename__ = "region"
    __table_args__ = (Index("ix_region_regency_level", "regency_code", "level"),)

    code: Mapped[str] = mapped_column(String(13), primary_key=True)  # e.g. 72.71.01.1004
    name: Mapped[str] = mapped_column(String(120))
    level: Mapped[int] = mapped_column(SmallInteger, server_default="4")
    parent_code: Mapped[str | None] = mapped_column(String(13))
    regency_code: Mapped[str | None] = mapped_column(String(5))
    kecamatan_code: Mapped[str | None] = mapped_column(String(8), index=True)
    kecamatan_name: Mapped[str | None] = mapped_column(String(120))

    def __str__(self) -> str:
        return f"{self.name}, {self.kecamatan_name}" if self.level == VILLAGE else self.name


class RegionAlias(db.Model):
    """An official older spelling of a region's name (e.g. a kelurahan written as one word),
    accepted by imports beside the current name."""

    __tablename__ = "region_alias"

    code: Mapped[str] = mapped_column(String(13), ForeignKey("region.code"), primary_key=True)
    alias: Mapped[str] = mapped_column(String(120), primary_key=True)
