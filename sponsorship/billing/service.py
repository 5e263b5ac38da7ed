"""Billing rules: monthly invoices of active premium pledges, payments, statements, arrears.

Billing rule (whole months, no pro-rata). An allocation counts for month M when
    start_month <= M  and  (end_month is null  or  end_month > M
                             or (end_month = M and end_reason <> 'replaced'))
i.e. a resident is billed for every month from the month they start through the month their
allocation ends, both whole; a resident who is *replaced* in month M is billed up to M-1,
because the newcomer starting in M takes that month's slot (one slot, one premium).
Reserved and active allocations both count: a reserved resident holds the slot from its start
month and is registered with BPJS from the allocation export. The tariff is the class III
participant's share in force in month M (the dated tariff table), not the one of the pledge's
start, so a tariff change applies from its month on. Only `active` premium pledges are billed,
and only months inside the pledge period; a month with nobody allocated makes no invoice.
Due on the 10th of the month (domain.md).
"""
from __future__ import annotations

from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, case, func, or_, update
from sqlalchemy.exc import IntegrityError

from sponsorship import policy
from sponsorship.allocations.models import Allocation
from sponsorship.audit import service as audit
from sponsorship.billing.models import (
    CANCELLED,
    CONFIRMED,
    INVOICE_STATUSES,
    ISSUED,
    PAID,
    PARTIALLY_PAID,
    PAYMENT_STATUSES,
    PENDING,
    REJECTED,
    BpjsPayment,
    Invoice,
    Payment,
)
from sponsorship.core import uploads
from sponsorship.core.errors import DomainError
from sponsorship.core.formatting import (
    BULAN,
    month_label,
    npwp,
    rupiah,
    rupiah_resmi,
    tanggal_resmi,
    terbilang,
)
from sponsorship.core.models import utcnow
from sponsorship.core.months import add_months
from sponsorship.core.workflow import Transition, Workflow
from sponsorship.documents import readiness
from sponsorship.extensions import db
from sponsorship.pledges.models import ACTIVE, PREMIUM, Pledge
from sponsorship.pledges.models import CITY as CITY_ROUTE
from sponsorship.settings.service import tariff_for

DUE_DAY = 10
INVOICE_KIND, RECEIPT_KIND = "invoice", "receipt"
PROOF_KINDS = frozenset({"pdf", "jpeg", "png"})

PAYMENT_FLOW = Workflow(
    PAYMENT_STATUSES,
    [
        Transition("confirm", frozenset({PENDING}), CONFIRMED, "payment.confirm",
                   _l("Konfirmasi pembayaran")),
        Transition("reject", frozenset({PENDING}), REJECTED, "payment.reject", _l("Tolak"),
                   style="danger", needs_note=True),
    ],
    stale_message=_l("Pembayaran ini sudah diputuskan."),
)

# An invoice's status follows its confirmed payments (`sync_status`), or staff cancel it.
# The moves are named after their target, as the audit trail has always called them.
INVOICE_FLOW = Workflow(
    INVOICE_STATUSES,
    [
        Transition(PARTIALLY_PAID, frozenset({ISSUED}), PARTIALLY_PAID, "invoice.settle",
                   _l("Dibayar sebagian")),
        Transition(PAID, frozenset({ISSUED, PARTIALLY_PAID}), PAID, "invoice.settle", _l("Lunas")),
        Transition(CANCELLED, frozenset({ISSUED}), CANCELLED, "invoice.cancel", _l("Batalkan tagihan"),
                   style="danger", needs_note=True),
    ],
)


# ---- months -------------------------------------------------------------------------------

def parse_month(text: str) -> date:
    """'2026-01' -> date(2026, 1, 1); DomainError otherwise."""
    try:
        year, month = (int(part) for part in (text or "").strip().split("-")[:2])
        return date(year, month, 1)
    except (ValueError, TypeError) as exc:
        raise DomainError(_l("Bulan harus ditulis TTTT-BB, misalnya 2026-01."), field="month") from exc


def due_date(month: date) -> date:
    return month.replace(day=DUE_DAY)


