"""How a name is compared when linking records: the one normaliser of Indonesian name variants."""
from __future__ import annotations

import re

from sponsorship.beneficiaries.text import normalise

_NOT_LETTER = re.compile(r"[^a-z0-9 ]+")
# Written forms of the same given name, as agencies' clerks type them, to one spelling.
VARIANTS = {
    **dict.fromkeys(("muhammad", "muhamad", "mohammad", "mohamad", "mochammad", "mochamad", "muhammed",
                     "mohammed", "muhamat", "muhammat", "mohamed", "moh", "moch", "mhd", "muh", "md",
                     "m"), "muhammad"),
    **dict.fromkeys(("siti", "st", "sitti"), "siti"),
    **dict.fromkeys(("abdul", "abd", "abdoel"), "abdul"),
    **dict.fromkeys(("nur", "noor", "nurul"), "nur"),
    **dict.fromkeys(("achmad", "ahmad", "akhmad", "ahmat", "achmat"), "ahmad"),
}


def name_tokens(name: str | None) -> list[str]:
    """'M. RIZKI  Pratama' -> ['muhammad', 'rizki', 'pratama']: case, accents, punctuation and
    spacing ignored, given-name variants (Muhammad/Muhamad/M., Siti/St., ...) to one spelling."""
    text = _NOT_LETTER.sub(" ", normalise(name).replace("'", ""))
    return [VARIANTS.get(t, t) for t in text.split()]


def name_key(name: str | None) -> str:
    """The name as linkage compares it: tokens joined without spaces ('Nur Haliza' = 'Nurhaliza')."""
    return "".join(name_tokens(name))


def same_name(a: str | None, b: str | None) -> bool:
    """Two writings of a name that are no disagreement between sources: they differ only in case,
    accents or spacing (SITI AMINAH = Siti  Aminah). A variant (M. / Muhammad) still is one."""
    return normalise(a).replace(" ", "") == normalise(b).replace(" ", "")
