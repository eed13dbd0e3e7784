"""Retention: old job history and per-record issues are pruned, so the database of a steady catalogue
stops growing (ckanext-harvest#567: a 7 GB ``harvest_object`` table; udata#2563: 17 GB of jobs).

What grows with time in the store is the job rows and the issues each job writes; records, raw bytes
and ``record_target`` rows grow with the catalogue, not with time. ``prune`` deletes jobs older than
``jobs_age`` (with their issues) and issues older than ``issues_age``, but never a running job, a job
waiting for deletion confirmation, the newest ``keep_last_jobs`` jobs of a source, or a source's last
complete job (the store guarantees those). On SQLite freed pages are reused by later writes, so the
file size levels off; it is not shrunk (``VACUUM`` would lock the database for the feed).

Failure behaviour: store errors propagate (the scheduler logs them and retries at the next pass).
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Optional

from sqlalchemy.engine import make_url

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class RetentionPolicy:
    """How long history is kept. ``keep_last_jobs`` are kept per source whatever their age."""

    jobs_age: timedelta
    issues_age: timedelta
    keep_last_jobs: int

    @classmethod
    def from_settings(cls, settings: Any) -> "RetentionPolicy":
        """The ``retention:`` block of harvester.yaml (days)."""
        retention = settings.retention
        return cls(timedelta(days=retention.jobs_days), timedelta(days=retention.issues_days),
                   int(retention.keep_last_jobs))

    def describe(self) -> str:
        return (f"jobs {self.jobs_age}, issues {self.issues_age}, at least the last {self.keep_last_jobs} "
                "jobs of each source")


def prune(store: Any, policy: RetentionPolicy, now: datetime) -> dict[str, int]:
    """Delete history older than the policy allows; return ``{'jobs': n, 'issues': m, 'quality_scores': k}``."""
    from harvester.quality.history import prune_history

    result = store.prune(jobs_older_than=now - policy.jobs_age, issues_older_than=now - policy.issues_age,
                         keep_last_jobs_per_source=policy.keep_last_jobs)
    # Per-dataset quality history follows the job history (the newest score of each dataset stays).
    result["quality_scores"] = prune_history(store, older_than=now - policy.jobs_age)
    if result.get("jobs") or result.get("issues"):
        logger.info("retention: pruned %d job(s) and %d issue(s) (%s)", result.get("jobs", 0),
                    result.get("issues", 0), policy.describe())
    return result


def database_size(url: Any) -> Optional[int]:
    """Bytes used by a SQLite database (file + WAL + shared memory); None for other databases or
    when the file is not there."""
    parsed = make_url(str(url)) if not hasattr(url, "get_backend_name") else url
    if parsed.get_backend_name() != "sqlite" or not parsed.database or parsed.database == ":memory:" \
            or parsed.database.startswith("file:"):
        return None
    total, found = 0, False
    for suffix in ("", "-wal", "-shm"):
        try:
            total += os.path.getsize(parsed.database + suffix)
            found = True
        except OSError:
            continue
    return total if found else None
