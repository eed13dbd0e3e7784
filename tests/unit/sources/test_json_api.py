"""The json-api source and its paginators against a real local HTTP server."""

from __future__ import annotations

import json
from typing import Any

import pytest
from pydantic import ValidationError

from harvester.errors import SourceProtocolError, SourceUnavailable
from harvester.http import HttpClient, HttpPolicy
from harvester.sources.base import GatherContext
from harvester.sources.json_api import JsonApiOptions, JsonApiSource
from tests.support.httpserver import Request, Scripted


def make(server, *, path: str = "/api/datasets", policy: HttpPolicy | None = None, sleep=None,
         **options: Any) -> JsonApiSource:
    http = HttpClient(policy or HttpPolicy(retries=0, backoff=0.01, read_timeout=5), sleep=sleep or (lambda s: None))
    return JsonApiSource("jabar", JsonApiOptions(url=server.url(path), **options), http)


def ctx(**kw: Any) -> GatherContext:
    cursors: list[dict[str, Any]] = []
    context = GatherContext(source_id="jabar", on_page=cursors.append, **kw)
    context.cursors = cursors  # type: ignore[attr-defined]
    return context


def rec(n: int) -> dict[str, Any]:
    return {"id": n, "judul": f"Data {n}", "updated_at": f"2024-05-0{n}"}


def pages(server, query_key: str, bodies: dict[str, Any], path: str = "/api/datasets") -> None:
    for value, body in bodies.items():
        server.add(path, json.dumps(body), content_type="application/json", query={query_key: value})


def ids(refs) -> list[str]:
    return [r.remote_id for r in refs]


# -- paginators --------------------------------------------------------------------------------------

def test_page_number_until_empty_page_with_params_and_headers(http_server) -> None:
    pages(http_server, "page", {"1": {"data": [rec(1), rec(2)]}, "2": {"data": [rec(3)]}, "3": {"data": []}})
    source = make(http_server, records_path="data", id_path="id", modified_path="updated_at",
                  params={"kategori": "kesehatan"}, headers={"Accept-Language": "id"},
                  paginator={"type": "page_number", "size_param": "per_page", "size": 2})
    context = ctx()
    refs = list(source.gather(context))
    assert ids(refs) == ["1", "2", "3"] and refs[0].modified == "2024-05-01"
    assert json.loads(refs[2].payload) == rec(3) and refs[2].media_type == "application/json"
    assert [r.query["page"][0] for r in http_server.requests] == ["1", "2", "3"]
    first = http_server.requests[0]
    assert first.query["kategori"] == ["kesehatan"] and first.query["per_page"] == ["2"]
    assert first.headers["Accept-Language"] == "id"
    assert "page=2" in refs[2].url and context.complete
    assert context.cursors[-1]["request"] is None  # type: ignore[attr-defined]


def test_page_number_stops_at_total(http_server) -> None:
    pages(http_server, "p", {"0": {"items": [rec(1), rec(2)], "meta": {"total": 3}},
                             "1": {"items": [rec(3)], "meta": {"total": 3}}})
    refs = list(make(http_server, records_path="items", id_path="id",
                     paginator={"type": "page_number", "param": "p", "start": 0, "total_path": "meta.total"}
                     ).gather(ctx()))
    assert ids(refs) == ["1", "2", "3"] and len(http_server.requests) == 2


def test_offset_advances_by_records_received(http_server) -> None:
    # the server caps limit at 2 although 5 were asked for: the offset follows what came back
    pages(http_server, "offset", {"0": {"result": {"items": [rec(1), rec(2)]}},
                                  "2": {"result": {"items": [rec(3), rec(4)]}},
                                  "4": {"result": {"items": []}}})
    refs = list(make(http_server, records_path="result.items", id_path="id",
                     paginator={"type": "offset", "limit": 5}).gather(ctx()))
    assert ids(refs) == ["1", "2", "3", "4"]
    assert [r.query["offset"][0] for r in http_server.requests] == ["0", "2", "4"]
    assert http_server.requests[0].query["limit"] == ["5"]


