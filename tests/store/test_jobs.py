"""Jobs, the stale-job reaper, checkpoints and pruning (SQLite and PostgreSQL)."""

from __future__ import annotations

import os
from datetime import timedelta

import pytest

from harvester.store import JobAlreadyRunning, JobStatus, Store, UnknownSource
from tests.store.conftest import T0, FakeClock


def test_job_life_cycle(store: Store, clock: FakeClock) -> None:
    job = store.start_job("kota", trigger="manual", full=True, mapping_hash="m1")
    assert (job.status, job.trigger, job.full, job.mapping_hash) == ("running", "manual", True, "m1")
    assert job.started_at == T0 and job.heartbeat_at == T0 and job.pid == os.getpid()
    assert store.running_job("kota") == job

    clock.advance(minutes=1)
    store.heartbeat(job.id)
    clock.advance(minutes=1)
    store.mark_gather_finished(job.id)
    clock.advance(minutes=1)
    done = store.finish_job(job.id, status=JobStatus.DONE_WITH_ERRORS, stats={"added": 3, "nested": {"a": [1]}},
                            complete=True, error=None)
    assert done.status == "done_with_errors"
    assert done.stats == {"added": 3, "nested": {"a": [1]}}
    assert done.gather_finished_at == T0 + timedelta(minutes=2)
    assert done.finished_at == T0 + timedelta(minutes=3)
    assert done.heartbeat_at == T0 + timedelta(minutes=2)
    assert done.complete is True
    assert store.get_job(job.id) == done
    assert store.running_job("kota") is None
    assert store.get_job(job.id + 100) is None


def test_times_are_aware_utc(store: Store) -> None:
    job = store.start_job("kota", trigger="cli")
    fetched = store.get_job(job.id)
    assert fetched is not None and fetched.started_at.utcoffset() == timedelta(0)


def test_only_one_running_job_per_source(store: Store) -> None:
    store.upsert_source("prov", "dcat-rdf", title=None, config_hash="h", enabled=True)
    first = store.start_job("kota", trigger="schedule")
    with pytest.raises(JobAlreadyRunning) as info:
        store.start_job("kota", trigger="cli")
    assert info.value.running.id == first.id
    store.start_job("prov", trigger="schedule")  # other sources are independent
    store.finish_job(first.id, status="failed", stats={}, complete=False, error="boom")
    assert store.start_job("kota", trigger="cli").id > first.id


def test_start_job_for_unknown_source(store: Store) -> None:
    with pytest.raises(UnknownSource, match="nope"):
        store.start_job("nope", trigger="cli")


def test_finish_job_rejects_bad_input(store: Store) -> None:
    job = store.start_job("kota", trigger="cli")
    with pytest.raises(ValueError, match="invalid job status"):
        store.finish_job(job.id, status="finished", stats={}, complete=True)
    with pytest.raises(ValueError, match="final status"):
        store.finish_job(job.id, status="running", stats={}, complete=True)
    with pytest.raises(LookupError):
        store.finish_job(job.id + 1, status="done", stats={}, complete=True)


def test_list_jobs_last_complete_and_counts(store: Store, clock: FakeClock) -> None:
    store.upsert_source("prov", "dcat-rdf", title=None, config_hash="h", enabled=True)
    outcomes = [("done", True), ("done", False), ("failed", False), ("done_with_errors", True), ("aborted", False)]
    ids = []
    for status, complete in outcomes:
        job = store.start_job("kota", trigger="schedule")
        store.finish_job(job.id, status=status, stats={}, complete=complete)
        ids.append(job.id)
        clock.advance(seconds=10)
    other = store.start_job("prov", trigger="schedule")

    assert [j.id for j in store.list_jobs("kota")] == ids[::-1]
    assert [j.id for j in store.list_jobs(limit=2)] == [other.id, ids[-1]]
    last = store.last_complete_job("kota")
    assert last is not None and last.id == ids[3]
    assert store.last_complete_job("prov") is None
    assert store.count_jobs_since("kota", ["failed", "aborted"], ids[0]) == 2
    assert store.count_jobs_since("kota", ["failed", "aborted"], ids[2]) == 1
    assert store.count_jobs_since("kota", ["done"], ids[1]) == 0


def test_reaper_aborts_only_stale_jobs(store: Store, clock: FakeClock) -> None:
    store.upsert_source("prov", "dcat-rdf", title=None, config_hash="h", enabled=True)
    stale = store.start_job("kota", trigger="schedule")
    clock.advance(minutes=50)
    fresh = store.start_job("prov", trigger="schedule")
    clock.advance(minutes=20)  # stale: 70 min silent; fresh: 20 min

    reaped = store.reap_stale_jobs(older_than=timedelta(minutes=30))
    assert [j.id for j in reaped] == [stale.id]
    assert reaped[0].status == "aborted" and "no heartbeat" in (reaped[0].error or "")
    assert reaped[0].finished_at == clock.now
    assert store.get_job(fresh.id).status == "running"  # type: ignore[union-attr]
    issues = store.issues_for_job(stale.id)
    assert [(i.code, i.severity) for i in issues] == [("JOB-STALE", "error")]
    assert store.reap_stale_jobs(older_than=timedelta(minutes=30)) == []


