"""Company form."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, EmailField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from sponsorship.core.forms import Form
from sponsorship.sponsors.models import LEGAL_FORMS


class SponsorForm(Form):
    name = StringField(_l("Nama perusahaan"), validators=[DataRequired(), Length(max=200)])
    short_name = StringField(_l("Nama singkat"), validators=[Optional(), Length(max=80)])
    legal_form = SelectField(_l("Bentuk badan usaha"), choices=list(LEGAL_FORMS.items()))
    npwp = StringField(_l("NPWP"), validators=[DataRequired(), Length(max=25)],
                       description=_l("15 atau 16 digit; tanda baca boleh."),
                       render_kw={"inputmode": "numeric"})
    address = TextAreaField(_l("Alamat"), validators=[Optional(), Length(max=500)])
    sector = StringField(_l("Bidang usaha"), validators=[Optional(), Length(max=120)])
    contact_name = StringField(_l("Narahubung"), validators=[Optional(), Length(max=120)])
    contact_email = EmailField(_l("Email narahubung"), validators=[Optional(), Length(max=200)])
    contact_phone = StringField(_l("Telepon narahubung"), validators=[Optional(), Length(max=30)],
                                render_kw={"inputmode": "tel"})
    listed_publicly = BooleanField(_l("Bersedia ditampilkan di halaman transparansi publik"))