def test_next_link_relative_and_absolute(http_server) -> None:
    http_server.add("/api/datasets", json.dumps({"data": [rec(1)], "links": {"next": "/api/datasets?cursor=b"}}),
                    query={})
    http_server.add("/api/datasets", json.dumps({"data": [rec(2)], "links": {"next": http_server.url(
        "/api/datasets?cursor=c")}}), query={"cursor": "b"})
    http_server.add("/api/datasets", json.dumps({"data": [rec(3)], "links": {"next": None}}), query={"cursor": "c"})
    refs = list(make(http_server, records_path="data", id_path="id", paginator={"type": "next_link"}).gather(ctx()))
    assert ids(refs) == ["1", "2", "3"]


def test_link_header(http_server) -> None:
    http_server.add("/api/datasets", json.dumps([rec(1)]), query={},
                    headers={"Link": f'<{http_server.url("/api/datasets?page=2")}>; rel="next", </x>; rel="last"'})
    http_server.add("/api/datasets", json.dumps([rec(2)]), query={"page": "2"},
                    headers={"Link": '</api/datasets?page=1>; rel="prev first"'})
    refs = list(make(http_server, id_path="id", paginator={"type": "link_header"}).gather(ctx()))
    assert ids(refs) == ["1", "2"] and len(http_server.requests) == 2


def test_cursor_stops_when_missing_or_repeated(http_server) -> None:
    http_server.add("/api/datasets", json.dumps({"rows": [rec(1)], "next": "abc"}), query={})
    http_server.add("/api/datasets", json.dumps({"rows": [rec(2)], "next": "abc"}), query={"after": "abc"})
    refs = list(make(http_server, records_path="rows", id_path="id",
                     paginator={"type": "cursor", "cursor_param": "after", "cursor_path": "next"}).gather(ctx()))
    assert ids(refs) == ["1", "2"] and len(http_server.requests) == 2


def test_no_paginator_and_body_is_the_list(http_server) -> None:
    http_server.add("/api/datasets", json.dumps([rec(1), rec(2)]))
    assert ids(make(http_server, id_path="id").gather(ctx())) == ["1", "2"]


# -- identity and bad records ------------------------------------------------------------------------

def test_hash_fallback_duplicates_and_non_objects(http_server) -> None:
    http_server.add("/api/datasets", json.dumps({"data": [{"judul": "tanpa id"}, rec(1), rec(1), "teks", None]}))
    context = ctx()
    refs = list(make(http_server, records_path="data", id_path="id").gather(context))
    assert [(r.remote_id[:7], r.id_is_fallback) for r in refs] == [("sha256:", True), ("1", False)]
    # the fallback id is a hash of the record's canonical JSON: stable while the record is unchanged
    again = list(make(http_server, records_path="data", id_path="id").gather(ctx()))
    assert again[0].remote_id == refs[0].remote_id
    assert sorted(i.code for i in context.issues) == ["GATHER-DUPLICATE-ID", "GATHER-NOT-OBJECT"]


def test_nested_id_path(http_server) -> None:
    http_server.add("/api/datasets", json.dumps({"data": [{"attributes": {"uuid": "u-1"}}]}))
    refs = list(make(http_server, records_path="data", id_path="attributes.uuid").gather(ctx()))
    assert ids(refs) == ["u-1"]


# -- limits, resume, conditional GET -----------------------------------------------------------------

def test_limit_stops_without_requesting_further_pages(http_server) -> None:
    pages(http_server, "page", {"1": [rec(1), rec(2)], "2": [rec(3)], "3": []})
    context = ctx(max_items=2)
    refs = list(make(http_server, id_path="id", paginator={"type": "page_number"}).gather(context))
    assert ids(refs) == ["1", "2"] and len(http_server.requests) == 1 and not context.complete


def test_resume_from_cursor(http_server) -> None:
    pages(http_server, "page", {"1": [rec(1)], "2": [rec(2)], "3": []})
    source = make(http_server, id_path="id", paginator={"type": "page_number"})
    first = ctx()
    list(source.gather(first))
    resume = first.cursors[0]  # type: ignore[attr-defined]
    http_server.requests.clear()
    assert ids(make(http_server, id_path="id", paginator={"type": "page_number"}).gather(ctx(resume=resume))) == ["2"]
    assert http_server.requests[0].query["page"] == ["2"]


