"""Payout form."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import DateField, FileField, RadioField, SelectField, StringField
from wtforms.validators import DataRequired, Length, Optional

from sponsorship.core.forms import Form, RupiahField
from sponsorship.disbursements.models import METHODS


class DisbursementForm(Form):
    pledge_id = SelectField(_l("Dana bantuan"), coerce=int, choices=[])
    amount = RupiahField(_l("Nominal (Rp)"), validators=[DataRequired()], render_kw={"inputmode": "numeric"})
    paid_on = DateField(_l("Tanggal pencairan"), validators=[DataRequired()])
    method = RadioField(_l("Cara"), choices=list(METHODS.items()), default="transfer")
    bank_name = StringField(_l("Bank"), validators=[Optional(), Length(max=80)])
    account_number = StringField(_l("Nomor rekening"), validators=[Optional(), Length(max=40)],
                                 render_kw={"inputmode": "numeric", "autocomplete": "off"})
    account_holder = StringField(_l("Nama pemilik rekening"), validators=[Optional(), Length(max=120)])
    receipt = FileField(_l("Bukti terima (PDF atau foto)"), render_kw={
        "accept": "application/pdf,image/*", "capture": "environment"})
