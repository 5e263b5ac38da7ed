"""Form helpers: Rupiah and month fields, and putting service errors beside their field."""
from __future__ import annotations

import contextlib
import re
from dataclasses import dataclass
from datetime import date

from flask import flash
from flask_babel import lazy_gettext as _l
from wtforms import Field, StringField
from wtforms.widgets import TextInput

from sponsorship.core.errors import DomainError, PermissionDenied


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
