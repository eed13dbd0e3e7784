"""The optional link check against a real local HTTP server: status handling, HEAD fallback, cache, budget."""

from __future__ import annotations

import socket
from datetime import datetime, timedelta, timezone

from harvester.http import HttpPolicy
from harvester.quality import history
from harvester.quality.links import LinkChecker, MemoryLinkCache, link_policy
from tests.support.httpserver import Request, Scripted

FAST = HttpPolicy(connect_timeout=10, read_timeout=10, retries=0, backoff=0, rate_limit=100)


def checker(**kw) -> LinkChecker:
    return LinkChecker.from_policy(FAST, **kw)


def test_status_decides(http_server) -> None:
    http_server.add("/ok.csv", "a,b\n1,2\n", content_type="text/csv")
    http_server.add("/moved", status=302, headers={"Location": "/ok.csv"})
    http_server.add("/gone.csv", status=404)
    links = checker()
    ok, moved, gone = (links.check(http_server.url(p)) for p in ("/ok.csv", "/moved", "/gone.csv"))
    assert (ok.ok, ok.status) == (True, 200)
    assert (moved.ok, moved.status) == (True, 200)  # redirect followed
    assert (gone.ok, gone.status, gone.reason) == (False, 404, "HTTP 404")
    assert [r.method for r in http_server.requests if r.path == "/ok.csv"] == ["HEAD", "HEAD"]


def test_head_refused_falls_back_to_a_one_byte_get(http_server) -> None:
    def answer(req: Request) -> Scripted:
        if req.method == "HEAD":
            return Scripted(b"", 405)
        return Scripted(b"a", 206, {"Content-Range": "bytes 0-0/1000"}) if req.headers.get("Range") == "bytes=0-0" \
            else Scripted(b"x" * 1000, 200)

    http_server.add("/data.xlsx", handler=answer)
    result = checker().check(http_server.url("/data.xlsx"))
    assert (result.ok, result.status) == (True, 206)
    assert [r.method for r in http_server.requests] == ["HEAD", "GET"]


def test_connection_refused_is_a_failed_result_not_an_exception() -> None:
    with socket.socket() as sock:  # bound but not listening: connections are refused, and no one else gets the port
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
        result = checker().check(f"http://127.0.0.1:{port}/x.csv")
    assert result.ok is False and result.status is None and "connection" in result.reason


def test_cache_ttl_and_budget(http_server) -> None:
    http_server.add("/a.csv", "x")
    http_server.add("/b.csv", "x")
    now = [datetime(2024, 10, 1, tzinfo=timezone.utc)]
    cache = MemoryLinkCache()
    first = checker(cache=cache, clock=lambda: now[0], budget=1)
    assert first.check(http_server.url("/a.csv")).ok
    assert first.check(http_server.url("/b.csv")) is None  # budget spent: not checked
    again = checker(cache=cache, clock=lambda: now[0])
    assert again.check(http_server.url("/a.csv")).ok
    assert http_server.hits("/a.csv") == 1  # served from the cache
    now[0] += timedelta(days=8)  # past the 7-day TTL
    assert checker(cache=cache, clock=lambda: now[0]).check(http_server.url("/a.csv")).ok
    assert http_server.hits("/a.csv") == 2


def test_store_cache_persists_results(http_server, env) -> None:
    _, store = env
    http_server.add("/a.csv", status=404)
    url = http_server.url("/a.csv")
    checker(cache=history.StoreLinkCache(store)).check(url)
    cached = history.StoreLinkCache(store).get(url)
    assert (cached.ok, cached.status, cached.reason) == (False, 404, "HTTP 404")
    assert checker(cache=history.StoreLinkCache(store)).check(url).ok is False
    assert http_server.hits("/a.csv") == 1


def test_link_policy_adds_a_rate_limit_and_fewer_retries() -> None:
    policy = link_policy(HttpPolicy(retries=5))
    assert (policy.rate_limit, policy.retries) == (2.0, 1)
    assert link_policy(HttpPolicy(rate_limit=0.5)).rate_limit == 0.5
