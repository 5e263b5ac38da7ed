"""Aid proposal forms: intake with cost lines and attachments, assignment, field visit."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    DateField,
    FieldList,
    FileField,
    FormField,
    IntegerField,
    MultipleFileField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from sponsorship.core.forms import Form, RupiahField, SubForm
from sponsorship.proposals.models import CHECKLIST, COST_CATEGORIES, RECOMMENDATIONS
from sponsorship.regions import service as regions

ACCEPT_DOCS = "application/pdf,image/jpeg,image/png"


class CostLineForm(SubForm):
    category = SelectField(_l("Jenis biaya"), choices=[("", "–"), *COST_CATEGORIES.items()],
                           validators=[Optional()])
    detail = StringField(_l("Keterangan"), validators=[Optional(), Length(max=200)])
    quantity = IntegerField(_l("Jumlah"), validators=[Optional(), NumberRange(min=1, max=100)],
                            render_kw={"inputmode": "numeric"})
    unit_amount = RupiahField(_l("Nominal satuan (Rp)"), render_kw={"inputmode": "numeric"})


class ProposalForm(Form):
    patient_name = StringField(_l("Nama pasien"), validators=[DataRequired(), Length(max=120)])
    patient_nik = StringField(_l("NIK pasien"), validators=[DataRequired(), Length(max=20)],
                              render_kw={"inputmode": "numeric", "autocomplete": "off"})
    patient_kk = StringField(_l("Nomor KK"), validators=[Optional(), Length(max=20)],
                             render_kw={"inputmode": "numeric", "autocomplete": "off"})
    applicant_name = StringField(_l("Nama pemohon (jika bukan pasien)"),
                                 validators=[Optional(), Length(max=120)])
    applicant_relation = StringField(_l("Hubungan dengan pasien"), validators=[Optional(), Length(max=60)])
    phone = StringField(_l("Nomor telepon"), validators=[DataRequired(), Length(max=30)],
                        render_kw={"inputmode": "tel"})
    address = StringField(_l("Alamat"), validators=[DataRequired(), Length(max=300)])
    kelurahan_code = SelectField(_l("Kelurahan"), choices=[], validators=[DataRequired()])
    referral_origin = StringField(_l("Faskes asal"), validators=[DataRequired(), Length(max=150)])
    referral_destination = StringField(_l("Rumah sakit tujuan"), validators=[DataRequired(), Length(max=150)])
    referral_city = StringField(_l("Kota tujuan"), validators=[DataRequired(), Length(max=80)])
    referral_letter_no = StringField(_l("Nomor surat rujukan"), validators=[DataRequired(), Length(max=80)])
    referral_letter_date = DateField(_l("Tanggal surat rujukan"), validators=[DataRequired()])
    lines = FieldList(FormField(CostLineForm), min_entries=4, max_entries=20)
    referral_letter = FileField(_l("Surat rujukan"), render_kw={"accept": ACCEPT_DOCS})
    ktp = FileField(_l("KTP"), render_kw={"accept": ACCEPT_DOCS})
    kk = FileField(_l("Kartu Keluarga"), render_kw={"accept": ACCEPT_DOCS})
    statement_of_need = FileField(_l("Surat keterangan tidak mampu"), render_kw={"accept": ACCEPT_DOCS})

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.kelurahan_code.choices = [("", "–"), *regions.choices()]


ATTACHMENT_FIELDS = ("referral_letter", "ktp", "kk", "statement_of_need")


class AssignForm(Form):
    verifier_id = SelectField(_l("Verifikator"), coerce=int, choices=[])


class AttachmentForm(Form):
    kind = SelectField(_l("Jenis lampiran"), choices=[])
    file = FileField(_l("Berkas (PDF, JPEG atau PNG, paling besar 5 MB)"),
                     render_kw={"accept": ACCEPT_DOCS})


class VerificationForm(Form):
    visit_date = DateField(_l("Tanggal kunjungan"), validators=[DataRequired()])
    domicile_confirmed = BooleanField(CHECKLIST["domicile_confirmed"])
    referral_authentic = BooleanField(CHECKLIST["referral_authentic"])
    economically_in_need = BooleanField(CHECKLIST["economically_in_need"])
    no_double_aid = BooleanField(CHECKLIST["no_double_aid"])
    companion_needed = BooleanField(CHECKLIST["companion_needed"])
    notes = TextAreaField(_l("Catatan kunjungan"), validators=[Optional(), Length(max=4000)])
    photos = MultipleFileField(_l("Foto kunjungan"), render_kw={
        "accept": "image/*", "capture": "environment"})
    recommendation = RadioField(_l("Rekomendasi"), choices=list(RECOMMENDATIONS.items()),
                                validators=[DataRequired()])
    reason = TextAreaField(_l("Alasan"), validators=[DataRequired(), Length(max=2000)])
    recommended_amount = RupiahField(_l("Nominal yang direkomendasikan (Rp)"),
                                     render_kw={"inputmode": "numeric"})


class MoveForm(Form):
    note = TextAreaField(_l("Catatan / alasan"), validators=[Optional(), Length(max=1000)])
