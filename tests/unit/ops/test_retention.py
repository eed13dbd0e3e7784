"""Retention: history older than the policy goes, what the operator needs stays, and the database of a
steady catalogue stops growing."""

from __future__ import annotations

from datetime import timedelta

from harvester.ops.retention import RetentionPolicy, database_size, prune
from tests.unit.ops.conftest import add_job, register


def test_policy_from_settings(config):
    policy = RetentionPolicy.from_settings(config.settings)
    assert policy == RetentionPolicy(timedelta(days=config.settings.retention.jobs_days),
                                     timedelta(days=config.settings.retention.issues_days),
                                     config.settings.retention.keep_last_jobs)


def test_prune_keeps_recent_jobs_last_success_and_held_jobs(store, config, clock):
    register(store, config)
    sid, other = sorted(config.sources)[:2]
    success = add_job(store, other, "done", issues=2, clock=clock)  # other's only complete job: kept forever
    held = add_job(store, sid, "needs_confirmation", clock=clock)  # waiting for a human: kept
    old = [add_job(store, sid, "done", issues=3, clock=clock, minutes=60 * 24) for _ in range(40)]
    recent = [add_job(store, sid, "failed", issues=1, clock=clock, minutes=60) for _ in range(5)]
    policy = RetentionPolicy(jobs_age=timedelta(days=10), issues_age=timedelta(days=3), keep_last_jobs=3)
    result = prune(store, policy, clock())
    kept = {j.id for j in store.list_jobs(limit=1000)}
    assert success.id in kept and held.id in kept and all(j.id in kept for j in recent)
    # old jobs: those started within 10 days stay, plus the newest complete one of the source
    expected_old = {j.id for j in old if clock() - j.started_at < timedelta(days=10)} | {old[-1].id}
    assert {j.id for j in old} & kept == expected_old
    assert result["jobs"] == len(old) - len(expected_old)
    # issues: older than 3 days are gone unless their job is protected (kept by keep_last / last success)
    assert store.issues_for_job(success.id) and store.issue_counts(old[-1].id) == {"error": 3}
    assert store.issues_for_job(old[-5].id) == []
    assert store.issue_counts(recent[0].id) == {"error": 1}


def test_steady_catalogue_database_stops_growing(store, config, clock, db_url):
    """Two months of jobs every 8 hours with 30 issues each, pruned daily: the file levels off."""
    register(store, config)
    sid = sorted(config.sources)[0]
    policy = RetentionPolicy(jobs_age=timedelta(days=7), issues_age=timedelta(days=3), keep_last_jobs=5)
    sizes = {}
    for day in range(1, 61):
        for _ in range(3):
            add_job(store, sid, "done_with_errors", stats={"gathered": 30, "unchanged": 30}, issues=30, clock=clock,
                    minutes=8 * 60)
        prune(store, policy, clock())
        if day in (15, 35, 60):
            sizes[day] = database_size(db_url)
    assert len(store.list_jobs(sid, limit=100_000)) <= 8 * 3  # 7 days of jobs (+ one day of slack)
    assert sizes[35] <= sizes[15] * 1.10 and sizes[60] <= sizes[15] * 1.10, sizes


def test_database_size_only_for_sqlite_files(tmp_path):
    (tmp_path / "a.db").write_bytes(b"x" * 100)
    (tmp_path / "a.db-wal").write_bytes(b"x" * 20)
    assert database_size(f"sqlite:///{tmp_path / 'a.db'}") == 120
    assert database_size(f"sqlite:///{tmp_path / 'missing.db'}") is None
    assert database_size("sqlite:///:memory:") is None
    assert database_size("postgresql+psycopg://u@127.0.0.1/db") is None
