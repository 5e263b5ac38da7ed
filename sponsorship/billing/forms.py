"""Billing forms: a payment report, a staff decision, a billing run."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import DateField, FileField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from sponsorship.core.forms import Form, MonthField, RupiahField


class PaymentForm(Form):
    amount = RupiahField(_l("Nominal transfer (Rp)"), validators=[DataRequired()],
                         render_kw={"inputmode": "numeric"})
    reference = StringField(_l("Nomor referensi transfer"), validators=[DataRequired(), Length(max=80)])
    paid_on = DateField(_l("Tanggal transfer"), validators=[DataRequired()])
    proof = FileField(_l("Bukti transfer (PDF, JPG atau PNG)"),
                      render_kw={"accept": "application/pdf,image/jpeg,image/png"})


class DecisionForm(Form):
    note = TextAreaField(_l("Catatan (wajib bila menolak)"), validators=[Optional(), Length(max=1000)])


class CancelInvoiceForm(Form):
    reason = TextAreaField(_l("Alasan pembatalan"), validators=[DataRequired(), Length(max=1000)],
                           render_kw={"rows": 2})


class BillRunForm(Form):
    month = MonthField(_l("Bulan tagihan"), validators=[DataRequired()])
