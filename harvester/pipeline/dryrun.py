"""A store overlay for ``--dry-run``: reads go to the real store, writes stay in memory.

The runner and the push planner run their normal code against ``DryRunStore(store)``, so a dry
run exercises exactly the decisions a real run would take, while nothing is written to the
database (and the planner, seeing a dry-run store, executes nothing on the portals). Only the
methods the runner and planner use are overlaid; any other attribute is read through.
"""

from __future__ import annotations

import dataclasses
import itertools
from datetime import datetime, timezone
from typing import Any, Iterable, Iterator, Optional

from harvester.model.issues import Issue
from harvester.store import JobRow, RawRecord, RecordRow, RecordTargetRow, Store

_fake_ids = itertools.count(-1, -1)
_READ_PREFIXES = ("get_", "iter_", "load_", "list_", "count_", "known_", "ids_", "find_", "issues_", "issue_",
                  "last_", "running_", "changes_")  # negative ids can never collide with real jobs


class DryRunStore:
    """Read-through, write-nowhere view of a Store (see module docstring)."""

    dry_run = True

    def __init__(self, store: Store) -> None:
        self._store = store
        self.records: dict[tuple[str, str], RecordRow] = {}
        self.targets: dict[tuple[str, str, str], RecordTargetRow] = {}
        self.jobs: dict[int, JobRow] = {}
        self.issues: list[tuple[Optional[str], Issue]] = []
        self.deleted: dict[str, set[str]] = {}
        self.checkpoints: dict[tuple[str, str], Optional[dict]] = {}

    def __getattr__(self, name: str) -> Any:
        # Only reads pass through. A write method not overlaid here must fail loudly rather than
        # write to the real database during a dry run.
        if name.startswith(_READ_PREFIXES) or name in ("ping", "dry_run"):
            return getattr(self._store, name)
        raise AttributeError(f"DryRunStore does not support {name!r} (a dry run writes nothing)")

    # jobs --------------------------------------------------------------------------------
    def start_job(self, source_id: str, *, trigger: str, full: bool = False, mapping_hash: str | None = None) -> JobRow:
        now = datetime.now(timezone.utc)
        job = JobRow(id=next(_fake_ids), source_id=source_id, trigger=f"{trigger}:dry-run", status="running",
                     started_at=now, gather_finished_at=None, finished_at=None, complete=False, full=full,
                     mapping_hash=mapping_hash, stats={}, error=None, heartbeat_at=now, pid=None)
        self.jobs[job.id] = job
        return job

    def finish_job(self, job_id: int, *, status: str, stats: dict, complete: bool, error: str | None = None) -> JobRow:
        job = dataclasses.replace(self.jobs[job_id], status=status, stats=stats, complete=complete, error=error,
                                  finished_at=datetime.now(timezone.utc))
        self.jobs[job_id] = job
        return job

    def heartbeat(self, job_id: int) -> None:
        return None

    def upsert_source(self, *args: Any, **kwargs: Any) -> None:
        return None

    # records -----------------------------------------------------------------------------
    def get_record(self, source_id: str, remote_id: str) -> Optional[RecordRow]:
        return self.records.get((source_id, remote_id)) or self._store.get_record(source_id, remote_id)

    def get_records(self, source_id: str, remote_ids: Iterable[str]) -> dict[str, RecordRow]:
        ids = list(remote_ids)
        found = self._store.get_records(source_id, ids)
        found.update({rid: self.records[(source_id, rid)] for rid in ids if (source_id, rid) in self.records})
        return found

    def save_record(self, row: RecordRow, raw: RawRecord | None = None) -> None:
        self.records[(row.source_id, row.remote_id)] = row

    def save_records(self, items: Iterable[Any]) -> int:
        count = 0
        for item in items:
            row = item[0] if isinstance(item, tuple) else item
            self.records[(row.source_id, row.remote_id)] = row
            count += 1
        return count

    def batch(self) -> Any:
        import contextlib

        return contextlib.nullcontext()

    def touch_records(self, source_id: str, remote_ids: Iterable[str], job_id: int, *, when: datetime | None = None) -> None:
        return None

    def mark_deleted(self, source_id: str, remote_ids: Iterable[str], job_id: int) -> int:
        ids = set(remote_ids)
        self.deleted.setdefault(source_id, set()).update(ids)
        now = datetime.now(timezone.utc)
        for rid in ids:
            row = self.get_record(source_id, rid)
            if row is not None:
                self.records[(source_id, rid)] = dataclasses.replace(row, status="deleted", deleted_at=now)
        return len(ids)

    def known_ids(self, source_id: str) -> set[str]:
        ids = self._store.known_ids(source_id) - self.deleted.get(source_id, set())
        return ids | {rid for (sid, rid), row in self.records.items() if sid == source_id and row.status != "deleted"}

    def iter_records(self, source_id: str, *, status: str | None = None) -> Iterator[RecordRow]:
        seen = set()
        for row in self._store.iter_records(source_id):
            row = self.records.get((source_id, row.remote_id), row)
            seen.add(row.remote_id)
            if status is None or row.status == status:
                yield row
        for (sid, rid), row in self.records.items():
            if sid == source_id and rid not in seen and (status is None or row.status == status):
                yield row

    # targets, issues, checkpoints ------------------------------------------------------------
    def get_record_target(self, source_id: str, remote_id: str, target: str) -> Optional[RecordTargetRow]:
        return self.targets.get((source_id, remote_id, target)) or self._store.get_record_target(source_id, remote_id, target)

    def save_record_target(self, row: RecordTargetRow) -> None:
        self.targets[(row.source_id, row.remote_id, row.target)] = row

    def add_issues(self, issues: Iterable[Issue], *, job_id: int | None, source_id: str, remote_id: str | None = None) -> None:
        self.issues.extend((issue.remote_id or remote_id, issue) for issue in issues)

    def load_checkpoint(self, source_id: str, kind: str) -> Optional[dict]:
        if (source_id, kind) in self.checkpoints:
            return self.checkpoints[(source_id, kind)]
        return self._store.load_checkpoint(source_id, kind)

    def save_checkpoint(self, source_id: str, kind: str, value: dict | None, *, job_id: int | None = None) -> None:
        self.checkpoints[(source_id, kind)] = value
