"""Dataset inventories kept as spreadsheets: CSV, XLSX or legacy XLS (source type ``spreadsheet``).

The file is fetched once (local path, ``file://`` or http(s), conditional GET when served over
HTTP). Its kind is sniffed from the bytes (``harvester.sources.tables``); a file whose content does
not match its configured format or its name (an HTML page saved as ``.xls``, a CSV named ``.xlsx``)
is refused with a ``SourceProtocolError`` that says what the content really is.

Each non-empty row below the header becomes one record: a JSON object ``{column label: cell text}``
(``TABLE_ROW_MEDIA_TYPE``), labels being the stripped header texts, values as the sheet shows them
(see ``tables.cell_text``; no "fixing" of numbers: validation flags lost trailing zeros).
``remote_id`` is the ``id_column`` value; without ``id_column`` it is the slug of the title column
(``title_column``, default ``judul``) and ``id_is_fallback`` is set. ``meta`` = ``(("row", n), ("sheet",
name))`` with 1-based row numbers (a CSV's "sheet" is its file name).

Row problems are issues, never fatal: a row without an id value is skipped with an error issue
naming the row (the listing is then incomplete, so no deletion is computed from it); a duplicate id
is skipped with an issue naming both rows.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import unicodedata
from pathlib import Path
from typing import ClassVar, Iterator, Literal, Optional, Union
from urllib.parse import unquote, urlsplit

from pydantic import Field

from harvester.errors import SourceProtocolError
from harvester.model.record import TABLE_ROW_MEDIA_TYPE, RemoteRef
from harvester.sources.base import GatherContext, Source, SourceOptions, fetch_page
from harvester.sources.gather_rules import gather_issue
from harvester.sources.tables import (Rows, TableError, csv_rows, decode_text, sniff_delimiter, sniff_kind, xls_rows,
                                      xlsx_rows)

logger = logging.getLogger(__name__)

_EXTENSIONS = {".csv": "csv", ".tsv": "csv", ".txt": "csv", ".xlsx": "xlsx", ".xlsm": "xlsx", ".xls": "xls"}
_DESCRIBE = {"csv": "CSV/plain text", "xlsx": "an XLSX workbook", "xls": "a legacy XLS workbook",
             "html": "an HTML document (a web page saved with a spreadsheet name?)", "xml": "an XML document"}


class SpreadsheetOptions(SourceOptions):
    url: str = Field(description="absolute local path, file:// or http(s) URL")
    format: Literal["auto", "csv", "xlsx", "xls"] = "auto"
    sheet: Union[int, str, None] = Field(None, description="sheet name, or 1-based position; default the first")
    header_row: int = Field(1, ge=1, description="1-based row holding the column labels")
    skip_rows_after_header: int = Field(0, ge=0)
    id_column: Optional[str] = None
    title_column: str = "judul"
    encoding: Optional[str] = None
    delimiter: Optional[Literal[",", ";", "\t", "|"]] = None


def slugify(text: str) -> str:
    """ASCII slug of a title ('Jumlah Penduduk 2023' → 'jumlah-penduduk-2023'); a hash when nothing is left."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    return slug or "judul-" + hashlib.sha256(text.encode("utf-8")).hexdigest()[:12]


def _as_url(location: str) -> str:
    return location if "://" in location else Path(location).resolve().as_uri()