def pledge_months(pledge: Pledge) -> list[date]:
    if not (pledge.start_month and pledge.months):
        return []
    return [add_months(pledge.start_month, i) for i in range(pledge.months)]


def in_period(pledge: Pledge, month: date) -> bool:
    return bool(pledge.start_month) and pledge.start_month <= month <= pledge.end_month


def counts_in_month(month):
    """SQL condition: the allocation is billed for `month` (see the module docstring)."""
    return and_(
        Allocation.start_month <= month,
        or_(Allocation.end_month.is_(None), Allocation.end_month > month,
            and_(Allocation.end_month == month,
                 func.coalesce(Allocation.end_reason, "") != "replaced")),
    )


def persons_in_month(pledge: Pledge, month: date) -> int:
    return db.session.scalar(
        db.select(func.count(Allocation.id))
        .where(Allocation.pledge_id == pledge.id, counts_in_month(month))) or 0


# ---- invoices -----------------------------------------------------------------------------

def sync_status(invoice: Invoice, *, actor, note: str | None = None) -> Invoice:
    """The one place an invoice's status is set: derived from its confirmed payments."""
    if invoice.status == CANCELLED:
        return invoice
    if invoice.paid_amount >= invoice.amount:
        target = PAID
    elif invoice.paid_amount > 0:
        target = PARTIALLY_PAID
    else:
        target = ISSUED
    if target != invoice.status and target in INVOICE_FLOW.transitions:
        INVOICE_FLOW.move(invoice, target, actor=actor, note=note)
    return invoice


def month_resmi(month: date) -> str:
    """`Januari 2026` in Indonesian whatever the UI language (document titles)."""
    return f"{BULAN[month.month - 1]} {month.year}"


def payment_reference(invoice: Invoice) -> str:
    """What the company writes in the transfer's description, so the treasurer matches it."""
    return f"CSR-{invoice.month:%Y%m}-{invoice.id:05d}"


def invoice_context(invoice: Invoice) -> dict:
    """Plain values only for the print template (invoice and receipt)."""
    from sponsorship.settings.service import get_setting

    pledge = invoice.pledge
    return {
        "title": f"Tagihan iuran JKN {invoice.month:%m/%Y}",
        "sponsor_name": pledge.sponsor.name,
        "sponsor_address": pledge.sponsor.address or "",
        "sponsor_npwp": npwp(pledge.sponsor.npwp),
        "city_npwp": npwp(get_setting("city_npwp")),
        "pledge_title": pledge.title,
        "month": invoice.month,
        "month_text": month_label(invoice.month),
        "persons": invoice.persons,
        "tariff_text": rupiah_resmi(invoice.tariff),
        "amount_text": rupiah_resmi(invoice.amount),
        "amount_words": terbilang(invoice.amount),
        "due_on": invoice.due_on,
        "due_on_text": tanggal_resmi(invoice.due_on),
        "payment_reference": payment_reference(invoice),
        "payee": {"bank": get_setting("payee_bank"), "number": get_setting("payee_account_number"),
                  "name": get_setting("payee_account_name")},
        "signatory": {"title": get_setting("treasurer_title"), "name": get_setting("treasurer_name"),
                      "nip": get_setting("treasurer_nip")},
    }


def _issue_invoice_document(invoice: Invoice, *, actor) -> None:
    from sponsorship.documents import service as documents

    document = documents.issue_document(
        kind=INVOICE_KIND, template="billing/invoice_pdf.html", context=invoice_context(invoice),
        title=f"Tagihan iuran JKN bulan {month_resmi(invoice.month)}, {invoice.pledge.sponsor.name}",
        object_type="invoice", object_id=invoice.id, actor=actor, sponsor_id=invoice.sponsor_id)
    db.session.flush()
    invoice.document_id = document.id


