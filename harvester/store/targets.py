"""Per-target push state (``record_target``): the target part of ``Store`` (ARCHITECTURE §7).

One row per (record, target portal), so a failing portal never blocks the others. The push
planner reads the rows it must act on with ``iter_record_targets`` and writes the outcome with
``save_record_target``.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

import sqlalchemy as sa

from harvester.store.base import StoreBase
from harvester.store.rows import RecordTargetRow, TargetStatus, check_enum
from harvester.store.tables import record_target

_TARGET_FIELDS = tuple(RecordTargetRow.__dataclass_fields__)


def target_from_row(row: sa.Row[Any]) -> RecordTargetRow:
    m = row._mapping
    return RecordTargetRow(**{name: m[name] for name in _TARGET_FIELDS})


class TargetsMixin(StoreBase):
    """Read and upsert ``record_target`` rows."""

    def get_record_target(self, source_id: str, remote_id: str, target: str) -> RecordTargetRow | None:
        stmt = sa.select(record_target).where(
            record_target.c.source_id == source_id,
            record_target.c.remote_id == remote_id,
            record_target.c.target == target,
        )
        with self._read() as conn:
            row = conn.execute(stmt).first()
        return target_from_row(row) if row is not None else None

    def save_record_target(self, row: RecordTargetRow) -> None:
        """Upsert ``row`` as given (every column is replaced).

        Raises ValueError for an unknown status; IntegrityError when the record does not exist.
        """
        values = {name: getattr(row, name) for name in _TARGET_FIELDS}
        values["status"] = check_enum(
            TargetStatus, row.status, f"target status of {row.source_id}/{row.remote_id} on {row.target}"
        )
        with self._write() as conn:
            self._upsert(conn, record_target, [values])

    def iter_record_targets(
        self, target: str, *, status_in: Iterable[str] | None = None
    ) -> Iterator[RecordTargetRow]:
        """Stream the rows of one target (optionally with these statuses), by (source, remote id)."""
        stmt = (
            sa.select(record_target)
            .where(record_target.c.target == target)
            .order_by(record_target.c.source_id, record_target.c.remote_id)
        )
        if status_in is not None:
            statuses = [check_enum(TargetStatus, s, "target status") for s in status_in]
            stmt = stmt.where(record_target.c.status.in_(statuses))
        return self._stream(stmt, target_from_row)

    def find_record_target_by_dataset(self, target: str, target_dataset_id: str) -> RecordTargetRow | None:
        """The row that owns ``target_dataset_id`` on ``target`` (oldest when several claim it)."""
        stmt = (
            sa.select(record_target)
            .where(record_target.c.target == target, record_target.c.target_dataset_id == target_dataset_id)
            .order_by(record_target.c.source_id, record_target.c.remote_id)
            .limit(1)
        )
        with self._read() as conn:
            row = conn.execute(stmt).first()
        return target_from_row(row) if row is not None else None
