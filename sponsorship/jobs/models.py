"""A piece of long work run by the queue's worker: what, for whom, how far, and how it ended."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, CheckConstraint, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from sponsorship.auth.models import User
from sponsorship.core.models import TimestampMixin
from sponsorship.extensions import db

QUEUED, RUNNING, DONE, FAILED = "queued", "running", "done", "failed"
JOB_STATUSES = (QUEUED, RUNNING, DONE, FAILED)


class Job(TimestampMixin, db.Model):
    __tablename__ = "job"
    __table_args__ = (
        CheckConstraint("status IN ('queued', 'running', 'done', 'failed')", name="status_known"),
        CheckConstraint("percent BETWEEN 0 AND 100", name="percent_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(40), index=True)
    status: Mapped[str] = mapped_column(String(12), default=QUEUED, index=True)
    # What the work needs (ids, a month, the name of a kept upload): never a NIK or a name.
    params: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    percent: Mapped[int] = mapped_column(default=0)
    rows_done: Mapped[int] = mapped_column(default=0)
    rows_total: Mapped[int | None]
    # Row-level problems the work reported ({"line", "reason"}), at most a page of them.
    errors: Mapped[list | None] = mapped_column(JSON)
    error: Mapped[str | None] = mapped_column(Text)  # why it failed, for the user
    result: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"), index=True)
    attempts: Mapped[int] = mapped_column(default=0)
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]

    actor: Mapped[User | None] = relationship()

    def __str__(self) -> str:
        return f"{self.kind} #{self.id}"
