"""What every kind of document needs before it is issued, declared once, and the check.

An issued document cannot be changed, so nothing is issued while a value it prints is missing:
`require_ready(kind, ...)` raises `NotReady` with the list of what is missing and, for each, the
page where it is filled in (city settings, the agreement draft, the company, the berita acara).
Empty counts as missing; so does a numbering format that does not parse.

A need names its source and field:
    setting    a city setting (settings/service.py), filled in on the settings page
    agreement  a field of the agreement draft
    sponsor    a field of the company
    minutes    a field of the berita acara (`attendees`: at least one)
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from flask import url_for
from flask_babel import lazy_gettext as _l

from sponsorship.core.errors import DomainError
from sponsorship.documents.models import (
    ADDENDUM,
    AGREEMENT,
    APPROVAL_LETTER,
    CERTIFICATE,
    IMPACT_REPORT,
    INVOICE,
    MINUTES,
    RECEIPT,
    VERIFICATION_SHEET,
)

SETTING, AGREEMENT_FIELD, SPONSOR_FIELD, MINUTES_FIELD = "setting", "agreement", "sponsor", "minutes"


@dataclass(frozen=True)
class Need:
    source: str
    name: str
    label: Any = None  # for settings, the setting's own label
    when: str | None = None  # needed only when this attribute of the object is true


def _s(*keys: str) -> tuple[Need, ...]:
    return tuple(Need(SETTING, k) for k in keys)


LETTERHEAD = _s("city_name", "city_short", "unit_name", "unit_address")
TREASURER = _s("treasurer_name", "treasurer_nip", "treasurer_title", "city_npwp")
AGREEMENT_PARTIES = (
    Need(AGREEMENT_FIELD, "signing_place", _l("Tempat penandatanganan")),
    Need(AGREEMENT_FIELD, "city_signatory_name", _l("Penanda tangan pihak kota")),
    Need(AGREEMENT_FIELD, "city_signatory_title", _l("Jabatan penanda tangan pihak kota")),
    Need(AGREEMENT_FIELD, "company_signatory_name", _l("Penanda tangan pihak perusahaan")),
    Need(AGREEMENT_FIELD, "company_signatory_title", _l("Jabatan penanda tangan pihak perusahaan")),
    Need(AGREEMENT_FIELD, "bpjs_signatory_name", _l("Penanda tangan BPJS Kesehatan"), when="bpjs_party"),
    Need(AGREEMENT_FIELD, "bpjs_signatory_title", _l("Jabatan penanda tangan BPJS Kesehatan"),
         when="bpjs_party"),
    Need(SPONSOR_FIELD, "address", _l("Alamat perusahaan")),
    Need(SPONSOR_FIELD, "npwp", _l("NPWP perusahaan")),
)

NEEDS: dict[str, tuple[Need, ...]] = {
    AGREEMENT: LETTERHEAD + AGREEMENT_PARTIES + _s("number_format_agreement", "area_name", "head_title",
                                                   "court_name") + tuple(
        Need(SETTING, k, when="pays_through_city")
        for k in ("payee_bank", "payee_account_number", "payee_account_name")),
    ADDENDUM: LETTERHEAD + AGREEMENT_PARTIES + _s("number_format_addendum", "area_name", "head_title",
                                                 "court_name"),
    MINUTES: LETTERHEAD + _s("mayor_name", "mayor_title", "secretary_name", "secretary_title",
                             "aid_minutes_number_format") + (
        Need(MINUTES_FIELD, "meeting_time", _l("Pukul rapat")),
        Need(MINUTES_FIELD, "place", _l("Tempat rapat")),
        Need(MINUTES_FIELD, "attendees", _l("Peserta rapat")),
    ),
    APPROVAL_LETTER: LETTERHEAD + _s("mayor_name", "mayor_title", "head_title", "baznas_office",
                                     "number_format_approval_letter"),
    VERIFICATION_SHEET: LETTERHEAD + _s("baznas_office", "number_format_verification_sheet"),
    IMPACT_REPORT: LETTERHEAD + _s("number_format_impact_report"),
    CERTIFICATE: LETTERHEAD + _s("mayor_name", "mayor_title", "number_format_certificate"),
    INVOICE: LETTERHEAD + TREASURER + _s("payee_bank", "payee_account_number", "payee_account_name",
                                         "number_format_invoice") + (
        Need(SPONSOR_FIELD, "npwp", _l("NPWP perusahaan")),
    ),
    RECEIPT: LETTERHEAD + TREASURER + _s("number_format_receipt") + (
        Need(SPONSOR_FIELD, "npwp", _l("NPWP perusahaan")),
    ),
}


@dataclass
class Missing:
    label: str
    endpoint: str
    values: dict = field(default_factory=dict)
    anchor: str | None = None

    @property
    def url(self) -> str | None:
        try:
            return url_for(self.endpoint, _anchor=self.anchor, **self.values)
        except RuntimeError:  # outside a request and without SERVER_NAME (a command)
            return None


class NotReady(DomainError):
    """Issuing refused: `missing` lists what is missing and where it is filled in."""

    def __init__(self, kind: str, missing: list[Missing]) -> None:
        from sponsorship.documents.models import KINDS

        names = "; ".join(m.label for m in missing)
        super().__init__(str(_l("%(kind)s belum dapat diterbitkan. Yang belum diisi: %(names)s.",
                                kind=KINDS.get(kind, kind), names=names)))
        self.kind = kind
        self.missing = missing


# What a placeholder looks like ("[Nama Wali Kota]"): a value saved from an old default is missing.
PLACEHOLDER = re.compile(r"\[[^\]]*\]")


def blank(value) -> bool:
    if isinstance(value, str):
        return not value.strip() or bool(PLACEHOLDER.search(value))
    return not value


def setting_missing(key: str) -> bool:
    """Empty, a leftover placeholder, or a numbering format that does not parse."""
    from sponsorship.documents.service import check_number_format
    from sponsorship.settings.service import get_setting

    value = get_setting(key)
    if isinstance(value, str):
        if blank(value):
            return True
        value = value.strip()
        if "number_format" in key:
            try:
                check_number_format(value)
            except DomainError:
                return True
    return not value


def missing(kind: str, *, agreement=None, sponsor=None, minutes=None) -> list[Missing]:
    """What `kind` still needs for these objects (empty list: ready)."""
    from sponsorship.settings.service import SETTING_LABELS

    if sponsor is None and agreement is not None:
        sponsor = agreement.pledge.sponsor
    found: list[Missing] = []
    for need in NEEDS[kind]:
        if need.when and agreement is not None and not getattr(agreement, need.when):
            continue
        if need.source == SETTING:
            if setting_missing(need.name):
                found.append(Missing(str(SETTING_LABELS[need.name]), "settings.index",
                                     anchor=f"s-{need.name}"))
        elif need.source == AGREEMENT_FIELD and agreement is not None:
            if blank(getattr(agreement, need.name)):
                found.append(Missing(str(need.label), "agreements.edit",
                                     {"pledge_id": agreement.pledge_id}))
        elif need.source == SPONSOR_FIELD and sponsor is not None:
            if blank(getattr(sponsor, need.name)):
                found.append(Missing(str(need.label), "sponsors.edit", {"sponsor_id": sponsor.id}))
        elif need.source == MINUTES_FIELD and minutes is not None:
            if blank(getattr(minutes, need.name)):
                found.append(Missing(str(need.label), "minutes.detail", {"minutes_id": minutes.id},
                                     anchor=need.name))
    return found


def require_ready(kind: str, **objects) -> None:
    gaps = missing(kind, **objects)
    if gaps:
        raise NotReady(kind, gaps)
