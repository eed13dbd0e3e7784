"""harvester.http against real sockets: retries, Retry-After, rate limit, size cap, 304, file://, auth."""

from __future__ import annotations

import base64
import email.utils
import logging
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Iterator

import pytest
from pydantic import SecretStr

from harvester.http import (AuthConfig, HttpClient, HttpPolicy, HttpStatusError, HttpUnavailable, ResponseTooLarge,
                            retry_after_seconds)
from tests.support.threaded import serving


class FakeSleep:
    def __init__(self) -> None:
        self.calls: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.calls.append(seconds)


def client(sleep: FakeSleep | None = None, **policy: object) -> HttpClient:
    defaults: dict[str, object] = {"retries": 3, "backoff": 0.01, "max_backoff": 60, "read_timeout": 5}
    return HttpClient(HttpPolicy(**{**defaults, **policy}), sleep=sleep or FakeSleep())


# -- retries and Retry-After -------------------------------------------------------------------------

def test_retry_after_seconds_is_honoured(http_server) -> None:
    http_server.add("/r", "busy", status=503, headers={"Retry-After": "4"})
    http_server.add("/r", "ok")
    sleep = FakeSleep()
    resp = client(sleep).get(http_server.url("/r"))
    assert resp.status == 200 and resp.content == b"ok"
    assert sleep.calls == [4.0] and http_server.hits("/r") == 2


def test_retry_after_http_date_is_honoured(http_server) -> None:
    when = email.utils.formatdate(time.time() + 30, usegmt=True)
    http_server.add("/r", "slow down", status=429, headers={"Retry-After": when})
    http_server.add("/r", "ok")
    sleep = FakeSleep()
    assert client(sleep).get(http_server.url("/r")).status == 200
    assert len(sleep.calls) == 1 and 27 <= sleep.calls[0] <= 30


def test_retry_after_is_capped_and_backoff_doubles(http_server) -> None:
    http_server.add("/cap", "", status=503, headers={"Retry-After": "3600"})
    http_server.add("/cap", "ok")
    sleep = FakeSleep()
    client(sleep, max_backoff=5).get(http_server.url("/cap"))
    assert sleep.calls == [5.0]

    http_server.add("/exp", "", status=502)
    sleep = FakeSleep()
    with pytest.raises(HttpUnavailable) as err:
        client(sleep, backoff=0.5).get(http_server.url("/exp"))
    assert sleep.calls == [0.5, 1.0, 2.0] and http_server.hits("/exp") == 4
    assert err.value.status == 502 and err.value.url == http_server.url("/exp")


def test_post_is_not_retried_on_503_but_is_on_429(http_server) -> None:
    http_server.add("/post503", "", status=503, headers={"Retry-After": "1"})
    with pytest.raises(HttpUnavailable):
        client().request("POST", http_server.url("/post503"), json={"a": 1})
    assert http_server.hits("/post503") == 1

    http_server.add("/post429", "", status=429, headers={"Retry-After": "1"})
    http_server.add("/post429", "created", status=201)
    sleep = FakeSleep()
    resp = client(sleep).request("POST", http_server.url("/post429"), json={"a": 1})
    assert resp.status == 201 and http_server.hits("/post429") == 2 and sleep.calls == [1.0]
    assert http_server.requests[-1].body == b'{"a": 1}'


def test_timeouts_are_retried_then_unavailable(http_server) -> None:
    http_server.add("/slow", "late", delay=0.6)
    with pytest.raises(HttpUnavailable, match="timed out"):
        client(retries=1, read_timeout=0.2).get(http_server.url("/slow"))
    assert http_server.hits("/slow") == 2


def test_truncated_body_is_unavailable(http_server) -> None:
    http_server.add("/cut", b"x" * 100, truncate=True)
    with pytest.raises(HttpUnavailable, match="truncated"):
        client(retries=0).get(http_server.url("/cut"))


def test_client_errors_are_not_retried(http_server) -> None:
    http_server.add("/missing", "nope", status=404)
    with pytest.raises(HttpStatusError) as err:
        client().get(http_server.url("/missing"))
    assert err.value.status == 404 and http_server.hits("/missing") == 1
    resp = client().request("GET", http_server.url("/missing"), raise_for_status=False)
    assert resp.status == 404 and resp.content == b"nope"


@pytest.mark.parametrize(("value", "expected"), [("120", 120.0), ("0", 0.0), (None, None), ("soon", None),
                                                 ("Wed, 21 Oct 2015 07:28:00 GMT", 0.0)])
def test_retry_after_parsing(value: str | None, expected: float | None) -> None:
    assert retry_after_seconds(value) == expected


# -- rate limit --------------------------------------------------------------------------------------

def test_rate_limit_spaces_requests_per_host(http_server) -> None:
    http_server.add("/a", "ok")
    http = client(rate_limit=10)  # one request every 0.1 s per host
    started = time.monotonic()
    for _ in range(4):
        http.get(http_server.url("/a"))
    # the 4th request may not be sent before 3 intervals have passed since the 1st
    assert time.monotonic() - started >= 0.3
    unlimited = client()
    started = time.monotonic()
    for _ in range(4):
        unlimited.get(http_server.url("/a"))
    assert time.monotonic() - started < 0.3


