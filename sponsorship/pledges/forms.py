"""Pledge forms."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, IntegerField, RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from sponsorship.core.forms import Form, MonthField, RupiahField
from sponsorship.pledges.models import PAYMENT_ROUTES, PROGRAMMES


class PledgeForm(Form):
    sponsor_id = SelectField(_l("Perusahaan"), coerce=int, choices=[])
    programme = RadioField(_l("Program"), choices=list(PROGRAMMES.items()), default="premium")
    title = StringField(_l("Judul komitmen"), validators=[DataRequired(), Length(max=200)])
    quota = IntegerField(_l("Kuota orang"), validators=[Optional(), NumberRange(min=1)],
                         render_kw={"inputmode": "numeric"})
    months = IntegerField(_l("Jumlah bulan"), validators=[Optional(), NumberRange(min=1, max=60)],
                          render_kw={"inputmode": "numeric"})
    start_month = MonthField(_l("Bulan mulai"))
    payment_route = RadioField(_l("Cara pembayaran iuran"), choices=list(PAYMENT_ROUTES.items()),
                               default="city")
    total_amount = RupiahField(_l("Nilai dana (Rp)"), description=_l("Hanya untuk dana bantuan."))
    workers_attested = BooleanField(_l(
        "Perusahaan menyatakan seluruh pekerjanya telah terdaftar di BPJS Kesehatan "
        "(syarat Donasi JKN)"))
    covers_arrears = BooleanField(_l("Komitmen juga membayar tunggakan iuran warga"),
                                  description=_l("Tanpa ini, tunggakan menurunkan prioritas warga."))
    notes = TextAreaField(_l("Catatan"), validators=[Optional(), Length(max=2000)])


class TransitionForm(Form):
    note = TextAreaField(_l("Catatan / alasan"), validators=[Optional(), Length(max=1000)])
