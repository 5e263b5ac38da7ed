"""Form helpers: the base form (WTForms' own messages in the UI language), Rupiah and month
fields, and putting service errors beside their field."""
from __future__ import annotations

import contextlib
import re
from dataclasses import dataclass
from datetime import date

from flask import flash
from flask_babel import get_translations
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.csrf import _FlaskFormCSRF
from wtforms import Field, StringField
from wtforms import Form as WTForm
from wtforms.validators import ValidationError
from wtforms.widgets import TextInput

from sponsorship.core.errors import DomainError, PermissionDenied


def _n(singular: str, plural: str) -> tuple[str, str]:
    """Marks a plural pair for extraction (keyword `_n`); translated when a message is shown."""
    return singular, plural


# Every message WTForms and Flask-WTF write themselves (their English msgids), as the app's own
# msgids: Indonesian in the code, English in translations/en. Placeholders stay as WTForms fills them.
WTFORMS_MESSAGES = {
    "This field is required.": _l("Wajib diisi."),
    "Invalid input.": _l("Isian tidak sah."),
    "Invalid field name '%s'.": _l("Nama kolom '%s' tidak dikenal."),
    "Field must be equal to %(other_name)s.": _l("Isian harus sama dengan %(other_name)s."),
    "Field must be between %(min)d and %(max)d characters long.":
        _l("Panjang isian harus antara %(min)d dan %(max)d karakter."),
    "Number must be at least %(min)s.": _l("Angka paling kecil %(min)s."),
    "Number must be at most %(max)s.": _l("Angka paling besar %(max)s."),
    "Number must be between %(min)s and %(max)s.": _l("Angka harus antara %(min)s dan %(max)s."),
    "Date must be at least %(min)s.": _l("Tanggal paling awal %(min)s."),
    "Date must be at most %(max)s.": _l("Tanggal paling akhir %(max)s."),
    "Date must be between %(min)s and %(max)s.": _l("Tanggal harus antara %(min)s dan %(max)s."),
    "Invalid email address.": _l("Alamat e-mail tidak sah."),
    "Invalid IP address.": _l("Alamat IP tidak sah."),
    "Invalid Mac address.": _l("Alamat MAC tidak sah."),
    "Invalid URL.": _l("Alamat URL tidak sah."),
    "Invalid UUID.": _l("UUID tidak sah."),
    "Invalid value, must be one of: %(values)s.": _l("Nilai tidak sah; pilih salah satu: %(values)s."),
    "Invalid value, can't be any of: %(values)s.": _l("Nilai tidak sah; tidak boleh: %(values)s."),
    "This field cannot be edited.": _l("Isian ini tidak dapat diubah."),
    "This field is disabled and cannot have a value.": _l("Isian ini nonaktif dan tidak boleh diisi."),
    "Invalid CSRF Token.": _l("Token formulir tidak sah. Muat ulang halaman dan coba lagi."),
    "CSRF token missing.": _l("Token formulir tidak ada. Muat ulang halaman dan coba lagi."),
    "CSRF failed.": _l("Pemeriksaan formulir gagal. Muat ulang halaman dan coba lagi."),
    "CSRF token expired.": _l("Formulir kedaluwarsa. Muat ulang halaman dan coba lagi."),
    "Invalid Choice: could not coerce.": _l("Pilihan tidak sah."),
    "Choices cannot be None.": _l("Belum ada pilihan."),
    "Not a valid choice.": _l("Pilihan tidak sah."),
    "Invalid choice(s): one or more data inputs could not be coerced.":
        _l("Satu atau lebih pilihan tidak sah."),
    "Not a valid datetime value.": _l("Tanggal dan jam tidak sah."),
    "Not a valid date value.": _l("Tanggal tidak sah."),
    "Not a valid time value.": _l("Jam tidak sah."),
    "Not a valid week value.": _l("Minggu tidak sah."),
    "Not a valid integer value.": _l("Tulis bilangan bulat, mis. 12."),
    "Not a valid decimal value.": _l("Tulis angka, mis. 12,5."),
    "Not a valid float value.": _l("Tulis angka, mis. 12,5."),
    # Flask-WTF: file fields and the form's CSRF token
    "File does not have an approved extension: {extensions}":
        _l("Jenis berkas tidak diterima; yang diterima: {extensions}"),
    "File does not have an approved extension.": _l("Jenis berkas tidak diterima."),
    "The CSRF token is missing.": _l("Token formulir tidak ada. Muat ulang halaman dan coba lagi."),
    "The CSRF session token is missing.":
        _l("Sesi formulir tidak ditemukan. Muat ulang halaman dan coba lagi."),
    "The CSRF token has expired.": _l("Formulir kedaluwarsa. Muat ulang halaman dan coba lagi."),
    "The CSRF token is invalid.": _l("Token formulir tidak sah. Muat ulang halaman dan coba lagi."),
    "The CSRF tokens do not match.": _l("Token formulir tidak cocok. Muat ulang halaman dan coba lagi."),
}
WTFORMS_PLURALS = {
    "Field must be at least %(min)d character long.":
        _n("Panjang isian minimal %(min)d karakter.", "Panjang isian minimal %(min)d karakter."),
    "Field cannot be longer than %(max)d character.":
        _n("Panjang isian maksimal %(max)d karakter.", "Panjang isian maksimal %(max)d karakter."),
    "Field must be exactly %(max)d character long.":
        _n("Panjang isian harus tepat %(max)d karakter.", "Panjang isian harus tepat %(max)d karakter."),
    "'%(value)s' is not a valid choice for this field.":
        _n("'%(value)s' bukan pilihan yang sah.", "'%(value)s' bukan pilihan yang sah."),
}
# Flask-WTF's FileSize writes its numbers into the msgid before translating it.
_FILE_SIZE = re.compile(r"File must be between (\d+) and (\d+) bytes\.")