def bill_pledge_month(pledge: Pledge, month: date, *, actor,
                      with_document: bool = True) -> tuple[str, Invoice | None]:
    """Make the invoice of (pledge, month) unless it exists; returns (outcome, invoice)."""
    month = month.replace(day=1)
    if pledge.programme != PREMIUM or pledge.status != ACTIVE or not in_period(pledge, month):
        return "not_billable", None
    if pledge.pays_directly:  # paid to BPJS by the company itself: a proof per month, no invoice
        return "not_billable", None
    if with_document:
        readiness.require_ready(INVOICE_KIND, sponsor=pledge.sponsor)
    live = (Invoice.pledge_id == pledge.id, Invoice.month == month, Invoice.status != CANCELLED)
    existing = db.session.scalar(db.select(Invoice).where(*live))
    if existing is not None:
        return "existing", existing
    tariff = tariff_for(month, 3)
    if tariff is None:
        return "no_tariff", None
    persons = persons_in_month(pledge, month)
    if persons == 0:
        return "empty", None
    invoice = Invoice(pledge_id=pledge.id, sponsor_id=pledge.sponsor_id, month=month, persons=persons,
                      tariff=tariff.participant_share, amount=persons * tariff.participant_share,
                      due_on=due_date(month), status=ISSUED)
    try:
        with db.session.begin_nested():  # a concurrent run made it first: that one stands
            db.session.add(invoice)
            db.session.flush()
    except IntegrityError:
        return "existing", db.session.scalar(db.select(Invoice).where(*live))
    audit.record_create(invoice, actor=actor)
    if with_document:
        _issue_invoice_document(invoice, actor=actor)
    return "created", invoice


def cancel_invoice(invoice: Invoice, *, actor, reason: str) -> Invoice:
    """Withdraw an invoice made in error, before any payment is reported against it; billing
    the month again then makes a new one from the allocations as they stand. Its PDF stays on
    record, as every issued document does, and the invoice page says it was cancelled and why."""
    policy.authorise("invoice.cancel", invoice, user=actor)
    reason = (reason or "").strip()[:1000]
    if not reason:
        raise DomainError(_l("Alasan pembatalan wajib diisi."), field="reason")
    refused = _l("Tagihan yang sudah dibayar, dibayar sebagian atau punya pembayaran yang "
                 "menunggu konfirmasi tidak dapat dibatalkan.")
    if invoice.status != ISSUED:
        raise DomainError(refused)
    # Nothing claimed, in the UPDATE's WHERE: a payment reported at the same moment and a cancel
    # cannot both pass.
    INVOICE_FLOW.move(invoice, CANCELLED, actor=actor, note=reason, values={"cancel_reason": reason},
                      where=(Invoice.claimed_amount == 0,), conflict=refused)
    return invoice


def _invoice_withdrawal(invoice_id: int) -> str | None:
    invoice = db.session.get(Invoice, invoice_id)
    if invoice is None or invoice.status != CANCELLED:
        return None
    return str(_l("Tagihan ini DIBATALKAN: %(r)s. Jangan dibayar; gunakan tagihan penggantinya.",
                  r=invoice.cancel_reason))


def bill_month(month: date, *, actor, with_document: bool = True) -> dict[str, int]:
    """Invoice every active premium pledge whose period includes `month`; idempotent."""
    if actor is not None:  # None: the scheduler's command
        policy.authorise("billing.run", user=actor)
    month = month.replace(day=1)
    counts = {"created": 0, "existing": 0, "empty": 0, "no_tariff": 0}
    pledges = db.session.scalars(
        db.select(Pledge).where(Pledge.programme == PREMIUM, Pledge.status == ACTIVE,
                                Pledge.payment_route == CITY_ROUTE,
                                Pledge.start_month <= month).order_by(Pledge.id)).all()
    for pledge in pledges:
        if not in_period(pledge, month):
            continue
        outcome, _invoice = bill_pledge_month(pledge, month, actor=actor, with_document=with_document)
        counts[outcome] += 1
    return counts


# ---- payments -----------------------------------------------------------------------------

