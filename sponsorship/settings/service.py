"""Reading and changing settings and tariffs."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from flask import g, has_request_context
from flask_babel import lazy_gettext as _l
from sqlalchemy import event
from sqlalchemy.orm import Session

from sponsorship.audit import service as audit
from sponsorship.core.errors import DomainError
from sponsorship.extensions import db
from sponsorship.settings.models import JknTariff, Setting


@dataclass(frozen=True)
class CitySetting:
    """One setting admins change in the UI (audited); stored in the database, declared here."""

    key: str
    type: type  # str or float: what get_setting returns
    default: Any
    label: Any  # lazy text for the settings form
    editable: bool = True  # False: set by the city's setup only, shown but not edited on the page
    required: bool = False  # once the area is set up, never saved empty (the government's names)


# Every city setting, once: key, type, default and label. Numbering formats take {seq} and {year}.
SETTINGS: tuple[CitySetting, ...] = (
    # The area and its government: `flask --app app setup-city CODE` (or the first-run page)
    # fills these from the national region data; until then they are empty, and an empty value
    # is missing: documents/readiness.py refuses to issue a document that prints it.
    CitySetting("area_code", str, "", _l("Kode Kemendagri kabupaten/kota"), editable=False),
    CitySetting("area_name", str, "", _l("Nama daerah (Kota … / Kabupaten …)"), required=True),
    CitySetting("head_title", str, "Kepala Daerah", _l("Sebutan kepala daerah (Wali Kota / Bupati)")),
    CitySetting("city_name", str, "", _l("Nama pemerintah daerah"), required=True),
    CitySetting("city_short", str, "", _l("Nama daerah (singkat, tempat penandatanganan)"), required=True),
    CitySetting("unit_name", str, "Sekretariat Daerah", _l("Nama unit kerja")),
    CitySetting("unit_address", str, "", _l("Alamat unit kerja")),
    CitySetting("mayor_name", str, "", _l("Nama kepala daerah")),
    CitySetting("mayor_title", str, "", _l("Jabatan kepala daerah")),
    CitySetting("secretary_name", str, "", _l("Nama Sekretaris Daerah")),
    CitySetting("secretary_title", str, "", _l("Jabatan Sekretaris Daerah")),
    CitySetting("court_name", str, "", _l("Pengadilan negeri penyelesaian sengketa perjanjian")),
    CitySetting("baznas_office", str, "", _l("Kantor Baznas (verifikasi lapangan)")),
    CitySetting("uhc_coverage_threshold", float, 98.0, _l("Ambang kepesertaan UHC (%)")),
    CitySetting("uhc_activity_threshold", float, 80.0, _l("Ambang keaktifan UHC (%)")),
    CitySetting("uhc_city_share_threshold", float, 20.0,
                _l("UHC Prioritas: ambang peserta dibiayai APBD (PBPU Pemda) terhadap penduduk (%)")),
    CitySetting("aid_proposal_prefix", str, "BNM", _l("Awalan kode usulan bantuan")),
    CitySetting("aid_first_contact_days", float, 1.0,
                _l("Target kontak pertama setelah usulan masuk (hari)")),
    CitySetting("aid_payout_days", float, 3.0, _l("Target pencairan setelah disetujui (hari)")),
    CitySetting("aid_minutes_number_format", str, "400.9/{seq:04d}/SETDA/{year}",
                _l("Format nomor berita acara bantuan")),
    CitySetting("number_format_agreement", str, "400.7/{seq:04d}/SETDA/{year}",
                _l("Format nomor perjanjian kerja sama")),
    CitySetting("number_format_addendum", str, "400.7/{seq:04d}/ADD/SETDA/{year}",
                _l("Format nomor addendum perjanjian")),
    CitySetting("number_format_approval_letter", str, "400.9/{seq:04d}/WK/{year}",
                _l("Format nomor surat persetujuan kepala daerah")),
    CitySetting("number_format_verification_sheet", str, "400.9/{seq:04d}/VL/{year}",
                _l("Format nomor lembar verifikasi lapangan")),
    CitySetting("number_format_impact_report", str, "400.7/{seq:04d}/LAP-TJSL/{year}",
                _l("Format nomor laporan dampak TJSL")),
    # 900 = finance in Permendagri 83/2022
    CitySetting("number_format_invoice", str, "900.1/{seq:04d}/TAG-CSR/SETDA/{year}",
                _l("Format nomor tagihan iuran sponsor")),
    CitySetting("number_format_receipt", str, "900.1/{seq:04d}/KW-CSR/SETDA/{year}",
                _l("Format nomor tanda terima pembayaran sponsor")),
    # Official documents: an empty value is missing (documents/readiness.py refuses to issue).
    CitySetting("secretary_nip", str, "", _l("NIP Sekretaris Daerah")),
    CitySetting("city_npwp", str, "", _l("NPWP pemerintah daerah (bendahara penerimaan)")),
    CitySetting("payee_bank", str, "", _l("Bank rekening penerimaan")),
    CitySetting("payee_account_number", str, "", _l("Nomor rekening penerimaan")),
    CitySetting("payee_account_name", str, "", _l("Nama pemilik rekening penerimaan")),
    CitySetting("treasurer_name", str, "", _l("Nama penanda tangan tagihan dan tanda terima")),
    CitySetting("treasurer_nip", str, "", _l("NIP penanda tangan tagihan dan tanda terima")),
    CitySetting("treasurer_title", str, "Bendahara Penerimaan",
                _l("Jabatan penanda tangan tagihan dan tanda terima")),
    CitySetting("number_format_certificate", str, "400.7/{seq:04d}/PIAGAM/{year}",
                _l("Format nomor piagam penghargaan")),
)
DECLARED: dict[str, CitySetting] = {s.key: s for s in SETTINGS}
DEFAULTS: dict[str, Any] = {s.key: s.default for s in SETTINGS}
EDITABLE: tuple[str, ...] = tuple(s.key for s in SETTINGS if s.editable)
SETTING_LABELS = {s.key: s.label for s in SETTINGS}


def typed(key: str, value: Any) -> Any:
    """`value` as the declared type of `key` (a stored 98 is 98.0); ValueError names the key."""
    setting = DECLARED[key]
    if setting.type is float and not isinstance(value, bool):
        try:
            return float(value)
        except (TypeError, ValueError):
            pass
    elif setting.type is str and isinstance(value, str):
        return value
    raise ValueError(f"setting {key!r}: {value!r} is not a {setting.type.__name__}")


def get_setting(key: str) -> Any:
    """A setting's value, of its declared type; read once per request (one query for all)."""
    if not has_request_context():
        row = db.session.get(Setting, key)
        return typed(key, row.value) if row is not None else DEFAULTS[key]
    cached = g.get("settings_cache")
    if cached is None:
        cached = g.settings_cache = all_settings()
    return cached[key]


