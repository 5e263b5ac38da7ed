"""The policy form (admins) and the vulnerability facts form on a resident's page (staff)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, DateField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from sponsorship.core.forms import Form
from sponsorship.eligibility.models import FACTORS, MAX_WEIGHT, NO_DECILE, ONE_PER, UNKNOWN_JKN


class PolicyForm(Form):
    name = StringField(_l("Nama kebijakan"), validators=[DataRequired(), Length(max=120)])
    effective_from = DateField(_l("Berlaku mulai"), validators=[DataRequired()])
    exclude_pbi = BooleanField(_l("Peserta PBI APBN/APBD tidak layak (sudah ditanggung negara/daerah)"))
    exclude_ppu = BooleanField(_l("Peserta PPU tidak layak (iurannya kewajiban pemberi kerja)"))
    unknown_jkn = SelectField(_l("Warga yang status JKN-nya tidak diketahui"),
                              choices=list(UNKNOWN_JKN.items()))
    decile_cutoff = IntegerField(_l("Batas desil DTSEN (layak sampai desil ini)"),
                                 validators=[InputRequired(), NumberRange(min=1, max=10)],
                                 render_kw={"inputmode": "numeric"})
    no_decile = SelectField(_l("Warga tanpa desil"), choices=list(NO_DECILE.items()))
    one_per = SelectField(_l("Satu orang disponsori sekaligus"), choices=list(ONE_PER.items()))
    elderly_age = IntegerField(_l("Usia lansia (tahun)"),
                               validators=[InputRequired(), NumberRange(min=40, max=100)],
                               render_kw={"inputmode": "numeric"})
    notes = TextAreaField(_l("Dasar / catatan"), validators=[Optional(), Length(max=2000)])

    def data_for_service(self) -> dict:
        data = {k: getattr(self, k).data for k in ("name", "effective_from", "exclude_pbi", "exclude_ppu",
                                                    "unknown_jkn", "decile_cutoff", "no_decile", "one_per",
                                                    "elderly_age", "notes")}
        data["weights"] = {k: getattr(self, f"w_{k}").data for k in FACTORS}
        return data

    def fill(self, data: dict) -> None:
        for key, value in data.items():
            if key == "weights":
                for k, w in value.items():
                    getattr(self, f"w_{k}").data = w
            elif hasattr(self, key):
                getattr(self, key).data = value


for _key, (_label, _default, _how) in FACTORS.items():
    setattr(PolicyForm, f"w_{_key}", IntegerField(
        _label, validators=[InputRequired(), NumberRange(min=0, max=MAX_WEIGHT)], description=_how,
        render_kw={"inputmode": "numeric"}))


class FactsForm(Form):
    disability = BooleanField(_l("Penyandang disabilitas"))
    chronic_illness = BooleanField(_l("Penyakit kronis"))
    pregnant = BooleanField(_l("Hamil"))
    pregnancy_due = DateField(_l("Hari perkiraan lahir (HPL)"), validators=[Optional()])
    pkh_recipient = BooleanField(_l("Penerima PKH"))
    bpnt_recipient = BooleanField(_l("Penerima BPNT"))
    household_head = BooleanField(_l("Kepala keluarga"))
    female_headed = BooleanField(_l("Keluarga dengan kepala keluarga perempuan"))
    children_under_five = IntegerField(_l("Balita dalam keluarga"),
                                       validators=[Optional(), NumberRange(0, 20)],
                                       render_kw={"inputmode": "numeric"})
    months_uncovered = IntegerField(_l("Bulan tanpa jaminan kesehatan"),
                                    validators=[Optional(), NumberRange(0, 600)],
                                    render_kw={"inputmode": "numeric"})
    household_code = StringField(_l("ID rumah tangga DTSEN"), validators=[Optional(), Length(max=32)])
