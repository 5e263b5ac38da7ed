"""A company admin's form to add a colleague."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import EmailField, PasswordField, StringField
from wtforms.validators import DataRequired, Length, Optional, Regexp

from sponsorship.core.forms import Form


class ColleagueForm(Form):
    username = StringField(
        _l("Nama pengguna"),
        validators=[DataRequired(), Length(max=60),
                    Regexp(r"^[A-Za-z0-9._-]+$", message=_l("Hanya huruf, angka, titik, garis."))],
        render_kw={"autocomplete": "off", "autocapitalize": "none"})
    full_name = StringField(_l("Nama lengkap"), validators=[DataRequired(), Length(max=120)])
    email = EmailField(_l("Email"), validators=[Optional(), Length(max=200)])
    password = PasswordField(_l("Kata sandi awal (kosongkan: dibuat otomatis dan ditampilkan sekali)"),
                             validators=[Optional()], render_kw={"autocomplete": "new-password"})
