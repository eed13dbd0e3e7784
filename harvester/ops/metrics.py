"""Prometheus metrics (``/metrics``): state read from the store at scrape time, plus counters of what
this daemon did since it started.

Two kinds, on purpose:

* ``StoreCollector`` reads the state store when scraped (through ``OverviewCache``), so the numbers
  survive restarts and also come from ``harvester serve``: jobs running, state and time of the last
  job and the last success per source, records per source and status, records by action in the last
  job, ``record_target`` rows per target and status, pending pushes (the push queue), last push and
  last push error per target, database size.
* ``DaemonMetrics`` holds real counters and histograms fed by the scheduler as jobs finish: jobs by
  status, records by action, job and push-stage durations, skipped runs, reaped jobs, pruned rows,
  notifications. Counters restart at 0 with the process, as Prometheus expects (use ``rate()``).

Every metric lives in a private ``CollectorRegistry`` (one per daemon), never the global one, so
tests and embedding apps can build several.

Failure behaviour: a store error during a scrape never fails the scrape: the store metrics are left
out and ``harvester_store_up`` is 0 (the error is logged at most once a minute).
"""

from __future__ import annotations

import logging
import time
from typing import Any, Callable, Iterable, Iterator, Optional

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.exposition import CONTENT_TYPE_LATEST
from prometheus_client.process_collector import ProcessCollector

from harvester.ops.overview import Overview

logger = logging.getLogger(__name__)

JOB_BUCKETS = (1, 5, 15, 60, 300, 900, 1800, 3600, 7200, 14400, 43200)
#: Final job statuses (``harvester_source_last_job_status`` has one series per status).
_FINAL_STATUSES = ("done", "done_with_errors", "failed", "aborted", "interrupted", "needs_confirmation")


def _ts(value: Any) -> Optional[float]:
    return value.timestamp() if value is not None else None


def count_items(stats: dict[str, Any]) -> Iterator[tuple[str, str, int]]:
    """``(kind, name, n)`` of a job's stats: ``('action', 'created', 3)``, ``('issues', 'error', 2)``.

    Nested push counts (``{'push': {'kota': {'pushed': 3}}}``) and non-integer values are skipped here.
    """
    for key, value in (stats or {}).items():
        if isinstance(value, bool) or not isinstance(value, int):
            continue
        if key.startswith("issues_"):
            yield "issues", key[len("issues_"):], value
        else:
            yield "action", key, value


class DaemonMetrics:
    """Counters and histograms of this process. ``observe_*`` are called by the scheduler."""

    def __init__(self, registry: CollectorRegistry) -> None:
        self.jobs = Counter("harvester_jobs_finished", "Jobs finished by this daemon, by final status",
                            ["source", "status"], registry=registry)
        self.records = Counter("harvester_records_processed", "Records handled by jobs of this daemon, by action",
                               ["source", "action"], registry=registry)
        self.job_seconds = Histogram("harvester_job_duration_seconds", "Duration of harvest jobs (without push)",
                                     ["source"], buckets=JOB_BUCKETS, registry=registry)
        self.push_seconds = Histogram("harvester_push_stage_duration_seconds",
                                      "Duration of the push stage after a job (all targets in parallel)", ["source"],
                                      buckets=JOB_BUCKETS, registry=registry)
        self.pushes = Counter("harvester_push_records", "Push outcomes per target (created, updated, unchanged, "
                              "failed, rejected, conflict ...)", ["target", "outcome"], registry=registry)
        self.push_errors = Counter("harvester_push_stage_errors", "Push stages that raised (a bug or a broken "
                                   "target configuration)", ["source"], registry=registry)
        self.skipped = Counter("harvester_scheduler_skipped_runs", "Scheduled runs not started, by reason",
                               ["source", "reason"], registry=registry)
        self.reaped = Counter("harvester_reaped_jobs", "Jobs closed as aborted by the reaper", ["source"],
                              registry=registry)
        self.pruned = Counter("harvester_retention_pruned", "Rows deleted by retention", ["kind"], registry=registry)
        self.notifications = Counter("harvester_notifications", "E-mail notifications, by kind and result",
                                     ["kind", "result"], registry=registry)

    def observe_push(self, source_id: str, report: Any, seconds: float) -> None:
        """Count a push stage (``PushReport``: ``per_target`` counters and ``errors``)."""
        self.push_seconds.labels(source_id).observe(seconds)
        for target, counts in (getattr(report, "per_target", None) or {}).items():
            for outcome, n in counts.items():
                if n:
                    self.pushes.labels(target, outcome).inc(n)
        if getattr(report, "errors", None):
            self.push_errors.labels(source_id).inc()

    def observe_job(self, row: Any) -> None:
        """Count a finished job row (``JobRow``)."""
        self.jobs.labels(row.source_id, row.status).inc()
        for kind, name, n in count_items(row.stats):
            if kind == "action" and n > 0:
                self.records.labels(row.source_id, name).inc(n)
        if row.finished_at is not None and row.status != "aborted":  # a reaped job's "duration" means nothing
            self.job_seconds.labels(row.source_id).observe(max(0.0, (row.finished_at - row.started_at).total_seconds()))


