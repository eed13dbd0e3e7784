"""Read side for the feed and reports: keyset-paginated, streaming queries over ``record``.

Order: ``(updated_at, source_id, remote_id)`` ascending, a total order (the last two are the
primary key). ``after`` is the ``feed_key`` of the last row of the previous page; the next page
starts strictly after it, so pages never overlap or leave gaps, even while the harvester writes: a
record that changes during a crawl moves to the end (it is seen again, never lost). String order
follows the database collation, the same for ORDER BY and for the seek, so the two agree.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import closing
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from harvester.store.base import StoreBase
from harvester.store.records import record_from_row
from harvester.store.rows import THEME_FIELDS, DatasetFilter, RecordRow, RecordStatus
from harvester.store.tables import UTCDateTime, record

_ORDER = (record.c.updated_at, record.c.source_id, record.c.remote_id)


def _seek(after: tuple[Any, ...] | None) -> list[sa.ColumnElement[bool]]:
    """Keyset condition "strictly after ``after``"; ValueError for a malformed key."""
    if after is None:
        return []
    if len(after) != 3 or not isinstance(after[0], datetime) or after[0].tzinfo is None:
        raise ValueError(f"page key must be (aware updated_at, source_id, remote_id), got {after!r}")
    key = sa.tuple_(
        sa.literal(after[0], UTCDateTime()), sa.literal(str(after[1]), sa.String()), sa.literal(str(after[2]), sa.String())
    )
    return [sa.tuple_(*_ORDER) > key]


def _filter_clauses(filters: DatasetFilter | None) -> list[sa.ColumnElement[bool]]:
    clauses: list[sa.ColumnElement[bool]] = [
        record.c.status == RecordStatus.CURRENT.value,
        record.c.dataset.is_not(None),
    ]
    if filters is None:
        return clauses
    if filters.modified_since is not None:
        clauses.append(record.c.updated_at >= filters.modified_since)
    if filters.organisation is not None:
        clauses.append(record.c.organisation == filters.organisation)
    if filters.access_in is not None:
        clauses.append(record.c.access_rights.in_(list(filters.access_in)))
    if filters.kode_pemda_prefix:
        clauses.append(record.c.kode_pemda.startswith(filters.kode_pemda_prefix, autoescape=True))
    if filters.source_id is not None:
        clauses.append(record.c.source_id == filters.source_id)
    if filters.theme is not None:
        # Superset pre-filter in SQL (the JSON string token occurs somewhere); exact check in Python.
        token = json.dumps(filters.theme, ensure_ascii=False)
        clauses.append(record.c.dataset.contains(token, autoescape=True))
    return clauses


def has_theme(dataset_json: str | None, theme: str) -> bool:
    """True when ``theme`` is one of the dataset's themes / bidang_urusan / topik values."""
    if not dataset_json:
        return False
    data = json.loads(dataset_json)
    return any(theme in (data.get(name) or ()) for name in THEME_FIELDS)


class FeedMixin(StoreBase):
    """Datasets for the DCAT feed, counts, and the change log."""

    def iter_datasets(
        self,
        *,
        filters: DatasetFilter | None = None,
        after: tuple[Any, ...] | None = None,
        limit: int | None = None,
    ) -> Iterator[RecordRow]:
        """Stream current records that have a mapped dataset, in feed order, after ``after``.

        At most ``limit`` rows (all when None) with flat memory. Close the iterator (or exhaust it)
        to release its connection. Raises ValueError for a malformed ``after`` key.
        """
        seek = _seek(after)
        stmt = sa.select(record).where(*_filter_clauses(filters), *seek).order_by(*_ORDER)
        theme = filters.theme if filters is not None else None
        if theme is None:
            if limit is not None:
                stmt = stmt.limit(limit)
            return self._stream(stmt, record_from_row)
        return self._themed(stmt, theme, limit)

    def _themed(self, stmt: sa.Select[Any], theme: str, limit: int | None) -> Iterator[RecordRow]:
        if limit is not None and limit <= 0:
            return
        sent = 0
        with closing(self._stream(stmt, record_from_row)) as rows:
            for row in rows:
                if has_theme(row.dataset_json, theme):
                    yield row
                    sent += 1
                    if limit is not None and sent >= limit:
                        return

    def count_datasets(self, filters: DatasetFilter | None = None) -> int:
        """Number of rows ``iter_datasets(filters=filters)`` would yield."""
        clauses = _filter_clauses(filters)
        if filters is not None and filters.theme is not None:
            theme = filters.theme
            stmt = sa.select(record.c.dataset).where(*clauses)
            return sum(1 for text in self._stream(stmt, lambda r: r[0]) if has_theme(text, theme))
        with self._read() as conn:
            return int(conn.execute(sa.select(sa.func.count()).select_from(record).where(*clauses)).scalar_one())

    def changes_since(
        self, since: datetime, *, limit: int = 1000, after: tuple[Any, ...] | None = None
    ) -> list[RecordRow]:
        """Records of any status whose ``updated_at`` >= ``since`` (created, changed, deleted:
        ``mark_deleted`` sets updated_at), in feed order, at most ``limit``, after ``after``."""
        stmt = (
            sa.select(record)
            .where(record.c.updated_at >= since, *_seek(after))
            .order_by(*_ORDER)
            .limit(limit)
        )
        with self._read() as conn:
            return [record_from_row(r) for r in conn.execute(stmt)]
