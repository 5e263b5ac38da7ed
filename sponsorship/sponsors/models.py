"""Companies that pledge CSR money."""
from __future__ import annotations

from typing import TYPE_CHECKING

from flask_babel import lazy_gettext as _l
from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from sponsorship.core.models import TimestampMixin
from sponsorship.extensions import db

if TYPE_CHECKING:
    from sponsorship.auth.models import User
    from sponsorship.pledges.models import Pledge

LEGAL_FORMS = {
    "PT": _l("Perseroan Terbatas (PT)"),
    "PT_PERSERO": _l("PT Persero (BUMN)"),
    "PERSERODA": _l("Perseroda (BUMD)"),
    "CV": _l("Persekutuan Komanditer (CV)"),
    "KOPERASI": _l("Koperasi"),
    "YAYASAN": _l("Yayasan"),
    "LAINNYA": _l("Lainnya"),
}


class Sponsor(TimestampMixin, db.Model):
    __tablename__ = "sponsor"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    short_name: Mapped[str | None] = mapped_column(String(80))
    legal_form: Mapped[str] = mapped_column(String(20), default="PT")
    npwp: Mapped[str] = mapped_column(String(16), unique=True)  # 16 digits, normalised
    address: Mapped[str | None] = mapped_column(Text)
    sector: Mapped[str | None] = mapped_column(String(120))
    contact_name: Mapped[str | None] = mapped_column(String(120))
    contact_email: Mapped[str | None] = mapped_column(String(200))
    contact_phone: Mapped[str | None] = mapped_column(String(30))
    # Consent to appear by name on the public transparency page.
    listed_publicly: Mapped[bool] = mapped_column(default=False)

    users: Mapped[list[User]] = relationship(back_populates="sponsor")
    pledges: Mapped[list[Pledge]] = relationship(back_populates="sponsor", order_by="Pledge.id")

    def __str__(self) -> str:
        return self.short_name or self.name

    @property
    def owner_sponsor_id(self) -> int:
        return self.id

    @classmethod
    def sponsor_scope(cls, sponsor_id: int):
        return cls.id == sponsor_id

    @property
    def npwp_display(self) -> str:
        """`01.308.224.3-323.000` for a company's 0-prefixed 16 digits; other 16 digits as they are.

        stdnum's format() applies the 15-digit pattern to 16 digits (`00.130.822.4-332.3000`).
        """
        from sponsorship.core.formatting import npwp

        return npwp(self.npwp)
