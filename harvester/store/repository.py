"""``Store``: the state store, the single source of truth of the harvester (ARCHITECTURE §4-§7).

SQLite by default (a file, WAL mode), PostgreSQL when the URL says so. All SQL lives in this
package; callers get frozen row dataclasses, never ORM objects. The class is assembled from one
part per concern (jobs, records, targets, issues, feed) so each module stays small; only ``Store``
is public.

Thread safety: one Store (one Engine and its connection pool) is shared by every thread of a
process. Each method is one short transaction; ``batch()`` groups a thread's writes. On SQLite,
readers (the feed) never block the single writer, and writers queue on the write lock for up to
``SQLITE_BUSY_TIMEOUT_S`` seconds. Several processes may share one database (daemon + feed), and
``ensure_schema`` serialises schema upgrades between them.
"""

from __future__ import annotations

import sqlalchemy as sa

from harvester.store.feed import FeedMixin
from harvester.store.issues import IssuesMixin
from harvester.store.jobs import JobsMixin
from harvester.store.records import RecordsMixin
from harvester.store.rows import SourceRow
from harvester.store.tables import source
from harvester.store.targets import TargetsMixin


def source_from_row(row: sa.Row[object]) -> SourceRow:
    m = row._mapping
    return SourceRow(
        id=m["id"],
        type=m["type"],
        title=m["title"],
        config_hash=m["config_hash"],
        enabled=bool(m["enabled"]),
        created_at=m["created_at"],
        updated_at=m["updated_at"],
    )


class Store(JobsMixin, RecordsMixin, TargetsMixin, IssuesMixin, FeedMixin):
    """Persistent harvest state. ``Store(url)`` connects lazily; the schema is upgraded on first use.

    Raises ValueError at construction for a URL that is neither SQLite nor PostgreSQL.
    """

    def __repr__(self) -> str:
        return f"Store({self.url.render_as_string(hide_password=True)!r})"

    # --- sources ---------------------------------------------------------------------------
    def upsert_source(
        self, source_id: str, type: str, *, title: str | None, config_hash: str, enabled: bool
    ) -> None:
        """Register a configured source or update it; ``created_at`` is kept, ``updated_at`` set
        only when something changed."""
        now = self._now()
        values = {"type": type, "title": title, "config_hash": config_hash, "enabled": enabled}
        with self._write() as conn:
            old = conn.execute(sa.select(source).where(source.c.id == source_id)).first()
            if old is None:
                conn.execute(source.insert().values(id=source_id, created_at=now, updated_at=now, **values))
            elif any(old._mapping[k] != v for k, v in values.items()):
                conn.execute(source.update().where(source.c.id == source_id).values(updated_at=now, **values))

    def get_source(self, source_id: str) -> SourceRow | None:
        with self._read() as conn:
            row = conn.execute(sa.select(source).where(source.c.id == source_id)).first()
        return source_from_row(row) if row is not None else None

    def list_sources(self) -> list[SourceRow]:
        """All registered sources ordered by id."""
        with self._read() as conn:
            return [source_from_row(r) for r in conn.execute(sa.select(source).order_by(source.c.id))]
