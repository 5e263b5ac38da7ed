"""Which waiting items a user has opened: (user, item key) rows, nothing else is stored."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from sponsorship.core.models import utcnow
from sponsorship.extensions import db


class NotificationSeen(db.Model):
    __tablename__ = "notification_seen"
    __table_args__ = (UniqueConstraint("user_id", "item_key", name="uq_notification_seen_user_item"),)
    __unaudited__ = True  # one person's read marks

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"))
    item_key: Mapped[str] = mapped_column(String(80))  # e.g. "payment:12:pending"
    seen_at: Mapped[datetime] = mapped_column(default=utcnow)
