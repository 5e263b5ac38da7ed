"""Agreement forms: the draft, signing with the scan, addendum, clause templates."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, DateField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from sponsorship.core.forms import Form

CLAUSES_HELP = _l("Setiap pasal diawali baris \"## Judul pasal\". Penanda yang diisi otomatis: "
                  "{perusahaan} {nilai} {terbilang} {kuota} {bulan} {iuran} {mulai} {selesai} {kota} "
                  "{kepala} {pengadilan} {rekening}.")


class AgreementForm(Form):
    company_number = StringField(_l("Nomor perjanjian pihak perusahaan"),
                                 validators=[Optional(), Length(max=80)])
    signing_date = DateField(_l("Tanggal penandatanganan"), validators=[DataRequired()])
    signing_place = StringField(_l("Tempat penandatanganan"), validators=[DataRequired(), Length(max=120)])
    city_signatory_name = StringField(_l("Penanda tangan pihak pemerintah daerah"),
                                      validators=[DataRequired(), Length(max=120)])
    city_signatory_title = StringField(_l("Jabatan penanda tangan pihak pemerintah daerah"),
                                       validators=[DataRequired(), Length(max=200)])
    company_signatory_name = StringField(_l("Penanda tangan pihak perusahaan"),
                                         validators=[DataRequired(), Length(max=120)])
    company_signatory_title = StringField(_l("Jabatan penanda tangan pihak perusahaan"),
                                          validators=[DataRequired(), Length(max=200)])
    bpjs_party = BooleanField(_l("BPJS Kesehatan turut menandatangani sebagai PIHAK KETIGA"))
    bpjs_signatory_name = StringField(_l("Penanda tangan BPJS Kesehatan"),
                                      validators=[Optional(), Length(max=120)])
    bpjs_signatory_title = StringField(_l("Jabatan penanda tangan BPJS Kesehatan"),
                                       validators=[Optional(), Length(max=200)])
    clauses = TextAreaField(_l("Pasal-pasal"), description=CLAUSES_HELP,
                            validators=[Optional(), Length(max=60000)], render_kw={"rows": 18})


class SignForm(Form):
    signed_on = DateField(_l("Tanggal ditandatangani"), validators=[DataRequired()])
    scan = FileField(_l("Pindaian perjanjian bertanda tangan (PDF/JPG/PNG)"), validators=[FileRequired()])


class FinaliseForm(Form):
    confirm = BooleanField(_l("Saya telah memeriksa pratinjau PDF (DRAF) dan menyetujui teksnya. "
                              "Setelah difinalkan, perjanjian tidak dapat diubah lagi."),
                           validators=[DataRequired(_l("Centang konfirmasi untuk memfinalkan."))])


class ClausesForm(Form):
    clauses = TextAreaField(_l("Pasal-pasal"), description=CLAUSES_HELP,
                            validators=[DataRequired(), Length(max=60000)], render_kw={"rows": 24})
