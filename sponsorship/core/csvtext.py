"""Reading the CSV files agencies send: which delimiter they used, found once for every import."""
from __future__ import annotations

import csv
import io
from collections.abc import Iterator

# What the agencies' spreadsheets write: comma, semicolon (Indonesian-locale Excel), tab, pipe.
DELIMITERS = ",;\t|"
SAMPLE_CHARS = 16 * 1024


def delimiter_of(text: str) -> str:
    """The delimiter of a CSV text, by `csv.Sniffer` over its first lines; a comma when the
    sample does not tell (one column, or a single line without any of DELIMITERS)."""
    sample = text[:SAMPLE_CHARS]
    if len(text) > SAMPLE_CHARS and "\n" in sample:
        sample = sample[:sample.rindex("\n")]  # whole lines only: a cut line would look inconsistent
    try:
        return csv.Sniffer().sniff(sample, delimiters=DELIMITERS).delimiter
    except csv.Error:
        return ","


def csv_reader(text: str) -> Iterator[list[str]]:
    """Rows of a CSV text in its own delimiter. Quoting stays the standard one (double quotes):
    only the delimiter is taken from the sniffer, whose quote guess a name like O'Neil can fool."""
    return csv.reader(io.StringIO(text, newline=""), delimiter=delimiter_of(text))
