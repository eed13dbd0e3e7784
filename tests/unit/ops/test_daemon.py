"""The Daemon with real APScheduler threads and a real store, and a stand-in runner whose jobs take a
known time: concurrency limit, no overlap, reload safety, stop deadline, crash recording, catch-up."""

from __future__ import annotations

import threading
import time
from datetime import datetime, timedelta, timezone
from typing import Any, Optional
from zoneinfo import ZoneInfo

import pytest

from harvester.cli.commands_serve import check_config
from harvester.errors import ConfigError
from harvester.pipeline.runner import JobResult
from harvester.scheduler import Daemon, DaemonOptions
from harvester.settings import load_settings
from tests.unit.ops.conftest import add_job, register
from tests.unit.ops.example_copy import set_schedules

ENV_BASE = {"CKAN_CITY_URL": "", "CKAN_CITY_TOKEN": ""}
WIB = ZoneInfo("Asia/Jakarta")


class FakeRunner:
    """Writes real job rows; each job lasts ``seconds`` unless stopped (or ``stubborn``)."""

    def __init__(self, store: Any, seconds: float = 0.3, stubborn: bool = False,
                 crash: Optional[Exception] = None) -> None:
        self.store, self.seconds, self.stubborn, self.crash = store, seconds, stubborn, crash
        self.lock = threading.Lock()
        self.active: set[str] = set()
        self.max_parallel = 0
        self.overlaps: list[str] = []
        self.runs: list[str] = []

    def run(self, source_id: str, opts: Any) -> JobResult:
        job = self.store.start_job(source_id, trigger=opts.trigger)
        with self.lock:
            if source_id in self.active:
                self.overlaps.append(source_id)
            self.active.add(source_id)
            self.max_parallel = max(self.max_parallel, len(self.active))
            self.runs.append(source_id)
        try:
            if self.crash is not None:
                raise self.crash
            end, stopped = time.monotonic() + self.seconds, False
            while time.monotonic() < end:
                if opts.stop.is_set() and not self.stubborn:
                    stopped = True
                    break
                time.sleep(0.01)
        finally:
            with self.lock:
                self.active.discard(source_id)
        row = self.store.finish_job(job.id, status="interrupted" if stopped else "done", stats={"gathered": 1},
                                    complete=not stopped)
        return JobResult(source_id, job.id, row.status, row.complete, row.stats)


@pytest.fixture
def env(db_url):
    return dict(ENV_BASE, HARVESTER_DATABASE_URL=db_url)


@pytest.fixture
def make_daemon(example, env, store):
    """Factory of daemons over the example copy; every one is shut down at the end of the test."""
    made: list[Daemon] = []

    def make(runner: FakeRunner, **options: Any) -> Daemon:
        load = lambda: load_settings(example, env=env)  # noqa: E731
        config = load()
        register(store, config)
        daemon = Daemon(config, load, lambda cfg: runner, store, options=DaemonOptions(**options))
        made.append(daemon)
        return daemon

    yield make
    for daemon in made:
        daemon.options.stop_timeout = 0.2
        daemon.shutdown()


def wait_for(predicate, timeout: float = 10.0) -> bool:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if predicate():
            return True
        time.sleep(0.05)
    return predicate()


def test_concurrency_limit_and_no_overlap_per_source(example, env, store, make_daemon):
    set_schedules(example, "interval: 1s")  # 4 sources, 2 workers (scheduler.max_concurrent_jobs)
    runner = FakeRunner(store, seconds=0.7)
    daemon = make_daemon(runner)
    daemon.start()
    try:
        assert wait_for(lambda: all(runner.runs.count(s) >= 2 for s in daemon.config.sources), 20)
    finally:
        assert daemon.shutdown()
    assert runner.max_parallel == 2 and runner.overlaps == []
    assert not any(j.running for j in store.list_jobs(limit=500))


def test_reload_rejects_an_invalid_config_and_keeps_the_schedule(example, env, store, make_daemon):
    set_schedules(example, "interval: 1s", geoportal_batas_kelurahan="interval: 1h")
    runner = FakeRunner(store, seconds=0.05)
    daemon = make_daemon(runner)
    daemon.start()
    try:
        assert wait_for(lambda: len(runner.runs) >= 4)
        before = daemon.next_runs()
        good = example.read_text(encoding="utf-8")
        example.write_text(good.replace("scheduler:", "scheduler:\n  max_concurent_jobs: 3"), encoding="utf-8")
        assert daemon.reload() is False  # unknown key: rejected, old config stays
        assert set(daemon.next_runs()) == set(before)
        n = len(runner.runs)
        assert wait_for(lambda: len(runner.runs) >= n + 3)  # still harvesting on the old schedule
        example.write_text(good, encoding="utf-8")
        katalog = example.parent / "sources" / "katalog-diskominfotik.yaml"
        katalog.write_text(katalog.read_text(encoding="utf-8") + "enabled: false\n", encoding="utf-8")
        geo_next = daemon.next_runs()["geoportal-batas-kelurahan"]
        assert daemon.reload() is True
        assert "katalog-diskominfotik" not in daemon.next_runs()  # disabled: unscheduled
        assert daemon.next_runs()["geoportal-batas-kelurahan"] == geo_next  # unchanged schedule keeps its time
    finally:
        daemon.shutdown()


