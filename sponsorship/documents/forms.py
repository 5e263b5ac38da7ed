"""The public verification upload form."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from wtforms.validators import DataRequired

from sponsorship.core.forms import Form, MonthField


class VerifyUploadForm(Form):
    file = FileField(_l("Berkas PDF yang akan diperiksa"), validators=[FileRequired()])


class ImpactReportForm(Form):
    start = MonthField(_l("Dari bulan"), validators=[DataRequired()])
    end = MonthField(_l("Sampai bulan"), validators=[DataRequired()])
