"""CkanTarget over real sockets (the scripted ``http_server``): error translation, retries, throttle,
lookups and the show-modify-update write. Behaviour against a real CKAN is in tests/integration."""

from __future__ import annotations

import json
from typing import Any

import pytest

from harvester.errors import ConfigError, TargetRejected, TargetUnavailable
from harvester.mapping.codelists import CodeLists
from harvester.targets.base import LookupKey, NameTaken, Organisation, PushOptions
from harvester.targets.ckan import CkanTarget, merge_resources, remote_dataset
from tests.support.httpserver import RecordedServer
from tests.unit.targets.support import dataset, target

FAST = {"retries": 2, "backoff": 0.01, "max_backoff": 0.05, "connect_timeout": 2, "read_timeout": 5}


@pytest.fixture(scope="module")
def codelists() -> CodeLists:
    return CodeLists.load()


def ok(result: Any) -> str:
    return json.dumps({"success": True, "result": result})


def err(kind: str, **fields: Any) -> str:
    return json.dumps({"success": False, "error": {"__type": kind, **fields}})


def make(server: RecordedServer, codelists: CodeLists, **cfg: Any) -> CkanTarget:
    return CkanTarget("kota", target("city", url=server.base_url, http=FAST, **cfg), codelists)


def package(**changes: Any) -> dict[str, Any]:
    pkg = {"id": "pkg-1", "name": "penduduk", "state": "active", "private": False,
           "metadata_modified": "2025-01-01T00:00:00.000001", "extras": [], "resources": []}
    pkg.update(changes)
    return pkg


def posted(server: RecordedServer, action: str) -> list[dict[str, Any]]:
    return [json.loads(r.body) for r in server.requests if r.path == f"/api/action/{action}" and r.method == "POST"]


def test_validation_error_is_rejected_verbatim(http_server: RecordedServer, codelists: CodeLists) -> None:
    details = {"sdi_konsep": ["Missing value"], "name": ["Must be purely lowercase alphanumeric"]}
    http_server.add("/api/action/package_create", err("Validation Error", **details), status=409,
                    content_type="application/json")
    ckan = make(http_server, codelists)
    with pytest.raises(TargetRejected) as info:
        ckan.push(dataset(), PushOptions(Organisation("dinkes", "Dinkes"), "penduduk"), existing=None)
    assert info.value.details == {"__type": "Validation Error", **details}
    assert info.value.target == "kota" and "sdi_konsep" in str(info.value)


def test_name_in_use_is_name_taken(http_server: RecordedServer, codelists: CodeLists) -> None:
    http_server.add("/api/action/package_create", err("Validation Error", name=["That URL is already in use."]),
                    status=409, content_type="application/json")
    with pytest.raises(NameTaken):
        make(http_server, codelists).push(dataset(), PushOptions(Organisation("o", "O"), "penduduk"), existing=None)


def test_anonymous_not_authorized_is_a_config_error(http_server: RecordedServer, codelists: CodeLists) -> None:
    http_server.add("/api/action/package_create", err(
        "Authorization Error", message="Access denied: User  not authorized to create packages"), status=403)
    with pytest.raises(ConfigError, match="token"):
        make(http_server, codelists).push(dataset(), PushOptions(Organisation("o", "O"), "n1"), existing=None)


def test_named_not_authorized_is_record_level(http_server: RecordedServer, codelists: CodeLists) -> None:
    http_server.add("/api/action/package_create", err(
        "Authorization Error", message="User harvester not authorized to add dataset to this organization"),
        status=403)
    with pytest.raises(TargetRejected, match="not authorized"):
        make(http_server, codelists).push(dataset(), PushOptions(Organisation("o", "O"), "n1"), existing=None)


def test_5xx_on_a_write_is_unavailable_and_slows_down(http_server: RecordedServer, codelists: CodeLists) -> None:
    http_server.add("/api/action/package_patch", "<html>Bad Gateway</html>", status=502)
    ckan = make(http_server, codelists)
    with pytest.raises(TargetUnavailable, match="502"):
        ckan.withdraw("pkg-1", mode="private")
    assert http_server.hits("/api/action/package_patch") == 1  # a POST is not retried after a 5xx
    assert ckan.throttle.gap > 0
    gap = ckan.throttle.gap
    ckan.throttle.record(200)
    assert ckan.throttle.gap < gap  # successes speed it up again


def test_reads_are_retried_on_5xx(http_server: RecordedServer, codelists: CodeLists) -> None:
    http_server.add("/api/action/package_show", "busy", status=503)
    http_server.add("/api/action/package_show", ok(package()), content_type="application/json")
    found = make(http_server, codelists).show("pkg-1")
    assert found is not None and found.ref.id == "pkg-1"
    assert http_server.hits("/api/action/package_show") == 2