def test_reload_check_refuses_a_mapping_that_does_not_load(example, env, store, make_daemon):
    runner = FakeRunner(store)
    daemon = make_daemon(runner)
    daemon.check = check_config
    katalog = example.parent / "sources" / "katalog-diskominfotik.yaml"
    katalog.write_text(katalog.read_text(encoding="utf-8") + "mapping: no-such-mapping.yaml\n", encoding="utf-8")
    old = daemon.config
    assert daemon.reload() is False and daemon.config is old
    with pytest.raises(ConfigError):
        check_config(load_settings(example, env=env))


def test_stop_waits_for_the_record_in_hand_then_gives_up_at_the_deadline(example, env, store, make_daemon):
    set_schedules(example, "interval: 1h")
    cooperative = FakeRunner(store, seconds=30)
    daemon = make_daemon(cooperative)
    daemon.start()
    assert wait_for(lambda: len(cooperative.active) == 2)
    started = time.monotonic()
    assert daemon.shutdown() is True and time.monotonic() - started < 2
    assert {j.status for j in store.list_jobs(limit=10)} == {"interrupted"}


def test_stubborn_job_is_recorded_interrupted_at_the_deadline(example, env, store, make_daemon):
    set_schedules(example, "interval: 1h")
    stubborn = FakeRunner(store, seconds=30, stubborn=True)
    daemon = make_daemon(stubborn, stop_timeout=0.5)
    daemon.start()
    assert wait_for(lambda: len(stubborn.active) == 2)
    started = time.monotonic()
    assert daemon.shutdown() is False
    assert time.monotonic() - started < 1.5
    jobs = store.list_jobs(limit=10)
    assert len(jobs) == 2 and all(j.status == "interrupted" and "checkpoint" in j.error for j in jobs)


def test_crashing_jobs_are_recorded_as_failed(example, env, store, make_daemon):
    set_schedules(example, "interval: 1h")
    closed = []
    broken = FakeRunner(store, crash=RuntimeError("bug in a mapping transform"))
    daemon = make_daemon(broken)
    daemon._job_closed = closed.append  # noqa: SLF001 - observe what would be counted and mailed
    daemon._run_source("katalog-diskominfotik")  # noqa: SLF001 - one run, synchronously
    [job] = store.list_jobs("katalog-diskominfotik")
    assert job.status == "failed" and "RuntimeError: bug in a mapping transform" in job.error
    assert [i.code for i in store.issues_for_job(job.id)] == ["JOB-CRASHED"]

    def no_runner(cfg):
        raise ConfigError("mapping file not found", file="sources/x.yaml", line=3)

    daemon.make_runner = no_runner
    daemon._run_source("dinkes-sipd")  # noqa: SLF001
    [job2] = store.list_jobs("dinkes-sipd")
    assert job2.status == "failed" and job2.error.startswith("configuration error")
    assert [i.code for i in store.issues_for_job(job2.id)] == ["CONFIG-INVALID"]
    assert [c.id for c in closed] == [job.id, job2.id]


def test_missed_run_after_downtime_runs_once_at_start(example, env, store, make_daemon, clock):
    real_now = datetime.now(timezone.utc)
    opens = (real_now + timedelta(hours=2)).astimezone(WIB)  # a window that is surely closed now
    window = f"{{start: '{opens:%H}:00', end: '{opens:%H}:30'}}"
    set_schedules(example, "interval: 1h", daftar_data_opd=f"interval: 1h\n  window: {window}")
    runner = FakeRunner(store)
    daemon = make_daemon(runner, retention_first=timedelta(hours=1))
    clock.now = real_now - timedelta(hours=5)
    for sid in ("katalog-diskominfotik", "daftar-data-opd"):
        add_job(store, sid, "done", clock=clock)  # harvested 5 hours ago: four runs were missed
    clock.now = real_now.replace(minute=0, second=0, microsecond=0) + timedelta(microseconds=1)
    add_job(store, "dinkes-sipd", "done")  # harvested at this hour's run: nothing owed
    daemon.start()
    runs = daemon.next_runs()
    next_hour = real_now.replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)
    assert runs["dinkes-sipd"] == next_hour
    assert runs["daftar-data-opd"] == opens.replace(minute=0, second=0, microsecond=0)  # waits for its window
    assert wait_for(lambda: {"katalog-diskominfotik", "geoportal-batas-kelurahan"} <= set(runner.runs))
    time.sleep(0.5)
    assert sorted(runner.runs) == ["geoportal-batas-kelurahan", "katalog-diskominfotik"]  # one catch-up each
    assert daemon.next_runs()["katalog-diskominfotik"] == next_hour
