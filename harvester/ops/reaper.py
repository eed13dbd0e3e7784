"""The reaper: jobs left ``running`` are closed as ``aborted`` so a source is never blocked for good.

ckanext-harvest and data.gov users found jobs "Running" for days after a restart (peer-systems §12);
here every running job row is judged at daemon start and then every ``reaper_interval_minutes``:

* its process is gone (the pid is not alive on this host, or it is this very pid, as when a
  container restarts the daemon as PID 1 again, but the job is not one of ours) → aborted at once;
* it belongs to another live process (``harvester harvest`` from a terminal) → aborted only when it
  sent no heartbeat for ``job_timeout`` (the runner heart-beats every few dozen records);
* it is one of this daemon's own jobs and silent for ``job_timeout`` → the job is asked to stop
  (``request_stop``: it records itself ``interrupted`` after the record in hand); still silent after
  twice the timeout (stuck in I/O) → its row is aborted so the status page tells the truth.

Each aborted job gets an error text and a ``JOB-STALE`` issue, and is passed to ``on_reaped``
(notifications, metrics). Assumption: one host per database — a pid is only meaningful on the host
that wrote it; with several hosts on one PostgreSQL only the heartbeat rule is safe.

Failure behaviour: store errors propagate to the caller (the scheduler logs them and tries again
at the next interval); a single job that cannot be closed does not stop the others from being judged.
"""

from __future__ import annotations

import logging
import os
from datetime import datetime, timedelta, timezone
from typing import Any, Callable, Iterable, Optional

from harvester.model.issues import Issue, Severity
from harvester.store import JobRow, JobStatus
from harvester.store.jobs import STALE_JOB_CODE  # the same code the store's own reaper writes

logger = logging.getLogger(__name__)


def pid_alive(pid: Optional[int]) -> bool:
    """True when a process with ``pid`` exists on this host (None/0: unknown → False)."""
    if not pid or pid < 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, owned by another user
        return True
    return True


class Reaper:
    """Judges running job rows. ``own_sources()`` returns the sources this process is harvesting now."""

    def __init__(
        self,
        store: Any,
        timeout: timedelta,
        *,
        own_sources: Callable[[], Iterable[str]] = lambda: (),
        request_stop: Callable[[str], None] = lambda source_id: None,
        on_reaped: Callable[[JobRow], None] = lambda row: None,
        clock: Callable[[], datetime] = lambda: datetime.now(timezone.utc),
    ) -> None:
        self.store, self.timeout = store, timeout
        self.own_sources, self.request_stop, self.on_reaped, self.clock = own_sources, request_stop, on_reaped, clock
        self._asked: set[int] = set()  # own jobs already asked to stop (ask once, log once)

    def running_jobs(self) -> list[JobRow]:
        """Every job row in state ``running`` (one query per registered source)."""
        found = []
        for src in self.store.list_sources():
            row = self.store.running_job(src.id)
            if row is not None:
                found.append(row)
        return found

    def reap_at_startup(self) -> list[JobRow]:
        """Close the jobs a previous daemon (or a killed CLI run) left behind. Call before scheduling."""
        return self._judge(startup=True)

    def reap(self) -> list[JobRow]:
        """Periodic pass: see the module docstring. Returns the jobs it aborted."""
        return self._judge(startup=False)

    def _judge(self, *, startup: bool) -> list[JobRow]:
        now = self.clock()
        own = set() if startup else set(self.own_sources())
        reaped: list[JobRow] = []
        for job in self.running_jobs():
            silent = now - (job.heartbeat_at or job.started_at)
            reason: Optional[str] = None
            if job.pid == os.getpid() and job.source_id in own:
                if silent > self.timeout and job.id not in self._asked:
                    self._asked.add(job.id)
                    logger.warning("job %s of %s: no progress for %s (limit %s); asking it to stop",
                                   job.id, job.source_id, _round(silent), self.timeout)
                    self.request_stop(job.source_id)
                if silent > 2 * self.timeout:
                    reason = (f"job {job.id} of source {job.source_id!r} aborted: no progress for {_round(silent)} "
                              f"and it did not stop when asked (stuck in a network call?)")
            elif job.pid == os.getpid() or not pid_alive(job.pid):
                reason = (f"job {job.id} of source {job.source_id!r} aborted: its process (pid {job.pid}) ended "
                          f"without closing it (crash, kill -9 or power loss); last sign of life "
                          f"{_round(silent)} ago")
            elif silent > self.timeout:
                reason = (f"job {job.id} of source {job.source_id!r} aborted: no heartbeat for {_round(silent)} "
                          f"(limit {self.timeout}); process {job.pid} presumably hangs")
            if reason is None:
                continue
            try:
                row = self._abort(job, reason)
            except Exception:  # noqa: BLE001 - judge the remaining jobs anyway
                logger.exception("reaper: could not abort job %s", job.id)
                continue
            if row is not None:
                reaped.append(row)
                self._asked.discard(job.id)
                self.on_reaped(row)
        return reaped

    def _abort(self, job: JobRow, reason: str) -> Optional[JobRow]:
        current = self.store.get_job(job.id)
        if current is None or current.status != JobStatus.RUNNING.value:
            return None  # it finished meanwhile
        logger.warning("reaper: %s", reason)
        row = self.store.finish_job(job.id, status=JobStatus.ABORTED.value, stats=dict(current.stats or {}),
                                    complete=False, error=reason)
        self.store.add_issues([Issue(Severity.ERROR, STALE_JOB_CODE, reason)], job_id=job.id, source_id=job.source_id)
        return row


def _round(delta: timedelta) -> timedelta:
    return timedelta(seconds=int(delta.total_seconds()))
