"""/metrics: parses with prometheus_client's parser, reports what the store holds, survives a dead store."""

from __future__ import annotations

from prometheus_client.parser import text_string_to_metric_families

from harvester.ops.metrics import MetricsApp, StoreCollector, make_registry
from harvester.ops.overview import OverviewCache, collect
from harvester.ops.retention import database_size
from tests.unit.ops.conftest import SECRET, add_job, add_records, register, set_target, wsgi_get


def scrape(app) -> dict[tuple[str, tuple], float]:
    status, headers, body = wsgi_get(app, "/metrics")
    assert status == "200 OK" and headers["Content-Type"].startswith("text/plain")
    assert SECRET not in body.decode()
    samples = {}
    for family in text_string_to_metric_families(body.decode("utf-8")):
        for s in family.samples:
            samples[(s.name, tuple(sorted(s.labels.items())))] = s.value
    return samples


def build(store, config, next_runs=dict, alive=None):
    overview = OverviewCache(lambda: collect(store, config, next_runs, alive), ttl=0)
    registry, metrics = make_registry(StoreCollector(overview.get, database_size=lambda: database_size(store.url),
                                                     ping=store.ping))
    return MetricsApp(registry), metrics


def test_store_metrics_reflect_jobs_records_and_push_state(store, config, clock):
    register(store, config)
    sid, other = "katalog-diskominfotik", "dinkes-sipd"
    first = add_job(store, sid, "done", stats={"gathered": 5, "created": 5}, clock=clock, minutes=2)
    last = add_job(store, sid, "done_with_errors", stats={"gathered": 6, "created": 1, "unchanged": 4, "invalid": 1,
                                                          "issues_error": 3}, clock=clock, minutes=3)
    add_job(store, other, "failed", error="source unavailable", clock=clock)
    ids = add_records(store, sid, 5) + add_records(store, sid, 1, status="invalid", prefix="bad")
    set_target(store, sid, ids[0], "kota", "pushed", when=clock())
    set_target(store, sid, ids[1], "kota", "pushed", when=clock())
    set_target(store, sid, ids[2], "kota", "failed", attempts=4, error="HTTP 500", when=clock())
    set_target(store, sid, ids[3], "kota", "pending")
    app, _ = build(store, config, next_runs=lambda: {sid: clock()}, alive=lambda: True)
    m = scrape(app)
    assert m[("harvester_store_up", ())] == 1
    assert m[("harvester_records", (("source", sid), ("status", "current")))] == 5
    assert m[("harvester_records", (("source", sid), ("status", "invalid")))] == 1
    assert m[("harvester_last_job_records", (("action", "unchanged"), ("source", sid)))] == 4
    assert m[("harvester_last_job_issues", (("severity", "error"), ("source", sid)))] == 3
    assert m[("harvester_source_last_job_status", (("source", sid), ("status", "done_with_errors")))] == 1
    assert m[("harvester_source_last_job_status", (("source", other), ("status", "failed")))] == 1
    assert m[("harvester_source_last_success_timestamp_seconds", (("source", sid),))] == last.finished_at.timestamp()
    assert m[("harvester_source_last_job_duration_seconds", (("source", sid),))] == 180
    assert ("harvester_source_last_success_timestamp_seconds", (("source", other),)) not in m
    assert m[("harvester_source_next_run_timestamp_seconds", (("source", sid),))] == clock().timestamp()
    assert m[("harvester_target_records", (("status", "pushed"), ("target", "kota")))] == 2
    assert m[("harvester_target_pending_pushes", (("target", "kota"),))] == 2
    assert m[("harvester_target_failures", (("target", "kota"),))] == 1
    assert m[("harvester_target_enabled", (("target", "kota"),))] == 1
    assert m[("harvester_target_enabled", (("target", "nasional"),))] == 0
    assert m[("harvester_scheduler_running", ())] == 1
    assert m[("harvester_database_size_bytes", ())] > 0
    assert first.id != last.id


def test_daemon_counters(store, config, clock):
    register(store, config)
    app, metrics = build(store, config)
    row = add_job(store, "katalog-diskominfotik", "done", stats={"created": 3, "unchanged": 2, "issues_warning": 1},
                  clock=clock, minutes=2)
    metrics.observe_job(row)
    metrics.observe_job(row)

    class Report:
        per_target = {"kota": {"created": 3, "failed": 1}, "jatim": {"unchanged": 5}}
        errors = ["boom"]

    metrics.observe_push("katalog-diskominfotik", Report(), 1.5)
    m = scrape(app)
    assert m[("harvester_jobs_finished_total", (("source", "katalog-diskominfotik"), ("status", "done")))] == 2
    assert m[("harvester_records_processed_total", (("action", "created"), ("source", "katalog-diskominfotik")))] == 6
    assert ("harvester_records_processed_total", (("action", "issues_warning"), ("source", "katalog-diskominfotik"))) \
        not in m
    assert m[("harvester_job_duration_seconds_count", (("source", "katalog-diskominfotik"),))] == 2
    assert m[("harvester_job_duration_seconds_sum", (("source", "katalog-diskominfotik"),))] == 240
    assert m[("harvester_push_records_total", (("outcome", "failed"), ("target", "kota")))] == 1
    assert m[("harvester_push_records_total", (("outcome", "unchanged"), ("target", "jatim")))] == 5
    assert m[("harvester_push_stage_errors_total", (("source", "katalog-diskominfotik"),))] == 1
    assert m[("harvester_push_stage_duration_seconds_sum", (("source", "katalog-diskominfotik"),))] == 1.5


def test_scrape_answers_when_the_store_is_gone(store, config):
    def broken():
        raise RuntimeError("database gone")

    overview = OverviewCache(broken, ttl=0)
    registry, _ = make_registry(StoreCollector(overview.get, ping=lambda: True))
    m = scrape(MetricsApp(registry))
    assert m[("harvester_store_up", ())] == 0
    assert not any(name.startswith("harvester_records") for name, _ in m)
    assert any(name.startswith("process_") for name, _ in m)  # process metrics still there
