"""What waits on a user, derived from the data by one query per role, minus what they opened.

No module writes notification rows: an item exists while its object is in a waiting state
(a payment pending, an invoice unpaid, a proposal to assign or verify, minutes to approve).
Its key carries the state, so an item that comes back in a new state is new again.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from sponsorship.auth.models import ADMIN, APPROVER, SPONSOR, STAFF, VERIFIER
from sponsorship.core.formatting import rupiah
from sponsorship.extensions import db
from sponsorship.notifications.models import NotificationSeen

LIMIT = 50


@dataclass(frozen=True)
class Item:
    key: str  # "<kind>:<id>:<state>"
    text: str
    when: date | None = None


def _office(user) -> list[Item]:
    from sponsorship.billing.models import PENDING, Invoice, Payment
    from sponsorship.proposals.models import SUBMITTED, AidProposal
    from sponsorship.sponsors.models import Sponsor

    items = [Item(f"payment:{pid}:pending", str(_l("Pembayaran %(a)s dari %(s)s menunggu konfirmasi",
                                                       a=rupiah(amount), s=name)), paid_on)
             for pid, amount, name, paid_on in db.session.execute(
                 select(Payment.id, Payment.amount, Sponsor.name, Payment.paid_on)
                 .join(Invoice, Invoice.id == Payment.invoice_id)
                 .join(Sponsor, Sponsor.id == Invoice.sponsor_id)
                 .where(Payment.status == PENDING).order_by(Payment.id).limit(LIMIT))]
    items += [Item(f"proposal:{pid}:submitted",
                   str(_l("Usulan %(c)s menunggu penugasan verifikator", c=code)))
              for pid, code in db.session.execute(
                  select(AidProposal.id, AidProposal.code).where(AidProposal.status == SUBMITTED)
                  .order_by(AidProposal.id).limit(LIMIT))]
    return items


def _verifier(user) -> list[Item]:
    from sponsorship.proposals.models import IN_VERIFICATION, AidProposal

    return [Item(f"proposal:{pid}:in_verification", str(_l("Usulan %(c)s ditugaskan kepada Anda untuk "
                                                           "diverifikasi", c=code)))
            for pid, code in db.session.execute(
                select(AidProposal.id, AidProposal.code)
                .where(AidProposal.status == IN_VERIFICATION, AidProposal.assigned_verifier_id == user.id)
                .order_by(AidProposal.id).limit(LIMIT))]


def _approver(user) -> list[Item]:
    from sponsorship.minutes.models import FINAL, Minutes

    return [Item(f"minutes:{mid}:final", str(_l("Berita acara %(n)s menunggu persetujuan", n=number)), when)
            for mid, number, when in db.session.execute(
                select(Minutes.id, Minutes.number, Minutes.meeting_date).where(Minutes.status == FINAL)
                .order_by(Minutes.id).limit(LIMIT))]


def _sponsor(user) -> list[Item]:
    from sponsorship.billing.models import ISSUED, PARTIALLY_PAID, Invoice

    return [Item(f"invoice:{iid}:{status}", str(_l("Tagihan %(m)s: sisa %(a)s, jatuh tempo %(d)s",
                                                    m=month.strftime("%m/%Y"), a=rupiah(amount - paid),
                                                    d=due.strftime("%d/%m/%Y"))), due)
            for iid, status, month, amount, paid, due in db.session.execute(
                select(Invoice.id, Invoice.status, Invoice.month, Invoice.amount, Invoice.paid_amount,
                       Invoice.due_on)
                .where(Invoice.sponsor_id == user.sponsor_id, Invoice.status.in_((ISSUED, PARTIALLY_PAID)))
                .order_by(Invoice.due_on).limit(LIMIT))]


BY_ROLE = {ADMIN: _office, STAFF: _office, VERIFIER: _verifier, APPROVER: _approver, SPONSOR: _sponsor}


def items_for(user) -> list[Item]:
    return BY_ROLE.get(getattr(user, "role", None), lambda u: [])(user)


def seen_keys(user, keys: list[str]) -> set[str]:
    if not keys:
        return set()
    return set(db.session.scalars(select(NotificationSeen.item_key).where(
        NotificationSeen.user_id == user.id, NotificationSeen.item_key.in_(keys))))


def unread(user) -> tuple[list[Item], set[str]]:
    items = items_for(user)
    seen = seen_keys(user, [i.key for i in items])
    return items, seen


def unread_count(user) -> int:
    items, seen = unread(user)
    return sum(1 for i in items if i.key not in seen)


def mark_seen(user, key: str) -> None:
    """Idempotent: a second open of the same item changes nothing."""
    if key in seen_keys(user, [key]):
        return
    try:
        with db.session.begin_nested():
            db.session.add(NotificationSeen(user_id=user.id, item_key=key[:80]))
    except IntegrityError:  # opened twice at once
        pass


def target(key: str) -> tuple[str, dict] | None:
    """(endpoint, values) the item opens; built from the key's kind and id, never from a URL."""
    kind, _, rest = key.partition(":")
    object_id = rest.partition(":")[0]
    if not object_id.isdigit():
        return None
    if kind == "payment":  # a payment is decided on its invoice's page
        from sponsorship.billing.models import Payment

        invoice_id = db.session.scalar(select(Payment.invoice_id).where(Payment.id == int(object_id)))
        return ("billing.invoice", {"invoice_id": invoice_id}) if invoice_id else None
    endpoint = {"invoice": ("billing.invoice", "invoice_id"),
                "proposal": ("proposals.detail", "proposal_id"),
                "minutes": ("minutes.detail", "minutes_id")}.get(kind)
    if endpoint is None:
        return None
    return endpoint[0], {endpoint[1]: int(object_id)}
