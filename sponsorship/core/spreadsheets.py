"""Reading an uploaded table (CSV or XLSX) within fixed bounds, before and while it is parsed.

A hostile file must cost little to refuse: an XLSX is checked from its zip central directory (the
uncompressed size of each member) and by one streaming pass over its sheet (declared dimension,
rows, cells per row, cells in all) before openpyxl builds a single row; a CSV is decoded once (the
encoding detected with charset-normalizer), its lines and fields bounded. Rows are never padded to a
declared width. Every bound lives in `LIMITS`, the one place they are set.
"""
from __future__ import annotations

import codecs
import csv
import io
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from flask_babel import lazy_gettext as _l

from sponsorship.core.csvtext import csv_reader, first_long_line
from sponsorship.core.errors import DomainError

MIB = 1024 * 1024


@dataclass(frozen=True)
class ReadLimits:
    """How large an uploaded table may be. Sized for a city's agency list (300,000 residents of
    every column of the import template, 26 today) with room to spare, and small enough that
    refusing a file stays cheap. Rows are read one at a time, so the cell bound is about time."""

    max_rows: int = 300_000  # data rows, without the header rows
    max_columns: int = 100  # cells in one row
    max_cells: int = 12_000_000  # cells in the whole sheet (300,000 rows of 40)
    max_unpacked_bytes: int = 400 * MIB  # every zip member of an XLSX together, uncompressed
    max_member_bytes: int = 300 * MIB  # one zip member (the sheet), uncompressed
    max_shared_strings_bytes: int = 64 * MIB  # the XLSX string table (openpyxl loads it whole)
    max_members: int = 500  # files inside one XLSX
    text_window: int = 128 * 1024  # an XLSX part with this many bytes and no tag is refused
    max_line_chars: int = 64 * 1024  # one line of a CSV
    max_field_chars: int = 10_000  # one field of a CSV (csv.field_size_limit)


LIMITS = ReadLimits()


class UnreadableTable(DomainError):
    """The file as a whole cannot be read within the limits; nothing is changed."""

    status_code = 400


@dataclass
class Table:
    # Every row as read, one at a time (a file is never held as a table of Python objects), trailing
    # empty cells dropped, never padded. Iterating may raise UnreadableTable when a bound is reached.
    rows: Iterator[list[Any]]
    kind: str  # "csv" or "xlsx"
    encoding: str | None = None  # a CSV's encoding as people call it ("Windows-1252")
    # Merged cell ranges of an XLSX as (first row, first column, last row, last column), 1-based.
    merged: list[tuple[int, int, int, int]] = field(default_factory=list)


def read_table(data: bytes, limits: ReadLimits = LIMITS) -> Table:
    if data[:4] == b"PK\x03\x04":
        return _read_xlsx(data, limits)
    text, encoding = decode_text(data)
    return Table(rows=_read_csv(text, limits), kind="csv", encoding=encoding)


# --- CSV ---------------------------------------------------------------------------------------

# Legacy encodings an Indonesian office's spreadsheet writes (Windows "Western"); detection is held
# to them, since a short Latin text reads as valid Central European or Mac text just as well.
LEGACY_ENCODINGS = ("cp1252", "latin_1")
ENCODING_NAMES = {"utf_8": "UTF-8", "utf_8_sig": "UTF-8 (BOM)", "utf_16": "UTF-16", "utf_16_le": "UTF-16 LE",
                  "utf_16_be": "UTF-16 BE", "cp1252": "Windows-1252", "latin_1": "Latin-1 (ISO-8859-1)"}
DETECTION_SAMPLE = 256 * 1024
NON_ASCII = re.compile(rb"[\x80-\xff]")


def _utf16_without_bom(head: bytes) -> str | None:
    """Tab-separated "Unicode text" some programs write without a BOM: every other byte is 0."""
    if len(head) < 4:
        return None
    even, odd = head[0::2].count(0), head[1::2].count(0)
    if odd > len(head) // 4 and even == 0:
        return "utf_16_le"
    if even > len(head) // 4 and odd == 0:
        return "utf_16_be"
    return None


def decode_text(data: bytes) -> tuple[str, str]:
    """The text of a CSV and its encoding's display name; UnreadableTable if it is not text."""
    if data.startswith(codecs.BOM_UTF8):
        candidates = ["utf_8_sig"]
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        candidates = ["utf_16"]
    elif (wide := _utf16_without_bom(data[:4096])) is not None:
        candidates = [wide]
    elif b"\x00" in data[:4096]:
        raise UnreadableTable(_l("Berkas bukan CSV atau XLSX."))
    else:
        candidates = ["utf_8"]
    for encoding in candidates:
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            if encoding == "utf_8":  # not UTF-8: ask the detector, only now
                candidates += _detected_legacy(data)
            continue
        if "\x00" in text[:4096]:
            raise UnreadableTable(_l("Berkas bukan CSV atau XLSX."))
        return text, ENCODING_NAMES.get(encoding, encoding)
    raise UnreadableTable(_l("Enkode berkas CSV tidak dikenali; simpan ulang sebagai CSV UTF-8."))


