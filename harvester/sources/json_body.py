"""Reading JSON listing pages and serialising JSON records (ckan, datajson, json-api sources).

``decode_json`` turns a page body into JSON or raises ``SourceProtocolError`` saying exactly what
was wrong — an HTML login/error page instead of JSON, invalid bytes for the declared charset (with
the byte offset), a JSON syntax error (with line, column and character offset) — naming the source
and the URL. The Content-Type is not trusted either way: portals serve JSON as ``text/plain`` or
even ``text/html``; what decides is whether the body is JSON.

``json_payload`` is the one serialisation of a JSON record handed to readers: compact UTF-8, keys
in source order, so unchanged records give unchanged bytes (and content hashes).
"""

from __future__ import annotations

import codecs
import json
import logging
from typing import Any

from harvester.errors import SourceProtocolError
from harvester.http import HttpResponse
from harvester.sources.safe_xml import looks_like_html

logger = logging.getLogger(__name__)


def snippet(content: bytes, limit: int = 80) -> str:
    """The start of a body for error messages (decoded leniently, whitespace collapsed)."""
    text = content[: limit * 2].decode("utf-8", "replace")
    return " ".join(text.split())[:limit]


def decode_text(source_id: str, resp: HttpResponse, *, what: str) -> str:
    """Decode a body with its declared charset (default UTF-8, BOM stripped).

    Raises SourceProtocolError naming the byte offset of the first invalid sequence.
    """
    encoding = resp.charset or "utf-8"
    try:
        encoding = codecs.lookup(encoding).name
    except LookupError:
        logger.info("source %s: unknown charset %r at %s, decoding as UTF-8", source_id, encoding, resp.url)
        encoding = "utf-8"
    if encoding == "utf-8":
        encoding = "utf-8-sig"
    try:
        return resp.content.decode(encoding)
    except UnicodeDecodeError as exc:
        bad = resp.content[exc.start:exc.start + 4]
        raise SourceProtocolError(
            f"{what} is not valid {encoding.replace('-sig', '').upper()}: byte {exc.start} ({bad!r}): {exc.reason}",
            source_id=source_id, url=resp.url) from exc


def decode_json(source_id: str, resp: HttpResponse, *, what: str = "response") -> Any:
    """Parse a JSON page. Raises SourceProtocolError for empty/HTML/XML bodies, bad bytes or bad JSON."""
    content = resp.content
    stripped = content.lstrip(b"\xef\xbb\xbf \t\r\n")
    if not stripped:
        raise SourceProtocolError(f"{what} is empty (HTTP {resp.status}, Content-Type "
                                  f"{resp.content_type or 'none'})", source_id=source_id, url=resp.url)
    if stripped.startswith(b"<"):
        kind = "an HTML page" if looks_like_html(content) else "XML/markup"
        raise SourceProtocolError(
            f"expected JSON but got {kind} (Content-Type {resp.content_type or 'none'}; starts "
            f"{snippet(content)!r}) - a login page, an error page or a wrong URL?",
            source_id=source_id, url=resp.url)
    text = decode_text(source_id, resp, what=what)
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise SourceProtocolError(
            f"{what} is not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno} "
            f"(char {exc.pos} of {len(text)})", source_id=source_id, url=resp.url) from exc


def json_payload(record: Any) -> bytes:
    """One record as compact UTF-8 JSON, keys in source order (stable bytes for content hashing)."""
    return json.dumps(record, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