class SpreadsheetSource(Source):
    """See the module docstring."""

    name: ClassVar[str] = "spreadsheet"
    options_model: ClassVar[type[SourceOptions]] = SpreadsheetOptions
    options: SpreadsheetOptions

    def gather(self, ctx: GatherContext) -> Iterator[RemoteRef]:
        yield from ctx.take(self._refs(ctx))

    def _error(self, message: str, url: str) -> SourceProtocolError:
        return SourceProtocolError(message, source_id=self.source_id, url=url)

    def _refs(self, ctx: GatherContext) -> Iterator[RemoteRef]:
        url = _as_url(self.options.url)
        resp = fetch_page(self, url, ctx)
        if resp.not_modified:
            ctx.page_unchanged(url)
            return
        try:
            sheet, rows = self._open(resp.content, url, resp.charset)
            del resp  # a CSV is read from its decoded text: its bytes need not stay alive meanwhile
            yield from self._rows(rows, sheet, url, ctx)
        except TableError as exc:
            raise self._error(str(exc), url) from exc
        ctx.page_done({"done": True})  # one file: a resumed job simply reads it again

    def _open(self, data: bytes, url: str, http_charset: Optional[str]) -> tuple[str, Rows]:
        kind = sniff_kind(data)
        actual = "csv" if kind == "text" else kind
        path = unquote(urlsplit(url).path)
        expected = self.options.format if self.options.format != "auto" else _EXTENSIONS.get(
            Path(path).suffix.lower())
        if actual in ("html", "xml") or (expected and expected != actual):
            configured = self.options.format != "auto"
            named = f"configured as {(expected or '').upper()}" if configured else f"named {Path(path).name!r}"
            raise TableError(f"file is {named} but its content is {_DESCRIBE[actual]}; "
                             "export it as CSV or XLSX (or set format to match the content)")
        if actual == "xlsx":
            return xlsx_rows(data, self.options.sheet)
        if actual == "xls":
            return xls_rows(data, self.options.sheet)
        text, encoding = decode_text(data, self.options.encoding, http_charset)
        delimiter = self.options.delimiter or sniff_delimiter(text)
        logger.debug("%s: %s read as %s, delimiter %r", self.source_id, url, encoding, delimiter)
        return Path(path).name, csv_rows(text, delimiter)

    def _column(self, header: list[str], name: str) -> Optional[int]:
        wanted = name.strip().lower()
        return next((i for i, label in enumerate(header) if label.lower() == wanted), None)

    def _rows(self, rows: Rows, sheet: str, url: str, ctx: GatherContext) -> Iterator[RemoteRef]:
        opts = self.options
        header: Optional[list[str]] = None
        id_index = title_index = None
        first_row: dict[str, int] = {}
        for number, cells in rows:
            if number < opts.header_row:
                continue
            if number == opts.header_row:
                header = self._labels(cells, url, ctx)
                id_index = self._column(header, opts.id_column) if opts.id_column else None
                title_index = self._column(header, opts.title_column)
                if opts.id_column and id_index is None:
                    raise self._error(f"id column {opts.id_column!r} not in the header row {opts.header_row} "
                                      f"of sheet {sheet!r} (columns: {header})", url)
                if not opts.id_column and title_index is None:
                    raise self._error(f"no id_column configured and no title column {opts.title_column!r} in "
                                      f"the header row {opts.header_row} of sheet {sheet!r} (columns: {header})", url)
                continue
            if number <= opts.header_row + opts.skip_rows_after_header or not any(c.strip() for c in cells):
                continue
            assert header is not None  # rows arrive in order, so the header row came first
            index = id_index if id_index is not None else title_index
            raw = cells[index].strip() if index is not None and index < len(cells) else ""
            if not raw:
                column = opts.id_column or opts.title_column
                ctx.incomplete(gather_issue(self, "SHEET-NO-ID", f"sheet {sheet!r} row {number}: no value in "
                                            f"column {column!r}; row skipped", url=url))
                continue
            remote_id = raw if id_index is not None else slugify(raw)
            if remote_id in first_row:
                ctx.issues.append(gather_issue(self, "SHEET-DUPLICATE-ID",
                                               f"sheet {sheet!r}: id {remote_id!r} in rows {first_row[remote_id]} "
                                               f"and {number}; row {number} skipped", url=url, remote_id=remote_id))
                continue
            first_row[remote_id] = number
            record = self._record(header, cells)
            yield RemoteRef(remote_id=remote_id, url=url, media_type=TABLE_ROW_MEDIA_TYPE,
                            payload=json.dumps(record, ensure_ascii=False).encode("utf-8"),
                            id_is_fallback=id_index is None, meta=(("row", number), ("sheet", sheet)))
        if header is None:
            raise self._error(f"sheet {sheet!r} has no header row {opts.header_row}", url)

    def _labels(self, cells: list[str], url: str, ctx: GatherContext) -> list[str]:
        """Stripped header labels; duplicates get ' (2)', ' (3)' ... and a warning."""
        labels: list[str] = []
        for cell in cells:
            label = cell.strip()
            if label and label in labels:
                count = 2
                while f"{label} ({count})" in labels:
                    count += 1
                ctx.warn("SHEET-DUPLICATE-COLUMN", f"source {self.source_id!r}: column {label!r} appears twice; "
                         f"the second is named '{label} ({count})'", location=url)
                label = f"{label} ({count})"
            labels.append(label)
        return labels

    @staticmethod
    def _record(header: list[str], cells: list[str]) -> dict[str, str]:
        """Row as {label: text}; unlabelled columns appear only where they hold a value."""
        record: dict[str, str] = {}
        for position in range(max(len(header), len(cells))):
            value = cells[position] if position < len(cells) else ""
            label = header[position] if position < len(header) else ""
            if not label:
                if not value.strip():
                    continue
                label = f"column_{position + 1}"
            record[label] = value
        return record