def _detected_legacy(data: bytes) -> list[str]:
    """Legacy encodings charset-normalizer finds in the lines that are not ASCII, best first."""
    from charset_normalizer import from_bytes

    sample, size, pos = [], 0, 0
    while size < DETECTION_SAMPLE and (m := NON_ASCII.search(data, pos)) is not None:
        # The line around it, at most 4 KB of it (a hostile file may be one long line).
        floor = max(0, m.start() - 2048)
        start = data.rfind(b"\n", floor, m.start()) + 1 or floor
        end = data.find(b"\n", m.start(), m.start() + 2048)
        end = min(len(data), m.start() + 2048) if end < 0 else end + 1
        sample.append(data[start:end])
        size += end - start
        pos = end
    found = [m.encoding for m in from_bytes(b"".join(sample), cp_isolation=list(LEGACY_ENCODINGS))]
    return found + [e for e in LEGACY_ENCODINGS if e not in found]


def _read_csv(text: str, limits: ReadLimits) -> Iterator[list[str]]:
    long_line = first_long_line(text, limits.max_line_chars)
    if long_line is not None:
        raise UnreadableTable(_l("Baris %(n)s berkas CSV lebih panjang dari batas %(limit)s karakter.",
                                 n=long_line, limit=_number(limits.max_line_chars)))
    return _csv_rows(text, limits)


def _csv_rows(text: str, limits: ReadLimits) -> Iterator[list[str]]:
    rows = cells = 0
    reader = csv_reader(text, field_limit=limits.max_field_chars)  # a longer field: csv.Error, not a 500
    line = 1  # where the record being read begins (a quoted field may span lines)
    try:
        for row in reader:
            if len(row) > limits.max_columns:
                raise _too_many_columns(line, limits)
            line = reader.line_num + 1
            while row and not row[-1]:
                row.pop()
            rows += 1
            cells += len(row)
            if rows > limits.max_rows + 2:
                raise _too_many_rows(limits)
            if cells > limits.max_cells:
                raise _too_many_cells(limits)
            yield row
    except csv.Error as exc:
        if "field larger" in str(exc):
            raise UnreadableTable(_l("Baris %(n)s berkas CSV berisi kolom lebih panjang dari batas "
                                     "%(limit)s karakter.", n=line,
                                     limit=_number(limits.max_field_chars))) from None
        raise UnreadableTable(_l("Baris %(n)s berkas CSV tidak dapat dibaca (tanda kutip tidak seimbang?).",
                                 n=line)) from None


def _number(n: int) -> str:
    return f"{n:,}".replace(",", ".")


def _too_many_rows(limits: ReadLimits) -> UnreadableTable:
    return UnreadableTable(_l("Berkas berisi lebih dari %(n)s baris.", n=limits.max_rows))


def _too_many_columns(line: int, limits: ReadLimits) -> UnreadableTable:
    return UnreadableTable(_l("Baris %(line)s berisi lebih dari %(n)s kolom (batas berkas impor).",
                              line=line, n=limits.max_columns))


def _too_many_cells(limits: ReadLimits) -> UnreadableTable:
    return UnreadableTable(_l("Berkas berisi lebih dari %(n)s sel (batas berkas impor).",
                              n=_number(limits.max_cells)))


# --- XLSX --------------------------------------------------------------------------------------

NOT_XLSX = _l("Berkas bukan lembar kerja XLSX yang dapat dibaca.")
DIMENSION = re.compile(rb"<(?:[\w.-]+:)?dimension\s+ref=\"([A-Z]{1,3})(\d+)(?::([A-Z]{1,3})(\d+))?\"")
MERGE = re.compile(rb"<(?:[\w.-]+:)?mergeCell\s+ref=\"([A-Z]{1,3})(\d+):([A-Z]{1,3})(\d+)\"")
ROOT_PREFIX = re.compile(rb"<([\w.-]+:)?worksheet[\s>]")
SCAN_CHUNK = 4 * MIB
ROW_TAG_ENDS = (b" ", b"\t", b"\r", b"\n", b">", b"/")
MAX_MERGED = 10_000


def column_index(letters: bytes | str) -> int:
    """A column's number from its letters: A is 1, XFD is 16384."""
    n = 0
    for ch in letters.decode() if isinstance(letters, bytes) else letters:
        n = n * 26 + ord(ch) - 64
    return n