def _claim(invoice_id: int, amount: int) -> bool:
    """Atomically reserve `amount` of the invoice for a payment; False when it would overpay.

    The check is in the UPDATE's WHERE, so two concurrent payments cannot both pass it;
    CHECK (claimed_amount <= amount) backs it up.
    """
    result = db.session.execute(
        update(Invoice)
        .where(Invoice.id == invoice_id, Invoice.status.in_((ISSUED, PARTIALLY_PAID)),
               Invoice.claimed_amount + amount <= Invoice.amount)
        .values(claimed_amount=Invoice.claimed_amount + amount)
        .execution_options(synchronize_session=False))
    return result.rowcount == 1


def record_payment(invoice: Invoice, *, actor, amount: int | None, reference: str, paid_on: date | None,
                   proof) -> Payment:
    """A sponsor reports a transfer with its proof; it waits for staff to confirm it."""
    policy.authorise("invoice.pay", invoice, user=actor)
    if invoice.status in (PAID, CANCELLED):
        raise DomainError(_l("Tagihan ini sudah lunas atau dibatalkan."))
    reference = (reference or "").strip()
    if not reference:
        raise DomainError(_l("Nomor referensi transfer wajib diisi."), field="reference")
    if not amount or amount <= 0:
        raise DomainError(_l("Nominal harus lebih dari nol."), field="amount")
    if paid_on is None or paid_on > date.today():
        raise DomainError(_l("Tanggal transfer wajib diisi dan tidak boleh di masa depan."), field="paid_on")
    if not _claim(invoice.id, amount):
        db.session.refresh(invoice)
        if invoice.status == CANCELLED:  # cancelled by staff a moment ago
            raise DomainError(_l("Tagihan ini sudah lunas atau dibatalkan."))
        raise DomainError(_l("Pembayaran melebihi sisa tagihan (%(left)s, termasuk pembayaran yang "
                             "menunggu konfirmasi).", left=rupiah(max(invoice.payable, 0))), field="amount")
    stored = uploads.store_upload(proof, kinds=PROOF_KINDS, folder=f"payments/{invoice.id}")
    payment = Payment(invoice_id=invoice.id, amount=amount, reference=reference[:80], paid_on=paid_on,
                      proof_path=stored.path, proof_sha256=stored.sha256, proof_mime=stored.mime,
                      proof_name=stored.original_name, status=PENDING, submitted_by_id=actor.id)
    db.session.add(payment)
    db.session.flush()
    db.session.expire(invoice, ["claimed_amount", "payments"])
    audit.record_create(payment, actor=actor)
    return payment


def decide_payment(payment: Payment, name: str, *, actor, note: str | None = None) -> Payment:
    """The only way a payment's status changes: staff confirm it, or reject it with a note."""
    t = PAYMENT_FLOW.check(name, payment, actor)
    if t.target == CONFIRMED:  # confirming issues the receipt
        readiness.require_ready(RECEIPT_KIND, sponsor=payment.invoice.pledge.sponsor)
    note = (note or "").strip() or None
    if t.needs_note and not note:
        raise DomainError(_l("Alasan penolakan wajib diisi."), field="note")
    # Conditional on still pending: two staff deciding at once cannot both count it.
    PAYMENT_FLOW.move(payment, name, actor=actor, note=note,
                      values={"decided_at": utcnow(), "decided_by_id": actor.id, "decision_note": note})
    if t.target == CONFIRMED:
        values = {"paid_amount": Invoice.paid_amount + payment.amount}
    else:
        values = {"claimed_amount": Invoice.claimed_amount - payment.amount}
    db.session.execute(update(Invoice).where(Invoice.id == payment.invoice_id).values(**values)
                       .execution_options(synchronize_session=False))
    db.session.refresh(payment)
    invoice = payment.invoice
    db.session.refresh(invoice)
    sync_status(invoice, actor=actor, note=f"pembayaran #{payment.id}")
    if t.target == CONFIRMED:
        _issue_receipt(payment, actor=actor)
    return payment


