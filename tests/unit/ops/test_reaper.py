"""The reaper against a real SQLite store: dead processes' jobs go at once, live ones only when silent."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import timedelta

from harvester.ops.reaper import Reaper, pid_alive
from tests.unit.ops.conftest import pid_as, register

TIMEOUT = timedelta(minutes=30)


def dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def test_pid_alive():
    assert pid_alive(os.getpid()) and pid_alive(os.getppid())
    assert not pid_alive(dead_pid()) and not pid_alive(None) and not pid_alive(0)


def test_startup_aborts_jobs_of_dead_processes_and_of_our_own_pid(store, config, clock, monkeypatch):
    register(store, config)
    sources = sorted(config.sources)
    with pid_as(monkeypatch, dead_pid()):
        crashed = store.start_job(sources[0], trigger="schedule")
    reused = store.start_job(sources[1], trigger="schedule")  # our pid: a container restarted us as the same pid
    with pid_as(monkeypatch, os.getppid()):  # a live `harvester harvest` in a terminal
        other = store.start_job(sources[2], trigger="cli")
    seen = []
    reaper = Reaper(store, TIMEOUT, clock=clock, on_reaped=seen.append)
    reaped = reaper.reap_at_startup()
    assert {r.id for r in reaped} == {crashed.id, reused.id} == {r.id for r in seen}
    for job in (crashed, reused):
        row = store.get_job(job.id)
        assert row.status == "aborted" and "ended without closing it" in row.error
        assert [i.code for i in store.issues_for_job(job.id)] == ["JOB-STALE"]
    assert store.get_job(other.id).status == "running"
    # The live one goes only once it has been silent for longer than the timeout.
    clock.advance(minutes=29)
    assert reaper.reap() == []
    clock.advance(minutes=2)
    assert [r.id for r in reaper.reap()] == [other.id]
    assert "no heartbeat" in store.get_job(other.id).error


def test_own_running_job_is_asked_to_stop_then_aborted_when_stuck(store, config, clock):
    register(store, config)
    sid = sorted(config.sources)[0]
    job = store.start_job(sid, trigger="schedule")
    asked: list[str] = []
    reaper = Reaper(store, TIMEOUT, own_sources=lambda: [sid], request_stop=asked.append, clock=clock)
    clock.advance(minutes=10)
    store.heartbeat(job.id)  # progress resets the silence
    clock.advance(minutes=25)
    assert reaper.reap() == [] and asked == []
    clock.advance(minutes=10)  # 35 min silent: asked to stop (once), still running
    assert reaper.reap() == [] and reaper.reap() == []
    assert asked == [sid] and store.get_job(job.id).status == "running"
    clock.advance(minutes=30)  # 65 min > 2 x timeout: it did not stop, the row is closed
    assert [r.id for r in reaper.reap()] == [job.id]
    assert "did not stop when asked" in store.get_job(job.id).error


def test_finished_job_is_never_touched(store, config, clock, monkeypatch):
    register(store, config)
    sid = sorted(config.sources)[0]
    with pid_as(monkeypatch, dead_pid()):
        job = store.start_job(sid, trigger="schedule")
    store.finish_job(job.id, status="done", stats={"created": 1}, complete=True)
    clock.advance(days=3)
    assert Reaper(store, TIMEOUT, clock=clock).reap_at_startup() == []
    assert store.get_job(job.id).status == "done"
