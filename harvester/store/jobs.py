"""Jobs, checkpoints and retention: the harvest bookkeeping part of ``Store``.

A job row is written at start (status ``running``), refreshed by ``heartbeat`` while it works and
closed by ``finish_job``. The database refuses a second running job for the same source (partial
unique index), across threads and processes. ``reap_stale_jobs`` closes jobs whose process died.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from harvester.model.issues import Severity
from harvester.store.base import StoreBase, chunked
from harvester.store.rows import (
    SUCCESS_STATUSES,
    CheckpointKind,
    JobAlreadyRunning,
    JobRow,
    JobStatus,
    UnknownSource,
    check_enum,
)
from harvester.store.tables import checkpoint, issue, job, source

logger = logging.getLogger(__name__)

#: Issue code written by the reaper for each job it aborts.
STALE_JOB_CODE = "JOB-STALE"


def job_from_row(row: sa.Row[Any]) -> JobRow:
    m = row._mapping
    return JobRow(
        id=m["id"],
        source_id=m["source_id"],
        trigger=m["trigger"],
        status=m["status"],
        started_at=m["started_at"],
        gather_finished_at=m["gather_finished_at"],
        finished_at=m["finished_at"],
        complete=bool(m["complete"]),
        full=bool(m["full"]),
        mapping_hash=m["mapping_hash"],
        stats=dict(m["stats"] or {}),
        error=m["error"],
        heartbeat_at=m["heartbeat_at"],
        pid=m["pid"],
    )


class JobsMixin(StoreBase):
    """Job life cycle, checkpoints and pruning."""

    # --- jobs ----------------------------------------------------------------------------------
    def start_job(
        self, source_id: str, *, trigger: str, full: bool = False, mapping_hash: str | None = None
    ) -> JobRow:
        """Insert a ``running`` job for ``source_id`` (pid and heartbeat set) and return it.

        Raises UnknownSource when the source was never registered, JobAlreadyRunning when the
        source has a running job (also when another process wins a race for it).
        """
        now = self._now()
        try:
            with self._write() as conn:
                if conn.execute(sa.select(source.c.id).where(source.c.id == source_id)).first() is None:
                    raise UnknownSource(source_id)
                running = conn.execute(
                    sa.select(job).where(job.c.source_id == source_id, job.c.status == JobStatus.RUNNING.value)
                ).first()
                if running is not None:
                    raise JobAlreadyRunning(job_from_row(running))
                row = conn.execute(
                    job.insert()
                    .values(
                        source_id=source_id,
                        trigger=trigger,
                        status=JobStatus.RUNNING.value,
                        started_at=now,
                        heartbeat_at=now,
                        complete=False,
                        full=full,
                        mapping_hash=mapping_hash,
                        stats={},
                        pid=os.getpid(),
                    )
                    .returning(*job.c)
                ).one()
                return job_from_row(row)
        except IntegrityError as exc:
            other = self.running_job(source_id)
            if other is None:
                raise
            raise JobAlreadyRunning(other) from exc

    def heartbeat(self, job_id: int) -> None:
        """Mark ``job_id`` alive now (no-op when it is no longer running)."""
        with self._write() as conn:
            conn.execute(
                job.update()
                .where(job.c.id == job_id, job.c.status == JobStatus.RUNNING.value)
                .values(heartbeat_at=self._now())
            )

    def mark_gather_finished(self, job_id: int, *, when: datetime | None = None) -> None:
        """Record the end of the listing stage of ``job_id``."""
        now = when or self._now()
        with self._write() as conn:
            conn.execute(job.update().where(job.c.id == job_id).values(gather_finished_at=now, heartbeat_at=now))

    def finish_job(
        self, job_id: int, *, status: str, stats: dict[str, Any], complete: bool, error: str | None = None
    ) -> JobRow:
        """Close ``job_id`` with a final status; may be called again (e.g. after confirm-deletions).

        Raises ValueError for an unknown or non-final status, LookupError for an unknown job.
        """
        status = check_enum(JobStatus, status, "job status")
        if status == JobStatus.RUNNING.value:
            raise ValueError(f"finish_job({job_id}) needs a final status, not 'running'")
        with self._write() as conn:
            row = conn.execute(
                job.update()
                .where(job.c.id == job_id)
                .values(status=status, stats=dict(stats), complete=complete, error=error, finished_at=self._now())
                .returning(*job.c)
            ).first()
        if row is None:
            raise LookupError(f"no job with id {job_id}")
        return job_from_row(row)

    def get_job(self, job_id: int) -> JobRow | None:
        with self._read() as conn:
            row = conn.execute(sa.select(job).where(job.c.id == job_id)).first()
        return job_from_row(row) if row is not None else None

    def list_jobs(self, source_id: str | None = None, *, limit: int = 50) -> list[JobRow]:
        """Jobs newest first, optionally of one source."""
        stmt = sa.select(job).order_by(job.c.id.desc()).limit(limit)
        if source_id is not None:
            stmt = stmt.where(job.c.source_id == source_id)
        with self._read() as conn:
            return [job_from_row(r) for r in conn.execute(stmt)]

    def running_job(self, source_id: str) -> JobRow | None:
        with self._read() as conn:
            row = conn.execute(
                sa.select(job).where(job.c.source_id == source_id, job.c.status == JobStatus.RUNNING.value)
            ).first()
        return job_from_row(row) if row is not None else None

    def last_complete_job(self, source_id: str) -> JobRow | None:
        """Newest job of ``source_id`` that finished done/done_with_errors with a complete listing."""
        stmt = (
            sa.select(job)
            .where(job.c.source_id == source_id, job.c.status.in_(SUCCESS_STATUSES), job.c.complete.is_(True))
            .order_by(job.c.id.desc())
            .limit(1)
        )
        with self._read() as conn:
            row = conn.execute(stmt).first()
        return job_from_row(row) if row is not None else None

    def count_jobs_since(self, source_id: str, status_in: Iterable[str], since_job_id: int) -> int:
        """Number of jobs of ``source_id`` with id > ``since_job_id`` whose status is in ``status_in``."""
        statuses = [check_enum(JobStatus, s, "job status") for s in status_in]
        stmt = sa.select(sa.func.count()).where(
            job.c.source_id == source_id, job.c.id > since_job_id, job.c.status.in_(statuses)
        )
        with self._read() as conn:
            return int(conn.execute(stmt).scalar_one())

    def reap_stale_jobs(self, *, older_than: timedelta, now: datetime | None = None) -> list[JobRow]:
        """Abort running jobs silent for longer than ``older_than``; return them as aborted.

        Silence is measured from ``heartbeat_at`` (``started_at`` when it was never set). Each
        aborted job gets an error text and a ``JOB-STALE`` error issue.
        """
        now = now or self._now()
        cutoff = now - older_than
        last_sign = sa.func.coalesce(job.c.heartbeat_at, job.c.started_at)
        with self._write() as conn:
            stale = conn.execute(
                sa.select(job).where(job.c.status == JobStatus.RUNNING.value, last_sign < cutoff)
            ).all()
            reaped: list[JobRow] = []
            for old in map(job_from_row, stale):
                seen = old.heartbeat_at or old.started_at
                message = (
                    f"job {old.id} of source {old.source_id!r} aborted: no heartbeat since "
                    f"{seen.isoformat()} (limit {older_than}); its process (pid {old.pid}) presumably died"
                )
                row = conn.execute(
                    job.update()
                    .where(job.c.id == old.id, job.c.status == JobStatus.RUNNING.value)
                    .values(status=JobStatus.ABORTED.value, finished_at=now, error=message)
                    .returning(*job.c)
                ).first()
                if row is None:  # finished meanwhile
                    continue
                conn.execute(
                    issue.insert().values(
                        job_id=old.id, source_id=old.source_id, stage=None, severity=Severity.ERROR.value,
                        code=STALE_JOB_CODE, message=message, created_at=now,
                    )
                )
                logger.warning("%s", message)
                reaped.append(job_from_row(row))
        return reaped

    # --- checkpoints ---------------------------------------------------------------------------
    def load_checkpoint(self, source_id: str, kind: str) -> dict[str, Any] | None:
        kind = check_enum(CheckpointKind, kind, "checkpoint kind")
        with self._read() as conn:
            value = conn.execute(
                sa.select(checkpoint.c.value).where(checkpoint.c.source_id == source_id, checkpoint.c.kind == kind)
            ).scalar_one_or_none()
        return dict(value) if value is not None else None

    def save_checkpoint(
        self, source_id: str, kind: str, value: dict[str, Any] | None, *, job_id: int | None = None
    ) -> None:
        """Store (upsert) a JSON-able dict, or delete the checkpoint when ``value`` is None.

        Raises TypeError when the value is not a dict; the database error when it is not JSON-able.
        """
        kind = check_enum(CheckpointKind, kind, "checkpoint kind")
        with self._write() as conn:
            if value is None:
                conn.execute(
                    checkpoint.delete().where(checkpoint.c.source_id == source_id, checkpoint.c.kind == kind)
                )
                return
            if not isinstance(value, dict):
                raise TypeError(f"checkpoint {source_id}/{kind} must be a dict, got {type(value).__name__}")
            row = {"source_id": source_id, "kind": kind, "value": value, "job_id": job_id, "saved_at": self._now()}
            self._upsert(conn, checkpoint, [row])

    # --- retention -----------------------------------------------------------------------------
    def prune(
        self, *, jobs_older_than: datetime, issues_older_than: datetime, keep_last_jobs_per_source: int = 10
    ) -> dict[str, int]:
        """Delete old jobs (with their issues) and old issues; return ``{'jobs': n, 'issues': m}``.

        Never deleted: running jobs, jobs waiting for confirmation, the newest
        ``keep_last_jobs_per_source`` jobs of each source, each source's ``last_complete_job``,
        and issues of any job that is kept for those reasons.
        """
        with self._write() as conn:
            protected = self._protected_jobs(conn, keep_last_jobs_per_source)
            doomed = [
                r.id
                for r in conn.execute(
                    sa.select(job.c.id).where(
                        job.c.started_at < jobs_older_than,
                        job.c.status.not_in([JobStatus.RUNNING.value, JobStatus.NEEDS_CONFIRMATION.value]),
                    )
                )
                if r.id not in protected
            ]
            n_issues = 0
            for ids in chunked(doomed):
                n_issues += conn.execute(issue.delete().where(issue.c.job_id.in_(ids))).rowcount or 0
                conn.execute(checkpoint.update().where(checkpoint.c.job_id.in_(ids)).values(job_id=None))
                conn.execute(job.delete().where(job.c.id.in_(ids)))
            old_issues = issue.delete().where(issue.c.created_at < issues_older_than)
            if protected:
                old_issues = old_issues.where(sa.or_(issue.c.job_id.is_(None), issue.c.job_id.not_in(protected)))
            n_issues += conn.execute(old_issues).rowcount or 0
        logger.info("pruned %d jobs and %d issues", len(doomed), n_issues)
        return {"jobs": len(doomed), "issues": n_issues}

    def _protected_jobs(self, conn: sa.Connection, keep_last: int) -> set[int]:
        ranked = sa.select(
            job.c.id,
            sa.func.row_number().over(partition_by=job.c.source_id, order_by=job.c.id.desc()).label("rank"),
        ).subquery()
        keep = {r.id for r in conn.execute(sa.select(ranked.c.id).where(ranked.c.rank <= keep_last))}
        last_ok = (
            sa.select(sa.func.max(job.c.id).label("id"))
            .where(job.c.status.in_(SUCCESS_STATUSES), job.c.complete.is_(True))
            .group_by(job.c.source_id)
        )
        keep.update(r.id for r in conn.execute(last_ok))
        return keep
