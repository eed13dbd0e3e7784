"""Validators and conditional GET (RFC 9110 §8.8, §13.1.1-2).

The feed's ETags are weak (``W/"..."``): one tag covers the identity and the gzip representation of
the same content, which is what a harvester re-polling a page needs. A tag is a digest of
everything that determines the body (store snapshot, filters, page, format, link base, software
version), so it can be computed, and a 304 sent, before anything is rendered.

``If-None-Match`` wins over ``If-Modified-Since`` when both are sent, as the RFC requires.
HTTP dates have one-second resolution: ``Last-Modified`` is the newest change time truncated to the
second, so two changes within the same second can hide behind an unchanged date; the ETag does not
have that weakness and is what clients should use.

Failure behaviour: unparsable conditional headers are ignored (the full response is sent).
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timezone
from email.utils import format_datetime, parsedate_to_datetime
from typing import Any, Optional


def make_etag(*parts: Any) -> str:
    """A weak entity tag from the string forms of ``parts`` (order matters)."""
    digest = hashlib.sha1("\x1f".join(map(str, parts)).encode("utf-8", "surrogatepass")).hexdigest()
    return f'W/"{digest[:32]}"'


def http_date(when: datetime) -> str:
    """IMF-fixdate (``Sun, 06 Nov 1994 08:49:37 GMT``) of an aware datetime."""
    return format_datetime(when.astimezone(timezone.utc).replace(microsecond=0), usegmt=True)


def _opaque(tag: str) -> str:
    tag = tag.strip()
    return tag[2:] if tag.startswith(("W/", "w/")) else tag


def etag_matches(header: str, etag: str) -> bool:
    """Weak comparison of ``etag`` with an ``If-None-Match`` list (``*`` matches anything)."""
    if header.strip() == "*":
        return True
    mine = _opaque(etag)
    return any(_opaque(candidate) == mine for candidate in header.split(",") if candidate.strip())


def parse_http_date(value: str) -> Optional[datetime]:
    try:
        parsed = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if parsed is None:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=timezone.utc)
    return parsed


def is_not_modified(environ: dict[str, Any], etag: Optional[str], last_modified: Optional[datetime]) -> bool:
    """True when a GET/HEAD may be answered with 304 given the resource's current validators."""
    if environ.get("REQUEST_METHOD", "GET") not in ("GET", "HEAD"):
        return False
    inm = environ.get("HTTP_IF_NONE_MATCH")
    if inm is not None:
        return etag is not None and etag_matches(inm, etag)
    ims = environ.get("HTTP_IF_MODIFIED_SINCE")
    if ims and last_modified is not None:
        since = parse_http_date(ims)
        if since is not None:
            return last_modified.astimezone(timezone.utc).replace(microsecond=0) <= since
    return False
