"""National identity numbers (NIK, KK) in one place: checks, what a NIK encodes, the one masking
rule, and secrecy (encryption with key ids, one blind index for every table, key rotation).

Nothing else in the application validates, masks, encrypts or hashes a NIK.
"""
from sponsorship.identity.numbers import (
    SCIENTIFIC,
    NikError,
    NikFacts,
    agrees_with_nik,
    birth_date_from_nik,
    clean_kk,
    clean_nik,
    mask,
    nik_facts,
)
from sponsorship.identity.secrecy import NikCipher, NikKey, NikKeyError, cipher, derive_keys

__all__ = [
    "SCIENTIFIC", "NikCipher", "NikError", "NikFacts", "NikKey", "NikKeyError", "agrees_with_nik",
    "birth_date_from_nik", "cipher", "clean_kk", "clean_nik", "derive_keys", "mask", "nik_facts",
]
