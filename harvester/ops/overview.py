"""What the status pages and ``/metrics`` show, read from the store in one place.

``collect`` builds an ``Overview``: one ``SourceView`` per configured source (plus sources the store
knows but the configuration no longer has) and one ``TargetView`` per configured target. The
scheduler contributes next run times when the daemon runs (``harvester serve`` has none).
``OverviewCache`` keeps the last overview for a couple of seconds so a scrape storm or a reloading
browser does not turn into a query storm.

Cost: a handful of small queries per source, and one pass over the ``record_target`` rows of each
target (streamed; a city catalogue has thousands of rows, not millions).

Failure behaviour: store errors propagate from ``collect``; callers decide (the status page answers
503, the metrics collector reports ``harvester_store_up 0``).
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Callable, Optional

from harvester.store import DatasetFilter, JobRow, TargetStatus

#: Attempts after which a failing push counts as "keeps failing" (status pages, notifications).
FAILING_ATTEMPTS = 3

#: Job status -> state word shown for the source.
STATE_OF_STATUS = {
    "done": "ok",
    "done_with_errors": "errors",
    "failed": "failing",
    "aborted": "failing",
    "interrupted": "interrupted",
    "needs_confirmation": "held",
    "running": "running",
}


@dataclass(frozen=True)
class SourceView:
    id: str
    title: Optional[str]
    type: str
    configured: bool
    enabled: bool
    schedule: str
    organisation: Optional[str]
    last_job: Optional[JobRow]
    last_success: Optional[JobRow]
    running: Optional[JobRow]
    next_run: Optional[datetime]
    records_current: int
    records_invalid: int

    @property
    def state(self) -> str:
        """One word for the operator: ok, errors, failing, held, running, interrupted, never, disabled, removed."""
        if not self.configured:
            return "removed"
        if self.running is not None:
            return "running"
        if not self.enabled:
            return "disabled"
        if self.last_job is None:
            return "never"
        return STATE_OF_STATUS.get(self.last_job.status, self.last_job.status)


@dataclass(frozen=True)
class TargetView:
    id: str
    title: Optional[str]
    level: Optional[str]
    enabled: bool
    disabled_reason: Optional[str]
    counts: dict[str, int] = field(default_factory=dict)
    last_push: Optional[datetime] = None
    last_error_at: Optional[datetime] = None
    keeps_failing: int = 0  # rows failed at least FAILING_ATTEMPTS times

    @property
    def pending(self) -> int:
        """Pushes waiting: rows pending, or failed and to be retried."""
        return self.counts.get(TargetStatus.PENDING.value, 0) + self.counts.get(TargetStatus.FAILED.value, 0)


@dataclass(frozen=True)
class Overview:
    generated_at: datetime
    sources: list[SourceView]
    targets: list[TargetView]
    scheduler_running: Optional[bool] = None  # None: no scheduler in this process (``harvester serve``)


def _target_view(store: Any, tid: str, cfg: Any) -> TargetView:
    counts: Counter[str] = Counter()
    last_push: Optional[datetime] = None
    last_error: Optional[datetime] = None
    keeps_failing = 0
    for row in store.iter_record_targets(tid):
        counts[row.status] += 1
        if row.pushed_at is not None and (last_push is None or row.pushed_at > last_push):
            last_push = row.pushed_at
        if row.last_error_at is not None and (last_error is None or row.last_error_at > last_error):
            last_error = row.last_error_at
        if row.status == TargetStatus.FAILED.value and row.attempts >= FAILING_ATTEMPTS:
            keeps_failing += 1
    return TargetView(tid, getattr(cfg, "title", None), getattr(cfg, "level", None), bool(getattr(cfg, "enabled", False)),
                      getattr(cfg, "disabled_reason", None), dict(counts), last_push, last_error, keeps_failing)


def source_view(store: Any, sid: str, cfg: Any, *, title: Optional[str] = None, type_: str = "?",
                next_run: Optional[datetime] = None) -> SourceView:
    """The view of one source (``cfg`` None: known to the store only)."""
    from harvester.settings import describe_schedule

    # At most one job of a source runs, and none starts while one runs: a running job is the newest.
    jobs = store.list_jobs(sid, limit=2)
    running = jobs[0] if jobs and jobs[0].running else None
    last = next((j for j in jobs if not j.running), None)  # "last run" = the last finished one
    known = len(store.known_ids(sid))
    current = store.count_datasets(DatasetFilter(source_id=sid))
    schedule = getattr(cfg, "schedule", None) if cfg is not None else None
    org = getattr(cfg, "organisation", None) if cfg is not None else None
    return SourceView(
        id=sid, title=getattr(cfg, "title", None) or title, type=getattr(cfg, "type", None) or type_,
        configured=cfg is not None, enabled=bool(getattr(cfg, "enabled", False)),
        schedule=describe_schedule(schedule) if schedule is not None else "-",
        organisation=(getattr(org, "name", None) or getattr(org, "id", None)) if org is not None else None,
        last_job=last, last_success=store.last_complete_job(sid), running=running,
        next_run=next_run, records_current=current, records_invalid=max(0, known - current),
    )


def target_views(store: Any, config: Any) -> list[TargetView]:
    """The push state of every configured target."""
    return [_target_view(store, tid, cfg) for tid, cfg in sorted(config.targets.items())]


def collect(store: Any, config: Any, next_runs: Optional[Callable[[], dict[str, Optional[datetime]]]] = None,
            scheduler_running: Optional[Callable[[], bool]] = None) -> Overview:
    """Build the overview of ``config``'s sources and targets from ``store``."""
    upcoming = next_runs() if next_runs is not None else {}
    sources = [source_view(store, sid, cfg, next_run=upcoming.get(sid)) for sid, cfg in sorted(config.sources.items())]
    for row in store.list_sources():
        if row.id not in config.sources:
            sources.append(source_view(store, row.id, None, title=row.title, type_=row.type))
    return Overview(datetime.now(timezone.utc), sources, target_views(store, config),
                    scheduler_running() if scheduler_running is not None else None)


class OverviewCache:
    """``get()`` returns an overview at most ``ttl`` seconds old (thread-safe; one refresh at a time)."""

    def __init__(self, build: Callable[[], Overview], ttl: float = 2.0) -> None:
        self.build, self.ttl = build, ttl
        self._lock = threading.Lock()
        self._value: Optional[Overview] = None
        self._at = 0.0

    def get(self) -> Overview:
        with self._lock:
            if self._value is None or time.monotonic() - self._at > self.ttl:
                self._value = self.build()
                self._at = time.monotonic()
            return self._value
