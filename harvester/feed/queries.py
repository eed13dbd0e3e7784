"""SQL the feed needs beyond the public ``Store`` API, on the store's own engine and tables.

All reads of one request run in ONE read transaction (``FeedQueries.read``): the snapshot token,
the page index and the page rows then describe the same state of the store (SQLite WAL gives a
snapshot per transaction; on PostgreSQL the transaction is REPEATABLE READ).

* ``snapshot``: ``max(updated_at)`` over *all* records (one index probe). Every visible change of
  a record (create, content, status, deletion) sets its ``updated_at`` to "now" (``RecordRow``
  contract) and records are never physically deleted, so the value moves whenever any feed page
  could change; it keys the page caches and the ETags. Known gap: a write transaction that
  commits a change stamped *earlier* than an already committed newer one (two jobs batching at
  once) does not move it; such a change shows at the next store change. A store-maintained
  change sequence would close the gap (see the lead's notes).
* ``page_boundaries``: the keyset key of every ``size``-th row in feed order, computed in the
  database with ``row_number()`` (one pass over the feed index) so that page N starts with an
  indexed seek instead of skipping N-1 pages.
* ``page``: up to ``limit`` rows strictly after a key (the store's keyset order and filters).
* ``record_by_uri``: lookup by ``stable_uri`` for datasets that keep their original http(s) IRI.
  Indexed (``ix_record_stable_uri``, migration 0003).

The filter clauses and the keyset seek are the store's own (``harvester.store.feed``), so the feed
and ``Store.iter_datasets`` always agree on membership and order. The theme filter is confirmed in
Python (``has_theme``) after the SQL pre-filter, exactly as the store does it.

Failure behaviour: database errors propagate (the app answers 500 / 503); a malformed key raises
ValueError from the store's seek helper.
"""

from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Iterator, Optional

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from harvester.store import DatasetFilter, RecordRow, Store
from harvester.store.feed import (  # the store's own feed SQL
    _ORDER,
    _filter_clauses,
    _seek,
    has_theme,
)
from harvester.store.records import record_from_row
from harvester.store.tables import record

Key = tuple[datetime, str, str]

#: Newest change of any record: answered from ix_record_updated_at (one index probe). A count or
#: any other aggregate next to max() would turn it into a full scan.
_SNAPSHOT = sa.select(sa.func.max(record.c.updated_at))

#: Rows fetched per round trip when the theme filter makes the database return candidates only.
_THEME_BATCH = 200


@dataclass(frozen=True)
class Snapshot:
    """Identity of the store's visible state: changes whenever any record changes."""

    token: str
    modified: Optional[datetime]


class FeedQueries:
    """Read-only queries over a ``Store`` (thread-safe: one connection per ``read()``)."""

    def __init__(self, store: Store) -> None:
        self.store = store

    @contextmanager
    def read(self) -> Iterator[Connection]:
        """A connection in one consistent read transaction."""
        self.store.ensure_schema()
        engine = self.store.engine
        with engine.connect() as conn:
            if conn.dialect.name == "postgresql":
                conn = conn.execution_options(isolation_level="REPEATABLE READ")
            with conn.begin():
                yield conn

    @staticmethod
    def snapshot(conn: Connection) -> Snapshot:
        newest = conn.execute(_SNAPSHOT).scalar()
        return Snapshot(newest.isoformat() if newest is not None else "-", newest)

    @staticmethod
    def page_boundaries(conn: Connection, flt: DatasetFilter, size: int) -> tuple[int, list[Key]]:
        """(total rows, key of the last row of every full page) for ``flt`` in feed order."""
        if size < 1:
            raise ValueError(f"page size must be >= 1, got {size}")
        clauses = _filter_clauses(flt)
        if flt.theme is not None:
            return _themed_boundaries(conn, flt.theme, clauses, size)
        rn = sa.func.row_number().over(order_by=_ORDER).label("rn")
        inner = sa.select(record.c.updated_at, record.c.source_id, record.c.remote_id, rn).where(*clauses).subquery()
        stmt = (sa.select(inner.c.updated_at, inner.c.source_id, inner.c.remote_id)
                .where(inner.c.rn % size == 0).order_by(inner.c.rn))
        keys: list[Key] = [(r[0], r[1], r[2]) for r in conn.execute(stmt)]
        total = int(conn.execute(sa.select(sa.func.count()).select_from(record).where(*clauses)).scalar_one())
        return total, keys

    @staticmethod
    def page(conn: Connection, flt: DatasetFilter, after: Optional[Key], limit: int) -> list[RecordRow]:
        """Up to ``limit`` current, visible rows strictly after ``after`` in feed order."""
        stmt = sa.select(record).where(*_filter_clauses(flt), *_seek(after)).order_by(*_ORDER)
        if flt.theme is None:
            return [record_from_row(r) for r in conn.execute(stmt.limit(limit))]
        rows: list[RecordRow] = []
        result = conn.execution_options(yield_per=_THEME_BATCH).execute(stmt)
        try:
            for r in result:
                row = record_from_row(r)
                if has_theme(row.dataset_json, flt.theme):
                    rows.append(row)
                    if len(rows) >= limit:
                        break
        finally:
            result.close()
        return rows

    @staticmethod
    def record(conn: Connection, source_id: str, remote_id: str) -> Optional[RecordRow]:
        row = conn.execute(
            sa.select(record).where(record.c.source_id == source_id, record.c.remote_id == remote_id)
        ).first()
        return record_from_row(row) if row is not None else None

    @staticmethod
    def record_by_uri(conn: Connection, uri: str) -> Optional[RecordRow]:
        """The record whose stable URI is ``uri``; a current one wins over deleted/invalid ones,
        then the most recently changed (two sources can carry the same original IRI)."""
        stmt = (sa.select(record).where(record.c.stable_uri == uri)
                .order_by(sa.case((record.c.status == "current", 0), else_=1), record.c.updated_at.desc())
                .limit(1))
        row = conn.execute(stmt).first()
        return record_from_row(row) if row is not None else None


def _themed_boundaries(conn: Connection, theme: str, clauses: list[Any], size: int) -> tuple[int, list[Key]]:
    stmt = (sa.select(record.c.updated_at, record.c.source_id, record.c.remote_id, record.c.dataset)
            .where(*clauses).order_by(*_ORDER))
    keys: list[Key] = []
    total = 0
    result = conn.execution_options(yield_per=_THEME_BATCH).execute(stmt)
    try:
        for updated_at, source_id, remote_id, text in result:
            if has_theme(text, theme):
                total += 1
                if total % size == 0:
                    keys.append((updated_at, source_id, remote_id))
    finally:
        result.close()
    return total, keys
