"""Small pure parts: Accept-Encoding, validators, gzip helpers, the byte-bounded LRU, filter parsing."""

from __future__ import annotations

import gzip
from datetime import datetime, timezone

import pytest

from harvester.feed.cache import ByteLRU
from harvester.feed.compress import accepts_gzip, gunzip_chunks, gzip_bytes, gzip_stream
from harvester.feed.conditional import (
    etag_matches,
    http_date,
    is_not_modified,
    make_etag,
)
from harvester.feed.filters import parse_datetime, parse_filters
from harvester.feed.wsgi import HttpError, Request


@pytest.mark.parametrize("header, ok", [
    (None, False), ("", False), ("gzip", True), ("deflate, gzip;q=1.0", True), ("gzip;q=0", False),
    ("*", True), ("*;q=0", False), ("identity", False), ("x-gzip", True), ("GZIP;Q=0.5", True),
    ("br;q=1, *;q=0.1", True), ("gzip;q=0, *", False), ("gzip;q=bad", False),
])
def test_accepts_gzip(header: str | None, ok: bool) -> None:
    assert accepts_gzip(header) is ok


def test_etags_and_dates() -> None:
    tag = make_etag("a", 1)
    assert tag == make_etag("a", 1) != make_etag("a", 2) and tag.startswith('W/"')
    assert etag_matches(tag[2:], tag) and etag_matches("*", tag) and not etag_matches('"x"', tag)
    when = datetime(2024, 5, 1, 8, 0, 30, 999999, tzinfo=timezone.utc)
    assert http_date(when) == "Wed, 01 May 2024 08:00:30 GMT"
    env = {"REQUEST_METHOD": "GET", "HTTP_IF_MODIFIED_SINCE": "Wed, 01 May 2024 08:00:30 GMT"}
    assert is_not_modified(env, tag, when)  # sub-second part is below the date's resolution
    env["HTTP_IF_MODIFIED_SINCE"] = "Wed, 01 May 2024 08:00:29 GMT"
    assert not is_not_modified(env, tag, when)
    env["HTTP_IF_MODIFIED_SINCE"] = "not a date"
    assert not is_not_modified(env, tag, when)
    # If-None-Match wins over If-Modified-Since
    env = {"HTTP_IF_NONE_MATCH": '"other"', "HTTP_IF_MODIFIED_SINCE": http_date(when)}
    assert not is_not_modified(env, tag, when)
    assert not is_not_modified({"REQUEST_METHOD": "POST", "HTTP_IF_NONE_MATCH": tag}, tag, when)


def test_gzip_helpers_roundtrip() -> None:
    data = b"".join(b"baris %d\n" % i for i in range(100_000))
    packed = gzip_bytes(data)
    assert gzip.decompress(packed) == data and len(packed) < len(data) / 5
    assert b"".join(gunzip_chunks(packed, chunk=1000)) == data
    closed = []

    def pieces():  # type: ignore[no-untyped-def]
        try:
            for i in range(0, len(data), 70_000):
                yield data[i:i + 70_000]
        finally:
            closed.append(True)

    assert gzip.decompress(b"".join(gzip_stream(pieces()))) == data and closed
    stream = gzip_stream(pieces())
    next(stream)
    stream.close()
    assert len(closed) == 2  # closing the gzip stream closes the source (releases the DB cursor)


def test_byte_lru_evicts_least_recently_used() -> None:
    cache: ByteLRU[bytes] = ByteLRU(max_bytes=3 * (100 + 64))
    for key in "abc":
        cache.put(key, b"x" * 100)
    assert cache.get("a") is not None  # a is now the most recent
    cache.put("d", b"x" * 100)
    assert cache.get("b") is None and cache.get("a") is not None and cache.get("d") is not None
    cache.put("huge", b"x" * 10_000)
    assert cache.get("huge") is None and len(cache) == 3
    assert ByteLRU(0).get("x") is None


def _request(query: str) -> Request:
    return Request({"QUERY_STRING": query, "REQUEST_METHOD": "GET"}, "/catalog", "http://feed.test")


def test_filter_parsing() -> None:
    q = parse_filters(_request("modified_since=2024-05-01T15:00:00+07:00&publisher=dinkes&x=ignored"), ("TERBUKA",))
    assert q.filter.modified_since == datetime(2024, 5, 1, 8, 0, tzinfo=timezone.utc)
    assert q.filter.organisation == "dinkes" and q.filter.access_in == ("TERBUKA",)
    assert q.params == (("modified_since", "2024-05-01T08:00:00Z"), ("publisher", "dinkes"))
    # an unencoded "+" arrives as a space and is understood
    assert parse_datetime("2024-05-01T15:00:00 07:00", "x") == datetime(2024, 5, 1, 8, tzinfo=timezone.utc)
    assert parse_datetime("2024-05-01", "x") == datetime(2024, 5, 1, tzinfo=timezone.utc)
    assert parse_filters(_request("organisation=dinkes"), ()).key == parse_filters(_request("publisher=dinkes"), ()).key
    with pytest.raises(HttpError) as err:
        parse_filters(_request("theme=" + "x" * 400), ())
    assert err.value.status == 400 and "theme" in err.value.detail
