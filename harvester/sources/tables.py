"""Decoding spreadsheet files into rows of cell *text* (used by the ``spreadsheet`` source).

* ``sniff_kind`` looks at the bytes, never at the file name: ZIP (``PK``) → xlsx, OLE2
  (``D0 CF 11 E0``) → xls, HTML / XML markup → reported as such, anything else → delimited text.
* ``decode_text``: BOM, then the configured encoding, then strict UTF-8, then the HTTP charset, then
  Windows-1252 for text without NUL bytes, then charset_normalizer. Windows-1252 comes before
  charset_normalizer on purpose: for short Western/Indonesian texts the detector picks look-alike
  code pages (cp1250, cp775) that turn "–" into "¢", while cp1252 is what Excel on Windows writes.
* ``sniff_delimiter`` chooses among ``,`` ``;`` tab ``|`` the one giving the most consistent column
  count over the first lines.
* ``csv_rows`` / ``xlsx_rows`` / ``xls_rows`` yield ``(row_number, cells)`` with 1-based row numbers as
  a spreadsheet program shows them, and every cell as text (``cell_text``): numbers that are whole
  become integers without ``.0`` (codes such as 3572 or 3201190006), other floats use the shortest
  representation, dates become ISO strings, booleans TRUE/FALSE, text stays untouched.

Everything that cannot be read raises ``TableError`` (a ``ValueError``) with a message naming the
sheet, row or byte offset.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from collections import Counter
from datetime import date, datetime, time, timedelta
from typing import Any, Iterator, Optional, Union

from harvester.sources.safe_xml import looks_like_html

Rows = Iterator[tuple[int, list[str]]]
DELIMITERS = (",", ";", "\t", "|")
_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
# Browsers read these labels as windows-1252 (WHATWG Encoding), and servers use them that way.
_LATIN1_LABELS = {"iso-8859-1", "iso8859-1", "latin-1", "latin1", "us-ascii", "ascii"}


class TableError(ValueError):
    """A spreadsheet could not be decoded; the message says where."""


def sniff_kind(data: bytes) -> str:
    """'xlsx', 'xls', 'html', 'xml' or 'text', from the leading bytes."""
    if data.startswith(b"PK\x03\x04"):
        return "xlsx"
    if data.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return "xls"
    if looks_like_html(data):
        return "html"
    if re.match(rb"^(\xef\xbb\xbf)?\s*<\?xml", data[:256]):
        return "xml"
    return "text"


def decode_text(data: bytes, encoding: Optional[str] = None, http_charset: Optional[str] = None) -> tuple[str, str]:
    """Return ``(text, encoding used)``; raises TableError when a configured encoding does not fit."""
    for bom, name in _BOMS:
        if data.startswith(bom):
            return data.decode(name), name
    if encoding:
        try:
            return data.decode(encoding), encoding
        except (UnicodeDecodeError, LookupError) as exc:
            raise TableError(f"file is not valid {encoding}: {exc}") from exc
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    candidates = []
    if http_charset:
        label = http_charset.strip().lower()
        candidates.append("cp1252" if label in _LATIN1_LABELS else label)
    if b"\x00" not in data:
        candidates.append("cp1252")
    for name in candidates:
        try:
            return data.decode(name), name
        except (UnicodeDecodeError, LookupError):
            continue
    from charset_normalizer import from_bytes  # imported lazily: only unusual files get here

    best = from_bytes(data).best()
    if best is not None:
        return str(best), best.encoding
    return data.decode("latin-1"), "latin-1"


def _head_lines(text: str, count: int) -> list[str]:
    """``text.splitlines()[:count]`` without splitting the whole text (it may be tens of MB)."""
    size = 64 * 1024
    while True:
        lines = text[:size].splitlines()
        # More lines than wanted: the first ``count`` are complete, whatever the cut did to the last.
        if len(lines) > count or size >= len(text):
            return lines[:count]
        size *= 4


def sniff_delimiter(text: str, sample_lines: int = 50) -> str:
    """The delimiter giving most lines the same (>1) number of columns; ',' when nothing fits."""
    sample = "\n".join(_head_lines(text, sample_lines))
    best, best_score = ",", (0.0, 0)
    for delimiter in DELIMITERS:
        try:
            counts = [len(row) for row in csv.reader(io.StringIO(sample), delimiter=delimiter) if row]
        except csv.Error:
            continue
        if not counts:
            continue
        width, hits = Counter(counts).most_common(1)[0]
        if width < 2:
            continue
        score = (hits / len(counts), width)
        if score > best_score:
            best, best_score = delimiter, score
    return best


#: One line with its terminator (\r\n, \r or \n), or a last line without one: how a text file
#: opened with ``newline=""`` splits, which is what the csv module expects.
_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+")


def csv_rows(text: str, delimiter: str) -> Rows:
    """Rows of delimited text; a quoted cell may span lines (it still counts as one row)."""
    # Lines are sliced from the text as the reader asks for them: io.StringIO would first copy the
    # whole text into a 4-bytes-per-character buffer (68 MB for a 17 MB CSV).
    reader = csv.reader((m.group() for m in _LINE.finditer(text)), delimiter=delimiter)
    number = 0
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise TableError(f"CSV unreadable near line {reader.line_num}: {exc}") from exc
        number += 1
        yield number, row


def cell_text(value: Any) -> str:
    """A cell value as the text a reader of the sheet would take it for (see module docstring)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            return str(value)
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, datetime):
        if value.time() == time(0, 0):
            return value.date().isoformat()
        return value.isoformat(sep="T")
    if isinstance(value, (date, time)):
        return value.isoformat()
    if isinstance(value, timedelta):
        return str(value)
    return str(value)


