"""The public verification upload form, the impact report period, the signing certificate."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from wtforms import DateField, PasswordField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length

from sponsorship.core.forms import Form, MonthField


class VerifyUploadForm(Form):
    file = FileField(_l("Berkas PDF yang akan diperiksa"), validators=[FileRequired()])


class ImpactReportForm(Form):
    start = MonthField(_l("Dari bulan"), validators=[DataRequired()])
    end = MonthField(_l("Sampai bulan"), validators=[DataRequired()])


class CertificateForm(Form):
    """Installing an official's signing certificate (PKCS#12); the password is used once."""

    official = SelectField(_l("Pejabat penanda tangan"), validators=[DataRequired()])
    file = FileField(_l("Berkas sertifikat PKCS#12 (.p12 / .pfx)"), validators=[FileRequired()])
    password = PasswordField(_l("Kata sandi berkas"), validators=[DataRequired()],
                             description=_l("Dipakai sekali untuk membuka berkas; tidak disimpan."))


class StoryForm(Form):
    month = MonthField(_l("Bulan"), validators=[DataRequired()])
    title = StringField(_l("Judul (tanpa nama lengkap)"), validators=[DataRequired(), Length(max=120)])
    text = TextAreaField(_l("Cerita singkat, disamarkan (paling banyak 800 karakter)"),
                         validators=[DataRequired(), Length(max=800)], render_kw={"rows": 4})
    photo = FileField(_l("Foto (JPG atau PNG)"), render_kw={"accept": "image/jpeg,image/png"})
    consent = FileField(_l("Surat persetujuan tertulis warga, bertanda tangan (PDF, JPG atau PNG)"))
    consent_on = DateField(_l("Tanggal persetujuan"), validators=[DataRequired()])


class AppreciationForm(Form):
    """Issuing a piagam (certificate of appreciation): CSRF only."""
