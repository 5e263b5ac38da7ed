"""A payout of an approved proposal, charged to an active aid_fund pledge."""
from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from flask_babel import lazy_gettext as _l
from sqlalchemy import CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from sponsorship.core.models import Money, TimestampMixin
from sponsorship.extensions import db
from sponsorship.pledges.models import Pledge
from sponsorship.proposals.models import AidProposal, Attachment

if TYPE_CHECKING:
    from sponsorship.auth.models import User

TRANSFER, CASH = "transfer", "cash"
METHODS = {TRANSFER: _l("Transfer bank"), CASH: _l("Tunai")}


class Disbursement(TimestampMixin, db.Model):
    __tablename__ = "aid_disbursement"
    __table_args__ = (
        CheckConstraint("amount > 0", name="amount_positive"),
        CheckConstraint("method IN ('transfer', 'cash')", name="method_known"),
        CheckConstraint("method <> 'transfer' OR (account_number IS NOT NULL AND bank_name IS NOT NULL"
                        " AND account_holder IS NOT NULL)", name="transfer_has_account"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # One payout per proposal: the unique index also stops a double payout racing in.
    proposal_id: Mapped[int] = mapped_column(ForeignKey("aid_proposal.id"), unique=True)
    pledge_id: Mapped[int] = mapped_column(ForeignKey("pledge.id"), index=True)
    amount: Mapped[Money]
    paid_on: Mapped[date]
    method: Mapped[str] = mapped_column(String(10))
    bank_name: Mapped[str | None] = mapped_column(String(80))
    account_number: Mapped[str | None] = mapped_column(String(40))
    account_holder: Mapped[str | None] = mapped_column(String(120))
    receipt_id: Mapped[int | None] = mapped_column(ForeignKey("aid_attachment.id", ondelete="SET NULL"))
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))

    proposal: Mapped[AidProposal] = relationship()
    pledge: Mapped[Pledge] = relationship()
    receipt: Mapped[Attachment | None] = relationship()
    recorded_by: Mapped[User | None] = relationship()

    def __str__(self) -> str:
        return f"pencairan {self.proposal_id}"

    @property
    def owner_sponsor_id(self) -> int:
        return self.pledge.sponsor_id

    @property
    def method_label(self):
        return METHODS[self.method]