def test_429_retry_after_is_honoured_for_writes(http_server: RecordedServer, codelists: CodeLists) -> None:
    http_server.add("/api/action/package_create", "slow down", status=429, headers={"Retry-After": "0"})
    http_server.add("/api/action/package_create", ok(package(name="penduduk")), content_type="application/json")
    ref = make(http_server, codelists).push(dataset(), PushOptions(Organisation("o", "O"), "penduduk"), existing=None)
    assert ref.id == "pkg-1" and http_server.hits("/api/action/package_create") == 2


def test_connection_refused_is_unavailable(codelists: CodeLists) -> None:
    ckan = CkanTarget("kota", target("city", url="http://127.0.0.1:9", http=FAST), codelists)
    with pytest.raises(TargetUnavailable):
        ckan.preflight()


def test_preflight_picks_the_flavour(http_server: RecordedServer, codelists: CodeLists) -> None:
    http_server.add("/api/action/status_show", ok({"ckan_version": "2.12.0", "extensions": ["dcat"]}))
    info = make(http_server, codelists, profile="sdi").preflight()
    assert info.flavour == "plain" and info.notes  # no scheming: SDI fields go to extras, and we say so
    http_server.add("/api/action/status_show", ok({"ckan_version": "2.12.0", "extensions": ["scheming_datasets"]}))
    assert make(http_server, codelists, profile="sdi").preflight().flavour == "scheming"


def test_find_checks_identities_exactly(http_server: RecordedServer, codelists: CodeLists) -> None:
    uri = "https://data.example.go.id/dataset/a"
    results = [
        # a phrase query also matches longer URIs: must not be taken for ours
        package(id="p-longer", name="a-longer", extras=[{"key": "sdi_harvest_uri", "value": uri + "-b"}]),
        package(id="p-ours", name="whatever", extras=[{"key": "uri", "value": uri}]),
        package(id="p-free", name="free-name"),
        package(id="p-foreign", name="taken-name", sdi_harvest_uri="https://elsewhere/x"),
    ]
    http_server.add("/api/action/package_search", ok({"count": len(results), "results": results}))
    keys = [LookupKey(uri, "A-1", "a"), LookupKey("https://x/none", None, "free-name"),
            LookupKey("https://x/other", None, "taken-name")]
    found = make(http_server, codelists).find(keys)
    assert found[keys[0]].ref.id == "p-ours"
    assert found[keys[1]].ref.id == "p-free"  # name match, carries no identity: adoptable
    assert keys[2] not in found  # name match, but it is another harvest's dataset
    query = posted(http_server, "package_search")[0]
    assert f'sdi_harvest_uri:"{uri}"' in query["fq"] and 'name:"free-name"' in query["fq"]
    assert query["include_private"] is True


def test_find_by_plain_identifier_only_within_the_organisation(http_server: RecordedServer,
                                                              codelists: CodeLists) -> None:
    results = [
        package(id="p-elsewhere", name="x1", identifier="DKT-1", organization={"name": "other-org"}),
        package(id="p-hand-made", name="x2", extras=[{"key": "identifier", "value": "DKT-1"}],
                organization={"name": "kota"}),
    ]
    http_server.add("/api/action/package_search", ok({"count": 2, "results": results}))
    ours = LookupKey("https://data.example.go.id/dataset/1", "DKT-1", "nomatch", "kota")
    theirs = LookupKey("https://data.example.go.id/dataset/2", "DKT-1", "nomatch", "dinkes")
    found = make(http_server, codelists).find([ours, theirs])
    assert found[ours].ref.id == "p-hand-made" and theirs not in found
    fq = posted(http_server, "package_search")[0]["fq"]
    assert '(identifier:"DKT-1" AND organization:"kota")' in fq


BASE = "https://data.example.go.id/dataset/"
PREFIX_FQ = ("sdi_harvest_uri:https\\:\\/\\/data.example.go.id\\/dataset\\/* OR "
             "uri:https\\:\\/\\/data.example.go.id\\/dataset\\/* OR "
             "identifier:https\\:\\/\\/data.example.go.id\\/dataset\\/* OR "
             "(organization:\"kota\" AND -sdi_harvest_uri:[* TO *])")


def keys(n: int) -> list[LookupKey]:
    return [LookupKey(f"{BASE}{i}", f"D-{i}", f"name-{i}", "kota") for i in range(n)]


def test_prefetch_nothing_there_costs_one_count(http_server: RecordedServer, codelists: CodeLists) -> None:
    http_server.add("/api/action/package_search", ok({"count": 0, "results": []}))
    assert make(http_server, codelists).prefetch(keys(100)) == {}
    (count,) = posted(http_server, "package_search")
    assert count["rows"] == 0 and count["fq"] == PREFIX_FQ


