"""/api/sdi/datasets (SDI JSON, paged) and the OpenAPI description."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import yaml

from harvester.feed.app import FeedApp
from tests.unit.feed.records import Seeded
from tests.unit.feed.wsgi_client import call

SCHEMA = json.loads((Path(__file__).resolve().parents[3] / "mappings/schema/sdi-record.schema.json").read_text())


def test_pages_hold_every_public_record_as_valid_sdi_json(app: FeedApp, seeded: Seeded) -> None:
    visible = seeded.visible()
    url: str | None = "/api/sdi/datasets"
    records, pages = [], []
    while url:
        reply = call(app, url)
        assert reply.status == 200 and reply.header("content-type").startswith("application/json")
        doc = reply.json()
        pages.append(doc)
        records.extend(doc["data"])
        url = doc["links"].get("next", "").replace("http://feed.test", "") or None
    assert [r["id_dataset"] for r in records] == [e.dataset.identifier for e in visible]
    validator = jsonschema.Draft202012Validator(SCHEMA)
    for record in records:
        assert not list(validator.iter_errors(record)), record["id_dataset"]
        assert record["akses"] == "TERBUKA"
    assert pages[0]["meta"] == {"page": 1, "per_page": 5, "total": len(visible), "pages": len(pages)}
    assert pages[1]["links"]["prev"] == "http://feed.test/api/sdi/datasets?page=1"
    assert pages[-1]["links"]["last"] == f"http://feed.test/api/sdi/datasets?page={len(pages)}"
    third = call(app, "/api/sdi/datasets?page=3").json()
    assert [r["id_dataset"] for r in third["data"]] == [e.dataset.identifier for e in visible[10:15]]


def test_filters_and_single_record(app: FeedApp, seeded: Seeded) -> None:
    doc = call(app, "/api/sdi/datasets?kode_wilayah=35.71").json()
    assert [r["cakupan"] for r in doc["data"]] == [["35.71"]]
    one = call(app, "/api/sdi/datasets/daftar-data-opd/opd%2F2024%20tabel%201")
    entry = next(e for e in seeded.entries if e.remote_id == "opd/2024 tabel 1")
    assert one.status == 200 and one.json()["judul"] == entry.dataset.title
    assert one.json()["uri"] == entry.dataset.uri
    assert call(app, "/api/sdi/datasets/dinkes-sipd/tertutup-1").status == 404
    assert call(app, "/api/sdi/datasets/dinkes-sipd/dihapus-1").status == 410
    by_uri = call(app, "/api/sdi/datasets?uri=" + entry.dataset.uri.replace("%", "%25"))
    assert by_uri.json()["id_dataset"] == entry.dataset.identifier


def test_openapi_describes_every_route(app: FeedApp) -> None:
    as_json = call(app, "/openapi.json")
    as_yaml = call(app, "/openapi.yaml")
    assert as_json.header("content-type").startswith("application/json")
    assert as_yaml.header("content-type").startswith("application/yaml")
    doc = as_json.json()
    assert yaml.safe_load(as_yaml.body) == doc
    assert doc["openapi"].startswith("3.1") and doc["servers"] == [{"url": "http://feed.test"}]
    paths = doc["paths"]
    for path in ("/catalog", "/catalog.{format}", "/catalog/changes", "/dataset/{source_id}/{remote_id}", "/dataset",
                 "/api/sdi/datasets", "/api/sdi/datasets/{source_id}/{remote_id}", "/healthz", "/openapi.json"):
        assert "get" in paths[path], path
    # every documented path answers (with example values filled in)
    fill = {"{format}": "ttl", "{source_id}": "dinkes-sipd", "{remote_id}": "1.02.01.0001"}
    for path in paths:
        concrete = path
        for key, value in fill.items():
            concrete = concrete.replace(key, value)
        status = call(app, concrete + ("?uri=x" if concrete == "/dataset" else "")).status
        assert status in (200, 404) and (status == 200 or concrete == "/dataset"), concrete
    params = {p["name"] for p in paths["/catalog"]["get"]["parameters"]}
    assert {"page", "after", "modified_since", "publisher", "theme", "kode_wilayah", "source"} <= params
    for ref_holder in (paths["/api/sdi/datasets"]["get"]["responses"]["200"]["content"]["application/json"]["schema"],):
        assert ref_holder["$ref"].split("/")[-1] in doc["components"]["schemas"]
    assert call(app, "/openapi.xml").status == 404