# -- size cap ----------------------------------------------------------------------------------------

def test_declared_size_over_cap(http_server) -> None:
    http_server.add("/big", b"x" * 2000)
    with pytest.raises(ResponseTooLarge, match="2000 bytes exceeds the 1000-byte limit"):
        client(max_bytes=1000).get(http_server.url("/big"))
    assert client(max_bytes=2000).get(http_server.url("/big")).content == b"x" * 2000


@pytest.fixture
def chunked_server() -> Iterator[str]:
    """A real server streaming 5 x 1000 bytes with chunked encoding (no Content-Length)."""

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args: object) -> None:
            pass

        def do_GET(self) -> None:  # noqa: N802 - http.server API
            self.send_response(200)
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            for _ in range(5):
                self.wfile.write(b"3e8\r\n" + b"y" * 1000 + b"\r\n")
            self.wfile.write(b"0\r\n\r\n")

    with serving(ThreadingHTTPServer(("127.0.0.1", 0), Handler)) as url:
        yield url + "/stream"


def test_streamed_size_over_cap(chunked_server: str) -> None:
    with pytest.raises(ResponseTooLarge, match="exceeds the 3000-byte limit"):
        client(max_bytes=3000).get(chunked_server)
    assert len(client(max_bytes=5000).get(chunked_server).content) == 5000


# -- conditional GET ---------------------------------------------------------------------------------

def test_conditional_get_flow(http_server) -> None:
    def handle(req):  # noqa: ANN001, ANN202
        from tests.support.httpserver import Scripted
        if req.headers.get("If-None-Match") == '"v1"':
            return Scripted(b"", 304, {"ETag": '"v1"'})
        return Scripted(b"body", 200, {"ETag": '"v1"', "Last-Modified": "Wed, 01 May 2024 00:00:00 GMT"})

    http_server.add("/page", handler=handle)
    validators: dict[str, dict[str, str]] = {}
    http = client()
    first = http.get(http_server.url("/page"), params={"p": "1"}, validators=validators)
    key = http_server.url("/page?p=1")
    assert first.content == b"body" and not first.not_modified
    assert validators == {key: {"etag": '"v1"', "last_modified": "Wed, 01 May 2024 00:00:00 GMT"}}
    second = http.get(http_server.url("/page"), params={"p": "1"}, validators=validators)
    assert second.not_modified and second.content == b""
    sent = http_server.requests[-1].headers
    assert sent["If-None-Match"] == '"v1"' and sent["If-Modified-Since"] == "Wed, 01 May 2024 00:00:00 GMT"
    http.get(http_server.url("/page"), params={"p": "2"}, validators=validators)
    assert "If-None-Match" not in http_server.requests[-1].headers  # validators are per URL


def test_validators_are_dropped_when_the_server_stops_sending_them(http_server) -> None:
    http_server.add("/v", "new")
    validators = {http_server.url("/v"): {"etag": '"old"'}}
    client().get(http_server.url("/v"), validators=validators)
    assert validators == {}


# -- file:// -----------------------------------------------------------------------------------------

def test_file_urls(tmp_path: Path) -> None:
    path = tmp_path / "katalog data.ttl"
    path.write_bytes(b"<a> <b> <c> .")
    resp = client().get(path.as_uri())
    assert resp.status == 200 and resp.content == b"<a> <b> <c> ."
    with pytest.raises(HttpStatusError) as err:
        client().get((tmp_path / "missing.ttl").as_uri())
    assert err.value.status == 404


# -- auth --------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("auth", "header", "expected"), [
    (AuthConfig(type="bearer", token=SecretStr("s3cr3t-token")), "Authorization", "Bearer s3cr3t-token"),
    (AuthConfig(type="basic", username="walidata", password=SecretStr("s3cr3t-token")), "Authorization",
     "Basic " + base64.b64encode(b"walidata:s3cr3t-token").decode()),
    (AuthConfig(type="header", header="X-API-Key", token=SecretStr("s3cr3t-token")), "X-API-Key", "s3cr3t-token"),
])
def test_auth_is_sent_and_never_logged(auth: AuthConfig, header: str, expected: str, http_server, caplog) -> None:
    http_server.add("/private", "", status=503)
    http_server.add("/private", "ok")
    caplog.set_level(logging.DEBUG)
    http = client(auth=auth)
    assert http.get(http_server.url("/private?api_key=s3cr3t-token")).status == 200
    assert all(r.headers.get(header) == expected for r in http_server.requests)
    ours = [r.getMessage() for r in caplog.records if r.name.startswith("harvester")]
    assert ours and all("s3cr3t-token" not in m for m in ours)  # the retry was logged, without secrets
    assert "s3cr3t-token" not in repr(http.policy) and "s3cr3t-token" not in str(auth)
    assert "Basic" not in caplog.text and "Bearer" not in caplog.text


def test_user_agent_and_default_headers(http_server) -> None:
    http_server.add("/ua", "ok")
    client(headers={"Accept-Language": "id"}).get(http_server.url("/ua"))
    sent = http_server.requests[0].headers
    assert sent["User-Agent"].startswith("satudata-harvester/") and sent["Accept-Language"] == "id"
