"""``HttpClient.get(..., into=sink)`` against real sockets: streaming into a sink, the size cap on
declared, chunked, close-delimited and gzip bodies, truncation, redirects, retries, 304, file://."""

from __future__ import annotations

import gzip
import io
import os
import tempfile
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Iterator

import pytest

from harvester.http import HttpClient, HttpPolicy, HttpStatusError, HttpUnavailable, ResponseTooLarge
from tests.support.httpserver import Request, Scripted
from tests.support.threaded import serving

CHUNK = 64 * 1024  # what HttpClient reads per step; bodies below are sized around it


class RecordingSink:
    """A sink that is only a ``write`` method (the BodySink protocol), remembering every call."""

    def __init__(self) -> None:
        self.writes: list[bytes] = []

    def write(self, data: bytes) -> int:
        self.writes.append(bytes(data))
        return len(data)

    @property
    def data(self) -> bytes:
        return b"".join(self.writes)


def client(**policy: object) -> HttpClient:
    defaults: dict[str, object] = {"retries": 0, "backoff": 0.01, "read_timeout": 5}
    return HttpClient(HttpPolicy(**{**defaults, **policy}), sleep=lambda s: None)


def pattern(size: int, seed: int = 0) -> bytes:
    """Non-repeating-looking bytes, so a chunk written twice or out of order is noticed."""
    block = bytes((i * 7 + seed) % 251 for i in range(251))
    return (block * (size // len(block) + 1))[:size]


# -- a server for bodies without Content-Length --------------------------------------------------------

class _StreamingHandler(BaseHTTPRequestHandler):
    """``/chunked/<count>/<size>``: chunked body; ``/chunked-cut/<count>/<size>``: chunks, then the
    socket closes without the final chunk; ``/close/<size>``: no length, body ends at connection close."""

    protocol_version = "HTTP/1.1"

    def log_message(self, *args: object) -> None:  # keep test output clean
        pass

    def do_GET(self) -> None:  # noqa: N802 - http.server API
        kind, *numbers = self.path.strip("/").split("/")
        self.send_response(200)
        self.send_header("Content-Type", "application/octet-stream")
        if kind in ("chunked", "chunked-cut"):
            count, size = int(numbers[0]), int(numbers[1])
            self.send_header("Transfer-Encoding", "chunked")
            if kind == "chunked-cut":
                self.send_header("Connection", "close")
            self.end_headers()
            for n in range(count):
                self.wfile.write(b"%x\r\n" % size + pattern(size, n) + b"\r\n")
            if kind == "chunked":
                self.wfile.write(b"0\r\n\r\n")
            else:
                self.close_connection = True
        else:  # close-delimited
            self.send_header("Connection", "close")
            self.end_headers()
            self.wfile.write(pattern(int(numbers[0])))
            self.close_connection = True
        self.wfile.flush()


class _QuietServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: object, client_address: object) -> None:
        """A client dropping a refused (over-cap) body resets the socket: expected, not noise."""


@pytest.fixture
def streaming_server() -> Iterator[str]:
    """Base URL of a real 127.0.0.1 server sending bodies without a Content-Length."""
    with serving(_QuietServer(("127.0.0.1", 0), _StreamingHandler)) as url:
        yield url


# -- the body goes to the sink ----------------------------------------------------------------------------

def test_body_is_written_to_the_sink_in_pieces_not_to_content(http_server) -> None:
    body = pattern(5 * CHUNK + 123)
    http_server.add("/dump", body, content_type="text/turtle; charset=utf-8", headers={"ETag": '"e1"'})
    sink = RecordingSink()
    resp = client().get(http_server.url("/dump"), into=sink)
    assert sink.data == body
    assert len(sink.writes) >= 6 and max(len(w) for w in sink.writes) <= CHUNK  # streamed, never whole
    assert resp.content == b"" and resp.status == 200 and not resp.not_modified
    assert resp.content_type == "text/turtle" and resp.charset == "utf-8" and resp.headers["ETag"] == '"e1"'


def test_body_into_a_real_temporary_file(http_server) -> None:
    body = pattern(3 * CHUNK)
    http_server.add("/dump", body)
    with tempfile.TemporaryFile() as spool:
        client().get(http_server.url("/dump"), into=spool)
        spool.seek(0)
        assert spool.read() == body


def test_empty_body(http_server) -> None:
    http_server.add("/empty", b"")
    sink = RecordingSink()
    resp = client().get(http_server.url("/empty"), into=sink)
    assert resp.status == 200 and sink.data == b""


def test_gzip_body_is_decoded_into_the_sink(http_server) -> None:
    body = pattern(200_000)
    http_server.add("/gz", gzip.compress(body), headers={"Content-Encoding": "gzip"})
    sink = io.BytesIO()
    client().get(http_server.url("/gz"), into=sink)
    assert sink.getvalue() == body


# -- size cap ----------------------------------------------------------------------------------------------

def test_declared_length_over_the_cap_is_refused_before_reading(http_server) -> None:
    http_server.add("/big", pattern(2 * CHUNK))
    sink = RecordingSink()
    with pytest.raises(ResponseTooLarge) as err:
        client(max_bytes=CHUNK).get(http_server.url("/big"), into=sink)
    assert f"{2 * CHUNK} bytes exceeds the {CHUNK}-byte limit" in str(err.value)
    assert err.value.url == http_server.url("/big") and err.value.status == 200
    assert sink.writes == []


def test_declared_length_equal_to_the_cap_is_accepted(http_server) -> None:
    body = pattern(2 * CHUNK + 1)
    http_server.add("/exact", body)
    sink = io.BytesIO()
    client(max_bytes=len(body)).get(http_server.url("/exact"), into=sink)
    assert sink.getvalue() == body


@pytest.mark.parametrize(("count", "size", "cap"), [
    (5, 1000, 3000),  # small chunks: the cap is crossed part way through
    (1, 3 * CHUNK, CHUNK + 10),  # one huge chunk: the first read already crosses it
    (40, 10_000, 250_000),  # many reads of 64 KB before the cap
])
def test_chunked_body_growing_past_the_cap_is_refused(streaming_server: str, count: int, size: int,
                                                      cap: int) -> None:
    sink = RecordingSink()
    http = client(max_bytes=cap)
    url = f"{streaming_server}/chunked/{count}/{size}"
    with pytest.raises(ResponseTooLarge, match=f"exceeds the {cap}-byte limit") as err:
        http.get(url, into=sink)
    assert err.value.url == url
    # Nothing beyond the cap reached the sink, and what did is a prefix of the real body (no garbage).
    assert len(sink.data) <= cap
    full = b"".join(pattern(size, n) for n in range(count))
    assert full.startswith(sink.data)
    # The refused response did not poison the client: the same session reads a body under the cap.
    small = RecordingSink()
    http.get(f"{streaming_server}/chunked/2/100", into=small)
    assert small.data == pattern(100, 0) + pattern(100, 1)


def test_chunked_body_at_the_cap_is_accepted(streaming_server: str) -> None:
    sink = io.BytesIO()
    client(max_bytes=5000).get(f"{streaming_server}/chunked/5/1000", into=sink)
    assert sink.getvalue() == b"".join(pattern(1000, n) for n in range(5))


def test_close_delimited_body_over_the_cap_is_refused(streaming_server: str) -> None:
    sink = RecordingSink()
    with pytest.raises(ResponseTooLarge):
        client(max_bytes=100_000).get(f"{streaming_server}/close/300000", into=sink)
    assert len(sink.data) <= 100_000
    ok = io.BytesIO()
    client(max_bytes=300_000).get(f"{streaming_server}/close/300000", into=ok)
    assert ok.getvalue() == pattern(300_000)


def test_gzip_bomb_is_capped_on_decoded_size(http_server) -> None:
    bomb = gzip.compress(b"\0" * 5_000_000)
    assert len(bomb) < 100_000  # the declared (compressed) length passes the cap ...
    http_server.add("/bomb", bomb, headers={"Content-Encoding": "gzip"})
    sink = RecordingSink()
    with pytest.raises(ResponseTooLarge):  # ... the decoded body does not
        client(max_bytes=100_000).get(http_server.url("/bomb"), into=sink)
    assert len(sink.data) <= 100_000


# -- truncated bodies ----------------------------------------------------------------------------------------

def test_body_shorter_than_its_content_length_is_an_error(http_server) -> None:
    http_server.add("/cut", pattern(3 * CHUNK), truncate=True)  # declares 1000 bytes more, then closes
    sink = RecordingSink()
    with pytest.raises(HttpUnavailable, match="truncated") as err:
        client().get(http_server.url("/cut"), into=sink)
    assert err.value.url == http_server.url("/cut")
    assert len(sink.data) <= 3 * CHUNK


def test_chunked_body_cut_before_its_last_chunk_is_an_error(streaming_server: str) -> None:
    with pytest.raises(HttpUnavailable, match="truncated"):
        client().get(f"{streaming_server}/chunked-cut/3/5000", into=RecordingSink())


def test_truncated_body_is_never_a_short_success(http_server) -> None:
    """A cut body surfaces as HttpUnavailable (retriable for the caller); the next request is clean."""
    http_server.add("/cut", b"x" * 10, truncate=True)
    http_server.add("/cut", b"complete")
    with pytest.raises(HttpUnavailable):
        client(retries=3).get(http_server.url("/cut"), into=RecordingSink())
    sink = RecordingSink()
    client().get(http_server.url("/cut"), into=sink)  # the next request gets the whole body
    assert sink.data == b"complete"


# -- redirects and retries ----------------------------------------------------------------------------------

def test_redirects_are_followed_and_only_the_final_body_is_written(http_server) -> None:
    final = pattern(2 * CHUNK + 5)
    http_server.add("/old", b"moved permanently, see /mid", status=301, headers={"Location": "/mid"})
    http_server.add("/mid", b"found elsewhere", status=302, headers={"Location": http_server.url("/new")})
    http_server.add("/new", final)
    sink = RecordingSink()
    resp = client().get(http_server.url("/old"), into=sink)
    assert sink.data == final
    assert resp.url == http_server.url("/new") and resp.status == 200 and resp.content == b""
    assert [r.path for r in http_server.requests] == ["/old", "/mid", "/new"]


def test_redirect_target_over_the_cap_is_refused(http_server) -> None:
    http_server.add("/old", b"", status=302, headers={"Location": "/new"})
    http_server.add("/new", pattern(3000))
    sink = RecordingSink()
    with pytest.raises(ResponseTooLarge) as err:
        client(max_bytes=2000).get(http_server.url("/old"), into=sink)
    assert err.value.url == http_server.url("/new") and sink.writes == []


def test_retried_error_bodies_never_reach_the_sink(http_server) -> None:
    http_server.add("/flaky", b"busy busy busy", status=503)
    http_server.add("/flaky", b"", status=502)
    http_server.add("/flaky", b"the real body")
    sink = RecordingSink()
    resp = client(retries=3).get(http_server.url("/flaky"), into=sink)
    assert resp.status == 200 and sink.data == b"the real body" and http_server.hits("/flaky") == 3


def test_error_statuses_still_raise_with_a_sink(http_server) -> None:
    http_server.add("/gone", b"no such page", status=404)
    http_server.add("/down", b"maintenance", status=503)
    with pytest.raises(HttpStatusError) as err:
        client().get(http_server.url("/gone"), into=RecordingSink())
    assert err.value.status == 404
    with pytest.raises(HttpUnavailable) as down:
        client(retries=1).get(http_server.url("/down"), into=RecordingSink())
    assert down.value.status == 503 and http_server.hits("/down") == 2


# -- conditional GET ---------------------------------------------------------------------------------------

def test_conditional_get_with_a_sink(http_server) -> None:
    body = pattern(CHUNK + 1)

    def handle(req: Request) -> Scripted:
        if req.headers.get("If-None-Match") == '"v1"':
            return Scripted(b"", 304, {"ETag": '"v1"'})
        return Scripted(body, 200, {"ETag": '"v1"', "Last-Modified": "Wed, 01 May 2024 00:00:00 GMT"})

    http_server.add("/page", handler=handle)
    validators: dict[str, dict[str, str]] = {}
    http = client()
    first_sink = RecordingSink()
    first = http.get(http_server.url("/page"), params={"p": "1"}, validators=validators, into=first_sink)
    key = http_server.url("/page?p=1")
    assert not first.not_modified and first_sink.data == body
    assert validators == {key: {"etag": '"v1"', "last_modified": "Wed, 01 May 2024 00:00:00 GMT"}}

    second_sink = RecordingSink()
    second = http.get(http_server.url("/page"), params={"p": "1"}, validators=validators, into=second_sink)
    assert second.not_modified and second.status == 304 and second.content == b"" and second_sink.data == b""
    sent = http_server.requests[-1].headers
    assert sent["If-None-Match"] == '"v1"' and sent["If-Modified-Since"] == "Wed, 01 May 2024 00:00:00 GMT"
    assert validators[key]["etag"] == '"v1"'  # a 304 keeps what was stored

    third_sink = RecordingSink()
    http.get(http_server.url("/page"), params={"p": "1"}, into=third_sink)  # no validators: full body
    assert third_sink.data == body


# -- file:// -------------------------------------------------------------------------------------------------

def test_file_url_streams_into_the_sink(tmp_path: Path) -> None:
    body = pattern(4 * CHUNK + 17)
    path = tmp_path / "katalog besar.ttl"
    path.write_bytes(body)
    sink = RecordingSink()
    resp = client().get(path.as_uri(), into=sink)
    assert resp.status == 200 and resp.content == b"" and sink.data == body
    assert len(sink.writes) >= 5  # read from disk in pieces, not whole


def test_file_url_over_the_cap_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "dump.nt"
    path.write_bytes(pattern(5000))
    sink = RecordingSink()
    with pytest.raises(ResponseTooLarge, match="5000 bytes exceeds the 4999-byte limit"):
        client(max_bytes=4999).get(path.as_uri(), into=sink)
    assert sink.writes == []
    client(max_bytes=5000).get(path.as_uri(), into=sink)
    assert sink.data == pattern(5000)


def test_file_url_leaves_no_open_handle(tmp_path: Path) -> None:
    path = tmp_path / "a.nt"
    path.write_bytes(b"<a> <b> <c> .\n")
    http = client()
    for _ in range(3):
        http.get(path.as_uri(), into=RecordingSink())
    if Path("/proc/self/fd").is_dir():
        open_files = {os.path.realpath(f"/proc/self/fd/{fd}") for fd in os.listdir("/proc/self/fd")}
        assert str(path) not in open_files


def test_missing_file_url_with_a_sink_is_a_404(tmp_path: Path) -> None:
    sink = RecordingSink()
    with pytest.raises(HttpStatusError) as err:
        client().get((tmp_path / "missing.ttl").as_uri(), into=sink)
    assert err.value.status == 404 and sink.writes == []
