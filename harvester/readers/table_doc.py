"""Table reader: one spreadsheet row, serialised by the spreadsheet source as a JSON object
``{column label: cell text}`` (media type ``TABLE_ROW_MEDIA_TYPE``).

A path is a column label. Labels are compared ignoring case, spaces, underscores and punctuation,
so ``Nama Data``, ``NAMA_DATA`` and ``nama data:`` are the same column; list several labels as
fallback paths in the mapping when sources name a column differently (``Judul`` / ``Nama Data``).
``.`` is the whole row (``each(".")`` gives the row itself, for contact or distribution blocks).

``select`` returns the cell when it is not blank (text is stripped; numbers and booleans kept as
they are so that float-coerced codes such as ``35.1`` can be recognised by ``region_code``).

Failure behaviour: content that is not a JSON object raises ``RecordInvalid`` naming the record.
"""

from __future__ import annotations

import json
import re
from typing import Any, ClassVar, Mapping

from harvester.errors import ConfigError, RecordInvalid
from harvester.model.record import TABLE_ROW_MEDIA_TYPE, SourceRecord
from harvester.readers.base import Document, Scalar

_NOT_ALNUM = re.compile(r"[\W_]+", re.UNICODE)


def normalise_label(label: str) -> str:
    """Column-label key: casefolded, without spaces, underscores or punctuation."""
    return _NOT_ALNUM.sub("", str(label).casefold())


class TableDocument:
    """One row; cells looked up by normalised column label."""

    __slots__ = ("cells",)

    def __init__(self, row: Mapping[str, Any]) -> None:
        cells: dict[str, Any] = {}
        for label, value in row.items():
            key = normalise_label(label)
            # The first non-blank cell wins when two headers normalise to the same key.
            if key not in cells or _blank(cells[key]):
                cells[key] = value
        self.cells = cells

    def select(self, path: str) -> list[Scalar]:
        value = self.cells.get(normalise_label(path))
        if _blank(value):
            return []
        if isinstance(value, str):
            return [value.strip()]
        if isinstance(value, (int, float, bool)):
            return [value]
        return [json.dumps(value, ensure_ascii=False)]

    def each(self, path: str) -> list[Document]:
        return [self] if path.strip() in (".", "$") else []


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


class TableReader:
    """Reads a spreadsheet row serialised as a JSON object."""

    name: ClassVar[str] = "table"
    media_types: ClassVar[tuple[str, ...]] = (TABLE_ROW_MEDIA_TYPE, "application/json")

    @staticmethod
    def check_path(path: str, options: Mapping[str, Any]) -> None:
        """A column label must contain at least one letter or digit."""
        if path.strip() not in (".", "$") and not normalise_label(path):
            raise ConfigError(f"bad column label {path!r}: no letters or digits", key=path)

    def read(self, record: SourceRecord, options: Mapping[str, Any]) -> Document:
        try:
            row = json.loads(record.content)
        except (ValueError, UnicodeDecodeError) as exc:
            raise RecordInvalid(f"record {record.remote_id!r} of source {record.source_id!r} is not a "
                                f"JSON table row: {exc}", remote_id=record.remote_id, code="READ-TABLE") from None
        if not isinstance(row, dict):
            raise RecordInvalid(f"record {record.remote_id!r} of source {record.source_id!r} is not a "
                                f"JSON object of column -> cell (got {type(row).__name__})",
                                remote_id=record.remote_id, code="READ-TABLE")
        return TableDocument(row)
