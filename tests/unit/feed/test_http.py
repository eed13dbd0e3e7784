"""HTTP semantics of the feed: conditional GET, gzip, content negotiation, HEAD, routing, links."""

from __future__ import annotations

import gzip
from datetime import datetime, timedelta, timezone

import pytest
import requests

from harvester.feed.app import FeedApp
from harvester.feed.conditional import http_date
from harvester.feed.wsgi import Response
from harvester.store import Store
from tests.unit.feed.conftest import AppFactory, serve_in_thread
from tests.unit.feed.records import Seeded
from tests.unit.feed.test_catalog import datasets_in, graph, link
from tests.unit.feed.wsgi_client import call


def vary(reply) -> list[str]:  # type: ignore[no-untyped-def]
    return [v.strip() for v in (reply.header("vary") or "").split(",")]


@pytest.mark.parametrize("target", ["/catalog.ttl?page=2", "/catalog.jsonld?page=all",
                                    "/dataset/dinkes-sipd/1.02.01.0001",
                                    "/api/sdi/datasets?page=1", "/api/sdi/datasets/dinkes-sipd/1.02.01.0001",
                                    "/catalog/changes", "/openapi.json"])
def test_conditional_get_returns_304_until_something_changes(app: FeedApp, store: Store, target: str) -> None:
    first = call(app, target)
    assert first.status == 200
    etag = first.header("etag")
    assert etag and etag.startswith('W/"')
    again = call(app, target, headers={"If-None-Match": etag})
    assert again.status == 304 and again.body == b"" and again.header("etag") == etag
    assert call(app, target, headers={"If-None-Match": 'W/"other", ' + etag}).status == 304
    assert call(app, target, headers={"If-None-Match": '"nope"'}).status == 200
    if first.header("last-modified"):
        assert call(app, target, headers={"If-Modified-Since": first.header("last-modified")}).status == 304
        past = http_date(datetime(2000, 1, 1, tzinfo=timezone.utc))
        assert call(app, target, headers={"If-Modified-Since": past}).status == 200
    if target.startswith(("/catalog", "/api/sdi/datasets?")):
        # any store change gives listings a new validator
        store.mark_deleted("dinkes-sipd", ["1.02.01.0004"], job_id=1)
        changed = call(app, target, headers={"If-None-Match": etag})
        assert changed.status == 200 and changed.header("etag") != etag


def test_last_modified_is_the_newest_change(app: FeedApp, seeded: Seeded) -> None:
    from tests.unit.feed.records import T0

    reply = call(app, "/catalog.ttl")
    assert reply.header("last-modified") == http_date(T0 + timedelta(seconds=len(seeded.entries) - 1))


def test_gzip_only_when_accepted(app: FeedApp) -> None:
    plain = call(app, "/catalog.ttl?page=2")
    packed = call(app, "/catalog.ttl?page=2", headers={"Accept-Encoding": "br, gzip;q=0.5"})
    refused = call(app, "/catalog.ttl?page=2", headers={"Accept-Encoding": "gzip;q=0, identity"})
    assert plain.header("content-encoding") is None and refused.header("content-encoding") is None
    assert packed.header("content-encoding") == "gzip"
    assert gzip.decompress(packed.body) == plain.body == refused.body
    assert int(plain.header("content-length")) == len(plain.body)
    assert int(packed.header("content-length")) == len(packed.body) < len(plain.body) / 3
    assert "Accept-Encoding" in vary(plain)


@pytest.mark.parametrize("accept, media", [
    (None, "text/turtle"), ("*/*", "text/turtle"), ("application/rdf+xml", "application/rdf+xml"),
    ("application/ld+json", "application/ld+json"), ("application/json", "application/ld+json"),
    ("application/n-triples", "application/n-triples"),
    ("text/turtle;q=0.5, application/rdf+xml;q=0.9", "application/rdf+xml"),
    ("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", "application/rdf+xml"),
    ("application/*", "application/rdf+xml"),
])
def test_content_negotiation(app: FeedApp, accept: str | None, media: str) -> None:
    headers = {"Accept": accept} if accept else {}
    for path in ("/catalog", "/dataset/dinkes-sipd/1.02.01.0001"):
        reply = call(app, path, headers=headers)
        assert reply.status == 200 and reply.header("content-type").startswith(media)
        assert "Accept" in vary(reply)
    located = call(app, "/catalog?page=2", headers=headers).header("content-location")
    ext = {"text/turtle": "ttl", "application/rdf+xml": "rdf", "application/ld+json": "jsonld",
           "application/n-triples": "nt"}[media]
    assert located == f"http://feed.test/catalog.{ext}?page=2"


def test_negotiation_edge_cases(app: FeedApp) -> None:
    refused = call(app, "/catalog", headers={"Accept": "image/png, text/html;q=0.5"})
    assert refused.status == 406 and "text/turtle" in refused.json()["detail"]
    # an extension or ?format= wins over Accept and is not negotiated (no Vary: Accept)
    fixed = call(app, "/catalog.nt", headers={"Accept": "application/rdf+xml"})
    assert fixed.header("content-type").startswith("application/n-triples")
    assert "Accept" not in vary(fixed)
    assert call(app, "/catalog?_format=jsonld").header("content-type").startswith("application/ld+json")
    assert call(app, "/catalog?format=text/turtle").header("content-type").startswith("text/turtle")
    assert call(app, "/catalog?format=csv").status == 400


