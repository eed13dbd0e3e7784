"""The /report pages as a WSGI app (called directly with WSGI environ dicts)."""

from __future__ import annotations

import json
from wsgiref.util import setup_testing_defaults

from datetime import date, datetime, timezone

from harvester.quality.recording import score_source
from harvester.quality.web import ReportApp
from tests.unit.quality.conftest import complete, put


def call(app: ReportApp, path: str, script: str = "") -> tuple[str, dict[str, str], bytes]:
    environ: dict = {"PATH_INFO": path, "SCRIPT_NAME": script}
    setup_testing_defaults(environ)
    seen: dict = {}
    body = b"".join(app(environ, lambda status, headers: seen.update(status=status, headers=dict(headers))))
    return seen["status"], seen["headers"], body


def test_routes(env) -> None:
    config, store = env
    put(store, "katalog", "a", complete(satuan=None), when=datetime(2024, 9, 1, tzinfo=timezone.utc))
    score_source(store, config, "katalog", today=date(2024, 10, 1))  # stored scores: independent of today
    app = ReportApp(store, config)
    status, headers, body = call(app, "/report", script="/ui")
    assert status == "200 OK" and headers["Content-Type"].startswith("text/html")
    assert int(headers["Content-Length"]) == len(body)
    assert b'href="/ui/report/dispendukcapil"' in body
    status, headers, body = call(app, "/report.json")
    assert status == "200 OK" and json.loads(body)["organisations"][0]["score"] == 96.4
    status, headers, body = call(app, "/report/Dispendukcapil.json")
    assert json.loads(body)["organisation_filter"] == "dispendukcapil"
    status, headers, body = call(app, "/report/dispendukcapil.datasets.csv")
    assert headers["Content-Disposition"] == 'attachment; filename="laporan-kualitas-dispendukcapil.csv"'
    assert body.decode().splitlines()[1].startswith("dispendukcapil,")
    status, _, body = call(app, "/report/Dinas%20Pariwisata")
    assert status == "404 Not Found" and b"known:" in body
    assert call(app, "/elsewhere")[0] == "404 Not Found"
    assert call(app, "/report/a/b")[0] == "404 Not Found"


def test_error_answers_500(env, monkeypatch) -> None:
    config, store = env
    app = ReportApp(store, config)
    monkeypatch.setattr("harvester.quality.web.build_report", lambda *a, **k: 1 / 0)
    assert call(app, "/report")[0] == "500 Internal Server Error"