def _issue_receipt(payment: Payment, *, actor) -> None:
    from sponsorship.documents import service as documents

    invoice = payment.invoice
    documents.issue_document(
        kind=RECEIPT_KIND, template="billing/receipt_pdf.html",
        context={**invoice_context(invoice), "title": "Tanda terima pembayaran",
                 "invoice_number": invoice_number(invoice), "paid_text": rupiah_resmi(payment.amount),
                 "paid_words": terbilang(payment.amount), "reference": payment.reference,
                 "paid_on": payment.paid_on, "paid_on_text": tanggal_resmi(payment.paid_on),
                 "received_on_text": tanggal_resmi((payment.decided_at or utcnow()).date())},
        title=f"Tanda terima iuran JKN bulan {month_resmi(invoice.month)}, {invoice.pledge.sponsor.name} "
              f"#{payment.id}",
        object_type="payment", object_id=payment.id, actor=actor, sponsor_id=invoice.sponsor_id)


def invoice_number(invoice: Invoice) -> str | None:
    from sponsorship.documents.models import Document

    if invoice.document_id is None:
        return None
    return db.session.scalar(db.select(Document.number).where(Document.id == invoice.document_id))


# ---- premiums paid by the company directly to BPJS Kesehatan (Donasi JKN) -----------------

BPJS_PAYMENT_FLOW = Workflow(
    PAYMENT_STATUSES,
    [
        Transition("confirm", frozenset({PENDING}), CONFIRMED, "bpjs_payment.confirm",
                   _l("Konfirmasi bukti bayar BPJS")),
        Transition("reject", frozenset({PENDING}), REJECTED, "bpjs_payment.reject", _l("Tolak"),
                   style="danger", needs_note=True),
    ],
    stale_message=_l("Bukti bayar ini sudah diputuskan."),
)


def month_due(pledge: Pledge, month: date) -> tuple[int, int]:
    """(persons, participant share) the billing rule counts for `month`: what is due to BPJS."""
    tariff = tariff_for(month, 3)
    return persons_in_month(pledge, month), tariff.participant_share if tariff else 0


def record_bpjs_payment(pledge: Pledge, *, actor, month: date | None, amount: int | None,
                        reference: str, paid_on: date | None, proof) -> BpjsPayment:
    """The company reports one month paid to BPJS with BPJS's proof; staff confirm it."""
    policy.authorise("bpjs_payment.submit", pledge, user=actor)
    if not pledge.pays_directly or pledge.status != ACTIVE:
        raise DomainError(_l("Komitmen ini tidak dibayar langsung ke BPJS Kesehatan."))
    if month is None or not in_period(pledge, month.replace(day=1)):
        raise DomainError(_l("Bulan di luar masa komitmen."), field="month")
    month = month.replace(day=1)
    reference = (reference or "").strip()
    if not reference:
        raise DomainError(_l("Nomor transaksi BPJS wajib diisi."), field="reference")
    if not amount or amount <= 0:
        raise DomainError(_l("Nominal harus lebih dari nol."), field="amount")
    if paid_on is None or paid_on > date.today():
        raise DomainError(_l("Tanggal bayar wajib diisi dan tidak boleh di masa depan."), field="paid_on")
    persons, tariff = month_due(pledge, month)
    if persons == 0 or tariff == 0:
        raise DomainError(_l("Tidak ada warga yang ditanggung pada bulan ini."), field="month")
    live = db.session.scalar(db.select(BpjsPayment.id).where(
        BpjsPayment.pledge_id == pledge.id, BpjsPayment.month == month, BpjsPayment.status != REJECTED))
    if live is not None:
        raise DomainError(_l("Bukti bayar bulan ini sudah dikirim."), field="month")
    stored = uploads.store_upload(proof, kinds=PROOF_KINDS, folder=f"bpjs_payments/{pledge.id}")
    row = BpjsPayment(pledge_id=pledge.id, sponsor_id=pledge.sponsor_id, month=month, persons=persons,
                      tariff=tariff, amount_due=persons * tariff, amount=amount, reference=reference[:80],
                      paid_on=paid_on, proof_path=stored.path, proof_sha256=stored.sha256,
                      proof_mime=stored.mime, proof_name=stored.original_name, status=PENDING,
                      submitted_by_id=actor.id)
    try:
        with db.session.begin_nested():  # the same month sent twice at once: one stands
            db.session.add(row)
            db.session.flush()
    except IntegrityError:
        raise DomainError(_l("Bukti bayar bulan ini sudah dikirim."), field="month") from None
    audit.record_create(row, actor=actor)
    return row


