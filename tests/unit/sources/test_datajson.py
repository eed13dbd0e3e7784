"""The datajson source against a real local HTTP server."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from harvester.errors import SourceProtocolError, SourceUnavailable
from harvester.http import HttpClient, HttpPolicy
from harvester.sources.base import GatherContext
from harvester.sources.datajson import DataJsonOptions, DataJsonSource
from tests.support.httpserver import Request, Scripted

# Records per sample, from reading each file: entries of 'dataset' (+ nested catalogues, + a
# DCAT-US 3.0 series and its distinct members); entries with neither identifier nor title do not count.
EXPECTED = {
    "ckanext-dcat_catalog_pod.jsonld": 1,
    "datagov-harvester_cftc_3-datasets_data.json": 3,
    "datagov-harvester_cftc_data.json": 7,
    "datagov-harvester_dcatus3.0_complete_dataset_example.json": 1,  # a single dataset object
    "datagov-harvester_dcatus3_0.json": 4,
    "datagov-harvester_dcatus3_0_invalid.json": 2,
    "datagov-harvester_dcatus3_0_nested_catalog.json": 3,
    "datagov-harvester_dcatus3_0_series_with_members.json": 3,  # the series + 2 members
    "datagov-harvester_dcatus3_0_with_services.json": 1,  # 2 DataServices are not datasets
    "datagov-harvester_doi-usgs_long-description_data.json": 1,
    "datagov-harvester_duplicate-titles_data.json": 2,
    "datagov-harvester_missing-title_data.json": 1,
    "datagov-harvester_multiple-invalid_data.json": 1,
    "datagov-harvester_no-identifier_data.json": 1,
    "datagov-harvester_non-federal_single_data.json": 1,
    "datagov-harvester_oakgov_bad-license_data.json": 1,
    "datagov-harvester_untranslatable-spatial_data.json": 1,
    "datagov-harvester_wa-dol_ev-registrations_dataset.json": 1,  # a single dataset object
    "gsa_arm-gov_data.json": 3,
    "gsa_collection_1-parent-2-children_data.json": 3,
    "gsa_collection_2-parents-4-children_data.json": 6,
    "gsa_geospatial_conformsTo-iso_data.json": 2,
    "gsa_invalid_missing-catalog_data.json": 1,  # + an empty {} entry
    "gsa_invalid_missing-dataset-fields_data.json": 1,  # + an empty {} entry
    "gsa_invalid_missing-identifier-title_data.json": 3,
    "gsa_large-spatial-multipolygon_data.json": 1,
    "gsa_many-resources_data.json": 1,
    "gsa_null-spatial_data.json": 1,
    "gsa_numerical-title_data.json": 1,
    "gsa_reserved-title_data.json": 1,
    "gsa_usda-gov_data.json": 3,
    "satudata-acehprov_data.json_excerpt-12-datasets.json": 12,
}
SKIPPED = {"gsa_invalid_missing-catalog_data.json", "gsa_invalid_missing-dataset-fields_data.json"}


def make(url: str, *, policy: HttpPolicy | None = None, **options: Any) -> DataJsonSource:
    http = HttpClient(policy or HttpPolicy(retries=0, backoff=0.01, read_timeout=5), sleep=lambda s: None)
    return DataJsonSource("aceh", DataJsonOptions(url=url, **options), http)


def ctx(**kw: Any) -> GatherContext:
    return GatherContext(source_id="aceh", **kw)


def serve(server, body: Any, **kw: Any) -> str:
    server.add("/data.json", json.dumps(body) if not isinstance(body, (str, bytes)) else body,
               content_type=kw.pop("content_type", "application/json"), **kw)
    return server.url("/data.json")


def test_every_sample_is_listed(shared_data: Path) -> None:
    assert {p.name for p in (shared_data / "datajson").iterdir()} == set(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_shared_sample(name: str, http_server, shared_data: Path) -> None:
    http_server.add_file("/data.json", shared_data / "datajson" / name, "application/json")
    context = ctx()
    refs = list(make(http_server.url("/data.json")).gather(context))
    assert len(refs) == EXPECTED[name]
    assert len({r.remote_id for r in refs}) == len(refs)
    for ref in refs:
        obj = json.loads(ref.payload)
        assert isinstance(obj, dict) and ref.media_type == "application/json"
    codes = [i.code for i in context.issues]
    assert ("GATHER-NO-ID" in codes) == (name in SKIPPED)
    assert context.complete


def test_aceh_excerpt_identity_and_payload(http_server, shared_data: Path) -> None:
    path = shared_data / "datajson" / "satudata-acehprov_data.json_excerpt-12-datasets.json"
    http_server.add_file("/data.json", path, "application/json")
    refs = list(make(http_server.url("/data.json")).gather(ctx()))
    first = json.loads(path.read_text(encoding="utf-8"))["dataset"][0]
    assert refs[0].remote_id == "ebd7c2d0-524b-4368-aac3-889403920290" and not refs[0].id_is_fallback
    assert json.loads(refs[0].payload) == first  # the dataset object, nothing of the catalogue
    assert refs[0].modified == first["modified"] and refs[0].url == http_server.url("/data.json")


def test_identity_rules(http_server) -> None:
    url = serve(http_server, {"dataset": [
        {"identifier": "plain", "title": "A"},
        {"identifier": {"@type": "Identifier", "notation": "NOTATION-1"}, "title": "B"},
        {"@id": "https://example.go.id/ds/c", "title": "C"},
        {"title": "Only a title"},
        {"title": 707},
        {"description": "nothing to identify me"},
        {"identifier": "plain", "title": "duplicate"},
        "not an object",
    ]})
    context = ctx()
    refs = list(make(url).gather(context))
    assert [(r.remote_id, r.id_is_fallback) for r in refs] == [
        ("plain", False), ("NOTATION-1", False), ("https://example.go.id/ds/c", False),
        ("Only a title", True), ("707", True)]
    assert sorted(i.code for i in context.issues) == ["GATHER-DUPLICATE-ID", "GATHER-NO-ID", "GATHER-NOT-OBJECT"]
    assert all("aceh" in i.message and i.location == url for i in context.issues)


def test_series_members_and_nested_catalogues(http_server, shared_data: Path) -> None:
    series = shared_data / "datajson" / "datagov-harvester_dcatus3_0_series_with_members.json"
    http_server.add_file("/data.json", series, "application/json")
    refs = list(make(http_server.url("/data.json")).gather(ctx()))
    assert [(r.remote_id, dict(r.meta).get("in_series")) for r in refs] == [
        ("https://example.gov/series/annual-report", None),
        ("https://example.gov/datasets/annual-report-2023", "https://example.gov/series/annual-report"),
        ("https://example.gov/datasets/annual-report-2024", "https://example.gov/series/annual-report")]
    no_series = list(make(http_server.url("/data.json"), include_series=False).gather(ctx()))
    assert len(no_series) == 2

    http_server.add_file("/nested.json", shared_data / "datajson" / "datagov-harvester_dcatus3_0_nested_catalog.json",
                         "application/json")
    refs = list(make(http_server.url("/nested.json")).gather(ctx()))
    assert [r.remote_id.rsplit("/", 1)[1] for r in refs] == ["nested-parent", "nested-child", "nested-grandchild"]


def test_bare_list_is_accepted(http_server) -> None:
    url = serve(http_server, [{"identifier": "a", "title": "A"}, {"identifier": "b", "title": "B"}])
    assert [r.remote_id for r in make(url).gather(ctx())] == ["a", "b"]


def test_limit(http_server) -> None:
    url = serve(http_server, {"dataset": [{"identifier": str(i)} for i in range(5)]})
    context = ctx(max_items=2)
    assert len(list(make(url).gather(context))) == 2 and not context.complete


@pytest.mark.parametrize(("body", "content_type", "message"), [
    ("<!DOCTYPE html><html><body>Masuk</body></html>", "text/html", "expected JSON but got an HTML page"),
    ('{"dataset": [{"identifier": "a",}]}', "application/json", r"not valid JSON: .* line 1 column 33"),
    (b'{"dataset": [{"title": "\xff"}]}', "application/json", r"not valid UTF-8: byte 24"),
    ('{"@type": "dcat:Catalog", "x": 1}', "application/json", "no 'dataset' list"),
    ('{"dataset": {"identifier": "a"}}', "application/json", "'dataset' is a JSON dict, not a list"),
    ('"just a string"', "application/json", "not a catalogue"),
    ("", "application/json", "empty"),
])
def test_unusable_catalogue_is_a_protocol_error(body: Any, content_type: str, message: str, http_server) -> None:
    url = serve(http_server, body, content_type=content_type)
    with pytest.raises(SourceProtocolError, match=message) as err:
        list(make(url).gather(ctx()))
    assert err.value.url == url and "aceh" in str(err.value)


def test_unreachable_catalogue(http_server) -> None:
    url = serve(http_server, "{}", status=502)
    with pytest.raises(SourceUnavailable, match="502"):
        list(make(url).gather(ctx()))
    http_server.add("/cut.json", b'{"dataset": []}', truncate=True)
    with pytest.raises(SourceUnavailable, match="truncated"):
        list(make(http_server.url("/cut.json")).gather(ctx()))


def test_unchanged_catalogue_is_not_parsed(http_server) -> None:
    def handle(req: Request) -> Scripted:
        if req.headers.get("If-Modified-Since") == "Wed, 01 May 2024 00:00:00 GMT":
            return Scripted(b"", 304)
        return Scripted(b'{"dataset": [{"identifier": "a"}]}', 200,
                        {"Last-Modified": "Wed, 01 May 2024 00:00:00 GMT", "Content-Type": "application/json"})

    http_server.add("/data.json", handler=handle)
    first = ctx()
    assert len(list(make(http_server.url("/data.json")).gather(first))) == 1
    second = ctx(validators=first.validators)
    assert list(make(http_server.url("/data.json")).gather(second)) == []
    assert second.unchanged_pages == [http_server.url("/data.json")] and second.complete