class StoreCollector:
    """A custom collector reading the store (via ``overview()``) at scrape time."""

    def __init__(self, overview: Callable[[], Overview], database_size: Callable[[], Optional[int]] = lambda: None,
                 ping: Callable[[], bool] = lambda: True) -> None:
        self.overview, self.database_size, self.ping = overview, database_size, ping
        self._last_error_log = 0.0

    def describe(self) -> list[Metric]:
        return []  # dynamic: do not let the registry call collect() at registration

    def collect(self) -> Iterable[Metric]:
        up = GaugeMetricFamily("harvester_store_up", "1 when the state store answers")
        try:
            view = self.overview() if self.ping() else None
        except Exception as exc:  # noqa: BLE001 - a scrape must answer even when the store is gone
            if time.monotonic() - self._last_error_log > 60:
                self._last_error_log = time.monotonic()
                logger.warning("metrics: state store not readable: %s", exc)
            view = None
        up.add_metric([], 1 if view is not None else 0)
        yield up
        if view is not None:
            yield from self._source_metrics(view)
            yield from self._target_metrics(view)
            if view.scheduler_running is not None:
                yield GaugeMetricFamily("harvester_scheduler_running", "1 when the scheduler thread runs",
                                        value=1 if view.scheduler_running else 0)
        size = self.database_size()
        if size is not None:
            yield GaugeMetricFamily("harvester_database_size_bytes", "Size of the SQLite state store on disk",
                                    value=size)

    def _source_metrics(self, view: Overview) -> Iterator[Metric]:
        running = GaugeMetricFamily("harvester_jobs_running", "1 while a job of the source runs", labels=["source"])
        last_status = GaugeMetricFamily("harvester_source_last_job_status", "1 for the status of the last finished "
                                        "job of the source", labels=["source", "status"])
        last_time = GaugeMetricFamily("harvester_source_last_job_timestamp_seconds", "When the last finished job "
                                      "of the source ended", labels=["source"])
        last_ok = GaugeMetricFamily("harvester_source_last_success_timestamp_seconds", "When the last job with a "
                                    "complete listing ended successfully", labels=["source"])
        duration = GaugeMetricFamily("harvester_source_last_job_duration_seconds", "Duration of the last finished job",
                                     labels=["source"])
        next_run = GaugeMetricFamily("harvester_source_next_run_timestamp_seconds", "Next scheduled run",
                                     labels=["source"])
        records = GaugeMetricFamily("harvester_records", "Records of the source by status", labels=["source", "status"])
        actions = GaugeMetricFamily("harvester_last_job_records", "Records of the last finished job by action",
                                    labels=["source", "action"])
        issues = GaugeMetricFamily("harvester_last_job_issues", "Issues of the last finished job by severity",
                                   labels=["source", "severity"])
        for src in view.sources:
            running.add_metric([src.id], 1 if src.running is not None else 0)
            records.add_metric([src.id, "current"], src.records_current)
            records.add_metric([src.id, "invalid"], src.records_invalid)
            if src.next_run is not None:
                next_run.add_metric([src.id], src.next_run.timestamp())
            if src.last_success is not None and src.last_success.finished_at is not None:
                last_ok.add_metric([src.id], src.last_success.finished_at.timestamp())
            job = src.last_job
            if job is None:
                continue
            for status in _FINAL_STATUSES:
                last_status.add_metric([src.id, status], 1 if job.status == status else 0)
            if job.finished_at is not None:
                last_time.add_metric([src.id], job.finished_at.timestamp())
                duration.add_metric([src.id], max(0.0, (job.finished_at - job.started_at).total_seconds()))
            for kind, name, n in count_items(job.stats):
                (actions if kind == "action" else issues).add_metric([src.id, name], n)
        yield from (running, last_status, last_time, last_ok, duration, next_run, records, actions, issues)

    def _target_metrics(self, view: Overview) -> Iterator[Metric]:
        rows = GaugeMetricFamily("harvester_target_records", "record_target rows by push status",
                                 labels=["target", "status"])
        pending = GaugeMetricFamily("harvester_target_pending_pushes", "Pushes waiting (pending, or failed and to be "
                                    "retried)", labels=["target"])
        failing = GaugeMetricFamily("harvester_target_failures", "Records whose push keeps failing "
                                    "(failed at least 3 times)", labels=["target"])
        last_push = GaugeMetricFamily("harvester_target_last_push_timestamp_seconds", "Last successful push",
                                      labels=["target"])
        last_error = GaugeMetricFamily("harvester_target_last_error_timestamp_seconds", "Last failed push",
                                       labels=["target"])
        enabled = GaugeMetricFamily("harvester_target_enabled", "1 when the target is enabled", labels=["target"])
        for tgt in view.targets:
            enabled.add_metric([tgt.id], 1 if tgt.enabled else 0)
            for status, n in sorted(tgt.counts.items()):
                rows.add_metric([tgt.id, status], n)
            pending.add_metric([tgt.id], tgt.pending)
            failing.add_metric([tgt.id], tgt.keeps_failing)
            if tgt.last_push is not None:
                last_push.add_metric([tgt.id], tgt.last_push.timestamp())
            if tgt.last_error_at is not None:
                last_error.add_metric([tgt.id], tgt.last_error_at.timestamp())
        yield from (enabled, rows, pending, failing, last_push, last_error)


def make_registry(collector: StoreCollector) -> tuple[CollectorRegistry, DaemonMetrics]:
    """A private registry with the store collector, the daemon counters and process metrics."""
    registry = CollectorRegistry(auto_describe=False)
    registry.register(collector)
    ProcessCollector(registry=registry)
    return registry, DaemonMetrics(registry)


class MetricsApp:
    """WSGI app answering any GET with the registry in the Prometheus text format."""

    def __init__(self, registry: CollectorRegistry) -> None:
        self.registry = registry

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
        if environ.get("REQUEST_METHOD", "GET") not in ("GET", "HEAD"):
            start_response("405 Method Not Allowed", [("Allow", "GET, HEAD"), ("Content-Length", "0")])
            return [b""]
        body = generate_latest(self.registry)
        start_response("200 OK", [("Content-Type", CONTENT_TYPE_LATEST), ("Content-Length", str(len(body))),
                                  ("Cache-Control", "no-store")])
        return [b""] if environ.get("REQUEST_METHOD") == "HEAD" else [body]
