"""Pusher behaviour that is hard to provoke on a healthy CKAN, against a scripted portal on a real
socket: a portal failing mid-run is left alone after a few failures, a stop request ends the run,
and a big first push looks its datasets up with one bounded listing instead of a search per chunk."""

from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import Any

import pytest

from harvester.model.canonical import canonical_json, stable_hash
from harvester.pipeline.push import BREAKER, Pusher
from harvester.settings import load_settings
from harvester.store import RecordRow, Store
from tests.support.httpserver import RecordedServer
from tests.unit.targets.support import WALIDATA, dataset

pytestmark = pytest.mark.integration

SETTINGS = f"""\
base_uri: https://data.example.go.id
catalog: {{title: Uji}}
pemda:
  level: KABUPATEN_KOTA
  kode: "35.72"
  nama: Kota Blitar
  walidata: {{name: "{WALIDATA}"}}
  organisations:
    - {{id: dispendukcapil, name: Dinas Kependudukan dan Pencatatan Sipil Kota Blitar}}
"""
TARGET = """\
type: ckan
level: city
url: ${URL}
token: ${TOKEN}
organisations: {mode: single, single: {name: kota, title: Kota}}
concurrency: 1
http: {retries: 0}
"""


def ok(result: Any) -> str:
    return json.dumps({"success": True, "result": result})


def make(tmp_path: Path, http_server: RecordedServer, records: int) -> tuple[Pusher, Store]:
    (tmp_path / "sources").mkdir()
    (tmp_path / "targets").mkdir()
    (tmp_path / "harvester.yaml").write_text(SETTINGS + f'database: {{url: "sqlite:///{tmp_path}/s.db"}}\n')
    (tmp_path / "sources" / "katalog.yaml").write_text("type: dcat-rdf\nurl: https://data.example.go.id/c.ttl\n")
    (tmp_path / "targets" / "kota.yaml").write_text(TARGET)
    config = load_settings(tmp_path / "harvester.yaml", env={"URL": http_server.base_url, "TOKEN": "s3cret"})
    store = Store(config.settings.database.url)
    store.upsert_source("katalog", "dcat-rdf", title="Katalog", config_hash="x", enabled=True)
    for i in range(records):
        ds = dataset(identifier=f"ds-{i}", uri=f"https://data.example.go.id/dataset/{i}", title=f"Data Nomor {i}")
        store.save_record(RecordRow("katalog", f"ds-{i}", mapped_hash=stable_hash(ds), dataset_json=canonical_json(ds),
                                    stable_uri=ds.uri, title=ds.title, access_rights="TERBUKA"))
    http_server.add("/api/action/status_show", ok({"ckan_version": "2.12.0", "extensions": []}))
    http_server.add("/api/action/package_search", ok({"count": 0, "results": []}))
    http_server.add("/api/action/organization_show", ok({"id": "o", "name": "kota", "state": "active"}))
    return Pusher(config, store), store


@pytest.fixture
def setup(tmp_path: Path, http_server: RecordedServer) -> tuple[Pusher, Store]:
    return make(tmp_path, http_server, 8)


def test_a_portal_failing_mid_run_is_left_alone(setup: tuple[Pusher, Store], http_server: RecordedServer) -> None:
    pusher, store = setup
    http_server.add("/api/action/package_create", "<html>Service Unavailable</html>", status=503)
    report = pusher.sync()
    assert report.per_target["kota"]["failed"] == 8
    assert http_server.hits("/api/action/package_create") == BREAKER  # the rest were not even tried
    rows = list(store.iter_record_targets("kota"))
    assert len(rows) == 8 and all(r.status == "pending" and r.next_attempt_at for r in rows)
    assert "503" in rows[0].last_error
    assert all("s3cret" not in (r.last_error or "") for r in rows)


def test_stop_request_ends_the_run_and_leaves_the_rest(setup: tuple[Pusher, Store],
                                                       http_server: RecordedServer) -> None:
    pusher, store = setup
    stop = threading.Event()
    created = iter(range(100))

    def create(request: Any) -> Any:
        from tests.support.httpserver import Scripted

        body = json.loads(request.body)
        stop.set()  # SIGTERM arrives while the first dataset is being written
        return Scripted(ok({"id": f"id-{next(created)}", "name": body["name"],
                            "metadata_modified": "2025-01-01T00:00:00"}).encode())

    http_server.add("/api/action/package_create", handler=create)
    report = pusher.sync(stop=stop)
    assert report.per_target["kota"]["created"] == 1 and report.per_target["kota"]["interrupted"] == 7
    assert [r.status for r in store.iter_record_targets("kota")] == ["pushed"]


def test_big_first_push_is_looked_up_in_one_listing(tmp_path: Path, http_server: RecordedServer) -> None:
    pusher, store = make(tmp_path, http_server, 45)
    names = iter(range(1000))

    def create(request: Any) -> Any:
        from tests.support.httpserver import Scripted

        body = json.loads(request.body)
        return Scripted(ok({"id": f"id-{next(names)}", "name": body["name"],
                            "metadata_modified": "2025-01-01T00:00:00"}).encode())

    http_server.add("/api/action/package_create", handler=create)
    report = pusher.sync()
    assert report.per_target["kota"]["created"] == 45
    searches = [json.loads(r.body) for r in http_server.requests if r.path == "/api/action/package_search"]
    assert len(searches) == 1 and searches[0]["rows"] == 0  # the count said: nothing of ours is there
    assert searches[0]["fq"].startswith("sdi_harvest_uri:https\\:\\/\\/data.example.go.id\\/dataset\\/*")


def test_push_command_previews_then_pushes_stored_records(tmp_path: Path, http_server: RecordedServer,
                                                          monkeypatch: pytest.MonkeyPatch,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    """`harvester push`: --dry-run lists what would happen and writes nothing; a real run against a
    portal that answers 503 reports the failures per target and exits 3 (a target was unavailable)."""
    from harvester.cli import main

    _, store = make(tmp_path, http_server, 3)
    store.close()
    monkeypatch.setenv("URL", http_server.base_url)
    monkeypatch.setenv("TOKEN", "s3cret")
    argv = ["--config", str(tmp_path / "harvester.yaml"), "push"]
    with pytest.raises(SystemExit) as dry:
        main(argv + ["--dry-run", "katalog"])
    out = capsys.readouterr().out
    assert dry.value.code == 0 and "katalog: dry run" in out and "kota" in out and "create" in out, out
    assert http_server.hits("/api/action/package_create") == 0
    http_server.add("/api/action/package_create", "<html>Service Unavailable</html>", status=503)
    with pytest.raises(SystemExit) as real:
        main(argv + ["katalog"])
    out = capsys.readouterr().out
    assert real.value.code == 3, out
    assert "kota: failed=3" in out and "s3cret" not in out
    with pytest.raises(SystemExit) as usage:
        main(argv)
    assert usage.value.code == 2
