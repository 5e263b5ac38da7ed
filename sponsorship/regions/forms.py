"""The first-run form: which kabupaten/kota this install serves; the letterhead emblem."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from wtforms import SelectField, StringField
from wtforms.validators import DataRequired, Length, Optional

from sponsorship.core.forms import Form


class SetupForm(Form):
    area_code = SelectField(_l("Kabupaten/kota"), validators=[DataRequired()], validate_choice=False)
    short_name = StringField(_l("Nama daerah sebagaimana ditulis pemerintah daerah (jika berbeda)"),
                             validators=[Optional(), Length(max=80)],
                             description=_l("Kosongkan untuk memakai ejaan Kemendagri."))


class EmblemForm(Form):
    emblem = FileField(_l("Lambang daerah untuk kop surat (PNG atau JPG)"), validators=[FileRequired()])