def decide_bpjs_payment(row: BpjsPayment, name: str, *, actor, note: str | None = None) -> BpjsPayment:
    t = BPJS_PAYMENT_FLOW.check(name, row, actor)
    note = (note or "").strip() or None
    if t.needs_note and not note:
        raise DomainError(_l("Alasan penolakan wajib diisi."), field="note")
    BPJS_PAYMENT_FLOW.move(row, name, actor=actor, note=note,
                           values={"decided_at": utcnow(), "decided_by_id": actor.id, "decision_note": note})
    return row


def direct_statement(pledge: Pledge) -> list[dict]:
    """Per month of a directly paid pledge: persons and amount due, the proof and its status."""
    proofs = {p.month: p for p in db.session.scalars(
        db.select(BpjsPayment).where(BpjsPayment.pledge_id == pledge.id)
        .order_by(case((BpjsPayment.status == REJECTED, 0), else_=1), BpjsPayment.id))}
    rows = []
    for month in pledge_months(pledge):
        persons, tariff = month_due(pledge, month)
        proof = proofs.get(month)
        rows.append({"month": month, "persons": persons, "due": persons * tariff, "proof": proof,
                     "paid": proof.amount if proof and proof.status == CONFIRMED else 0})
    return rows


def bpjs_paid_total(sponsor_id: int, start: date, end: date) -> int:
    """Confirmed direct payments to BPJS for the months start..end."""
    return int(db.session.scalar(
        db.select(func.coalesce(func.sum(BpjsPayment.amount), 0))
        .where(BpjsPayment.sponsor_id == sponsor_id, BpjsPayment.month >= start, BpjsPayment.month <= end,
               BpjsPayment.status == CONFIRMED)) or 0)


# ---- reading ------------------------------------------------------------------------------

def overdue_condition(today: date):
    return and_(Invoice.status.in_((ISSUED, PARTIALLY_PAID)), Invoice.due_on < today)


def statement(pledge: Pledge) -> list[dict]:
    """Per month of the pledge: person-months, invoiced, paid, outstanding (one query)."""
    # A cancelled invoice shows only where no live one replaced it (live ones come last and win).
    invoices = {i.month: i for i in db.session.scalars(
        db.select(Invoice).where(Invoice.pledge_id == pledge.id)
        .order_by(case((Invoice.status == CANCELLED, 0), else_=1), Invoice.id))}
    rows = []
    for month in pledge_months(pledge):
        inv = invoices.get(month)
        invoiced = inv.amount if inv and inv.status != CANCELLED else 0
        paid = inv.paid_amount if inv else 0
        rows.append({"month": month, "invoice": inv, "persons": inv.persons if inv else None,
                     "invoiced": invoiced, "paid": paid, "outstanding": invoiced - paid})
    return rows


def money_totals(sponsor_id: int | None, today: date) -> dict[str, int]:
    """Invoiced, paid, outstanding and overdue sums in one aggregate query."""
    live = Invoice.status != CANCELLED
    stmt = db.select(
        func.coalesce(func.sum(case((live, Invoice.amount), else_=0)), 0),
        func.coalesce(func.sum(case((live, Invoice.paid_amount), else_=0)), 0),
        func.coalesce(func.sum(case((overdue_condition(today), Invoice.amount - Invoice.paid_amount),
                                    else_=0)), 0),
    )
    if sponsor_id is not None:
        stmt = stmt.where(Invoice.sponsor_id == sponsor_id)
    invoiced, paid, overdue = db.session.execute(stmt).one()
    return {"invoiced": int(invoiced), "paid": int(paid), "outstanding": int(invoiced) - int(paid),
            "overdue": int(overdue)}


def _register_with_documents() -> None:
    from sponsorship.documents import service as documents

    documents.register_withdrawal_check("invoice", _invoice_withdrawal)


_register_with_documents()
