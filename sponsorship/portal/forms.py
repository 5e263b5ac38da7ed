"""A company admin's form to add a colleague."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import DateField, EmailField, FileField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, Length, Optional, Regexp

from sponsorship.core.forms import Form, MonthField, RupiahField


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


class ReportRequestForm(Form):
    """A quarter from the list, or any period from month to month."""

    quarter = SelectField(_l("Triwulan"), choices=[], validate_choice=False)
    start = MonthField(_l("atau dari bulan"), validators=[Optional()])
    end = MonthField(_l("sampai bulan"), validators=[Optional()])


class BpjsProofForm(Form):
    month = MonthField(_l("Bulan iuran"), validators=[DataRequired()])
    amount = RupiahField(_l("Nominal dibayar ke BPJS (Rp)"), validators=[DataRequired()],
                         render_kw={"inputmode": "numeric"})
    reference = StringField(_l("Nomor transaksi BPJS"), validators=[DataRequired(), Length(max=80)])
    paid_on = DateField(_l("Tanggal bayar"), validators=[DataRequired()])
    proof = FileField(_l("Bukti bayar dari BPJS Kesehatan (PDF, JPG atau PNG)"),
                      render_kw={"accept": "application/pdf,image/jpeg,image/png"})
