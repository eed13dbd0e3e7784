"""Issues found while harvesting: the issue part of ``Store``.

Issues are append-only; ``Store.prune`` removes old ones. ``stage`` and ``severity`` are stored as
the plain values of ``harvester.model.issues.Stage`` / ``Severity``.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from harvester.model.issues import Issue
from harvester.store.base import StoreBase, chunked
from harvester.store.rows import IssueRow
from harvester.store.tables import issue

_ISSUE_FIELDS = tuple(IssueRow.__dataclass_fields__)


def issue_from_row(row: sa.Row[Any]) -> IssueRow:
    m = row._mapping
    return IssueRow(**{name: m[name] for name in _ISSUE_FIELDS})


def _issue_values(
    item: Issue, job_id: int | None, source_id: str, remote_id: str | None, now: datetime
) -> dict[str, Any]:
    if not isinstance(item, Issue):
        raise TypeError(f"add_issues expects harvester.model.issues.Issue, got {type(item).__name__}")
    return {
        "job_id": job_id,
        "source_id": source_id,
        "remote_id": item.remote_id or remote_id,
        "stage": getattr(item.stage, "value", item.stage),
        "severity": getattr(item.severity, "value", item.severity),
        "code": item.code,
        "field": item.field,
        "message": item.message,
        "location": item.location,
        "hint_id": item.hint_id,
        "hint_en": item.hint_en,
        "created_at": now,
    }


class IssuesMixin(StoreBase):
    """Append and query issues."""

    def add_issues(
        self, issues: Iterable[Issue], *, job_id: int | None, source_id: str, remote_id: str | None = None
    ) -> None:
        """Insert issues in batches; an issue's own ``remote_id`` wins over the argument.

        Raises TypeError for items that are not ``Issue``; nothing of that call is stored then.
        """
        now = self._now()
        with self._write() as conn:
            for chunk in chunked(issues):
                conn.execute(issue.insert(), [_issue_values(i, job_id, source_id, remote_id, now) for i in chunk])

    def issues_for_job(self, job_id: int, *, limit: int | None = None) -> list[IssueRow]:
        """Issues of a job in the order they were added."""
        stmt = sa.select(issue).where(issue.c.job_id == job_id).order_by(issue.c.id).limit(limit)
        with self._read() as conn:
            return [issue_from_row(r) for r in conn.execute(stmt)]

    def issues_for_record(
        self, source_id: str, remote_id: str, *, latest_job_only: bool = False
    ) -> list[IssueRow]:
        """Issues of one record, newest first; only those of its newest job with issues when
        ``latest_job_only`` (what an admin wants to see for the record's current state)."""
        where = (issue.c.source_id == source_id, issue.c.remote_id == remote_id)
        stmt = sa.select(issue).where(*where).order_by(issue.c.id.desc())
        if latest_job_only:
            newest = sa.select(sa.func.max(issue.c.job_id)).where(*where).scalar_subquery()
            stmt = stmt.where(issue.c.job_id == newest)
        with self._read() as conn:
            return [issue_from_row(r) for r in conn.execute(stmt)]

    def issue_counts(self, job_id: int) -> dict[str, int]:
        """Number of issues of a job by severity, e.g. ``{'error': 2, 'warning': 7}``."""
        stmt = (
            sa.select(issue.c.severity, sa.func.count())
            .where(issue.c.job_id == job_id)
            .group_by(issue.c.severity)
        )
        with self._read() as conn:
            return {severity: int(n) for severity, n in conn.execute(stmt)}
