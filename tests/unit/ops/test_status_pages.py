"""Status pages rendered in-process from a real store: content, links, escaping, masking, 404/503."""

from __future__ import annotations

import re
from datetime import timedelta

from harvester.model.issues import Issue, Severity, Stage
from harvester.ops.charts import TrendPoint, trend_svg
from harvester.ops.overview import OverviewCache, collect
from harvester.ops.status_pages import StatusApp
from tests.unit.ops.conftest import SECRET, add_job, add_records, register, set_target, wsgi_get


def make_app(store, config, clock, next_runs=dict):
    overview = OverviewCache(lambda: collect(store, config, next_runs, lambda: True), ttl=0)
    return StatusApp(store, lambda: config, overview.get, next_runs, now=clock)


def page(app, path, **kw) -> str:
    status, headers, body = wsgi_get(app, path, script_name="/status", **kw)
    assert status == "200 OK", (status, body[:500])
    assert headers["Content-Type"] == "text/html; charset=utf-8"
    text = body.decode("utf-8")
    assert SECRET not in text
    return text


def test_overview_lists_every_configured_source_and_target(store, config, clock):
    register(store, config)
    add_job(store, "katalog-diskominfotik", "done", stats={"gathered": 8, "created": 8, "issues_error": 2}, clock=clock)
    add_job(store, "dinkes-sipd", "failed", error=f"GET https://sipd.go.id/x?token={SECRET} failed: 503", clock=clock)
    running = store.start_job("geoportal-batas-kelurahan", trigger="schedule")
    ids = add_records(store, "katalog-diskominfotik", 8)
    set_target(store, "katalog-diskominfotik", ids[0], "kota", "pushed", when=clock())
    set_target(store, "katalog-diskominfotik", ids[1], "kota", "failed", attempts=5, error="HTTP 409", when=clock())
    nxt = clock() + timedelta(hours=1)
    html = page(make_app(store, config, clock, lambda: {"katalog-diskominfotik": nxt}), "/")
    for sid in config.sources:
        assert f'href="/status/source/{sid}"' in html
    for tid in config.targets:
        assert f'href="/status/target/{tid}"' in html
    assert 'class="badge failing">failing<' in html and 'class="badge running">running<' in html
    assert f'href="/status/job/{running.id}"' in html
    assert "sipd.go.id/x?token=***" in html  # error text shown, secret masked
    assert "in 1.0 h" in html and "WIB" in html
    assert html.count("<svg") == len(config.sources)
    assert re.search(r"CKAN_PROVINCE_URL is not set", html)
    assert '<meta http-equiv="refresh" content="60">' in html


def test_job_page_lists_issues_escaped_and_paged(store, config, clock):
    register(store, config)
    row = store.start_job("katalog-diskominfotik", trigger="schedule")
    issues = [Issue(Severity.ERROR, "SDI-V02", f"judul kosong <script>alert({i})</script>", field="title",
                    stage=Stage.VALIDATE, remote_id=f"ds-{i}", hint_en="Give the dataset a title.") for i in range(250)]
    issues.append(Issue(Severity.WARNING, "MAP-UNKNOWN-CODE", "kode tidak dikenal", remote_id="ds-x"))
    store.add_issues(issues, job_id=row.id, source_id="katalog-diskominfotik")
    store.finish_job(row.id, status="done_with_errors", complete=True,
                     stats={"gathered": 251, "invalid": 250, "push": {"kota": {"created": 1, "failed": 2}}})
    app = make_app(store, config, clock)
    html = page(app, f"/job/{row.id}")
    assert "<script>" not in html and "&lt;script&gt;alert(0)&lt;/script&gt;" in html
    assert "250 error, 1 warning" in html
    assert "push.kota.failed" in html  # nested counts of the push stage are shown
    assert html.count('class="msg">judul kosong') == 200 + 1  # page 1 of the list + the example in the summary
    assert f'href="/status/job/{row.id}?page=2"' in html
    second = page(app, f"/job/{row.id}", query="page=2")
    assert "ds-249" in second and "ds-x" in second and f'href="/status/job/{row.id}?page=1"' in second


def test_source_and_target_pages(store, config, clock):
    register(store, config)
    for i in range(3):
        add_job(store, "dinkes-sipd", "done", stats={"gathered": 10 + i}, clock=clock)
    ids = add_records(store, "dinkes-sipd", 3)
    set_target(store, "dinkes-sipd", ids[2], "kota", "failed", attempts=3, error="Validation Error: name already in use",
               when=clock())
    set_target(store, "dinkes-sipd", ids[1], "kota", "conflict", when=clock())
    app = make_app(store, config, clock)
    src = page(app, "/source/dinkes-sipd")
    assert "Dinas Kesehatan Kota Blitar" in src and "every 1h" in src and src.count("<svg") == 1
    tgt = page(app, "/target/kota")
    assert "dinkes-sipd / r2" in tgt and "name already in use" in tgt and "conflict" in tgt


def test_unknown_pages_answer_404_and_a_dead_store_503(store, config, clock):
    app = make_app(store, config, clock)
    for path in ("/job/999", "/source/nope", "/target/nope", "/whatever"):
        assert wsgi_get(app, path, script_name="/status")[0] == "404 Not Found"

    def broken():
        raise RuntimeError("database is locked")

    dead = StatusApp(store, lambda: config, broken)
    status, _, body = wsgi_get(dead, "/", script_name="/status")
    assert status.startswith("503") and b"cannot be read" in body


def test_trend_chart_scales_and_marks_failures():
    from datetime import datetime, timezone

    when = datetime(2025, 3, 1, tzinfo=timezone.utc)
    svg = trend_svg([TrendPoint(1, when, 100, 0, "done"), TrendPoint(2, when, 50, 5, "failed")], width=200, height=60)
    assert svg.startswith("<svg") and svg.endswith("</svg>")
    assert ">100<" in svg and ">5<" in svg  # left and right scale maxima
    assert svg.count("<rect") == 2 and svg.count("<path") == 1  # one cross for the failed job
    assert "no jobs yet" in trend_svg([])
