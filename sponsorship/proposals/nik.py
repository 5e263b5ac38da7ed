"""NIK at rest: encrypted (Fernet) with a keyed HMAC blind index for lookups.

A NIK's search space is small (region + birth date + serial), so an unkeyed hash would be
reversible; keys come from the environment or, by default, from secrets under instance/.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import os
from pathlib import Path

from cryptography.fernet import Fernet
from flask import current_app
from flask_babel import lazy_gettext as _l
from stdnum.id import nik as stdnum_nik

from sponsorship.config import instance_secret
from sponsorship.core.errors import DomainError


def _secret(env_name: str, file_name: str) -> bytes:
    value = os.environ.get(env_name) or current_app.config.get(env_name)
    if not value:
        value = instance_secret(Path(current_app.instance_path), file_name)
    return value.encode()


def _fernet() -> Fernet:
    key = hashlib.sha256(b"nik-encryption:" + _secret("NIK_ENCRYPTION_KEY", "nik_encryption_key")).digest()
    return Fernet(base64.urlsafe_b64encode(key))


def blind_index(value: str) -> str:
    """Keyed hash of a normalised number: equal numbers match, the number is not recoverable."""
    key = _secret("NIK_HMAC_KEY", "nik_hmac_key")
    return hmac.new(key, value.encode(), hashlib.sha256).hexdigest()


def encrypt(value: str) -> str:
    return _fernet().encrypt(value.encode()).decode()


def decrypt(token: str | None) -> str | None:
    return _fernet().decrypt(token.encode()).decode() if token else None


def clean_nik(value: str | None, *, field: str = "patient_nik") -> str:
    raw = "".join(ch for ch in (value or "") if not ch.isspace())
    try:
        return stdnum_nik.validate(raw)
    except Exception as exc:  # stdnum raises its own ValidationError subclasses
        raise DomainError(_l("NIK tidak sah: harus 16 angka dengan kode wilayah dan tanggal lahir "
                             "yang benar."), field=field) from exc


def clean_kk(value: str | None, *, field: str = "patient_kk") -> str | None:
    raw = "".join(ch for ch in (value or "") if not ch.isspace())
    if not raw:
        return None
    if not (raw.isdigit() and len(raw) == 16):
        raise DomainError(_l("Nomor KK harus 16 angka."), field=field)
    return raw
