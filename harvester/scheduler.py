"""The daemon: APScheduler 3.x starts harvest jobs on each source's schedule (ARCHITECTURE.md §10).

* A memory job store rebuilt from configuration at start; one APScheduler job per enabled source
  with a ``SourceTrigger`` (fixed grid, window, bounded jitter: ``harvester.ops.triggers``),
  ``max_instances=1`` (never two jobs of one source), ``coalesce=True`` and an explicit
  ``misfire_grace_time``. Harvest jobs run in a pool of ``scheduler.max_concurrent_jobs`` threads;
  housekeeping (reaper, retention, target checks) and the systemd watchdog have their own threads,
  so a saturated pool never delays them. The harvest database holds all state.
* Start: jobs left ``running`` by a dead process are aborted (reaper); a source whose run was
  missed while the daemon was down runs once right away (coalesced), the others wait for their
  next time. Periodically: the reaper, retention pruning, and "target keeps failing" checks.
* SIGTERM/SIGINT: every running job stops after the record in hand and records itself
  ``interrupted`` (it resumes from its checkpoint next time); ``shutdown`` waits ``stop_timeout``
  seconds at most, then records the stragglers as interrupted itself and reports it, so the process
  can exit 0 within 10 s. SIGHUP: the configuration is re-read and checked; an invalid one is
  rejected with a log line and the old schedule keeps running. Each job reads its mapping fresh.

Failure behaviour: nothing a job does can stop the scheduler: a crashed job is recorded as a
``failed`` job (so it shows on the status page and is mailed), store outages are logged and retried
at the next run. Only a failing start (store unreachable at start-up) raises from ``start``.
"""

from __future__ import annotations

import logging
import os
import signal
import threading
import time
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any, Callable, Optional

from apscheduler.events import EVENT_JOB_ERROR, EVENT_JOB_MAX_INSTANCES, EVENT_JOB_MISSED
from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.interval import IntervalTrigger

from harvester.errors import ConfigError
from harvester.model.issues import Issue, Severity, Stage
from harvester.ops import systemd
from harvester.ops.overview import target_views
from harvester.ops.reaper import Reaper
from harvester.ops.retention import RetentionPolicy, prune
from harvester.ops.triggers import first_run_time, in_window, make_trigger
from harvester.store import JobAlreadyRunning

logger = logging.getLogger(__name__)

OPS_PREFIX = "ops:"  # APScheduler ids of housekeeping jobs (never a source id: those are slugs)


def _drop_max_instances(record: logging.LogRecord) -> bool:
    return "maximum number of running instances" not in record.getMessage()


@dataclass
class DaemonOptions:
    """Timings of the daemon itself; None means "from the configuration" (``scheduler:``/``retention:``)."""

    stop_timeout: float = 8.0  # SIGTERM -> exit; systemd's TimeoutStopSec must be larger
    housekeeping_every: Optional[timedelta] = None  # reaper + target checks; default reaper_interval_minutes
    retention_every: timedelta = timedelta(hours=6)
    retention_first: timedelta = timedelta(minutes=1)  # first prune after start
    retention: Optional[RetentionPolicy] = None
    job_timeout: Optional[timedelta] = None  # default job_timeout_minutes