def test_prefetch_few_keys_then_looks_them_up_precisely(http_server: RecordedServer, codelists: CodeLists) -> None:
    http_server.add("/api/action/package_search", ok({"count": 7, "results": []}))
    http_server.add("/api/action/package_search", ok({"count": 1, "results": [package(id="p-name", name="name-2")]}))
    found = make(http_server, codelists).prefetch(keys(3))
    assert found is not None and {k.name: v.ref.id for k, v in found.items()} == {"name-2": "p-name"}
    assert 'name:"name-2"' in posted(http_server, "package_search")[1]["fq"]


def test_prefetch_many_keys_downloads_the_bounded_set(http_server: RecordedServer, codelists: CodeLists) -> None:
    candidates = [package(id="p1", name="x", sdi_harvest_uri=f"{BASE}1"),
                  package(id="p-name", name="name-2")]  # same name, no identity: left to NameTaken
    http_server.add("/api/action/package_search", ok({"count": 2, "results": []}))
    http_server.add("/api/action/package_search", ok({"count": 2, "results": candidates}))
    found = make(http_server, codelists).prefetch(keys(45))
    assert found is not None and {k.uri: v.ref.id for k, v in found.items()} == {f"{BASE}1": "p1"}
    count, page = posted(http_server, "package_search")
    assert page["rows"] == 1000 and page["fq"] == count["fq"] == PREFIX_FQ


def test_prefetch_declines_when_unbounded(http_server: RecordedServer, codelists: CodeLists) -> None:
    ckan = make(http_server, codelists)
    mixed = [LookupKey("https://a.example/ds/1", None, "a", None), LookupKey("https://b.example/ds/2", None, "b", None)]
    assert ckan.prefetch(mixed) is None and http_server.hits("/api/action/package_search") == 0
    http_server.add("/api/action/package_search", ok({"count": 5000, "results": []}))
    assert ckan.prefetch(keys(45)) is None and http_server.hits("/api/action/package_search") == 1


def test_update_keeps_resource_ids_name_and_groups(http_server: RecordedServer, codelists: CodeLists) -> None:
    current = package(name="old-name", groups=[{"name": "kesehatan", "id": "g1"}], state="deleted", resources=[
        {"id": "r-csv", "url": "https://data.example.go.id/penduduk.csv", "name": "CSV"},
        {"id": "r-old", "url": "https://data.example.go.id/gone.pdf"},
    ])
    http_server.add("/api/action/package_update", ok(package(name="old-name", metadata_modified="2025-02-02T00:00:00")))
    ckan = make(http_server, codelists)
    ref = ckan.push(dataset(), PushOptions(Organisation("dinkes", "Dinkes"), "new-name"),
                    existing=remote_dataset(current))
    body = posted(http_server, "package_update")[0]
    assert body["id"] == "pkg-1" and body["name"] == "old-name"  # never renamed
    assert [r.get("id") for r in body["resources"]] == ["r-csv"]
    assert body["groups"] == [{"name": "kesehatan"}] and body["state"] == "active"
    assert body["owner_org"] == "dinkes"
    assert ref.modified == "2025-02-02T00:00:00"


def test_metadata_only_push_sends_no_resources(http_server: RecordedServer, codelists: CodeLists) -> None:
    http_server.add("/api/action/package_create", ok(package()))
    make(http_server, codelists).push(dataset(), PushOptions(Organisation("o", "O"), "n1", metadata_only=True),
                                      existing=None)
    assert posted(http_server, "package_create")[0]["resources"] == []


def test_merge_resources_matching_order() -> None:
    current = [{"id": "1", "url": "u1", "uri": "d1"}, {"id": "2", "url": "u2"}, {"id": "3", "url": "u3", "name": "N"},
               {"id": "4", "url": "u4"}]
    new = [{"url": "u2"}, {"url": "moved", "uri": "d1"}, {"url": "u9", "name": "N"}, {"url": "brand-new"},
           {"url": "one-too-many"}]
    merged = merge_resources(current, new)
    assert [r.get("id") for r in merged] == ["2", "1", "3", "4", None]


def test_missing_organisation_is_created_only_when_allowed(http_server: RecordedServer, codelists: CodeLists) -> None:
    http_server.add("/api/action/organization_show", err("Not Found Error", message="Not found"), status=404)
    http_server.add("/api/action/organization_create", ok({"id": "o1", "name": "dinkes"}))
    ckan = make(http_server, codelists)
    with pytest.raises(TargetRejected, match="create_missing"):
        ckan.ensure_organisation(Organisation("dinkes", "Dinas Kesehatan", create_missing=False))
    assert http_server.hits("/api/action/organization_create") == 0
    ckan.ensure_organisation(Organisation("dinkes", "Dinas Kesehatan", create_missing=True))
    assert posted(http_server, "organization_create") == [{"name": "dinkes", "title": "Dinas Kesehatan"}]
