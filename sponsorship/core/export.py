"""Spreadsheet exports (CSV and XLSX) that Excel and LibreOffice open as data, never as formulas.

A cell whose text begins with =, +, -, @, a tab or a carriage return is read by a spreadsheet as a
formula (`=cmd|' /C calc'!A0` runs a program on an old Excel; `=HYPERLINK(...)` leaks data), and
registry names, addresses and company names are typed by people outside the city office. Every
export goes through this module:

- CSV: such a text gets a leading apostrophe, which both spreadsheets show as "this is text" and
  which a human reader recognises (OWASP's advice for CSV);
- XLSX: such a text is written as a string cell (openpyxl would otherwise store a text starting
  with "=" as a formula) with the cell's quotePrefix style, the file format's own apostrophe, so
  that editing the cell in Excel keeps it text.

Numbers, dates and booleans are written as themselves; only text is escaped.
"""
from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_MIME = "text/csv"


def is_formula_like(value: Any) -> bool:
    return isinstance(value, str) and value.startswith(FORMULA_STARTS)


def csv_cell(value: Any) -> Any:
    """One CSV cell: formula-like text prefixed with an apostrophe, anything else unchanged."""
    if value is None:
        return ""
    if is_formula_like(value):
        return "'" + value
    return value


def to_csv(header: Sequence[Any] | None, rows: Iterable[Sequence[Any]]) -> bytes:
    """UTF-8 CSV with a byte-order mark (so Excel reads the encoding), every cell made safe."""
    buf = io.StringIO()
    writer = csv.writer(buf)
    if header is not None:
        writer.writerow([csv_cell(v) for v in header])
    for row in rows:
        writer.writerow([csv_cell(v) for v in row])
    return ("\ufeff" + buf.getvalue()).encode("utf-8")


@dataclass
class Sheet:
    """One worksheet: a title, a header row and data rows; `text_columns` (1-based) are kept as
    text whatever they hold (identity numbers that Excel would otherwise turn into numbers)."""

    title: str
    header: Sequence[Any]
    rows: Iterable[Sequence[Any]]
    text_columns: tuple[int, ...] = ()
    widths: Sequence[int] = ()
    bold_header: bool = True
    number_formats: dict[type, str] = field(default_factory=dict)


def write_cell(cell, value: Any, *, as_text: bool = False) -> None:
    """Put `value` in an openpyxl cell; formula-like text stays a string with the quote prefix."""
    cell.value = value
    if isinstance(value, str) and (as_text or is_formula_like(value)):
        cell.data_type = "s"
        if is_formula_like(value):
            cell.quotePrefix = True
    if as_text:
        cell.number_format = "@"


def to_xlsx(sheets: Sequence[Sheet]) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    book = Workbook()
    book.remove(book.active)
    for spec in sheets:
        ws = book.create_sheet(title=spec.title[:31])
        for col, value in enumerate(spec.header, start=1):
            cell = ws.cell(row=1, column=col)
            write_cell(cell, value, as_text=True)
            if spec.bold_header:
                cell.font = Font(bold=True)
        for r, row in enumerate(spec.rows, start=2):
            for col, value in enumerate(row, start=1):
                cell = ws.cell(row=r, column=col)
                write_cell(cell, value, as_text=col in spec.text_columns)
                for kind, fmt in spec.number_formats.items():
                    if isinstance(value, kind) and not isinstance(value, bool):
                        cell.number_format = fmt
                        break
        for col, width in enumerate(spec.widths, start=1):
            ws.column_dimensions[get_column_letter(col)].width = width
    buf = io.BytesIO()
    book.save(buf)
    return buf.getvalue()
