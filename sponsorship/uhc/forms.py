"""Forms for recording coverage figures by hand or from a CSV file."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import BooleanField, IntegerField, SelectField, StringField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from sponsorship.core.forms import Form, MonthField
from sponsorship.uhc.models import APPROVALS


class FigureForm(Form):
    month = MonthField(_l("Bulan laporan"), validators=[DataRequired()])
    population = IntegerField(_l("Jumlah penduduk"), validators=[DataRequired(), NumberRange(min=1)],
                              render_kw={"inputmode": "numeric"})
    registered = IntegerField(_l("Peserta JKN terdaftar"), validators=[DataRequired(), NumberRange(min=0)],
                              render_kw={"inputmode": "numeric"})
    active = IntegerField(_l("Peserta JKN aktif"), validators=[DataRequired(), NumberRange(min=0)],
                          render_kw={"inputmode": "numeric"})
    city_funded = IntegerField(_l("Peserta dibiayai APBD (PBPU Pemda)"),
                               validators=[Optional(), NumberRange(min=0)],
                               render_kw={"inputmode": "numeric"},
                               description=_l("Untuk UHC Prioritas; kosongkan bila belum dilaporkan."))
    city_premium_arrears = BooleanField(_l("Pemda masih menunggak iuran ke BPJS Kesehatan"))
    bpjs_approval = SelectField(_l("Status persetujuan UHC Prioritas dari BPJS"),
                                choices=list(APPROVALS.items()), default="not_submitted",
                                validate_choice=False)  # the service refuses an unknown status
    source_note = StringField(_l("Sumber"), validators=[Optional(), Length(max=300)],
                              description=_l("Mis. laporan BPJS Kesehatan Cabang setempat, "
                                             "1 April 2025."))


class ImportForm(Form):
    file = FileField(_l("Berkas CSV"),
                     validators=[FileRequired(), FileAllowed(["csv", "txt"], _l("Hanya CSV."))],
                     description=_l("Kolom: bulan, penduduk, terdaftar, aktif, sumber. "
                                    "Pemisah koma atau titik koma."))
