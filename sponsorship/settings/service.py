"""Reading and changing settings and tariffs."""
from __future__ import annotations

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

# Every setting with its default; admins change them in the UI (audited).
DEFAULTS: dict[str, Any] = {
    "city_name": "Pemerintah Kota Pangkalpinang",
    "city_short": "Pangkalpinang",
    "unit_name": "Sekretariat Daerah",
    "unit_address": "Jl. Merdeka No. 4, Pangkalpinang, Kepulauan Bangka Belitung 33128",
    "mayor_name": "[Nama Wali Kota]",
    "mayor_title": "Wali Kota Pangkalpinang",
    "secretary_name": "[Nama Sekretaris Daerah]",
    "secretary_title": "Sekretaris Daerah Kota Pangkalpinang",
    "uhc_coverage_threshold": 98.0,
    "uhc_activity_threshold": 80.0,
    "aid_proposal_prefix": "BNM",
    "aid_first_contact_days": 1.0,
    "aid_payout_days": 3.0,
    "aid_minutes_number_format": "400.9/{seq:04d}/SETDA/{year}",
    # official documents (issue 5): number format per kind; {seq} and {year} only
    "number_format_agreement": "400.7/{seq:04d}/SETDA/{year}",
    "number_format_addendum": "400.7/{seq:04d}/ADD/SETDA/{year}",
    "number_format_approval_letter": "400.9/{seq:04d}/WK/{year}",
    "number_format_verification_sheet": "400.9/{seq:04d}/VL/{year}",
    "number_format_impact_report": "400.7/{seq:04d}/LAP-TJSL/{year}",
    # premium billing (issue 6): 900 = finance in Permendagri 83/2022
    "number_format_invoice": "900.1/{seq:04d}/TAG-CSR/SETDA/{year}",
    "number_format_receipt": "900.1/{seq:04d}/KW-CSR/SETDA/{year}",
}

SETTING_LABELS = {
    "city_name": _l("Nama pemerintah daerah"),
    "city_short": _l("Nama kota (singkat)"),
    "unit_name": _l("Nama unit kerja"),
    "unit_address": _l("Alamat unit kerja"),
    "mayor_name": _l("Nama Wali Kota"),
    "mayor_title": _l("Jabatan Wali Kota"),
    "secretary_name": _l("Nama Sekretaris Daerah"),
    "secretary_title": _l("Jabatan Sekretaris Daerah"),
    "uhc_coverage_threshold": _l("Ambang kepesertaan UHC (%)"),
    "uhc_activity_threshold": _l("Ambang keaktifan UHC (%)"),
    "aid_proposal_prefix": _l("Awalan kode usulan bantuan"),
    "aid_first_contact_days": _l("Target kontak pertama setelah usulan masuk (hari)"),
    "aid_payout_days": _l("Target pencairan setelah disetujui (hari)"),
    "aid_minutes_number_format": _l("Format nomor berita acara bantuan"),
    "number_format_agreement": _l("Format nomor perjanjian kerja sama"),
    "number_format_addendum": _l("Format nomor addendum perjanjian"),
    "number_format_approval_letter": _l("Format nomor surat persetujuan Wali Kota"),
    "number_format_verification_sheet": _l("Format nomor lembar verifikasi lapangan"),
    "number_format_impact_report": _l("Format nomor laporan dampak TJSL"),
    "number_format_invoice": _l("Format nomor tagihan iuran sponsor"),
    "number_format_receipt": _l("Format nomor tanda terima pembayaran sponsor"),
}


def get_setting(key: str) -> Any:
    """A setting's value; read once per request (one query for all of them)."""
    if not has_request_context():
        row = db.session.get(Setting, key)
        return row.value if row is not None else DEFAULTS[key]
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
    stored = {s.key: s.value for s in db.session.scalars(db.select(Setting))}
    return {key: stored.get(key, default) for key, default in DEFAULTS.items()}


def stored_setting(key: str, default: Any = None) -> Any:
    """A setting another part keeps for itself (not in DEFAULTS), or `default` while unset."""
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
        if key not in DEFAULTS:
            raise DomainError(_l("Pengaturan tidak dikenal."))
        if get_setting(key) != value:
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
