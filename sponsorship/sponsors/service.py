"""Creating and editing companies."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from stdnum.exceptions import ValidationError
from stdnum.id import npwp as stdnum_npwp

from sponsorship.audit import service as audit
from sponsorship.core.errors import DomainError
from sponsorship.extensions import db
from sponsorship.sponsors.models import LEGAL_FORMS, Sponsor

FIELDS = (
    "name", "short_name", "legal_form", "address", "sector",
    "contact_name", "contact_email", "contact_phone", "listed_publicly",
)


def normalise_npwp(raw: str) -> str:
    """Validate an NPWP (15 or 16 digits, any punctuation) and return its 16-digit form."""
    try:
        number = stdnum_npwp.validate(raw or "")
    except ValidationError as exc:
        raise DomainError(_l("NPWP tidak valid: periksa jumlah digit dan angka kontrolnya."),
                          field="npwp") from exc
    return number if len(number) == 16 else "0" + number


def _apply(sponsor: Sponsor, data: dict, npwp: str) -> None:
    if data.get("legal_form") not in LEGAL_FORMS:
        raise DomainError(_l("Bentuk badan usaha tidak dikenal."), field="legal_form")
    name = (data.get("name") or "").strip()
    if not name:
        raise DomainError(_l("Nama perusahaan wajib diisi."), field="name")
    clash = db.session.scalar(
        db.select(Sponsor).where(
            (Sponsor.npwp == npwp) | (db.func.lower(Sponsor.name) == name.lower()),
            Sponsor.id != (sponsor.id or 0),
        )
    )
    if clash is not None:
        field = "npwp" if clash.npwp == npwp else "name"
        raise DomainError(_l("Perusahaan dengan NPWP atau nama ini sudah terdaftar."), field=field)
    for key in FIELDS:
        value = data.get(key)
        if key == "listed_publicly":
            value = bool(value)  # consent is yes or no; a missing answer is no, never NULL
        setattr(sponsor, key, value.strip() or None if isinstance(value, str) else value)
    sponsor.name = name
    sponsor.npwp = npwp


def create_sponsor(*, actor, data: dict) -> Sponsor:
    npwp = normalise_npwp(data.get("npwp", ""))
    sponsor = Sponsor()
    _apply(sponsor, data, npwp)
    db.session.add(sponsor)
    audit.record_create(sponsor, actor=actor)
    return sponsor


def update_sponsor(sponsor: Sponsor, *, actor, data: dict) -> Sponsor:
    npwp = normalise_npwp(data.get("npwp", ""))
    with db.session.no_autoflush:
        _apply(sponsor, data, npwp)
    audit.record_update(sponsor, actor=actor)
    return sponsor
