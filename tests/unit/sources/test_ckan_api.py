"""The ckan source against a real local HTTP server (tests/support/httpserver.py)."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from harvester.errors import RecordInvalid, RecordSkipped, SourceProtocolError, SourceUnavailable
from harvester.http import HttpClient, HttpPolicy
from harvester.model.record import RemoteRef
from harvester.sources.base import GatherContext
from harvester.sources.ckan_api import CkanOptions, CkanSource
from tests.support.httpserver import Request, Scripted

SEARCH = "/api/3/action/package_search"
LIST = "/api/3/action/package_list"
SHOW = "/api/3/action/package_show"


def pkg(n: int, **extra: Any) -> dict[str, Any]:
    return {"id": f"id-{n}", "name": f"name-{n}", "title": f"Dataset {n}",
            "metadata_modified": f"2024-05-0{n}T10:00:00.000000", "state": "active", **extra}


def envelope(result: Any, **extra: Any) -> str:
    return json.dumps({"help": "http://x/api/3/action/help_show?name=package_search", "success": True,
                       "result": result, **extra})


def page(packages: list[dict[str, Any]], count: int) -> str:
    return envelope({"count": count, "results": packages, "facets": {}})


class FakeSleep:
    def __init__(self) -> None:
        self.calls: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.calls.append(seconds)


def make(server, *, sleep=None, policy: HttpPolicy | None = None, **options: Any) -> CkanSource:
    http = HttpClient(policy or HttpPolicy(retries=0, backoff=0.01, read_timeout=5), sleep=sleep or FakeSleep())
    return CkanSource("city", CkanOptions(url=server.base_url, **options), http)


def ctx(**kw: Any) -> GatherContext:
    cursors: list[dict[str, Any]] = []
    context = GatherContext(source_id="city", on_page=cursors.append, **kw)
    context.cursors = cursors  # type: ignore[attr-defined]
    return context


def search_requests(server) -> list[Request]:
    return [r for r in server.requests if r.path == SEARCH]


def serve_pages(server, pages: list[list[dict[str, Any]]], rows: int, count: int | None = None) -> None:
    total = count if count is not None else sum(len(p) for p in pages)
    for i, packages in enumerate(pages):
        server.add(SEARCH, page(packages, total), content_type="application/json", query={"start": str(i * rows)})


# -- listing -----------------------------------------------------------------------------------

def test_pages_through_package_search_sorted_by_modification(http_server) -> None:
    serve_pages(http_server, [[pkg(1), pkg(2)], [pkg(3), pkg(4)], [pkg(5)]], rows=2)
    source = make(http_server, rows=2)
    context = ctx()
    refs = list(source.gather(context))

    assert [r.remote_id for r in refs] == ["id-1", "id-2", "id-3", "id-4", "id-5"]
    assert json.loads(refs[2].payload) == pkg(3)
    assert refs[2].media_type == "application/json"
    assert refs[2].modified == "2024-05-03T10:00:00.000000"
    assert "start=2" in refs[2].url and refs[2].url.startswith(http_server.base_url + SEARCH)
    reqs = search_requests(http_server)
    assert [r.query["start"][0] for r in reqs] == ["0", "2", "4"]  # stops at count, no 4th request
    assert reqs[0].query["sort"] == ["metadata_modified asc,id asc"]
    assert reqs[0].query["rows"] == ["2"] and "fq" not in reqs[0].query
    assert context.cursors == [{"mode": "search", "start": 2, "since": None},  # type: ignore[attr-defined]
                               {"mode": "search", "start": 4, "since": None},
                               {"mode": "search", "start": 5, "since": None}]
    assert context.complete and not context.issues


def test_empty_catalogue_is_a_complete_empty_listing(http_server) -> None:
    serve_pages(http_server, [[]], rows=100, count=0)
    context = ctx()
    assert list(make(http_server).gather(context)) == []
    assert context.complete and len(search_requests(http_server)) == 1


def test_stops_on_empty_page_when_count_is_missing(http_server) -> None:
    http_server.add(SEARCH, envelope({"results": [pkg(1)]}), query={"start": "0"})
    http_server.add(SEARCH, envelope({"results": []}), query={"start": "1"})
    refs = list(make(http_server, rows=1).gather(ctx()))
    assert [r.remote_id for r in refs] == ["id-1"] and len(search_requests(http_server)) == 2


def test_incremental_filter_uses_checkpoint_minus_lag_and_checkpoint_is_start_time(http_server) -> None:
    serve_pages(http_server, [[pkg(1)]], rows=100)
    source = make(http_server, lag_minutes=90, organizations=["dinas-kesehatan"], tags=["air bersih"])
    list(source.gather(ctx(checkpoint={"since": "2024-05-01T10:00:00Z"})))
    fq = search_requests(http_server)[0].query["fq"][0]
    assert fq == ('+organization:("dinas-kesehatan") +tags:("air bersih") '
                  "+metadata_modified:[2024-05-01T08:30:00Z TO *]")
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", source.checkpoint()["since"])


def test_full_run_ignores_checkpoint_and_user_fq_is_made_mandatory(http_server) -> None:
    serve_pages(http_server, [[pkg(1)]], rows=100)
    context = ctx(checkpoint={"since": "2024-05-01T10:00:00Z"}, full=True)
    list(make(http_server, fq="res_format:CSV", q="air").gather(context))
    query = search_requests(http_server)[0].query
    assert query["fq"] == ["+(res_format:CSV)"] and query["q"] == ["air"]


def test_include_private_and_deleted_are_requested_only_when_configured(http_server) -> None:
    serve_pages(http_server, [[pkg(1)]], rows=100)
    list(make(http_server).gather(ctx()))
    list(make(http_server, include_private=True, include_deleted=True).gather(ctx()))
    plain, configured = (r.query for r in search_requests(http_server))
    assert "include_private" not in plain and "include_deleted" not in plain
    assert configured["include_private"] == ["true"] and configured["include_deleted"] == ["true"]


def test_resume_continues_from_cursor(http_server) -> None:
    serve_pages(http_server, [[pkg(1), pkg(2)], [pkg(3), pkg(4)], [pkg(5)]], rows=2)
    refs = list(make(http_server, rows=2).gather(ctx(resume={"mode": "search", "start": 2,
                                                             "since": "2024-01-01T00:00:00Z"})))
    assert [r.remote_id for r in refs] == ["id-3", "id-4", "id-5"]
    first = search_requests(http_server)[0].query
    assert first["start"] == ["2"] and first["fq"] == ["+metadata_modified:[2024-01-01T00:00:00Z TO *]"]


def test_limit_stops_without_requesting_further_pages(http_server) -> None:
    serve_pages(http_server, [[pkg(1), pkg(2)], [pkg(3), pkg(4)], [pkg(5)]], rows=2)
    context = ctx(max_items=3)
    refs = list(make(http_server, rows=2).gather(context))
    assert [r.remote_id for r in refs] == ["id-1", "id-2", "id-3"]
    assert len(search_requests(http_server)) == 2
    assert not context.complete

    http_server.requests.clear()
    context = ctx(max_items=2)
    assert len(list(make(http_server, rows=2).gather(context))) == 2
    assert len(search_requests(http_server)) == 1 and not context.complete


def test_package_moved_between_pages_is_listed_once(http_server) -> None:
    serve_pages(http_server, [[pkg(1), pkg(2)], [pkg(2), pkg(3)]], rows=2, count=4)
    refs = list(make(http_server, rows=2).gather(ctx()))
    assert [r.remote_id for r in refs] == ["id-1", "id-2", "id-3"]


def test_deleted_state_and_name_fallback_and_bad_entries(http_server) -> None:
    nameless = {"title": "Tanpa nama"}
    no_id = {"name": "only-name", "state": "deleted"}
    serve_pages(http_server, [[pkg(1, state="Deleted"), nameless, "junk", no_id]], rows=10)
    context = ctx()
    refs = list(make(http_server, rows=10).gather(context))
    assert [(r.remote_id, r.deleted) for r in refs] == [("id-1", True), ("only-name", True)]
    codes = sorted(i.code for i in context.issues)
    assert codes == ["GATHER-NO-ID", "GATHER-NOT-OBJECT"]
    assert "Tanpa nama" in next(i.message for i in context.issues if i.code == "GATHER-NO-ID")
    assert context.complete  # a skipped unidentifiable entry does not block deletions


def test_catalogue_shrinking_while_paging_marks_listing_incomplete(http_server) -> None:
    http_server.add(SEARCH, page([pkg(1), pkg(2)], 4), query={"start": "0"})
    http_server.add(SEARCH, page([pkg(4)], 3), query={"start": "2"})
    context = ctx()
    assert len(list(make(http_server, rows=2).gather(context))) == 3
    assert not context.complete and context.issues[0].code == "CKAN-LISTING-SHRANK"


def test_repeated_page_stops_paging_with_a_warning(http_server) -> None:
    body = page([pkg(1), pkg(2)], 10)
    http_server.add(SEARCH, body, query={"start": "0"})
    http_server.add(SEARCH, body, query={"start": "2"})
    context = ctx()
    assert len(list(make(http_server, rows=2).gather(context))) == 2
    assert len(search_requests(http_server)) == 2
    assert [i.code for i in context.issues] == ["GATHER-REPEATED-PAGE"]


def test_max_pages_marks_listing_incomplete(http_server) -> None:
    serve_pages(http_server, [[pkg(1)], [pkg(2)], [pkg(3)]], rows=1)
    context = ctx()
    assert len(list(make(http_server, rows=1, max_pages=2).gather(context))) == 2
    assert not context.complete and context.issues[0].code == "GATHER-MAX-PAGES"


# -- failures ----------------------------------------------------------------------------------

def test_success_false_names_action_and_message(http_server) -> None:
    http_server.add(SEARCH, json.dumps({"success": False, "error": {"__type": "Search Query Error",
                                                                    "message": "Invalid search query"}}),
                    status=409)
    with pytest.raises(SourceProtocolError) as err:
        list(make(http_server).gather(ctx()))
    assert "package_search" in str(err.value) and "Invalid search query" in str(err.value)
    assert "city" in str(err.value)


def test_html_login_page_is_a_protocol_error(http_server) -> None:
    http_server.add(SEARCH, "<!DOCTYPE html><html><body><form>Login</form></body></html>", content_type="text/html")
    with pytest.raises(SourceProtocolError, match="expected JSON but got an HTML page"):
        list(make(http_server).gather(ctx()))


def test_invalid_utf8_names_the_byte(http_server) -> None:
    body = b'{"success": true, "result": {"count": 1, "results": [{"id": "a", "title": "Caf\xe9"}]}}'
    http_server.add(SEARCH, body, content_type="application/json; charset=utf-8")
    with pytest.raises(SourceProtocolError, match=r"not valid UTF-8: byte \d+"):
        list(make(http_server).gather(ctx()))


def test_declared_latin1_charset_is_honoured(http_server) -> None:
    http_server.add(SEARCH, '{"success": true, "result": {"count": 1, "results": [{"id": "a", "title": "Caf\u00e9"}]}}'
                    .encode("latin-1"),
                    content_type="application/json; charset=ISO-8859-1")
    refs = list(make(http_server).gather(ctx()))
    assert json.loads(refs[0].payload)["title"] == "Caf\u00e9"


def test_malformed_json_names_the_position(http_server) -> None:
    http_server.add(SEARCH, '{"success": true, "result": {"count": 1, "results": [}', content_type="application/json")
    with pytest.raises(SourceProtocolError, match=r"not valid JSON: .* line 1 column 54"):
        list(make(http_server).gather(ctx()))


def test_first_page_5xx_is_unavailable_and_later_page_5xx_keeps_earlier_records(http_server) -> None:
    http_server.add(SEARCH, "oops", status=503, query={"start": "0"})
    with pytest.raises(SourceUnavailable, match="503"):
        list(make(http_server, rows=1).gather(ctx()))

    http_server.add(SEARCH, page([pkg(1)], 3), query={"start": "0"})
    http_server.routes[-1].responses = http_server.routes[-1].responses[-1:]
    http_server.add(SEARCH, "oops", status=500, query={"start": "1"})
    context = ctx()
    refs = list(make(http_server, rows=1).gather(context))
    assert [r.remote_id for r in refs] == ["id-1"]
    assert not context.complete
    issue = context.issues[0]
    assert issue.code == "GATHER-PAGE-FAILED" and "start=1" in issue.location and "city" in issue.message


def test_429_and_503_retry_after_is_honoured(http_server) -> None:
    http_server.add(SEARCH, "slow down", status=429, headers={"Retry-After": "2"})
    http_server.add(SEARCH, "busy", status=503, headers={"Retry-After": "1"})
    http_server.add(SEARCH, page([pkg(1)], 1))
    sleep = FakeSleep()
    source = make(http_server, sleep=sleep, policy=HttpPolicy(retries=3, backoff=0.01, max_backoff=30))
    assert [r.remote_id for r in source.gather(ctx())] == ["id-1"]
    assert sleep.calls == [2.0, 1.0]


def test_timeout_on_first_page_is_unavailable(http_server) -> None:
    http_server.add(SEARCH, page([pkg(1)], 1), delay=1.0)
    source = make(http_server, policy=HttpPolicy(retries=0, read_timeout=0.2))
    with pytest.raises(SourceUnavailable, match="timed out|Timeout"):
        list(source.gather(ctx()))


def test_truncated_body_is_unavailable(http_server) -> None:
    http_server.add(SEARCH, page([pkg(1)], 1), truncate=True)
    with pytest.raises(SourceUnavailable, match="truncated"):
        list(make(http_server).gather(ctx()))


# -- conditional GET ---------------------------------------------------------------------------

def _etag_handler(body: str, etag: str):
    def handle(req: Request) -> Scripted:
        if req.headers.get("If-None-Match") == etag:
            return Scripted(b"", 304, {"ETag": etag})
        return Scripted(body.encode(), 200, {"ETag": etag, "Content-Type": "application/json"})
    return handle


def test_unchanged_pages_are_skipped_using_the_remembered_cursor(http_server) -> None:
    http_server.add(SEARCH, handler=_etag_handler(page([pkg(1)], 2), '"p0"'), query={"start": "0"})
    http_server.add(SEARCH, handler=_etag_handler(page([pkg(2)], 2), '"p1"'), query={"start": "1"})
    first = ctx()
    assert len(list(make(http_server, rows=1).gather(first))) == 2

    http_server.requests.clear()
    second = ctx(validators=first.validators)
    assert list(make(http_server, rows=1).gather(second)) == []
    assert len(second.unchanged_pages) == 2 and "start=0" in second.unchanged_pages[0]
    assert len(search_requests(http_server)) == 2 and second.complete


def test_unchanged_page_without_remembered_cursor_is_refetched(http_server) -> None:
    http_server.add(SEARCH, handler=_etag_handler(page([pkg(1)], 1), '"p0"'))
    context = ctx(validators={http_server.base_url + SEARCH + "?sort=metadata_modified+asc%2Cid+asc&q=%2A%3A%2A"
                              "&start=0&rows=100": {"etag": '"p0"'}})
    refs = list(make(http_server).gather(context))
    assert [r.remote_id for r in refs] == ["id-1"] and len(search_requests(http_server)) == 2


# -- package_list fallback and CKAN-like APIs --------------------------------------------------

def test_spring_404_falls_back_to_package_list_and_package_show(http_server, shared_data: Path) -> None:
    data = shared_data / "ckan_api"
    http_server.add_file(SEARCH, data / "data-go-id_proxy_spring_404_group_list.json", "application/json",
                         status=404)
    http_server.add_file(LIST, data / "data-go-id_proxy_package_list_limit5.json", "application/json",
                         query={"offset": "0"})
    http_server.add(LIST, json.dumps({"status": "200 OK", "message": "Sucess", "result": []}), query={"offset": "5"})
    http_server.add_file(SHOW, data / "data-go-id_proxy_package_show.json", "application/json")
    context = ctx()
    source = make(http_server, rows=5)
    refs = list(source.gather(context))
    assert [r.remote_id for r in refs] == ["000", "00004", "00009", "0001", "00012"]
    assert all(r.payload is None for r in refs)
    assert [i.code for i in context.issues] == ["CKAN-FALLBACK-PACKAGE-LIST"]
    record = source.fetch(refs[0])
    assert json.loads(record.content)["id"] == "00003d3a-754f-41f7-91f7-e2ef772354c7"
    assert http_server.requests[-1].query == {"id": ["000"]}
    assert [r.query["offset"][0] for r in http_server.requests if r.path == LIST] == ["0", "5"]


def test_action_name_not_known_falls_back_and_dkan_list_result_is_unwrapped(http_server, shared_data: Path) -> None:
    http_server.add(SEARCH, json.dumps({"success": False, "error": {"message": "Bad request - Action name not "
                                                                               "known: package_search"}}), status=400)
    http_server.add(LIST, envelope(["antennes"]))
    http_server.add_file(SHOW, shared_data / "ckan_api" / "udata_dkan_hautsdefrance_package_show_french_dates.json",
                         "application/json")
    source = make(http_server)
    refs = list(source.gather(ctx()))
    assert [r.remote_id for r in refs] == ["antennes"]
    assert json.loads(source.fetch(refs[0]).content)["id"] == "04be6288-696d-4331-850d-a144871a7e3a"


def test_never_fall_back_when_told_not_to(http_server) -> None:
    http_server.add(SEARCH, "<html><body>Not Found</body></html>", status=404, content_type="text/html")
    with pytest.raises(SourceProtocolError, match="package_search is not available"):
        list(make(http_server, use_package_list=False).gather(ctx()))


def test_package_show_failures_and_filters_in_fetch(http_server, shared_data: Path) -> None:
    http_server.add_file(SHOW, shared_data / "ckan_api" / "envidat-ch_package_show_avalanche-accidents.json",
                         "application/json", query={"id": "avalanche"})
    http_server.add(SHOW, json.dumps({"success": False, "error": {"__type": "Not Found Error",
                                                                  "message": "Not found"}}),
                    status=404, query={"id": "gone"})
    source = make(http_server, use_package_list=True)
    record = source.fetch(RemoteRef(remote_id="avalanche"))
    assert json.loads(record.content)["name"] == "fatal-avalanche-accidents-in-switzerland-since-1936-37"
    with pytest.raises(RecordInvalid, match="not found"):
        source.fetch(RemoteRef(remote_id="gone"))
    filtered = make(http_server, use_package_list=True, organizations=["some-other-org"])
    with pytest.raises(RecordSkipped, match="organization"):
        filtered.fetch(RemoteRef(remote_id="avalanche"))


def test_data_go_id_envelope_page_is_read(http_server, shared_data: Path) -> None:
    http_server.add_file(SEARCH, shared_data / "ckan_api" / "data-go-id_proxy_package_search_rows2.json",
                         "application/json", query={"start": "0"})
    http_server.add(SEARCH, json.dumps({"status": "200 OK", "message": "Sucess",
                                        "result": {"count": 622223, "results": []}}), query={"start": "2"})
    context = ctx()
    refs = list(make(http_server, rows=2, max_pages=1).gather(context))
    # the capture holds two package dicts (rows=2) of a 622,223-package catalogue
    assert len(refs) == 2
    assert refs[0].remote_id == "00003d3a-754f-41f7-91f7-e2ef772354c7"
    assert json.loads(refs[1].payload)["organization"]["name"]


# Raw package dicts of the shared samples, served as one package_search page: (sample, expected remote id).
# The other ckan_api samples are not package listings (organization_list, ckanext-spatial's ISO values,
# ckanext-dcat's legacy JSON catalogue) and are read by no source; the API captures are tested above.
PACKAGE_SAMPLES = [
    ("ckanext-dcat_ckan_package_dataset_series.json", "test-dataset-series"),  # no id: the name
    ("ckanext-dcat_ckan_package_full_legacy.json", "756d6426-d52d-492a-a263-599ad1caa123"),
    ("ckanext-dcat_ckan_package_minimal_extras.json", "2988a6aa-2802-4f32-b846-d4520c79c4b7"),
    ("ckanext-dcat_ckan_package_scheming_dcat_ap_full.json", "test-dataset-shacl"),
    ("ckanext-dcat_ckan_package_scheming_dcat_ap_vocabularies.json", "test-dataset-shacl"),
]


@pytest.mark.parametrize(("name", "remote_id"), PACKAGE_SAMPLES)
def test_package_dict_samples_pass_through_unchanged(name: str, remote_id: str, http_server,
                                                     shared_data: Path) -> None:
    package = json.loads((shared_data / "ckan_api" / name).read_text(encoding="utf-8"))
    serve_pages(http_server, [[package]], rows=100)
    [ref] = list(make(http_server).gather(ctx()))
    assert ref.remote_id == remote_id and json.loads(ref.payload) == package and not ref.deleted


def test_proxy_transport_posts_envelopes_and_moves_filters_into_q(http_server) -> None:
    def handle(req: Request) -> Scripted:
        endpoint = json.loads(req.body)["endpoint"]
        if endpoint.startswith("/api/3/action/package_search"):
            body = {"status": "200 OK", "message": "Sucess", "result": {"count": 1, "results": [pkg(1)]}}
            return Scripted(json.dumps(body).encode(), 200, {"Content-Type": "application/json"})
        return Scripted(json.dumps({"timestamp": "t", "status": 404, "error": "Not Found",
                                    "path": endpoint}).encode(), 404, {"Content-Type": "application/json"})

    http_server.add("/api/proxy", handler=handle)
    source = make(http_server, transport="data-go-id-proxy", organizations=["kabupaten-kampar"], fq="res_format:CSV")
    refs = list(source.gather(ctx()))
    assert [r.remote_id for r in refs] == ["id-1"]
    sent = json.loads(http_server.requests[0].body)
    assert http_server.requests[0].method == "POST" and sent["method"] == "GET"
    assert "q=%28res_format%3ACSV%29+AND+organization%3A%28%22kabupaten-kampar%22%29" in sent["endpoint"]
    assert "fq=" not in sent["endpoint"]


def test_options_are_validated() -> None:
    with pytest.raises(ValidationError):
        CkanOptions(url="http://x", rows=0)
    with pytest.raises(ValidationError):
        CkanOptions(url="http://x", organisation=["typo"])
