"""Billing screens (invoices, payments, statements) and the `bill-month` command."""
from __future__ import annotations

import json
from datetime import date

import click
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy.orm import joinedload

from sponsorship import policy
from sponsorship.billing import service
from sponsorship.billing.forms import BillRunForm, CancelInvoiceForm, DecisionForm, PaymentForm
from sponsorship.billing.models import ISSUED, PARTIALLY_PAID, PENDING, BpjsPayment, Invoice, Payment
from sponsorship.core import uploads
from sponsorship.core.errors import DomainError
from sponsorship.core.forms import form_refusals
from sponsorship.core.pagination import keyset_page
from sponsorship.extensions import db
from sponsorship.pledges.models import PREMIUM, Pledge

bp = Blueprint("billing", __name__, url_prefix="/billing", cli_group=None)
PER_PAGE = 50


@bp.cli.command("bill-month")
@click.argument("month")
@click.option("--no-pdf", is_flag=True, help="Skip the invoice PDFs (tests, benchmarks).")
def bill_month_command(month, no_pdf):
    """Invoice every active premium pledge for MONTH (YYYY-MM); running it again changes nothing."""
    try:
        counts = service.bill_month(service.parse_month(month), actor=None, with_document=not no_pdf)
    except DomainError as exc:
        raise click.ClickException(str(exc.message)) from exc
    db.session.commit()
    click.echo(json.dumps({"month": month, **counts}))


@bp.route("/")
@policy.require("billing.list")
def index():
    today = date.today()
    show = request.args.get("show", "")
    stmt = policy.scope(db.select(Invoice), Invoice)
    if show == "overdue":
        stmt = stmt.where(service.overdue_condition(today))
    elif show == "open":
        stmt = stmt.where(Invoice.status.in_((ISSUED, PARTIALLY_PAID)))
    # Newest month first, a keyset page at a time (page 300 costs what page 1 costs).
    invoices = keyset_page(
        stmt.options(joinedload(Invoice.pledge).joinedload(Pledge.sponsor)), (Invoice.month, Invoice.id),
        lambda invoice_id: tuple(db.session.execute(
            db.select(Invoice.month, Invoice.id).where(Invoice.id == invoice_id)).first() or ()) or None,
        per_page=PER_PAGE, descending=True)
    pending = []
    if policy.can("payment.decide"):
        pending = db.session.scalars(
            db.select(Payment).where(Payment.status == PENDING)
            .options(joinedload(Payment.invoice).joinedload(Invoice.pledge).joinedload(Pledge.sponsor))
            .order_by(Payment.id).limit(100)).all()
    bpjs_pending = []
    if policy.can("bpjs_payment.confirm"):
        bpjs_pending = db.session.scalars(
            db.select(BpjsPayment).where(BpjsPayment.status == PENDING)
            .options(joinedload(BpjsPayment.pledge).joinedload(Pledge.sponsor))
            .order_by(BpjsPayment.id).limit(100)).all()
    sponsor_id = current_user.sponsor_id if current_user.role == "sponsor" else None
    return render_template("billing/index.html", invoices=invoices, pending=pending, show=show,
                           bpjs_pending=bpjs_pending, decision_form=DecisionForm(),
                           totals=service.money_totals(sponsor_id, today), today=today,
                           run_form=BillRunForm() if policy.can("billing.run") else None)


@bp.route("/run", methods=["POST"])
@policy.require("billing.run")
def run():
    form = BillRunForm()
    if not form.validate_on_submit():
        flash(_l("Bulan tagihan tidak sah."), "danger")
        return redirect(url_for("billing.index"))
    # Invoices and their PDFs for every active pledge: a job, whose page shows the counts.
    policy.authorise("billing.run", user=current_user)
    from sponsorship import jobs

    job = jobs.start("bill-month", actor=current_user,
                     params={"month": form.month.data.strftime("%Y-%m"), "pdf": True})
    return redirect(url_for("jobs.detail", job_id=job.id))


@bp.route("/invoices/<int:invoice_id>")
@policy.require("billing.list")
def invoice(invoice_id: int):
    inv = policy.get_or_404(Invoice, invoice_id, "invoice.view")
    return _invoice_page(inv, PaymentForm(formdata=None, paid_on=date.today()))


def _invoice_page(inv: Invoice, form: PaymentForm, status: int = 200,
                  cancel: CancelInvoiceForm | None = None):
    return render_template("billing/invoice.html", invoice=inv, form=form, decision=DecisionForm(),
                           cancel=cancel or CancelInvoiceForm(formdata=None),
                           number=service.invoice_number(inv), today=date.today(),
                           moves=service.PAYMENT_FLOW.available), status


