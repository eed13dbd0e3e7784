"""Retention of per-dataset quality history: old rows go, each dataset's newest score stays."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import sqlalchemy as sa

from harvester.quality.history import engine_of, ensure_tables, prune_history
from harvester.store import Store
from harvester.store.tables import quality_score


def _insert(store: Store, remote_id: str, when: datetime, score: float) -> None:
    with engine_of(store).begin() as conn:
        conn.execute(quality_score.insert().values(
            source_id="s", remote_id=remote_id, job_id=None, computed_at=when, score=score, points=score,
            max_score=100, band="Baik", version="t", dimensions={}, failed_checks=[]))


def test_prune_keeps_newest_score_per_dataset(tmp_path):
    store = Store(f"sqlite:///{tmp_path}/q.db")
    ensure_tables(store)
    now = datetime(2026, 6, 1, tzinfo=timezone.utc)
    for days, value in ((200, 10.0), (150, 20.0), (100, 30.0)):
        _insert(store, "old-only", now - timedelta(days=days), value)
    for days, value in ((200, 40.0), (5, 50.0)):
        _insert(store, "recent", now - timedelta(days=days), value)
    deleted = prune_history(store, older_than=now - timedelta(days=90))
    assert deleted == 3  # two of 'old-only' (its newest stays) and the 200-day row of 'recent'
    with engine_of(store).connect() as conn:
        left = conn.execute(sa.select(quality_score.c.remote_id, quality_score.c.score)
                            .order_by(quality_score.c.remote_id, quality_score.c.score)).all()
    assert [tuple(r) for r in left] == [("old-only", 30.0), ("recent", 50.0)]
    store.close()