def _pick(names: list[str], sheet: Union[int, str, None]) -> int:
    """Index of the wanted sheet: None → first, int → 1-based position, str → name (case-insensitive)."""
    if sheet is None:
        return 0
    if isinstance(sheet, int):
        if 1 <= sheet <= len(names):
            return sheet - 1
        raise TableError(f"sheet {sheet} does not exist (the workbook has {len(names)} sheet(s): {names})")
    for index, name in enumerate(names):
        if name.strip().lower() == sheet.strip().lower():
            return index
    raise TableError(f"no sheet named {sheet!r} (sheets: {names})")


def xlsx_rows(data: bytes, sheet: Union[int, str, None]) -> tuple[str, Rows]:
    """Open an XLSX workbook; return the chosen sheet's name and its rows (cached formula values)."""
    import openpyxl
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (InvalidFileException, KeyError, OSError, ValueError) as exc:  # zipfile.BadZipFile is an OSError
        raise TableError(f"not a readable XLSX workbook: {exc}") from exc
    index = _pick(book.sheetnames, sheet)
    worksheet = book.worksheets[index]
    # Some exporters write a wrong <dimension ref="A1">; read-only mode would then stop after A1.
    worksheet.reset_dimensions()

    def rows() -> Rows:
        try:
            for number, values in enumerate(worksheet.iter_rows(values_only=True), start=1):
                yield number, [cell_text(v) for v in values]
        finally:
            book.close()

    return book.sheetnames[index], rows()


def xls_rows(data: bytes, sheet: Union[int, str, None]) -> tuple[str, Rows]:
    """Open a legacy XLS (BIFF) workbook with xlrd; return the chosen sheet's name and its rows."""
    import xlrd

    try:
        book = xlrd.open_workbook(file_contents=data, on_demand=True)
    except (xlrd.XLRDError, OSError, ValueError, AssertionError) as exc:
        raise TableError(f"not a readable XLS workbook: {exc}") from exc
    names = book.sheet_names()
    index = _pick(names, sheet)
    worksheet = book.sheet_by_index(index)

    def value(cell: Any) -> str:
        if cell.ctype == xlrd.XL_CELL_DATE:
            try:
                return cell_text(xlrd.xldate_as_datetime(cell.value, book.datemode))
            except (ValueError, OverflowError, xlrd.xldate.XLDateError):
                return cell_text(cell.value)
        if cell.ctype == xlrd.XL_CELL_BOOLEAN:
            return cell_text(bool(cell.value))
        if cell.ctype == xlrd.XL_CELL_ERROR:
            return xlrd.error_text_from_code.get(cell.value, "#ERROR")
        return cell_text(cell.value if cell.ctype != xlrd.XL_CELL_EMPTY else None)

    def rows() -> Rows:
        try:
            for number in range(worksheet.nrows):
                yield number + 1, [value(c) for c in worksheet.row(number)]
        finally:
            book.release_resources()

    return names[index], rows()
