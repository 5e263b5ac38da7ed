"""Reading the CSV files agencies send: which delimiter they used, found once for every import, and
the bounds a hostile file meets before the csv module holds a whole line or field of it."""
from __future__ import annotations

import csv

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


def csv_reader(text: str, *, field_limit: int | None = None):
    """Rows of a CSV text in its own delimiter. Quoting stays the standard one (double quotes):
    only the delimiter is taken from the sniffer, whose quote guess a name like O'Neil can fool.

    `field_limit` sets the csv module's bound on one field (module-wide, so every reader of the
    process shares it): a longer field raises csv.Error while reading instead of being held."""
    if field_limit is not None:
        csv.field_size_limit(field_limit)
    return csv.reader(lines_of(text), delimiter=delimiter_of(text))


def lines_of(text: str):
    """The lines of a text with their endings, one at a time (io.StringIO would first copy the
    whole text at four bytes a character). A file of lone CR endings is split on those."""
    sep = _line_end(text)
    start, end = 0, len(text)
    while start < end:
        stop = text.find(sep, start)
        stop = end if stop < 0 else stop + 1
        yield text[start:stop]
        start = stop


def first_long_line(text: str, limit: int) -> int | None:
    """The number of the first line longer than `limit` characters, or None; without copying."""
    sep = _line_end(text)
    start, line, end = 0, 1, len(text)
    while start < end:
        stop = text.find(sep, start)
        if stop < 0:
            stop = end
        if stop - start > limit:
            return line
        start, line = stop + 1, line + 1
    return None


def _line_end(text: str) -> str:
    return "\n" if "\n" in text or "\r" not in text else "\r"