def test_reaper_uses_heartbeat_and_explicit_now(store: Store, clock: FakeClock) -> None:
    job = store.start_job("kota", trigger="schedule")
    clock.advance(hours=2)
    store.heartbeat(job.id)
    assert store.reap_stale_jobs(older_than=timedelta(hours=1)) == []
    later = clock.now + timedelta(hours=1, seconds=1)
    assert [j.id for j in store.reap_stale_jobs(older_than=timedelta(hours=1), now=later)] == [job.id]


def test_checkpoints_round_trip_and_delete(store: Store) -> None:
    job = store.start_job("kota", trigger="cli")
    assert store.load_checkpoint("kota", "watermark") is None
    store.save_checkpoint("kota", "watermark", {"metadata_modified": "2024-05-01T00:00:00Z"}, job_id=job.id)
    store.save_checkpoint("kota", "http_validators", {"https://x/p1": {"etag": '"abc"', "kata": "Kabupaten"}})
    store.save_checkpoint("kota", "watermark", {"metadata_modified": "2024-06-01T00:00:00Z"}, job_id=job.id)
    assert store.load_checkpoint("kota", "watermark") == {"metadata_modified": "2024-06-01T00:00:00Z"}
    assert store.load_checkpoint("kota", "http_validators") == {"https://x/p1": {"etag": '"abc"', "kata": "Kabupaten"}}
    store.save_checkpoint("kota", "watermark", None)
    assert store.load_checkpoint("kota", "watermark") is None
    assert store.load_checkpoint("kota", "http_validators") is not None
    store.save_checkpoint("kota", "resume", None)  # deleting a missing checkpoint is fine
    with pytest.raises(ValueError, match="checkpoint kind"):
        store.save_checkpoint("kota", "cursor", {})
    with pytest.raises(TypeError):
        store.save_checkpoint("kota", "resume", ["not", "a", "dict"])  # type: ignore[arg-type]


def test_prune_keeps_last_jobs_per_source(store: Store, clock: FakeClock) -> None:
    from harvester.model.issues import warning

    store.upsert_source("prov", "dcat-rdf", title=None, config_hash="h", enabled=True)
    kota_ids = []
    for n in range(8):
        job = store.start_job("kota", trigger="schedule")
        store.add_issues([warning("W", f"w{n}")], job_id=job.id, source_id="kota")
        # job 0 is the only complete success: it must survive as last_complete_job
        store.finish_job(job.id, status="done" if n == 0 else "failed", stats={}, complete=n == 0)
        kota_ids.append(job.id)
        clock.advance(days=1)
    store.save_checkpoint("kota", "watermark", {"w": 1}, job_id=kota_ids[1])
    prov_old = store.start_job("prov", trigger="schedule")
    store.finish_job(prov_old.id, status="done", stats={}, complete=True)
    clock.advance(days=1)
    prov_running = store.start_job("prov", trigger="schedule")
    store.add_issues([warning("ORPHAN", "no job")], job_id=None, source_id="prov")
    clock.advance(days=30)

    result = store.prune(jobs_older_than=clock.now, issues_older_than=clock.now, keep_last_jobs_per_source=3)

    kept_kota = {j.id for j in store.list_jobs("kota")}
    assert kept_kota == {kota_ids[0], *kota_ids[-3:]}
    assert {j.id for j in store.list_jobs("prov")} == {prov_old.id, prov_running.id}
    assert result["jobs"] == 4
    # issues of deleted jobs and the old job-less issue go; issues of kept jobs stay
    assert result["issues"] == 4 + 1
    assert [i.message for i in store.issues_for_job(kota_ids[-1])] == ["w7"]
    assert store.issues_for_job(kota_ids[1]) == []
    assert store.load_checkpoint("kota", "watermark") == {"w": 1}  # job link nulled, value kept


def test_prune_respects_age_cutoffs(store: Store, clock: FakeClock) -> None:
    for _ in range(5):
        job = store.start_job("kota", trigger="schedule")
        store.finish_job(job.id, status="failed", stats={}, complete=False)
    result = store.prune(jobs_older_than=T0, issues_older_than=T0, keep_last_jobs_per_source=0)
    assert result == {"jobs": 0, "issues": 0}
    assert len(store.list_jobs("kota")) == 5


def test_upsert_source_tracks_changes(store: Store, clock: FakeClock) -> None:
    first = store.get_source("kota")
    assert first is not None and (first.type, first.title, first.enabled) == ("ckan-api", "Kota Blitar", True)
    clock.advance(hours=1)
    store.upsert_source("kota", "ckan-api", title="Kota Blitar", config_hash="cfg1", enabled=True)
    assert store.get_source("kota") == first  # nothing changed: updated_at kept
    store.upsert_source("kota", "ckan-api", title="Pemerintah Kota Blitar", config_hash="cfg2", enabled=False)
    changed = store.get_source("kota")
    assert changed is not None
    assert (changed.title, changed.config_hash, changed.enabled) == ("Pemerintah Kota Blitar", "cfg2", False)
    assert (changed.created_at, changed.updated_at) == (T0, clock.now)
    store.upsert_source("abc", "oai-pmh", title=None, config_hash="x", enabled=True)
    assert [s.id for s in store.list_sources()] == ["abc", "kota"]
    assert store.get_source("nope") is None