class Daemon:
    """Scheduler, job bookkeeping and stop/reload handling.

    ``config`` is the configuration to start with; ``load()`` returns a freshly loaded one for a
    reload (raises ConfigError); ``check(config)`` raises
    ConfigError when a reloaded configuration must be refused (e.g. a mapping that does not load);
    ``make_runner(config)`` returns a HarvestRunner. ``metrics`` (DaemonMetrics) and ``notifier``
    (Notifier) are optional and may be set before ``start``.
    """

    def __init__(self, config: Any, load: Callable[[], Any], make_runner: Callable[[Any], Any], store: Any, *,
                 check: Callable[[Any], None] = lambda config: None, options: Optional[DaemonOptions] = None,
                 metrics: Any = None, notifier: Any = None, on_reload: Callable[[Any], None] = lambda config: None) -> None:
        self.load, self.check, self.make_runner, self.store = load, check, make_runner, store
        self.options = options or DaemonOptions()
        self.metrics, self.notifier, self.on_reload = metrics, notifier, on_reload
        self.config = config
        self.scheduler: Optional[BackgroundScheduler] = None
        self.started_at: Optional[datetime] = None
        self._stop = threading.Event()
        self._active: dict[str, threading.Event] = {}  # source id -> stop event of its running job
        self._lock = threading.Lock()
        self._reload_lock = threading.Lock()
        self._schedule_keys: dict[str, str] = {}
        self.reaper = Reaper(store, self._job_timeout(), own_sources=self.running_sources,
                             request_stop=self._request_stop, on_reaped=self._job_reaped)

    # -- settings ----------------------------------------------------------------------------
    @property
    def _sched(self) -> Any:
        return self.config.settings.scheduler

    def _job_timeout(self) -> timedelta:
        return self.options.job_timeout or timedelta(minutes=self._sched.job_timeout_minutes)

    # -- start ---------------------------------------------------------------------------------
    def start(self) -> None:
        """Reap dead jobs, build the schedule, start the scheduler threads. Raises on store errors."""
        # APScheduler logs two INFO lines per run, and a WARNING per run skipped because the previous
        # one still runs; our runner logs the job and ``_on_event`` the skip (once, with a counter).
        logging.getLogger("apscheduler.executors").setLevel(logging.WARNING)
        logging.getLogger("apscheduler.scheduler").addFilter(_drop_max_instances)
        self.reaper.reap_at_startup()
        sched = self._sched
        self.scheduler = BackgroundScheduler(
            executors={"default": ThreadPoolExecutor(sched.max_concurrent_jobs), "ops": ThreadPoolExecutor(1),
                       "watchdog": ThreadPoolExecutor(1)},
            job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": sched.misfire_grace_seconds},
            timezone=sched.timezone,
        )
        self.scheduler.add_listener(self._on_event, EVENT_JOB_MISSED | EVENT_JOB_MAX_INSTANCES | EVENT_JOB_ERROR)
        with self._reload_lock:  # a SIGHUP during start-up waits for the first schedule
            self._schedule_sources()
            self._schedule_ops()
            self.scheduler.start()
        self.started_at = datetime.now(timezone.utc)

    def _schedule_sources(self) -> None:
        """Add, replace or remove one APScheduler job per enabled scheduled source.

        A source whose schedule did not change keeps its job and next run time across a reload.
        """
        assert self.scheduler is not None
        now = datetime.now(timezone.utc)
        wanted: set[str] = set()
        for sid, cfg in sorted(self.config.sources.items()):
            schedule = cfg.schedule
            if not cfg.enabled or schedule.manual:
                continue  # manual-only sources run through `harvester harvest`
            key = f"{schedule.model_dump_json()}|{self._sched.timezone}"
            wanted.add(sid)
            if self._schedule_keys.get(sid) == key and self.scheduler.get_job(sid) is not None:
                continue
            trigger = make_trigger(schedule, self._sched.timezone)
            jobs = self.store.list_jobs(sid, limit=1)
            first = first_run_time(trigger, jobs[0].started_at if jobs else None, now)
            if first is None:
                logger.error("source %s: its schedule never fires inside its window; not scheduled", sid)
                wanted.discard(sid)
                continue
            self.scheduler.add_job(self._run_source, trigger, args=[sid], id=sid, name=f"harvest {sid}",
                                   replace_existing=True, next_run_time=first, executor="default")
            self._schedule_keys[sid] = key
            logger.info("source %s: %s; next run %s", sid, trigger, first.astimezone(trigger.tz).isoformat())
        for job in self.scheduler.get_jobs():
            if not job.id.startswith(OPS_PREFIX) and job.id not in wanted:
                job.remove()
                self._schedule_keys.pop(job.id, None)
                logger.info("source %s: no longer scheduled", job.id)

    def _schedule_ops(self) -> None:
        assert self.scheduler is not None
        now = datetime.now(timezone.utc)
        every = self.options.housekeeping_every or timedelta(minutes=self._sched.reaper_interval_minutes)
        self.scheduler.add_job(self.housekeeping, IntervalTrigger(seconds=every.total_seconds()),
                               id=OPS_PREFIX + "housekeeping", name="housekeeping", executor="ops",
                               replace_existing=True)
        self.scheduler.add_job(self.retention, IntervalTrigger(seconds=self.options.retention_every.total_seconds()),
                               id=OPS_PREFIX + "retention", name="retention", executor="ops", replace_existing=True,
                               next_run_time=now + self.options.retention_first)
        period = systemd.watchdog_period()
        if period is not None:
            self.scheduler.add_job(systemd.notify, IntervalTrigger(seconds=period), args=["WATCHDOG=1"],
                                   id=OPS_PREFIX + "watchdog", name="watchdog", executor="watchdog",
                                   replace_existing=True)

    # -- one job -------------------------------------------------------------------------------
    def _run_source(self, source_id: str) -> None:
        from harvester.pipeline.runner import RunOptions

        cfg = self.config.sources.get(source_id)
        if self._stop.is_set() or cfg is None:
            return  # stopping, or removed by a reload while the run waited for a thread
        window = cfg.schedule.window
        if window is not None:
            from zoneinfo import ZoneInfo

            tz = ZoneInfo(cfg.schedule.timezone or self._sched.timezone)
            if not in_window(window, datetime.now(tz)):  # waited too long for a free thread
                logger.info("source %s: outside its window %s-%s now; run skipped", source_id, window.start, window.end)
                self._count_skip(source_id, "outside_window")
                return
        stop = threading.Event()
        with self._lock:
            self._active[source_id] = stop
        if self._stop.is_set():
            stop.set()
        try:
            result = self.make_runner(self.config).run(source_id, RunOptions(trigger="schedule", stop=stop))
        except JobAlreadyRunning as exc:  # another process (`harvester harvest`) won the race for the source
            logger.info("source %s: run skipped: %s", source_id, exc)
            self._count_skip(source_id, "already_running")
            return
        except Exception as exc:  # noqa: BLE001 - one job's crash must not take the scheduler down
            self._record_crash(source_id, exc)
            return
        finally:
            with self._lock:
                self._active.pop(source_id, None)
        if result.job_id is None:
            logger.info("source %s: run skipped: %s", source_id, result.error)
            self._count_skip(source_id, "already_running")
            return
        try:
            row = self.store.get_job(result.job_id)  # final stats, including what the push stage added
        except Exception:  # noqa: BLE001
            logger.exception("source %s: could not read back job %s", source_id, result.job_id)
            return
        if row is not None:
            self._job_closed(row)

    def _job_closed(self, row: Any) -> None:
        """A job ended (finished, crashed or reaped): count it and tell people when it is news."""
        if self.metrics is not None:
            self.metrics.observe_job(row)
        if self.notifier is not None:
            self.notifier.job_finished(row)

    def _job_reaped(self, row: Any) -> None:
        if self.metrics is not None:
            self.metrics.reaped.labels(row.source_id).inc()
        self._job_closed(row)

    def _record_crash(self, source_id: str, exc: Exception) -> None:
        """Close (or create) a ``failed`` job row for a run that raised, so operators see it."""
        config_problem = isinstance(exc, ConfigError)
        if config_problem:
            logger.error("source %s not harvested: %s", source_id, exc)
        else:
            logger.exception("source %s: job crashed", source_id)
        text = f"{'configuration error' if config_problem else type(exc).__name__}: {exc}"
        try:
            row = self.store.running_job(source_id)
            if row is None or row.pid != os.getpid():
                cfg = self.config.sources[source_id]
                self.store.upsert_source(source_id, cfg.type, title=cfg.title,
                                         config_hash=self.config.config_hash(source_id), enabled=cfg.enabled)
                row = self.store.start_job(source_id, trigger="schedule")
            self.store.add_issues([Issue(Severity.ERROR, "CONFIG-INVALID" if config_problem else "JOB-CRASHED", text,
                                         stage=Stage.CONFIG if config_problem else None)],
                                  job_id=row.id, source_id=source_id)
            stats = dict(row.stats or {})
            stats["issues_error"] = int(stats.get("issues_error", 0)) + 1
            final = self.store.finish_job(row.id, status="failed", stats=stats, complete=False, error=text)
        except Exception:  # noqa: BLE001 - the store may be what failed
            logger.exception("source %s: could not record the failed run", source_id)
            return
        self._job_closed(final)

    def _request_stop(self, source_id: str) -> None:
        with self._lock:
            event = self._active.get(source_id)
        if event is not None:
            event.set()

    def _count_skip(self, source_id: str, reason: str) -> None:
        if self.metrics is not None:
            self.metrics.skipped.labels(source_id, reason).inc()

    def _on_event(self, event: Any) -> None:
        if event.job_id.startswith(OPS_PREFIX):
            if event.code == EVENT_JOB_ERROR:
                logger.error("%s failed: %s", event.job_id, event.exception)
            return
        when = getattr(event, "scheduled_run_time", None) or (getattr(event, "scheduled_run_times", None) or [None])[-1]
        if event.code == EVENT_JOB_MAX_INSTANCES:
            logger.info("source %s: previous run still going at %s; this run skipped", event.job_id, when)
            self._count_skip(event.job_id, "still_running")
        elif event.code == EVENT_JOB_MISSED:
            logger.warning("source %s: run of %s missed (no free worker within the misfire grace time)",
                           event.job_id, when)
            self._count_skip(event.job_id, "missed")
        elif event.code == EVENT_JOB_ERROR:
            logger.error("source %s: run raised %r", event.job_id, event.exception)

    # -- housekeeping --------------------------------------------------------------------------
    def housekeeping(self) -> None:
        """Reaper pass, then "target keeps failing" notifications. Errors are logged, not raised."""
        try:
            self.reaper.reap()
        except Exception:  # noqa: BLE001 - store down: try again next time
            logger.exception("reaper pass failed")
        if self.notifier is not None:
            try:
                self.notifier.targets_checked(target_views(self.store, self.config))
            except Exception:  # noqa: BLE001
                logger.exception("target check failed")

    def retention(self) -> dict[str, int]:
        """Prune old jobs and issues now (also run every ``retention_every``)."""
        policy = self.options.retention or RetentionPolicy.from_settings(self.config.settings)
        try:
            pruned = prune(self.store, policy, datetime.now(timezone.utc))
        except Exception:  # noqa: BLE001
            logger.exception("retention pass failed")
            return {}
        if self.metrics is not None:
            for kind, n in pruned.items():
                self.metrics.pruned.labels(kind).inc(n)
        return pruned

    # -- state for the status page and /healthz --------------------------------------------------
    def running_sources(self) -> list[str]:
        with self._lock:
            return list(self._active)

    def next_runs(self) -> dict[str, Optional[datetime]]:
        if self.scheduler is None:
            return {}
        return {j.id: j.next_run_time for j in self.scheduler.get_jobs() if not j.id.startswith(OPS_PREFIX)}

    def alive(self) -> bool:
        """True while the scheduler runs and its thread lives."""
        if self.scheduler is None or not self.scheduler.running or self._stop.is_set():
            return False
        thread = getattr(self.scheduler, "_thread", None)
        return thread is None or thread.is_alive()

    # -- reload and stop -------------------------------------------------------------------------
    def reload(self) -> bool:
        """Re-read and check the configuration; keep the running one when the new one is invalid."""
        with self._reload_lock:
            try:
                new = self.load()
                self.check(new)
            except ConfigError as exc:
                logger.error("reload: configuration rejected, the running one stays in force: %s", exc)
                return False
            except Exception:  # noqa: BLE001 - e.g. an unreadable file; same rule
                logger.exception("reload: configuration could not be read; the running one stays in force")
                return False
            old, self.config = self.config, new
            for key in ("max_concurrent_jobs", "misfire_grace_seconds", "reaper_interval_minutes"):
                if getattr(old.settings.scheduler, key) != getattr(new.settings.scheduler, key):
                    logger.warning("reload: scheduler.%s changed; it takes effect at the next restart", key)
            self.on_reload(new)
            if self.scheduler is not None and not self._stop.is_set():
                self._schedule_sources()
            logger.info("reload: configuration re-read (%d source(s), %d target(s))", len(new.sources),
                        len(new.targets))
            return True

    def shutdown(self) -> bool:
        """Stop: no new runs, running jobs stop after the record in hand. True when all ended in time.

        Jobs still running after ``stop_timeout`` are recorded ``interrupted`` here; the caller
        should then end the process without waiting for their threads.
        """
        self._stop.set()
        systemd.notify("STOPPING=1")
        with self._lock:
            for event in self._active.values():
                event.set()
        if self.scheduler is not None and self.scheduler.running:
            self.scheduler.shutdown(wait=False)
        deadline = time.monotonic() + self.options.stop_timeout
        while self.running_sources() and time.monotonic() < deadline:
            time.sleep(0.05)
        stragglers = self.running_sources()
        for sid in stragglers:
            self._mark_interrupted(sid)
        if self.notifier is not None:
            self.notifier.close(timeout=1.0)
        return not stragglers

    def _mark_interrupted(self, source_id: str) -> None:
        try:
            row = self.store.running_job(source_id)
            if row is not None and row.pid == os.getpid():
                self.store.finish_job(row.id, status="interrupted", stats=dict(row.stats or {}), complete=False,
                                      error="the daemon stopped while a record was still in hand; the job "
                                            "continues from its checkpoint next time")
                logger.warning("job %s of %s recorded as interrupted at shutdown", row.id, source_id)
        except Exception:  # noqa: BLE001 - shutting down: log and go on
            logger.exception("source %s: could not record the interrupted job", source_id)

    def install_signals(self, on_stop: Callable[[], None]) -> None:
        """SIGTERM/SIGINT -> ``on_stop`` once (it must make the main loop return); SIGHUP -> reload."""
        def _stop(signum: int, _frame: Any) -> None:
            if self._stop.is_set():
                logger.info("signal %s: already stopping", signal.Signals(signum).name)
                return
            logger.info("signal %s: stopping after the records in hand", signal.Signals(signum).name)
            self._stop.set()
            on_stop()

        signal.signal(signal.SIGTERM, _stop)
        signal.signal(signal.SIGINT, _stop)
        signal.signal(signal.SIGHUP, lambda *_: threading.Thread(target=self.reload, name="reload", daemon=True).start())
