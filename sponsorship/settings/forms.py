"""Settings and tariff forms."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DecimalField, SelectField, StringField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from sponsorship.core.forms import MonthField, RupiahField
from sponsorship.settings.service import DEFAULTS, SETTING_LABELS


class SettingsForm(FlaskForm):
    pass


for _key, _default in DEFAULTS.items():
    if isinstance(_default, float):
        _field = DecimalField(SETTING_LABELS[_key], places=2,
                              validators=[DataRequired(), NumberRange(min=0, max=100)])
    else:
        _field = StringField(SETTING_LABELS[_key], validators=[DataRequired(), Length(max=300)])
    setattr(SettingsForm, _key, _field)


class TariffForm(FlaskForm):
    jkn_class = SelectField(_l("Kelas JKN"), coerce=int, choices=[(3, "3"), (2, "2"), (1, "1")])
    valid_from = MonthField(_l("Berlaku mulai bulan"), validators=[DataRequired()])
    monthly_premium = RupiahField(_l("Iuran per orang per bulan"), validators=[DataRequired()])
    participant_share = RupiahField(_l("Porsi peserta (dibayar sponsor)"),
                                    validators=[DataRequired()])
    note = StringField(_l("Dasar / catatan"), validators=[Optional(), Length(max=200)])
