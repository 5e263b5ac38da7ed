"""Sign-in and account forms."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, EmailField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, EqualTo, Length, Optional, Regexp

from sponsorship.auth.models import ROLE_LABELS
from sponsorship.core.forms import Form


class LoginForm(Form):
    username = StringField(_l("Nama pengguna"), validators=[DataRequired(), Length(max=60)],
                           render_kw={"autocomplete": "username", "autocapitalize": "none"})
    password = PasswordField(_l("Kata sandi"), validators=[DataRequired()],
                             render_kw={"autocomplete": "current-password"})


class UserForm(Form):
    username = StringField(
        _l("Nama pengguna"),
        validators=[DataRequired(), Length(max=60),
                    Regexp(r"^[A-Za-z0-9._-]+$", message=_l("Hanya huruf, angka, titik, garis."))],
    )
    full_name = StringField(_l("Nama lengkap"), validators=[DataRequired(), Length(max=120)])
    email = EmailField(_l("Email"), validators=[Optional(), Length(max=200)])
    role = SelectField(_l("Peran"), choices=[(k, v) for k, v in ROLE_LABELS.items()])
    sponsor_id = SelectField(_l("Perusahaan (untuk peran sponsor)"), coerce=int, choices=[])
    is_company_admin = BooleanField(_l("Admin perusahaan (boleh mengundang rekan)"))
    password = PasswordField(_l("Kata sandi awal"), render_kw={"autocomplete": "new-password"})


class PasswordResetForm(Form):
    password = PasswordField(_l("Kata sandi baru"), validators=[DataRequired()],
                             render_kw={"autocomplete": "new-password"})
    confirm = PasswordField(
        _l("Ulangi kata sandi baru"),
        validators=[DataRequired(), EqualTo("password", message=_l("Kedua kata sandi tidak sama."))],
        render_kw={"autocomplete": "new-password"},
    )


class ChangePasswordForm(PasswordResetForm):
    current = PasswordField(_l("Kata sandi saat ini"), validators=[DataRequired()],
                            render_kw={"autocomplete": "current-password"})


class ConfirmForm(Form):
    """An empty form: a POST button with its CSRF token."""