@event.listens_for(Session, "after_flush")
def _forget_cached_settings(session, _context) -> None:
    # A request that changes a setting reads the new value afterwards.
    if has_request_context() and any(isinstance(o, Setting) for o in (*session.new, *session.dirty)):
        g.pop("settings_cache", None)


def all_settings() -> dict[str, Any]:
    """Every declared setting, of its declared type (rows of undeclared keys are ignored)."""
    stored = {s.key: s.value for s in db.session.scalars(db.select(Setting))}
    return {key: typed(key, stored[key]) if key in stored else default
            for key, default in DEFAULTS.items()}


def stored_setting(key: str, default: Any = None) -> Any:
    """A setting another part keeps for itself (not in DEFAULTS, e.g. the letterhead emblem's
    path), or `default` while unset."""
    row = db.session.get(Setting, key)
    return row.value if row is not None else default


def set_setting(key: str, value: Any, *, actor, default: Any = None) -> bool:
    """Store one setting and audit the change in the same transaction; False (and nothing
    written) when it already has that value. An unset key counts as its DEFAULTS value, or as
    `default` for a key of another part. The caller decides who may change it."""
    row = db.session.get(Setting, key)
    old = row.value if row is not None else DEFAULTS.get(key, default)
    if old == value:
        return False
    if row is None:
        row = Setting(key=key)
        db.session.add(row)
    row.value = value
    audit.record(actor=actor, action="update", object_type="setting", object_id=None,
                 changes={key: [old, value]})
    return True


def update_settings(*, actor, values: dict[str, Any]) -> None:
    for key, value in values.items():
        if key not in EDITABLE:
            raise DomainError(_l("Pengaturan tidak dikenal."))
        try:
            value = typed(key, value)
        except ValueError:
            raise DomainError(_l("Nilai pengaturan tidak sah."), field=key) from None
        set_setting(key, value, actor=actor)


def tariff_for(month: date, jkn_class: int = 3) -> JknTariff | None:
    """The tariff in force on `month` for a class (latest valid_from not after it)."""
    return db.session.scalar(
        db.select(JknTariff)
        .where(JknTariff.jkn_class == jkn_class, JknTariff.valid_from <= month)
        .order_by(JknTariff.valid_from.desc())
        .limit(1)
    )


def add_tariff(*, actor, jkn_class: int, valid_from: date, monthly_premium: int,
               participant_share: int, note: str | None = None) -> JknTariff:
    if valid_from.day != 1:
        raise DomainError(_l("Tarif berlaku mulai tanggal 1 suatu bulan."), field="valid_from")
    if not 0 < participant_share <= monthly_premium:
        raise DomainError(_l("Porsi peserta harus lebih dari nol dan tidak melebihi iuran."),
                          field="participant_share")
    exists = db.session.scalar(
        db.select(JknTariff).where(JknTariff.jkn_class == jkn_class, JknTariff.valid_from == valid_from)
    )
    if exists is not None:
        raise DomainError(_l("Sudah ada tarif kelas ini untuk bulan tersebut."), field="valid_from")
    tariff = JknTariff(jkn_class=jkn_class, valid_from=valid_from, monthly_premium=monthly_premium,
                       participant_share=participant_share, note=note)
    db.session.add(tariff)
    audit.record_create(tariff, actor=actor)
    return tariff


# Rates as domain.md reports them (Perpres 64/2020); class 3 participants pay 35.000 since 2021.
SEED_TARIFFS = (
    (1, date(2020, 7, 1), 150_000, 150_000, "Perpres 64/2020"),
    (2, date(2020, 7, 1), 100_000, 100_000, "Perpres 64/2020"),
    (3, date(2021, 1, 1), 42_000, 35_000, "Perpres 64/2020; pemerintah menambah Rp 7.000"),
)


def seed_tariffs(actor=None) -> None:
    for jkn_class, valid_from, premium, share, note in SEED_TARIFFS:
        exists = db.session.scalar(
            db.select(JknTariff.id).where(JknTariff.jkn_class == jkn_class,
                                          JknTariff.valid_from == valid_from))
        if exists is None:
            add_tariff(actor=actor, jkn_class=jkn_class, valid_from=valid_from,
                       monthly_premium=premium, participant_share=share, note=note)