def test_unchanged_pages_follow_the_remembered_request(http_server) -> None:
    def etagged(body: Any, etag: str):
        def handle(req: Request) -> Scripted:
            if req.headers.get("If-None-Match") == etag:
                return Scripted(b"", 304, {"ETag": etag})
            return Scripted(json.dumps(body).encode(), 200, {"ETag": etag, "Content-Type": "application/json"})
        return handle

    http_server.add("/api/datasets", handler=etagged({"data": [rec(1)], "next": "b"}, '"a"'), query={})
    http_server.add("/api/datasets", handler=etagged({"data": [rec(2)]}, '"b"'), query={"cursor": "b"})
    options = {"records_path": "data", "id_path": "id", "paginator": {"type": "cursor", "cursor_path": "next"}}
    first = ctx()
    assert ids(make(http_server, **options).gather(first)) == ["1", "2"]
    second = ctx(validators=first.validators)
    assert list(make(http_server, **options).gather(second)) == []
    assert len(second.unchanged_pages) == 2 and second.complete


# -- failures ----------------------------------------------------------------------------------------

@pytest.mark.parametrize(("body", "content_type", "message"), [
    ("<html><body>Sesi habis, silakan login</body></html>", "text/html", "expected JSON but got an HTML page"),
    ('{"data": [1, 2,]}', "application/json", "not valid JSON"),
    (b'{"data": ["\xc3\x28"]}', "application/json", "not valid UTF-8"),
    ('{"error": "quota exceeded"}', "application/json", "records_path 'data' not found in the page"),
])
def test_first_page_problems_are_protocol_errors(body: Any, content_type: str, message: str, http_server) -> None:
    http_server.add("/api/datasets", body, content_type=content_type)
    with pytest.raises(SourceProtocolError, match=message) as err:
        list(make(http_server, records_path="data", id_path="id").gather(ctx()))
    assert "jabar" in str(err.value) and err.value.url.startswith(http_server.url("/api/datasets"))


def test_body_not_a_list_without_records_path(http_server) -> None:
    http_server.add("/api/datasets", json.dumps({"data": []}))
    with pytest.raises(SourceProtocolError, match="set records_path"):
        list(make(http_server).gather(ctx()))


def test_later_page_failure_is_incomplete(http_server) -> None:
    pages(http_server, "page", {"1": [rec(1)]})
    http_server.add("/api/datasets", "down", status=500, query={"page": "2"})
    context = ctx()
    refs = list(make(http_server, id_path="id", paginator={"type": "page_number"}).gather(context))
    assert ids(refs) == ["1"] and not context.complete
    assert context.issues[0].code == "GATHER-PAGE-FAILED" and "page=2" in context.issues[0].location


def test_retry_after_and_timeout(http_server) -> None:
    http_server.add("/api/datasets", "", status=429, headers={"Retry-After": "7"})
    http_server.add("/api/datasets", json.dumps([rec(1)]))
    sleeps: list[float] = []
    source = make(http_server, id_path="id", sleep=sleeps.append, policy=HttpPolicy(retries=1, max_backoff=30))
    assert ids(source.gather(ctx())) == ["1"] and sleeps == [7.0]
    http_server.add("/slow", "[]", delay=1.0)
    with pytest.raises(SourceUnavailable):
        list(make(http_server, path="/slow", policy=HttpPolicy(retries=0, read_timeout=0.2)).gather(ctx()))


def test_max_pages_and_repeated_pages(http_server) -> None:
    http_server.add("/api/datasets", json.dumps([rec(1)]))  # ignores ?page: every page is the same
    context = ctx()
    refs = list(make(http_server, id_path="id", paginator={"type": "page_number"}).gather(context))
    assert ids(refs) == ["1"] and [i.code for i in context.issues] == ["GATHER-REPEATED-PAGE"]
    pages(http_server, "page", {str(n): [rec(n)] for n in range(1, 6)}, path="/many")
    context = ctx()
    refs = list(make(http_server, path="/many", id_path="id", max_pages=2,
                     paginator={"type": "page_number"}).gather(context))
    assert ids(refs) == ["1", "2"] and not context.complete and context.issues[0].code == "GATHER-MAX-PAGES"


# -- configuration -----------------------------------------------------------------------------------

@pytest.mark.parametrize("bad", [
    {"paginator": {"type": "page_numbr"}},
    {"paginator": {"type": "offset", "limt": 10}},
    {"paginator": {"type": "next_link", "next_path": "links[next"}},
    {"id_path": "a..["},
    {"headers": {"Authorization": "Bearer secret"}},
    {"unknown": 1},
])
def test_bad_options_are_rejected(bad: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        JsonApiOptions(url="http://x", **bad)