def test_head_and_methods(app: FeedApp) -> None:
    get = call(app, "/catalog.ttl?page=1")
    head = call(app, "/catalog.ttl?page=1", method="HEAD")
    assert head.status == 200 and head.body == b""
    assert head.header("etag") == get.header("etag")
    assert head.header("content-length") == get.header("content-length")
    post = call(app, "/catalog.ttl", method="POST")
    assert post.status == 405 and post.header("allow") == "GET, HEAD"
    assert call(app, "/nothing/here").status == 404
    assert call(app, "/catalog.ttl?page=all", method="HEAD").body == b""


def test_healthz(app: FeedApp, store: Store) -> None:
    reply = call(app, "/healthz")
    assert (reply.status, reply.body) == (200, b"ok\n")
    broken = FeedApp(Store("postgresql://postgres@127.0.0.1:9/nowhere"), app.profile, app.catalog, app.config)
    assert call(broken, "/healthz").status == 503


def test_extra_routes_and_mounted_apps(app: FeedApp) -> None:
    app.route("/status", lambda req: Response(200, b"status page", compressible=False))

    def metrics(environ, start_response):  # type: ignore[no-untyped-def]
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [f"{environ['SCRIPT_NAME']}|{environ['PATH_INFO']}".encode()]

    app.mount("/metrics", metrics)
    assert call(app, "/status").body == b"status page"
    assert call(app, "/metrics").body == b"/metrics|"
    assert call(app, "/metrics/x").body == b"/metrics|/x"
    assert call(app, "/catalog.ttl").status == 200


def test_links_use_public_url_or_forwarded_headers(seeded: Seeded, make_app: AppFactory) -> None:
    proxied = make_app(public_url="https://data.example.go.id/feed/")
    g = graph(call(proxied, "/catalog.ttl"))
    assert link(g, "next").startswith("https://data.example.go.id/feed/catalog.ttl?page=2&after=")
    forwarded = make_app(forwarded_headers=True)
    headers = {"X-Forwarded-Proto": "https", "X-Forwarded-Host": "portal.go.id", "X-Forwarded-Prefix": "/dcat"}
    g = graph(call(forwarded, "/catalog.ttl", headers=headers))
    assert link(g, "first") == "https://portal.go.id/dcat/catalog.ttl?page=1"
    ignored = graph(call(make_app(), "/catalog.ttl", headers=headers))
    assert link(ignored, "first") == "http://feed.test/catalog.ttl?page=1"
    prefixed = make_app(base_path="/satudata")
    g = graph(call(prefixed, "/satudata/catalog.ttl"))
    assert link(g, "first") == "http://feed.test/satudata/catalog.ttl?page=1"
    mounted = graph(call(make_app(), "/sub/catalog.ttl", script_name="/sub"))
    assert link(mounted, "first") == "http://feed.test/sub/catalog.ttl?page=1"


def test_real_server_keeps_encoded_slashes_and_gzip(app: FeedApp, seeded: Seeded) -> None:
    root, stop = serve_in_thread(app)
    try:
        uri = next(e.dataset.uri for e in seeded.entries if e.remote_id == "opd/2024 tabel 1")
        reply = requests.get(root + uri.split("data.blitarkota.go.id", 1)[1] + ".ttl", timeout=10)
        assert reply.status_code == 200 and reply.headers["Content-Encoding"] == "gzip"
        assert uri in reply.text
        page = requests.get(root + "/catalog.ttl?page=all", timeout=30)
        assert page.status_code == 200 and page.headers.get("Transfer-Encoding") == "chunked"
        assert len(datasets_in(graph_from_text(page.text))) == len(seeded.visible())
    finally:
        stop()


def graph_from_text(text: str):  # type: ignore[no-untyped-def]
    import rdflib

    return rdflib.Graph().parse(data=text, format="turtle")


def test_snapshot_is_reused_for_its_ttl(seeded: Seeded, store: Store, make_app: AppFactory,
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    import harvester.feed.context as context

    clock = [1000.0]
    monkeypatch.setattr(context.time, "monotonic", lambda: clock[0])
    app = make_app(snapshot_ttl=5)
    etag = call(app, "/catalog.ttl").header("etag")
    store.mark_deleted("dinkes-sipd", [seeded.visible()[0].remote_id], job_id=1)
    clock[0] += 4  # within the TTL: the store is not asked again
    assert call(app, "/catalog.ttl", headers={"If-None-Match": etag}).status == 304
    clock[0] += 2  # TTL over: the change shows
    changed = call(app, "/catalog.ttl", headers={"If-None-Match": etag})
    assert changed.status == 200 and seeded.visible()[0].dataset.uri not in datasets_in(graph(changed))


def test_mounted_app_behind_base_path(seeded: Seeded, make_app: AppFactory) -> None:
    app = make_app(base_path="/satudata")

    def echo(environ, start_response):  # type: ignore[no-untyped-def]
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [f"{environ['SCRIPT_NAME']}|{environ['PATH_INFO']}".encode()]

    app.mount("/status", echo)
    assert call(app, "/satudata/status/jobs/a%20b").body == b"/satudata/status|/jobs/a b"