@bp.route("/invoices/<int:invoice_id>/cancel", methods=["POST"])
@policy.require("invoice.cancel")
def cancel(invoice_id: int):
    inv = policy.get_or_404(Invoice, invoice_id, "invoice.view")
    form = CancelInvoiceForm()
    payment_form = PaymentForm(formdata=None, paid_on=date.today())
    if not form.validate_on_submit():
        return _invoice_page(inv, payment_form, 400, cancel=form)
    with form_refusals(form) as outcome:
        service.cancel_invoice(inv, actor=current_user, reason=form.reason.data)
    if not outcome.ok:
        db.session.refresh(inv)
        return _invoice_page(inv, payment_form, 400, cancel=form)
    flash(_l("Tagihan dibatalkan. Jalankan tagihan bulan itu lagi untuk menerbitkan penggantinya."),
          "success")
    return redirect(url_for("billing.invoice", invoice_id=inv.id))


@bp.route("/invoices/<int:invoice_id>/pay", methods=["POST"])
@policy.require("invoice.pay")
def pay(invoice_id: int):
    inv = policy.get_or_404(Invoice, invoice_id, "invoice.pay", view_action="invoice.view")
    form = PaymentForm()
    if not form.validate_on_submit():
        return _invoice_page(inv, form, 400)
    with form_refusals(form) as outcome:
        service.record_payment(inv, actor=current_user, amount=form.amount.data,
                               reference=form.reference.data, paid_on=form.paid_on.data,
                               proof=request.files.get("proof"))
    if not outcome.ok:
        db.session.refresh(inv)
        return _invoice_page(inv, form, 400)
    flash(_l("Pembayaran dicatat dan menunggu konfirmasi staf."), "success")
    return redirect(url_for("billing.invoice", invoice_id=inv.id))


@bp.route("/payments/<int:payment_id>/<move>", methods=["POST"])
@policy.require("payment.decide")
def decide(payment_id: int, move: str):
    payment = policy.get_or_404(Payment, payment_id, "payment.decide")
    form = DecisionForm()
    if not form.validate_on_submit():
        abort(400)
    with form_refusals(None) as outcome:
        service.decide_payment(payment, move, actor=current_user, note=form.note.data)
    if not outcome.ok:
        flash(str(outcome.error.message), "danger")
    else:
        flash(_l("Pembayaran dikonfirmasi.") if move == "confirm" else _l("Pembayaran ditolak."), "success")
    return redirect(url_for("billing.invoice", invoice_id=payment.invoice_id))


@bp.route("/payments/<int:payment_id>/proof")
@policy.require("billing.list")
def proof(payment_id: int):
    payment = policy.get_or_404(Payment, payment_id, "payment.view")
    return uploads.send_upload(payment.proof_path, mime=payment.proof_mime, download_name=payment.proof_name)


@bp.route("/pledges/<int:pledge_id>/statement")
@policy.require("billing.list")
def statement(pledge_id: int):
    pledge = policy.get_or_404(Pledge, pledge_id, "pledge.view")
    if pledge.programme != PREMIUM:
        abort(404)
    if pledge.pays_directly:  # no invoices: the months due and the company's BPJS proofs
        rows = service.direct_statement(pledge)
        return render_template("billing/direct_statement.html", pledge=pledge, rows=rows,
                               due=sum(r["due"] for r in rows), paid=sum(r["paid"] for r in rows))
    rows = service.statement(pledge)
    totals = {key: sum(r[key] for r in rows) for key in ("invoiced", "paid", "outstanding")}
    totals["person_months"] = sum(r["persons"] or 0 for r in rows)
    return render_template("billing/statement.html", pledge=pledge, rows=rows, totals=totals,
                           today=date.today())


@bp.route("/bpjs-payments/<int:payment_id>/<move>", methods=["POST"])
@policy.require("payment.decide")
def decide_bpjs(payment_id: int, move: str):
    """Staff confirm a company's proof of a month paid to BPJS, or reject it with a note."""
    row = policy.get_or_404(BpjsPayment, payment_id, "payment.decide", view_action="bpjs_payment.view")
    form = DecisionForm()
    if not form.validate_on_submit():
        abort(400)
    with form_refusals(None) as outcome:
        service.decide_bpjs_payment(row, move, actor=current_user, note=form.note.data)
    if not outcome.ok:
        flash(str(outcome.error.message), "danger")
    else:
        flash(_l("Bukti bayar BPJS dikonfirmasi.") if move == "confirm" else _l("Bukti bayar BPJS ditolak."),
              "success")
    return redirect(url_for("billing.index"))


@bp.route("/bpjs-payments/<int:payment_id>/proof")
@policy.require("billing.list")
def bpjs_proof(payment_id: int):
    row = policy.get_or_404(BpjsPayment, payment_id, "bpjs_payment.view")
    return uploads.send_upload(row.proof_path, mime=row.proof_mime, download_name=row.proof_name)
