"""Keeping NIKs (and KKs) secret: AES-GCM at rest, found through a keyed HMAC blind index.

A NIK's search space is small (region, birth date, serial), so a plain hash could be reversed;
the index is an HMAC-SHA256 with a key kept outside the database.

Keys have ids. The configuration names the current key (NIK_KEY_ID, NIK_ENCRYPTION_KEY) and may
list older ones still read during a rotation (NIK_PREVIOUS_KEYS = "id:secret,id:secret"). From
each secret HKDF-SHA256 derives two independent keys, one per `info` label: the encryption key
and the blind-index key. A row stores the id of the key that encrypted and indexed it
(`nik_key_id`): decryption picks the key by that id, and a lookup asks for the index under
every configured key, so rows not yet rotated are still found. `flask rotate-nik-keys` moves
rows onto the current key.
"""
from __future__ import annotations

import base64
import hmac
import os
import re
from dataclasses import dataclass
from functools import lru_cache

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import current_app

KEY_ID = re.compile(r"^[A-Za-z0-9_.-]{1,16}$")
KINDS = ("nik", "kk")  # also the associated data: a KK ciphertext never decrypts as a NIK
_SALT = b"sponsorship.identity"
_INFO_ENCRYPTION = b"nik encryption key v1"
_INFO_INDEX = b"nik blind index key v1"
_SEALED = b"SEALED1:"  # how a sealed file begins


class NikKeyError(RuntimeError):
    """The NIK keys are misconfigured, or a row names a key id that is not configured."""


def derive_keys(secret: str) -> tuple[bytes, bytes]:
    """(encryption key, blind-index key), 32 bytes each, from one configured secret."""
    def hkdf(info: bytes) -> bytes:
        return HKDF(algorithm=hashes.SHA256(), length=32, salt=_SALT, info=info).derive(secret.encode())

    return hkdf(_INFO_ENCRYPTION), hkdf(_INFO_INDEX)


def _check_kind(kind: str) -> None:
    if kind not in KINDS:
        raise ValueError(f"unknown kind of number: {kind!r}")


@dataclass(frozen=True)
class NikKey:
    id: str
    aead: AESGCM
    index_key: bytes

    @classmethod
    def from_secret(cls, key_id: str, secret: str) -> NikKey:
        if not KEY_ID.match(key_id or ""):
            raise NikKeyError(f"NIK key id {key_id!r}: use 1-16 letters, digits, '.', '_' or '-'")
        if not secret:
            raise NikKeyError(f"NIK key {key_id!r} has an empty secret")
        encryption, index = derive_keys(secret)
        return cls(id=key_id, aead=AESGCM(encryption), index_key=index)


def parse_previous_keys(text: str | None) -> list[tuple[str, str]]:
    """"id:secret,id:secret" -> [(id, secret), ...] (a secret may contain ':' but not ',')."""
    out = []
    for item in (text or "").split(","):
        item = item.strip()
        if not item:
            continue
        key_id, sep, secret = item.partition(":")
        if not sep:
            raise NikKeyError("NIK_PREVIOUS_KEYS must read id:secret,id:secret")
        out.append((key_id.strip(), secret.strip()))
    return out


class NikCipher:
    """Encrypts with the current key, decrypts with the key a row names, blind-indexes with any."""

    def __init__(self, current: NikKey, previous: tuple[NikKey, ...] = ()) -> None:
        self.current = current
        self.keys = {current.id: current}
        for key in previous:
            if key.id in self.keys:
                raise NikKeyError(f"NIK key id {key.id!r} is configured twice")
            self.keys[key.id] = key
        self.previous_ids = tuple(k.id for k in previous)

    @property
    def key_id(self) -> str:
        """The id to store beside what encrypt() and blind_index() give."""
        return self.current.id

    def _key(self, key_id: str | None) -> NikKey:
        if key_id is None:
            return self.current
        try:
            return self.keys[key_id]
        except KeyError:
            raise NikKeyError(f"NIK key id {key_id!r} is not configured (NIK_KEY_ID, NIK_PREVIOUS_KEYS)") \
                from None

    def encrypt(self, value: str, *, kind: str = "nik") -> str:
        _check_kind(kind)
        nonce = os.urandom(12)
        sealed = self.current.aead.encrypt(nonce, value.encode(), kind.encode())
        return base64.urlsafe_b64encode(nonce + sealed).decode()

    def decrypt(self, token: str | None, key_id: str, *, kind: str = "nik") -> str | None:
        if not token:
            return None
        raw = base64.urlsafe_b64decode(token.encode())
        return self._key(key_id).aead.decrypt(raw[:12], raw[12:], kind.encode()).decode()

    def seal(self, data: bytes, *, purpose: str) -> bytes:
        """Encrypt a whole file that holds NIKs (an import kept for its confirmation) with the
        current key: magic, key id, nonce, ciphertext. `purpose` is bound as associated data."""
        key_id = self.current.id.encode()
        nonce = os.urandom(12)
        sealed = self.current.aead.encrypt(nonce, data, b"file:" + purpose.encode())
        return _SEALED + bytes([len(key_id)]) + key_id + nonce + sealed

    def unseal(self, blob: bytes, *, purpose: str) -> bytes:
        """The bytes given to `seal`; ValueError when the blob is not one, or was altered."""
        from cryptography.exceptions import InvalidTag

        if not blob.startswith(_SEALED) or len(blob) < len(_SEALED) + 2:
            raise ValueError("not a sealed file")
        n = blob[len(_SEALED)]
        start = len(_SEALED) + 1
        key_id = blob[start:start + n].decode()
        nonce = blob[start + n:start + n + 12]
        try:
            return self._key(key_id).aead.decrypt(nonce, blob[start + n + 12:], b"file:" + purpose.encode())
        except InvalidTag:
            raise ValueError("sealed file altered or sealed for another purpose") from None

    def blind_index(self, value: str, *, kind: str = "nik", key_id: str | None = None) -> str:
        """Keyed hash of a normalised number: equal numbers match, the number is not recoverable.
        The same NIK gives the same index in every table (under the same key)."""
        _check_kind(kind)
        message = value if kind == "nik" else f"{kind}:{value}"
        return hmac.digest(self._key(key_id).index_key, message.encode(), "sha256").hex()

    def blind_indexes(self, value: str, *, kind: str = "nik") -> list[str]:
        """The index under every configured key, the current one first: what a lookup asks for."""
        return [self.blind_index(value, kind=kind, key_id=k) for k in self.keys]

    def older_indexes(self, value: str, *, kind: str = "nik") -> list[str]:
        """The index under every previous key (none once a rotation is over and they are removed)."""
        return [self.blind_index(value, kind=kind, key_id=k) for k in self.previous_ids]


@lru_cache(maxsize=8)
def _cipher(key_id: str, secret: str, previous: str) -> NikCipher:
    older = tuple(NikKey.from_secret(i, s) for i, s in parse_previous_keys(previous))
    return NikCipher(NikKey.from_secret(key_id, secret), older)


def cipher() -> NikCipher:
    """The app's NIK cipher, from its configuration (cheap: built once per configuration)."""
    config = current_app.config
    return _cipher(config.get("NIK_KEY_ID") or "k1", config["NIK_ENCRYPTION_KEY"],
                   config.get("NIK_PREVIOUS_KEYS") or "")
