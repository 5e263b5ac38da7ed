"""Text normalisation for case- and accent-insensitive search."""
from __future__ import annotations

import re
import unicodedata

_SPACES = re.compile(r"\s+")


def normalise(value: str | None) -> str:
    """'  Siti  Nurhaliza Â ' -> 'siti nurhaliza a': lowercase, accents stripped, single spaces."""
    if not value:
        return ""
    decomposed = unicodedata.normalize("NFKD", value)
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return _SPACES.sub(" ", stripped).strip().lower()


def initials(name: str | None) -> str:
    """'Siti Nurhaliza' -> 'S. N.': what a sponsor sees instead of a name."""
    parts = [p for p in (name or "").split() if p[:1].isalpha()]
    return " ".join(f"{p[0].upper()}." for p in parts) or "–"
