"""The daemon: APScheduler 3.x triggers harvest jobs, the same process serves the feed (ARCHITECTURE.md §10).

* The scheduler is a thin trigger: a memory job store rebuilt from configuration at start, one
  APScheduler job per enabled source (``max_instances=1``, ``coalesce=True``, explicit
  ``misfire_grace_time``, jitter), run in a thread pool bounded by ``scheduler.max_concurrent_jobs``.
  The harvest database holds all state.
* At start-up, jobs left ``running`` by a crash are aborted by the reaper; every source is
  harvested once right away, then on its schedule.
* SIGTERM/SIGINT: the running jobs finish the record in hand and are recorded as interrupted;
  the process exits 0. SIGHUP: the configuration is re-read and validated; an invalid
  configuration is rejected with a log line and the old schedule keeps running.
"""

from __future__ import annotations

import logging
import signal
import threading
from datetime import datetime, timedelta, timezone
from typing import Any, Callable, Optional

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from harvester.errors import ConfigError

logger = logging.getLogger(__name__)

def in_window(window: Any, now: datetime) -> bool:
    """True when ``now`` (already in the source's timezone) lies in the daily ``window`` (None = always).

    A window whose end is before its start crosses midnight (e.g. 22:00-04:00).
    """
    if window is None:
        return True
    start, end, current = str(window.start), str(window.end), now.strftime("%H:%M")
    if start < end:
        return start <= current < end
    return current >= start or current < end


def make_trigger(schedule: Any, default_tz: str) -> Any:
    """APScheduler trigger of a source's ``schedule`` (cron or interval, optional jitter); not for manual ones."""
    tz = getattr(schedule, "timezone", None) or default_tz
    jitter = getattr(schedule, "jitter_seconds", None) or None
    cron = getattr(schedule, "cron", None)
    if cron:
        return CronTrigger.from_crontab(cron, timezone=tz, jitter=jitter)
    return IntervalTrigger(seconds=float(schedule.interval), timezone=tz, jitter=jitter)  # seconds, parsed at load


class Daemon:
    """Scheduler + stop handling. ``load`` returns a fresh loaded configuration (raises ConfigError)."""

    def __init__(self, load: Callable[[], Any], make_runner: Callable[[Any], Any], store: Any) -> None:
        self.load, self.make_runner, self.store = load, make_runner, store
        self.config = load()
        self.stop = threading.Event()
        self.scheduler: Optional[BackgroundScheduler] = None

    def _settings_value(self, *path: str, default: Any = None) -> Any:
        node = self.config.settings
        for part in path:
            node = getattr(node, part, None)
            if node is None:
                return default
        return node

    def start(self) -> None:
        """Reap stale jobs, build the schedule and start the scheduler thread pool."""
        timeout = self._settings_value("scheduler", "job_timeout_minutes", default=120)
        for job in self.store.reap_stale_jobs(older_than=timedelta(minutes=timeout)):
            logger.warning("reaper: job %s of %s was left running; marked aborted", job.id, job.source_id)
        workers = self._settings_value("scheduler", "max_concurrent_jobs", default=2)
        self.scheduler = BackgroundScheduler(
            executors={"default": ThreadPoolExecutor(workers)},
            job_defaults={"coalesce": True, "max_instances": 1,
                          "misfire_grace_time": self._settings_value("scheduler", "misfire_grace_seconds",
                                                                     default=3600)},
            timezone=self._settings_value("scheduler", "timezone", default="Asia/Jakarta"),
        )
        self._schedule_all()
        self.scheduler.start()

    def _schedule_all(self) -> None:
        assert self.scheduler is not None
        tz = self._settings_value("scheduler", "timezone", default="Asia/Jakarta")
        now = datetime.now(timezone.utc)
        wanted = set()
        for sid, cfg in self.config.sources.items():
            schedule = getattr(cfg, "schedule", None)
            if not getattr(cfg, "enabled", True) or schedule is None or schedule.manual:
                continue  # manual-only sources run through `harvester harvest`
            wanted.add(sid)
            existing = self.scheduler.get_job(sid)
            self.scheduler.add_job(self._run_source, make_trigger(schedule, tz), args=[sid],
                                   id=sid, name=f"harvest {sid}", replace_existing=True,
                                   next_run_time=existing.next_run_time if existing else now)
        for job in self.scheduler.get_jobs():
            if job.id not in wanted:
                job.remove()
        logger.info("scheduled %d source(s): %s", len(wanted), ", ".join(sorted(wanted)))

    def _run_source(self, source_id: str) -> None:
        from harvester.pipeline.runner import RunOptions

        if self.stop.is_set():
            return
        cfg = self.config.sources.get(source_id)
        schedule = getattr(cfg, "schedule", None)
        window = getattr(schedule, "window", None)
        if window is not None:
            from zoneinfo import ZoneInfo

            tz = ZoneInfo(getattr(schedule, "timezone", None)
                          or self._settings_value("scheduler", "timezone", default="Asia/Jakarta"))
            if not in_window(window, datetime.now(tz)):
                logger.info("source %s: outside its window %s-%s; run skipped", source_id, window.start, window.end)
                return
        try:
            self.make_runner(self.config).run(source_id, RunOptions(trigger="schedule", stop=self.stop))
        except ConfigError as exc:  # e.g. a mapping edited into an invalid state: this job fails, daemon lives
            logger.error("source %s not harvested: %s", source_id, exc)
        except Exception:  # noqa: BLE001 - one job's crash must not take down the scheduler thread
            logger.exception("source %s: job crashed", source_id)

    def reload(self) -> bool:
        """Re-read configuration; keep the old one when the new one is invalid. Returns success."""
        try:
            new = self.load()
        except ConfigError as exc:
            logger.error("SIGHUP: configuration rejected, keeping the running one: %s", exc)
            return False
        self.config = new
        if self.scheduler is not None:
            self._schedule_all()
        logger.info("SIGHUP: configuration reloaded")
        return True

    def shutdown(self) -> None:
        """Ask running jobs to stop after the record in hand, and wait for them."""
        self.stop.set()
        if self.scheduler is not None and self.scheduler.running:
            self.scheduler.shutdown(wait=True)

    def install_signals(self, on_stop: Callable[[], None]) -> None:
        """SIGTERM/SIGINT -> ``on_stop`` (which stops the server loop); SIGHUP -> reload."""
        def _stop(signum: int, _frame: Any) -> None:
            logger.info("signal %s: stopping", signal.Signals(signum).name)
            on_stop()

        signal.signal(signal.SIGTERM, _stop)
        signal.signal(signal.SIGINT, _stop)
        signal.signal(signal.SIGHUP, lambda *_: threading.Thread(target=self.reload, daemon=True).start())
