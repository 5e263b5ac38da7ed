"""Declarative base with a constraint naming convention and UTC-aware timestamps."""
from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Annotated

from sqlalchemy import BigInteger, Date, DateTime, MetaData, TypeDecorator
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, registry

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator):
    """Stores naive UTC, returns aware UTC: SQLite keeps no zone, PostgreSQL would shift it."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; use an aware UTC datetime")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect) -> datetime | None:
        return None if value is None else value.replace(tzinfo=UTC)


# Whole Rupiah; 64-bit because a city programme passes Rp 2,1 billion (the 32-bit limit).
Money = Annotated[int, mapped_column(BigInteger)]


def render_migration_item(type_, obj, autogen_context):
    """Alembic hook: write UTCDateTime as plain sa.DateTime() so migrations never import app code."""
    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime()"
    return False


# Tables an engine-specific migration made that no model describes: the name-word indexes of
# the registry search (SQLite's FTS5 table with its shadow tables; PostgreSQL's word table).
ENGINE_SPECIFIC_TABLES = ("beneficiary_name_fts", "beneficiary_name_word")


def include_migration_name(name, type_, parent_names) -> bool:
    """Alembic hook: leave engine-specific tables out of autogenerate and the drift check."""
    if type_ == "table" and name and name.startswith(ENGINE_SPECIFIC_TABLES):
        return False
    return True


class Base(DeclarativeBase):
    # One registry carries both, so Flask-SQLAlchemy's subclass of this base inherits them.
    registry = registry(
        metadata=MetaData(naming_convention=NAMING_CONVENTION),
        type_annotation_map={datetime: UTCDateTime(), date: Date()},
    )


class SponsorOwnedMixin:
    """Rows owned by the company in their `sponsor_id` column: what the policy lets its users see."""

    @property
    def owner_sponsor_id(self) -> int | None:
        return self.sponsor_id

    @classmethod
    def sponsor_scope(cls, sponsor_id: int):
        return cls.sponsor_id == sponsor_id


class TimestampMixin:
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
