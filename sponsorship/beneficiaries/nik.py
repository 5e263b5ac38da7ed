"""NIK and KK checks, and keeping a NIK secret: encrypted at rest, found through a keyed blind index.

A NIK encodes region, birth date and sex, so its search space is small and a plain hash
could be reversed; the blind index is an HMAC with a key kept outside the database.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import os
import re
from dataclasses import dataclass
from datetime import date
from functools import lru_cache

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from flask import current_app
from flask_babel import lazy_gettext as _l
from stdnum.exceptions import ValidationError
from stdnum.id import nik as stdnum_nik

SCIENTIFIC = re.compile(r"^\s*\d+([.,]\d+)?[eE][+-]?\d+\s*$")


class NikError(ValueError):
    """A NIK or KK refused; the message is the reason shown to staff (Indonesian)."""

    def __init__(self, reason) -> None:
        super().__init__(str(reason))
        self.reason = reason


@lru_cache(maxsize=4096)
def _region_known(prefix4: str) -> bool:
    try:
        stdnum_nik._check_registration_place(prefix4 + "0" * 12)
    except ValidationError:
        return False
    return True


def clean_nik(raw: str | None, *, label=None) -> str:
    """Return the 16-digit NIK or raise NikError with the reason (validated with stdnum.id.nik)."""
    label = label or _l("NIK")
    value = (raw or "").strip()
    if not value:
        raise NikError(_l("%(label)s kosong.", label=label))
    if SCIENTIFIC.match(value):
        raise NikError(_l("%(label)s ditulis Excel dalam notasi ilmiah (%(v)s) sehingga digitnya hilang; "
                          "format kolom sebagai teks.", label=label, v=value))
    if not (len(value) == 16 and value.isascii() and value.isdigit()):  # the common case skips compact()
        value = stdnum_nik.compact(value)
    if not value.isdigit():
        raise NikError(_l("%(label)s hanya boleh berisi angka.", label=label))
    if len(value) != 16:
        raise NikError(_l("%(label)s harus 16 digit (tertulis %(n)s digit).", label=label, n=len(value)))
    try:
        stdnum_nik.get_birth_date(value)
    except ValidationError:
        raise NikError(_l("Tanggal lahir di dalam %(label)s tidak valid.", label=label)) from None
    if not _region_known(value[:4]):
        raise NikError(_l("Kode wilayah %(label)s tidak dikenal.", label=label))
    if value[12:] == "0000":
        raise NikError(_l("Nomor urut %(label)s tidak boleh 0000.", label=label))
    return value


def clean_kk(raw: str | None) -> str | None:
    """KK: 16 digits (area, issue date, serial); empty allowed."""
    value = (raw or "").strip()
    if not value:
        return None
    if SCIENTIFIC.match(value):
        raise NikError(_l("No. KK ditulis Excel dalam notasi ilmiah (%(v)s); format kolom sebagai teks.",
                          v=value))
    value = re.sub(r"[\s.-]", "", value)
    if not value.isdigit() or len(value) != 16:
        raise NikError(_l("No. KK harus 16 digit angka."))
    return value


@dataclass(frozen=True)
class NikFacts:
    sex: str  # "L" or "P"
    day: int
    month: int
    year2: int  # the century is ambiguous


def nik_facts(nik: str) -> NikFacts:
    day = int(nik[6:8])
    return NikFacts(sex="P" if day > 40 else "L", day=day % 40, month=int(nik[8:10]), year2=int(nik[10:12]))


def agrees_with_nik(nik: str, sex: str | None, birth_date: date | None) -> bool:
    """False when the given sex or birth date disagrees with what the NIK encodes."""
    facts = nik_facts(nik)
    if sex and sex != facts.sex:
        return False
    if birth_date and (birth_date.day, birth_date.month, birth_date.year % 100) != (
            facts.day, facts.month, facts.year2):
        return False
    return True


def birth_date_from_nik(nik: str, today: date | None = None) -> date:
    """The NIK's birth date, choosing the century that is not in the future."""
    facts = nik_facts(nik)
    today = today or date.today()
    year = 2000 + facts.year2
    if year > today.year:
        year -= 100
    return date(year, facts.month, facts.day)


def mask(nik: str) -> str:
    """`197101******0003`: what sponsors, lists and logs may show."""
    return nik[:6] + "*" * 6 + nik[-4:]


# --- secrecy -------------------------------------------------------------------------------

def _key(name: str) -> bytes:
    # Any configured string becomes a 32-byte key; the string itself never reaches the database.
    return hashlib.sha256(current_app.config[name].encode()).digest()


class NikCipher:
    """Encrypts, decrypts and blind-indexes NIKs with the app's keys (build once per batch)."""

    def __init__(self) -> None:
        self._aead = AESGCM(_key("NIK_ENCRYPTION_KEY"))
        self._mac_key = _key("NIK_HMAC_KEY")

    def blind_index(self, nik: str) -> str:
        return hmac.digest(self._mac_key, nik.encode(), "sha256").hex()

    def encrypt(self, nik: str) -> str:
        nonce = os.urandom(12)
        return base64.urlsafe_b64encode(nonce + self._aead.encrypt(nonce, nik.encode(), b"nik")).decode()

    def decrypt(self, token: str) -> str:
        raw = base64.urlsafe_b64decode(token.encode())
        return self._aead.decrypt(raw[:12], raw[12:], b"nik").decode()


def cipher() -> NikCipher:
    return NikCipher()
