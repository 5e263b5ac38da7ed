"""Settings and tariff forms."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import DecimalField, SelectField, StringField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from sponsorship.core.forms import Form, MonthField, RupiahField
from sponsorship.settings.service import SETTINGS


class SettingsForm(Form):
    pass


for _setting in SETTINGS:
    if not _setting.editable:
        continue
    if _setting.type is float:
        _field = DecimalField(_setting.label, places=2,
                              validators=[DataRequired(), NumberRange(min=0, max=100)])
    else:
        # A setting declared empty may stay empty (documents say what is missing before issuing),
        # except the government's names, which setup-city writes and nothing may blank.
        wanted = _setting.required or _setting.default
        _field = StringField(_setting.label, validators=[DataRequired() if wanted else Optional(),
                                                         Length(max=300)])
    setattr(SettingsForm, _setting.key, _field)


class TariffForm(Form):
    jkn_class = SelectField(_l("Kelas JKN"), coerce=int, choices=[(3, "3"), (2, "2"), (1, "1")])
    valid_from = MonthField(_l("Berlaku mulai bulan"), validators=[DataRequired()])
    monthly_premium = RupiahField(_l("Iuran per orang per bulan"), validators=[DataRequired()])
    participant_share = RupiahField(_l("Porsi peserta (dibayar sponsor)"),
                                    validators=[DataRequired()])
    note = StringField(_l("Dasar / catatan"), validators=[Optional(), Length(max=200)])
