"""Accounts: one role each; sponsor users belong to exactly one company."""
from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from flask_babel import lazy_gettext as _l
from flask_login import UserMixin
from sqlalchemy import CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from sponsorship.core.models import TimestampMixin
from sponsorship.extensions import db

if TYPE_CHECKING:
    from sponsorship.sponsors.models import Sponsor

ADMIN, STAFF, SPONSOR, VERIFIER, APPROVER = "admin", "staff", "sponsor", "verifier", "approver"
ROLES = (ADMIN, STAFF, SPONSOR, VERIFIER, APPROVER)
# The job queue's worker moving a job through its life cycle: a principal, never an account's role.
WORKER = "worker"
OFFICE = (ADMIN, STAFF)  # the secretariat: what one may do, the other may too (admin adds more)
ROLE_LABELS = {
    ADMIN: _l("Administrator"),
    STAFF: _l("Staf Sekretariat"),
    SPONSOR: _l("Perusahaan (sponsor)"),
    VERIFIER: _l("Verifikator Baznas"),
    APPROVER: _l("Kepala daerah / pejabat penyetuju"),
}


class User(UserMixin, TimestampMixin, db.Model):
    __tablename__ = "user"
    __table_args__ = (
        CheckConstraint(f"role IN {ROLES!r}", name="role_known"),
        # A sponsor user always belongs to a company; no other role does.
        CheckConstraint(
            "(role = 'sponsor') = (sponsor_id IS NOT NULL)", name="sponsor_iff_company"
        ),
    )
    __audit_hidden__ = ("password_hash", "session_version")
    # Signing in and out changes only these; every other change to an account is audited.
    __unaudited__ = ("last_login_at", "session_version")

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(60), unique=True)
    full_name: Mapped[str] = mapped_column(String(120))
    email: Mapped[str | None] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20))
    sponsor_id: Mapped[int | None] = mapped_column(ForeignKey("sponsor.id"), index=True)
    is_company_admin: Mapped[bool] = mapped_column(default=False)
    active: Mapped[bool] = mapped_column(default=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    # Bumped on logout, password change and deactivation: every older cookie stops working.
    session_version: Mapped[int] = mapped_column(default=1)
    last_login_at: Mapped[datetime | None]

    sponsor: Mapped[Sponsor | None] = relationship(back_populates="users")

    def __str__(self) -> str:
        return self.username

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive users
        return self.active

    def get_id(self) -> str:
        return f"{self.id}:{self.session_version}"

    @property
    def role_label(self):
        return ROLE_LABELS.get(self.role, self.role)

    def has_role(self, *roles: str) -> bool:
        return self.role in roles
