"""/healthz: 200 while the store answers and the scheduler runs; 503 when the store is gone (a real
PostgreSQL database dropped under the app) or the scheduler stopped. Also the web dispatcher."""

from __future__ import annotations

import json

import psycopg

from harvester.ops.health import HealthApp
from harvester.store import Store
from harvester.web import WebApp
from tests.support.db import PG_HOST, PG_PORT, PG_USER
from tests.unit.ops.conftest import wsgi_get


def test_healthz_turns_503_when_the_database_disappears(make_postgres_db):
    url = make_postgres_db()
    store = Store(url)
    store.ensure_schema()
    app = WebApp({"/healthz": HealthApp(store.ping, lambda: True)}, fallback=None)
    try:
        status, headers, body = wsgi_get(app, "/healthz")
        assert status == "200 OK" and headers["Content-Type"] == "application/json"
        assert json.loads(body) == {"status": "ok", "store": "ok", "scheduler": "running"}
        name = url.rsplit("/", 1)[1]
        with psycopg.connect(host=PG_HOST, port=PG_PORT, user=PG_USER, dbname="postgres", autocommit=True) as admin:
            admin.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
        status, _, body = wsgi_get(app, "/healthz")
        assert status == "503 Service Unavailable"
        assert json.loads(body)["store"] == "unreachable"
    finally:
        store.close()


def test_healthz_needs_a_running_scheduler_in_the_daemon_only():
    running = {"value": True}
    daemon_app = HealthApp(lambda: True, lambda: running["value"])
    assert wsgi_get(daemon_app, "/")[0] == "200 OK"
    running["value"] = False
    status, _, body = wsgi_get(daemon_app, "/")
    assert status.startswith("503") and json.loads(body)["scheduler"] == "stopped"
    feed_only = HealthApp(lambda: True)  # `harvester serve`
    status, _, body = wsgi_get(feed_only, "/")
    assert status == "200 OK" and "scheduler" not in json.loads(body)


def test_a_raising_check_is_unhealthy_not_a_crash():
    def boom() -> bool:
        raise OSError("socket closed")

    assert wsgi_get(HealthApp(boom), "/")[0].startswith("503")


def test_dispatcher_mounts_and_falls_back_to_the_feed():
    seen = []

    def recorder(name):
        def app(environ, start_response):
            seen.append((name, environ["SCRIPT_NAME"], environ["PATH_INFO"]))
            start_response("200 OK", [("Content-Type", "text/plain")])
            return [name.encode()]
        return app

    web = WebApp({"/status": recorder("status"), "/metrics": recorder("metrics"), "/healthz": recorder("health")},
                 fallback=recorder("feed"), base_path="/satudata/")
    for path in ("/satudata/status", "/satudata/status/job/3", "/satudata/metrics", "/satudata/healthz",
                 "/satudata/statusx", "/satudata/metrics/x", "/satudata/catalog.ttl"):
        wsgi_get(web, path)
    assert seen == [("status", "/satudata/status", ""), ("status", "/satudata/status", "/job/3"),
                    ("metrics", "/satudata/metrics", ""), ("health", "/satudata/healthz", ""),
                    ("feed", "", "/satudata/statusx"), ("feed", "", "/satudata/metrics/x"),
                    ("feed", "", "/satudata/catalog.ttl")]
    assert wsgi_get(WebApp({}, fallback=None), "/nothing")[0] == "404 Not Found"