def _check_archive(archive: zipfile.ZipFile, limits: ReadLimits) -> None:
    """Refuse from the central directory alone: zipfile never inflates a member past the size
    declared there (a member that inflates further fails its CRC), so these sizes are the bound."""
    members = archive.infolist()
    if len(members) > limits.max_members:
        raise UnreadableTable(_l("Berkas XLSX berisi lebih dari %(n)s bagian.", n=limits.max_members))
    total = sum(m.file_size for m in members)
    largest = max((m.file_size for m in members), default=0)
    if total > limits.max_unpacked_bytes or largest > limits.max_member_bytes:
        raise UnreadableTable(_l(
            "Isi berkas XLSX terlalu besar setelah dibuka (%(mb)s MB; batas %(limit)s MB seluruhnya, "
            "%(member)s MB per bagian).", mb=_number(total // MIB), limit=limits.max_unpacked_bytes // MIB,
            member=limits.max_member_bytes // MIB))


# A cell is the element named "c", with or without a namespace prefix; other names that begin with
# "c" (col, cfRule, customSheetView, cellWatch ...) are subtracted. What remains can only overcount.
NOT_CELLS = (b"<co", b"<cf", b"<cu", b"<ce", b":co", b":cf", b":cu", b":ce")


def _check_text_runs(buf: bytes, stop: int, limits: ReadLimits) -> None:
    """lxml holds a text node whole (padding between elements too): refuse a window of
    `text_window` bytes without any tag, so no text run of four windows or more is ever parsed.
    One cell of Excel's longest text (32,767 characters) fits in a window."""
    window = limits.text_window
    for start in range(0, stop - window + 1, window):
        if buf.find(b"<", start, start + window) < 0:
            raise UnreadableTable(_l("Berkas XLSX berisi teks tanpa putus lebih dari %(kb)s KB (batas berkas "
                                     "impor).", kb=window // 1024))


def _starting(buf: bytes, tag: bytes, start: int, stop: int) -> int:
    """Occurrences of `tag` that begin in [start, stop), even if they end after stop."""
    return buf.count(tag, start, stop + len(tag) - 1)


def _cells_between(buf: bytes, start: int, stop: int, limit: int) -> int:
    found = _starting(buf, b"<c", start, stop) + _starting(buf, b":c", start, stop)
    if found <= limit:  # an upper bound already within the limit: the common case, two scans
        return found
    return found - sum(_starting(buf, t, start, stop) for t in NOT_CELLS)


def _check_dimension(head: bytes, limits: ReadLimits) -> None:
    dim = DIMENSION.search(head)
    if not (dim and dim.group(3)):
        return
    declared_rows = int(dim.group(4)) - int(dim.group(2)) + 1
    declared_cols = column_index(dim.group(3)) - column_index(dim.group(1)) + 1
    if declared_rows > limits.max_rows + 2 or declared_cols > limits.max_columns:
        raise UnreadableTable(_l(
            "Lembar kerja menyatakan ukuran %(rows)s baris × %(cols)s kolom; batas berkas impor "
            "%(max_rows)s baris dan %(max_cols)s kolom.", rows=_number(declared_rows),
            cols=_number(declared_cols), max_rows=_number(limits.max_rows), max_cols=limits.max_columns))


def _scan_sheet(archive: zipfile.ZipFile, path: str,
                limits: ReadLimits) -> tuple[list[tuple[int, int, int, int]], int]:
    """One streaming pass over the sheet's XML, before any row is built: the declared dimension,
    the number of rows, of cells in each row and in all are bounded. Returns the merged ranges and
    the number of cells (an upper bound)."""
    merged: list[tuple[int, int, int, int]] = []
    rows = cells = in_row = 0
    row_tag = b"<row"
    carry = b""
    first = True
    with archive.open(path) as src:
        while True:
            chunk = src.read(SCAN_CHUNK)
            buf = carry + chunk
            if first:
                first = False
                root = ROOT_PREFIX.search(buf[:64 * 1024])
                row_tag = b"<" + ((root.group(1) or b"") if root else b"") + b"row"
                _check_dimension(buf[:64 * 1024], limits)
            # Keep the tail: a tag cut between two chunks is counted in the next one.
            cut = len(buf) if not chunk else max(0, len(buf) - 64)
            _check_text_runs(buf, cut, limits)
            pos = 0
            while True:
                i = buf.find(row_tag, pos, cut + len(row_tag) - 1)  # a tag that begins before the cut
                stop = cut if i < 0 else i
                found = _cells_between(buf, pos, stop, limits.max_columns - in_row)
                in_row += found
                cells += found
                if in_row > limits.max_columns:
                    raise _too_many_columns(rows, limits)
                if cells > limits.max_cells:
                    raise _too_many_cells(limits)
                if i < 0:
                    break
                pos = i + len(row_tag)
                if buf[pos:pos + 1] not in ROW_TAG_ENDS:  # <rowBreaks> and the like: not a new row
                    continue
                rows += 1
                in_row = 0
                if rows > limits.max_rows + 2:
                    raise _too_many_rows(limits)
            if b"mergeCell" in buf:
                for m in MERGE.finditer(buf):
                    if m.start() < cut and len(merged) < MAX_MERGED:  # later ones: in the next chunk
                        merged.append((int(m.group(2)), column_index(m.group(1)),
                                       int(m.group(4)), column_index(m.group(3))))
            carry = buf[cut:]
            if not chunk:
                break
    return merged, cells


def _count_in_member(archive: zipfile.ZipFile, path: str, tags: tuple[bytes, ...], limits: ReadLimits) -> int:
    """How often any of `tags` occurs in a member, streamed (a tag cut between chunks is kept)."""
    count, carry = 0, b""
    with archive.open(path) as src:
        while chunk := src.read(SCAN_CHUNK):
            buf = carry + chunk
            cut = max(0, len(buf) - 16)
            _check_text_runs(buf, cut, limits)
            count += sum(_starting(buf, t, 0, cut) for t in tags)
            carry = buf[cut:]
    return count + sum(carry.count(t) for t in tags)


def _check_strings(archive: zipfile.ZipFile, path: str, cells: int, limits: ReadLimits) -> None:
    """openpyxl holds the whole string table: bounded in size, and no longer than the sheet's cells
    could use (a small file of millions of unused strings would cost hundreds of MB)."""
    if archive.getinfo(path).file_size > limits.max_shared_strings_bytes:
        raise UnreadableTable(_l("Tabel teks berkas XLSX terlalu besar (batas %(limit)s MB).",
                                 limit=limits.max_shared_strings_bytes // MIB))
    count = _count_in_member(archive, path, (b"<si", b":si"), limits)
    if count > cells + 1000:
        raise UnreadableTable(_l("Tabel teks berkas XLSX berisi %(n)s teks, lebih banyak daripada %(cells)s "
                                 "sel lembar kerjanya.", n=_number(count), cells=_number(cells)))


def _parts(data: bytes) -> tuple[str, str | None]:
    """The first worksheet's part and the string table's part, as openpyxl will find them
    (manifest, workbook and its relations only: small parts, already bounded)."""
    from openpyxl.reader.excel import ExcelReader
    from openpyxl.xml.constants import SHARED_STRINGS

    reader = ExcelReader(io.BytesIO(data), read_only=True, data_only=True)
    try:
        reader.read_manifest()
        strings = reader.package.find(SHARED_STRINGS)
        reader.read_workbook()
        sheet = next(rel.target for _sheet, rel in reader.parser.find_sheets()
                     if rel.target in reader.valid_files and "chartsheet" not in rel.Type)
    finally:
        reader.archive.close()
    return sheet, strings.PartName[1:] if strings is not None else None


def _read_xlsx(data: bytes, limits: ReadLimits) -> Table:
    from openpyxl import load_workbook

    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, ValueError):
        raise UnreadableTable(NOT_XLSX) from None
    with archive:
        _check_archive(archive, limits)
        try:
            sheet, strings = _parts(data)
            merged, cells = _scan_sheet(archive, sheet, limits)
            if strings is not None and strings in archive.namelist():
                _check_strings(archive, strings, cells, limits)
            wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        except UnreadableTable:
            raise
        except Exception:  # noqa: BLE001 - any unreadable zip/xml means "not a spreadsheet"
            raise UnreadableTable(NOT_XLSX) from None
        if not wb.worksheets or wb.worksheets[0]._worksheet_path != sheet:
            wb.close()
            raise UnreadableTable(NOT_XLSX)
    return Table(rows=_xlsx_rows(wb, limits), kind="xlsx", merged=merged)


def _xlsx_rows(wb, limits: ReadLimits) -> Iterator[list[Any]]:
    ws = wb.worksheets[0]
    ws.reset_dimensions()  # never pad a row to the declared width: each row is as wide as it is
    rows = cells = 0
    try:
        for row in ws.iter_rows(values_only=True):
            if len(row) > limits.max_columns:
                raise _too_many_columns(rows + 1, limits)
            values = list(row)
            while values and values[-1] is None:
                values.pop()
            rows += 1
            cells += len(values)
            if rows > limits.max_rows + 2:
                raise _too_many_rows(limits)
            if cells > limits.max_cells:
                raise _too_many_cells(limits)
            yield values
    except UnreadableTable:
        raise
    except Exception:  # noqa: BLE001 - broken XML inside the sheet
        raise UnreadableTable(NOT_XLSX) from None
    finally:
        wb.close()
