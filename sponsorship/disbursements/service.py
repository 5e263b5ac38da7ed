"""Payouts: charge an active aid fund atomically, never below zero, then close the proposal."""
from __future__ import annotations

from datetime import date, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import exists, func, update
from sqlalchemy.exc import IntegrityError

from sponsorship.audit import service as audit
from sponsorship.core.errors import DomainError
from sponsorship.disbursements.models import CASH, METHODS, TRANSFER, Disbursement
from sponsorship.extensions import db
from sponsorship.pledges.models import ACTIVE, AID_FUND, Pledge
from sponsorship.proposals import service as proposals
from sponsorship.proposals.models import AidProposal, CostLine
from sponsorship.regions.models import Region


def active_funds() -> list[Pledge]:
    return list(db.session.scalars(
        db.select(Pledge).where(Pledge.programme == AID_FUND, Pledge.status == ACTIVE)
        .order_by(Pledge.id)))


def balance(pledge: Pledge) -> int:
    return pledge.total_amount - (pledge.disbursed_amount or 0)


def charge_fund(pledge_id: int, amount: int) -> bool:
    """Atomically raise a fund's disbursed amount if the balance allows; False otherwise.

    One conditional UPDATE: concurrent payouts queue on the row, and the loser sees the
    winner's amount in its WHERE; CHECK (disbursed_amount <= total_amount) backs it up.
    """
    result = db.session.execute(
        update(Pledge)
        .where(Pledge.id == pledge_id, Pledge.programme == AID_FUND, Pledge.status == ACTIVE,
               Pledge.disbursed_amount + amount <= Pledge.total_amount)
        .values(disbursed_amount=Pledge.disbursed_amount + amount)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


ALREADY_PAID = _l("Usulan ini sudah dicairkan; satu usulan hanya dicairkan sekali. Muat ulang "
                  "halaman usulan untuk melihat pencairannya.")


def _paid(proposal_id: int) -> bool:
    return db.session.scalar(db.select(exists().where(Disbursement.proposal_id == proposal_id)))


def _claim(payout: Disbursement) -> None:
    """Insert the payout row first: of simultaneous payouts of one proposal, the unique key lets
    one through; the others wait for it and are refused like a payout that came later."""
    try:
        with db.session.begin_nested():
            db.session.add(payout)
            db.session.flush()
    except IntegrityError:
        if _paid(payout.proposal_id):
            raise DomainError(ALREADY_PAID) from None
        raise


def record_disbursement(proposal: AidProposal, *, actor, pledge: Pledge | None, data: dict,
                        receipt=None) -> Disbursement:
    """Pay an approved proposal; with a receipt the proposal closes at once.

    A proposal is paid once. A second payout is refused with `ALREADY_PAID` (409), whether it
    comes after the first (seen here) or at the same moment (the unique key on the payout's
    proposal, claimed before the fund is charged, so the loser is not told the fund is empty).
    """
    if _paid(proposal.id):
        raise DomainError(ALREADY_PAID)
    # A payer, and not whoever verified it (separation of duties, in the policy's rule).
    proposals.PROPOSAL_FLOW.check("disburse", proposal, actor)
    if pledge is None or pledge.programme != AID_FUND or pledge.status != ACTIVE:
        raise DomainError(_l("Pilih dana bantuan yang sedang berjalan."), field="pledge_id")
    amount = data.get("amount")
    if not amount or amount <= 0:
        raise DomainError(_l("Nominal pencairan wajib diisi."), field="amount")
    if amount > (proposal.approved_amount or 0):
        raise DomainError(_l("Nominal pencairan tidak boleh melebihi yang disetujui."), field="amount")
    paid_on = data.get("paid_on")
    if not isinstance(paid_on, date):
        raise DomainError(_l("Tanggal pencairan wajib diisi."), field="paid_on")
    if paid_on > date.today() + timedelta(days=1):
        raise DomainError(_l("Tanggal pencairan tidak boleh di masa depan."), field="paid_on")
    method = data.get("method")
    if method not in METHODS:
        raise DomainError(_l("Pilih cara pencairan."), field="method")
    bank = holder = account = None
    if method == TRANSFER:
        bank = (data.get("bank_name") or "").strip()[:80]
        account = "".join(ch for ch in (data.get("account_number") or "") if ch.isalnum())[:40]
        holder = (data.get("account_holder") or "").strip()[:120]
        if not (bank and account and holder):
            raise DomainError(_l("Transfer memerlukan bank, nomor rekening dan nama pemilik rekening."),
                              field="account_number")
    payout = Disbursement(proposal_id=proposal.id, pledge_id=pledge.id, amount=amount, paid_on=paid_on,
                          method=method, bank_name=bank, account_number=account, account_holder=holder,
                          recorded_by_id=actor.id)
    _claim(payout)
    if not charge_fund(pledge.id, amount):
        raise DomainError(_l("Saldo dana tidak cukup untuk pencairan ini."), field="pledge_id")
    db.session.refresh(pledge, ["disbursed_amount"])
    audit.record_create(payout, actor=actor)
    audit.record(actor=actor, action="fund:charge", obj=pledge,
                 changes={"disbursed_amount": [pledge.disbursed_amount - amount, pledge.disbursed_amount]},
                 note=proposal.code)
    proposal.disbursed_at = proposals.utcnow()
    proposals.move(proposal, "disburse", actor=actor, changes={"disbursed": [None, amount]})
    if receipt is not None and receipt.filename:
        attach_receipt(proposal, payout, actor=actor, file_storage=receipt)
    return payout


def attach_receipt(proposal: AidProposal, payout: Disbursement, *, actor, file_storage) -> Disbursement:
    """The signed receipt; the proposal closes with it."""
    att = proposals.add_attachment(proposal, actor=actor, kind="receipt", file_storage=file_storage)
    db.session.flush()
    payout.receipt_id = att.id
    db.session.refresh(proposal, ["attachments"])
    proposals.close_proposal(proposal, actor=actor, note=_l("Bukti terima diunggah."))
    return payout


def fund_report(pledge: Pledge) -> list[dict]:
    """Payouts from one fund for its sponsor: date, category, kecamatan, amount. No names, no NIK."""
    rows = db.session.execute(
        db.select(Disbursement.id, Disbursement.paid_on, Disbursement.amount, Region.kecamatan_name,
                  AidProposal.id.label("proposal_id"))
        .join(AidProposal, AidProposal.id == Disbursement.proposal_id)
        .join(Region, Region.code == AidProposal.kelurahan_code)
        .where(Disbursement.pledge_id == pledge.id)
        .order_by(Disbursement.paid_on.desc(), Disbursement.id.desc())
    ).all()
    ids = [r.proposal_id for r in rows]
    cats: dict[int, list[str]] = {}
    if ids:
        for pid, cat in db.session.execute(
                db.select(CostLine.proposal_id, CostLine.category).where(CostLine.proposal_id.in_(ids))
                .group_by(CostLine.proposal_id, CostLine.category)):
            cats.setdefault(pid, []).append(cat)
    return [{"paid_on": r.paid_on, "amount": r.amount, "kecamatan": r.kecamatan_name,
             "categories": sorted(cats.get(r.proposal_id, []))} for r in rows]


def fund_totals(sponsor_id: int) -> dict:
    total, disbursed = db.session.execute(
        db.select(func.coalesce(func.sum(Pledge.total_amount), 0),
                  func.coalesce(func.sum(Pledge.disbursed_amount), 0))
        .where(Pledge.sponsor_id == sponsor_id, Pledge.programme == AID_FUND)).one()
    return {"total": int(total), "disbursed": int(disbursed), "balance": int(total) - int(disbursed)}


__all__ = ["CASH", "TRANSFER", "charge_fund", "record_disbursement"]
