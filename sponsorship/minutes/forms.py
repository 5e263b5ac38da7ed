"""Berita acara forms."""
from __future__ import annotations

from datetime import time

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, DateField, RadioField, SelectField, StringField, TextAreaField, TimeField
from wtforms.validators import DataRequired, Length, Optional

from sponsorship.core.forms import Form, RupiahField
from sponsorship.minutes.models import DECISIONS


class MinutesForm(Form):
    meeting_date = DateField(_l("Tanggal rapat"), validators=[DataRequired()])
    meeting_time = TimeField(_l("Pukul (WIB)"), default=time(9, 0), validators=[Optional()])
    place = StringField(_l("Tempat"), validators=[DataRequired(), Length(max=200)])
    summary = TextAreaField(_l("Ringkasan pembahasan"), validators=[Optional(), Length(max=4000)])


class AttendeeForm(Form):
    name = StringField(_l("Nama"), validators=[DataRequired(), Length(max=120)])
    nip = StringField(_l("NIP"), validators=[Optional(), Length(max=30)])
    title = StringField(_l("Jabatan"), validators=[DataRequired(), Length(max=150)])
    agency = StringField(_l("Instansi"), validators=[DataRequired(), Length(max=150)])


class ItemForm(Form):
    proposal_id = SelectField(_l("Usulan"), coerce=int, choices=[])
    decision = RadioField(_l("Keputusan yang diusulkan"), choices=list(DECISIONS.items()), default="grant")
    amount = RupiahField(_l("Nominal (Rp)"), description=_l("Kosongkan untuk memakai rekomendasi Baznas."))
    note = StringField(_l("Catatan"), validators=[Optional(), Length(max=300)])


class DecisionForm(Form):
    note = TextAreaField(_l("Catatan / alasan"), validators=[Optional(), Length(max=2000)])


class SimpleForm(Form):
    """CSRF only."""


class FinaliseForm(Form):
    confirm = BooleanField(_l("Saya telah memeriksa pratinjau PDF (DRAF). Setelah difinalkan, berita acara "
                              "diberi nomor dan tidak dapat diubah lagi."),
                           validators=[DataRequired(_l("Centang konfirmasi untuk memfinalkan."))])
