"""The public verification upload form, the impact report period, the signing certificate."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import PasswordField, SelectField
from wtforms.validators import DataRequired

from sponsorship.core.forms import MonthField


class VerifyUploadForm(FlaskForm):
    file = FileField(_l("Berkas PDF yang akan diperiksa"), validators=[FileRequired()])


class ImpactReportForm(FlaskForm):
    start = MonthField(_l("Dari bulan"), validators=[DataRequired()])
    end = MonthField(_l("Sampai bulan"), validators=[DataRequired()])


class CertificateForm(FlaskForm):
    """Installing an official's signing certificate (PKCS#12); the password is used once."""

    official = SelectField(_l("Pejabat penanda tangan"), validators=[DataRequired()])
    file = FileField(_l("Berkas sertifikat PKCS#12 (.p12 / .pfx)"), validators=[FileRequired()])
    password = PasswordField(_l("Kata sandi berkas"), validators=[DataRequired()],
                             description=_l("Dipakai sekali untuk membuka berkas; tidak disimpan."))
