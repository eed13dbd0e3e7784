"""Score history on a real SQLite store: append-only rows, newest score, trends, dry-run refusal."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
import sqlalchemy as sa

from harvester.quality import history
from harvester.quality.recording import record_scores
from harvester.quality.scoring import QualityScorer
from tests.support.db import make_postgres_db, postgres_server  # noqa: F401 (fixtures)
from tests.unit.quality.conftest import complete

T0 = datetime(2024, 9, 1, 8, 0, tzinfo=timezone.utc)


def test_scores_are_appended_and_the_newest_wins(env, scorer: QualityScorer) -> None:
    _, store = env
    worse, better = scorer.score(complete(satuan=None)), scorer.score(complete())
    assert record_scores(store, 1, "katalog", [("a", worse), ("b", better)], when=T0) == 2
    assert record_scores(store, 2, "katalog", [("a", better)], when=T0 + timedelta(hours=1)) == 1
    latest = history.latest_scores(store)
    assert {k: (v.job_id, v.score.score) for k, v in latest.items()} == {
        ("katalog", "a"): (2, 100.0), ("katalog", "b"): (1, 100.0)}
    assert [(s.job_id, s.score.score, s.computed_at) for s in history.dataset_history(store, "katalog", "a")] == [
        (1, 96.4, T0), (2, 100.0, T0 + timedelta(hours=1))]
    (old,) = history.dataset_history(store, "katalog", "a")[0].score.failed
    assert old.check == "sdi.satuan" and old.hints[0].hint_id.startswith("Isi Satuan")
    assert history.latest_score(store, "katalog", "b").score.score == 100.0
    assert history.latest_score(store, "katalog", "nope") is None
    page = history.latest_scores_for(store, [("katalog", "a"), ("katalog", "nope"), ("sipd", "a")])
    assert {k: v.job_id for k, v in page.items()} == {("katalog", "a"): 2}


def test_tables_have_the_documented_columns(env) -> None:
    _, store = env
    engine = history.ensure_tables(store)
    columns = {t: {c["name"] for c in sa.inspect(engine).get_columns(t)}
               for t in ("quality_score", "quality_aggregate", "quality_link")}
    assert {"source_id", "remote_id", "job_id", "computed_at", "score", "max_score", "band",
            "failed_checks"} <= columns["quality_score"]
    assert columns["quality_aggregate"] == {"id", "scope_kind", "scope_id", "computed_at", "score", "band", "datasets"}
    assert columns["quality_link"] == {"url", "checked_at", "ok", "status", "reason"}


def test_trends_filter_and_limit(env) -> None:
    _, store = env
    for i in range(5):
        history.save_aggregates(store, T0 + timedelta(days=i), [("city", "35.72", 50.0 + i, "Baik", 3)])
    history.save_aggregates(store, T0, [("organisation", "dinkes", None, None, 0)])
    trend = history.trends(store, "city", since=T0 + timedelta(days=1), limit=3)
    assert [p.score for p in trend[("city", "35.72")]] == [52.0, 53.0, 54.0]
    assert ("organisation", "dinkes") not in trend
    assert history.latest_aggregates(store)[("city", "35.72")].score == 54.0


def test_dry_run_store_writes_nothing(env, scorer: QualityScorer) -> None:
    from harvester.pipeline.dryrun import DryRunStore

    _, store = env
    assert record_scores(DryRunStore(store), 1, "katalog", [("a", scorer.score(complete()))], when=T0) == 0
    assert history.latest_scores(store) == {}
    with pytest.raises(ValueError, match="dry run"):
        history.save_scores(DryRunStore(store), 1, "katalog", [("a", scorer.score(complete()))], T0)


def test_postgres(env, make_postgres_db, scorer: QualityScorer) -> None:
    """The same history on PostgreSQL (JSONB columns, timestamptz), through a report."""
    from harvester.quality import build_report
    from harvester.store import Store
    from tests.unit.quality.conftest import put

    config, _ = env
    store = Store(make_postgres_db())
    try:
        for sid in config.sources:
            store.upsert_source(sid, "dcat-rdf", title=sid, config_hash="x", enabled=True)
        put(store, "katalog", "a", complete(satuan=None), when=T0)
        record_scores(store, 1, "katalog", [("a", scorer.score(complete(satuan=None)))], config=config,
                      when=T0 + timedelta(minutes=1))
        stored = history.latest_score(store, "katalog", "a")
        assert (stored.score.score, stored.computed_at, stored.score.failed[0].check) == (
            96.4, T0 + timedelta(minutes=1), "sdi.satuan")
        report = build_report(store, config).data
        capil = report["organisations"][0]
        assert (capil["id"], capil["score"], [p["score"] for p in capil["trend"]]) == ("dispendukcapil", 96.4, [96.4])
    finally:
        store.close()