class FormMessages:
    """WTForms' translations hook (`Meta.get_translations`): its messages through the app's
    catalog, so they follow the UI language like every other text."""

    def gettext(self, string):
        found = WTFORMS_MESSAGES.get(str(string))
        if found is not None:
            return str(found)
        if match := _FILE_SIZE.fullmatch(str(string)):
            return str(_l("Ukuran berkas harus antara %(min)s dan %(max)s byte.",
                          min=match.group(1), max=match.group(2)))
        return string

    def ngettext(self, singular, plural, n):
        pair = WTFORMS_PLURALS.get(singular)
        if pair is None:
            return singular if n == 1 else plural
        return get_translations().ungettext(pair[0], pair[1], n)


FORM_MESSAGES = FormMessages()


class _FormCSRF(_FlaskFormCSRF):
    """Flask-WTF's CSRF check, its messages translated."""

    def validate_csrf_token(self, form, field):
        try:
            super().validate_csrf_token(form, field)
        except ValidationError as exc:
            raise ValidationError(field.gettext(exc.args[0])) from None


class Form(FlaskForm):
    """The base of every form of the app (a test checks): WTForms' and Flask-WTF's own messages
    ("This field is required.", "Not a valid integer value.", CSRF, files) in the UI language."""

    class Meta(FlaskForm.Meta):
        csrf_class = _FormCSRF

        def get_translations(self, form):
            return FORM_MESSAGES


class SubForm(WTForm):
    """The base of a form nested in another (`FormField`, `FieldList`): the same messages."""

    class Meta:
        def get_translations(self, form):
            return FORM_MESSAGES


class RupiahField(StringField):
    """Whole Rupiah typed as people write them: 210000000, 210.000.000 or Rp 210.000.000."""

    widget = TextInput()

    def process_formdata(self, valuelist):
        self.data = None
        if not valuelist or not valuelist[0].strip():
            return
        raw = valuelist[0].strip()
        cleaned = re.sub(r"^(rp\.?)\s*", "", raw, flags=re.I).replace(".", "").replace(" ", "")
        cleaned = re.sub(r",00$", "", cleaned)
        if not cleaned.isdigit():
            self.raw_text = raw
            raise ValueError(_l("Tulis nominal rupiah tanpa desimal, mis. 150.000.000."))
        self.data = int(cleaned)

    def _value(self):
        if self.data is None:
            return getattr(self, "raw_text", "")
        return f"{self.data:,}".replace(",", ".")


class MonthField(Field):
    """A month as YYYY-MM (the browser's month input), stored as its first day."""

    def __init__(self, label=None, validators=None, **kwargs):
        kwargs.setdefault("render_kw", {"type": "month", "placeholder": "2026-01"})
        super().__init__(label, validators, widget=TextInput(), **kwargs)

    def process_formdata(self, valuelist):
        self.data = None
        if not valuelist or not valuelist[0].strip():
            return
        match = re.fullmatch(r"(\d{4})-(\d{1,2})", valuelist[0].strip())
        if not match or not 1 <= int(match.group(2)) <= 12:
            raise ValueError(_l("Tulis bulan sebagai TTTT-BB, mis. 2026-01."))
        self.data = date(int(match.group(1)), int(match.group(2)), 1)

    def _value(self):
        return self.data.strftime("%Y-%m") if self.data else ""


def show_domain_error(form, error: DomainError) -> None:
    """Put a service's refusal next to its field, or at the top of the page."""
    field = getattr(form, error.field, None) if error.field else None
    if field is not None:
        field.errors = [*field.errors, error.message] if isinstance(field.errors, list) else [error.message]
    else:
        flash(str(error.message), "danger")


@dataclass
class Outcome:
    """What a `form_refusals` block came to: `ok`, or the `error` a service refused it with."""

    ok: bool = False
    error: DomainError | None = None


@contextlib.contextmanager
def form_refusals(form=None):
    """Run a service call whose refusal belongs beside the form's field.

        with form_refusals(form) as outcome:
            service.update_pledge(pledge, actor=current_user, data=form.data)
        if outcome.ok:
            flash(...)
            return redirect(...)
        return render_template(..., form=form)

    A DomainError rolls the transaction back and goes next to its field (or at the top of the
    page); without a form the view shows `outcome.error` itself. The request's commit point
    commits a block that went through. PermissionDenied is not a form's business: it passes on
    and becomes a 403.
    """
    from sponsorship.extensions import db

    outcome = Outcome()
    try:
        yield outcome
    except PermissionDenied:
        raise
    except DomainError as exc:
        db.session.rollback()
        outcome.error = exc
        if form is not None:
            show_domain_error(form, exc)
    else:
        outcome.ok = True
