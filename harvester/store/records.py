"""Harvested records and their raw bytes: the record part of ``Store``.

``save_record`` is an upsert keyed by (source_id, remote_id). Bulk paths (``save_records``,
``touch_records``, ``mark_deleted``) send chunks of a few hundred rows per statement; wrap loops of
single calls in ``Store.batch()`` to share one transaction.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from harvester.store.base import StoreBase, chunked
from harvester.store.rows import RawRecord, RecordRow, RecordStatus, check_enum
from harvester.store.tables import record, record_raw

RecordItem = RecordRow | tuple[RecordRow, RawRecord | None]

# RecordRow field -> record column, where they differ.
_COLUMN_OF = {"dataset_json": "dataset"}
_RECORD_FIELDS = tuple(RecordRow.__dataclass_fields__)


def record_from_row(row: sa.Row[Any]) -> RecordRow:
    m = row._mapping
    values = {name: m[_COLUMN_OF.get(name, name)] for name in _RECORD_FIELDS}
    values["id_is_fallback"] = bool(values["id_is_fallback"])
    return RecordRow(**values)


def raw_from_row(row: sa.Row[Any]) -> RawRecord:
    m = row._mapping
    return RawRecord(
        source_id=m["source_id"],
        remote_id=m["remote_id"],
        media_type=m["media_type"],
        content=bytes(m["content"]),
        content_hash=m["content_hash"],
        url=m["url"],
        fetched_at=m["fetched_at"],
    )


def _record_values(row: RecordRow, now: datetime) -> dict[str, Any]:
    """Column values of ``row``; unset times become ``now``; a deletion counts as a change."""
    values = {_COLUMN_OF.get(name, name): getattr(row, name) for name in _RECORD_FIELDS}
    values["status"] = check_enum(RecordStatus, row.status, f"record status of {row.source_id}/{row.remote_id}")
    for stamp in ("first_seen", "last_seen", "updated_at"):
        if values[stamp] is None:
            values[stamp] = now
    deleted_at = values["deleted_at"]
    if values["status"] == RecordStatus.DELETED.value and deleted_at is not None and deleted_at > values["updated_at"]:
        # changes_since and feed consumers order by updated_at: the deletion must show up there.
        values["updated_at"] = deleted_at
    return values


def _raw_values(raw: RawRecord, row: RecordRow) -> dict[str, Any]:
    if (raw.source_id, raw.remote_id) != (row.source_id, row.remote_id):
        raise ValueError(
            f"raw record {raw.source_id}/{raw.remote_id} does not belong to record {row.source_id}/{row.remote_id}"
        )
    return {
        "source_id": raw.source_id,
        "remote_id": raw.remote_id,
        "media_type": raw.media_type,
        "content": raw.content,
        "content_hash": raw.content_hash,
        "url": raw.url,
        "fetched_at": raw.fetched_at,
    }


class RecordsMixin(StoreBase):
    """Record state, raw bytes, and the id sets the change planner needs."""

    def get_record(self, source_id: str, remote_id: str) -> RecordRow | None:
        with self._read() as conn:
            row = conn.execute(
                sa.select(record).where(record.c.source_id == source_id, record.c.remote_id == remote_id)
            ).first()
        return record_from_row(row) if row is not None else None

    def get_records(self, source_id: str, remote_ids: Iterable[str]) -> dict[str, RecordRow]:
        """The stored records among ``remote_ids`` (missing ids are absent), a few hundred per query:
        the runner looks up a listing's records in bulk instead of one query per record."""
        found: dict[str, RecordRow] = {}
        with self._read() as conn:
            for ids in chunked(dict.fromkeys(remote_ids)):
                stmt = sa.select(record).where(record.c.source_id == source_id, record.c.remote_id.in_(ids))
                for row in conn.execute(stmt):
                    found[row.remote_id] = record_from_row(row)
        return found

    def iter_records(self, source_id: str, *, status: str | None = None) -> Iterator[RecordRow]:
        """Stream the records of a source ordered by remote_id (flat memory)."""
        stmt = sa.select(record).where(record.c.source_id == source_id).order_by(record.c.remote_id)
        if status is not None:
            stmt = stmt.where(record.c.status == check_enum(RecordStatus, status, "record status"))
        return self._stream(stmt, record_from_row)

    def known_ids(self, source_id: str) -> set[str]:
        """Remote ids of the source's records that are not deleted (current and invalid)."""
        stmt = sa.select(record.c.remote_id).where(
            record.c.source_id == source_id, record.c.status != RecordStatus.DELETED.value
        )
        with self._read() as conn:
            return set(conn.execute(stmt).scalars())

    def ids_on_pages(self, source_id: str, page_urls: Iterable[str]) -> set[str]:
        """Remote ids of current records last seen on one of ``page_urls`` (unchanged pages)."""
        found: set[str] = set()
        with self._read() as conn:
            for urls in chunked(dict.fromkeys(page_urls)):
                stmt = sa.select(record.c.remote_id).where(
                    record.c.source_id == source_id,
                    record.c.status == RecordStatus.CURRENT.value,
                    record.c.page_url.in_(urls),
                )
                found.update(conn.execute(stmt).scalars())
        return found

    def save_record(self, row: RecordRow, raw: RawRecord | None = None) -> None:
        """Upsert ``row`` (and its raw bytes when given). ``first_seen`` of an existing row is kept.

        Raises ValueError for an invalid status or a raw record of another record, UnknownSource
        when the source was never registered.
        """
        self.save_records([(row, raw)])

    def save_records(self, items: Iterable[RecordItem]) -> int:
        """Upsert many records (each a RecordRow or a (RecordRow, RawRecord | None) pair) in one
        transaction, a few hundred per statement. Returns the number of records written."""
        now = self._now()
        count = 0
        sources: set[str] = set()
        try:
            with self._write() as conn:
                for chunk in chunked(items):
                    rows: list[dict[str, Any]] = []
                    raws: list[dict[str, Any]] = []
                    for item in chunk:
                        row, raw = item if isinstance(item, tuple) else (item, None)
                        rows.append(_record_values(row, now))
                        sources.add(row.source_id)
                        if raw is not None:
                            raws.append(_raw_values(raw, row))
                    self._upsert(conn, record, rows, keep=("first_seen",))
                    self._upsert(conn, record_raw, raws)
                    count += len(rows)
        except IntegrityError as exc:
            self._raise_unknown_source(sources, exc)
            raise
        return count

    def touch_records(
        self, source_id: str, remote_ids: Iterable[str], job_id: int, *, when: datetime | None = None
    ) -> None:
        """Set last_seen (default now) and last_job_id of records seen unchanged in a listing."""
        when = when or self._now()
        with self._write() as conn:
            for ids in chunked(remote_ids):
                conn.execute(
                    record.update()
                    .where(record.c.source_id == source_id, record.c.remote_id.in_(ids))
                    .values(last_seen=when, last_job_id=job_id)
                )

    def mark_deleted(self, source_id: str, remote_ids: Iterable[str], job_id: int) -> int:
        """Mark records deleted (deleted_at = updated_at = now); returns how many changed status.

        Already deleted and unknown ids are ignored. The mapped dataset and raw bytes are kept.
        """
        now = self._now()
        changed = 0
        with self._write() as conn:
            for ids in chunked(remote_ids):
                result = conn.execute(
                    record.update()
                    .where(
                        record.c.source_id == source_id,
                        record.c.remote_id.in_(ids),
                        record.c.status != RecordStatus.DELETED.value,
                    )
                    .values(status=RecordStatus.DELETED.value, deleted_at=now, updated_at=now, last_job_id=job_id)
                )
                changed += result.rowcount or 0
        return changed

    def get_raw(self, source_id: str, remote_id: str) -> RawRecord | None:
        with self._read() as conn:
            row = conn.execute(
                sa.select(record_raw).where(record_raw.c.source_id == source_id, record_raw.c.remote_id == remote_id)
            ).first()
        return raw_from_row(row) if row is not None else None

    def iter_raw(self, source_id: str) -> Iterator[RawRecord]:
        """Stream the raw records of a source ordered by remote_id (100 per round trip)."""
        stmt = sa.select(record_raw).where(record_raw.c.source_id == source_id).order_by(record_raw.c.remote_id)
        return self._stream(stmt, raw_from_row, batch=100)
