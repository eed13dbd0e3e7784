"""Reading JSON listing pages and serialising JSON records (ckan, datajson, json-api sources).

``decode_json`` turns a page body into JSON or raises ``SourceProtocolError`` saying exactly what
was wrong — an HTML login/error page instead of JSON, invalid bytes for the declared charset (with
the byte offset), a JSON syntax error (with line, column and character offset) — naming the source
and the URL. The Content-Type is not trusted either way: portals serve JSON as ``text/plain`` or
even ``text/html``; what decides is whether the body is JSON.

``json_text`` does the same checks and only decodes the bytes, for callers that walk a big
document themselves: ``JsonArray`` decodes the elements of one array one at a time (a 50 MB
data.json then never exists as one tree of Python objects), and ``json_error`` words a syntax
error the way ``decode_json`` does.

``json_payload`` is the one serialisation of a JSON record handed to readers: compact UTF-8, keys
in source order, so unchanged records give unchanged bytes (and content hashes).
"""

from __future__ import annotations

import codecs
import json
import logging
import re
from typing import Any, Iterator, Optional

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
    text = json_text(source_id, resp, what=what)
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise json_error(source_id, resp.url, what, exc) from exc


def json_text(source_id: str, resp: HttpResponse, *, what: str = "response") -> str:
    """The decoded text of a JSON page, not parsed. Raises SourceProtocolError for empty/HTML/XML
    bodies and bad bytes (syntax is the caller's to check)."""
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
    return decode_text(source_id, resp, what=what)


def json_error(source_id: str, url: str, what: str, exc: json.JSONDecodeError) -> SourceProtocolError:
    """The SourceProtocolError for a JSON syntax error (line, column and character offset)."""
    return SourceProtocolError(f"{what} is not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno} "
                               f"(char {exc.pos} of {len(exc.doc)})", source_id=source_id, url=url)


_WHITESPACE = re.compile(r"[ \t\n\r]*")  # JSON's whitespace, as the json module skips it
_DECODER = json.JSONDecoder()


def skip_space(text: str, pos: int) -> int:
    """Position of the first non-whitespace character at or after ``pos``."""
    return _WHITESPACE.match(text, pos).end()  # type: ignore[union-attr]  # always matches


def decode_at(text: str, pos: int) -> tuple[Any, int]:
    """Decode the JSON value starting at ``pos`` (whitespace skipped); return it and the end position.

    Raises json.JSONDecodeError with the json module's messages.
    """
    return _DECODER.raw_decode(text, skip_space(text, pos))


def expect(text: str, pos: int, wanted: str, message: str) -> int:
    """Skip whitespace, require one of the characters ``wanted``; return the position after it."""
    pos = skip_space(text, pos)
    if text[pos:pos + 1] not in tuple(wanted):
        raise json.JSONDecodeError(message, text, pos)
    return pos + 1


class JsonArray:
    """The elements of the JSON array starting at ``text[start]`` (``[``), decoded one at a time.

    Iterate once; afterwards ``end`` is the position after the closing ``]``. Syntax errors raise
    json.JSONDecodeError worded like ``json.loads``'s, when the iteration reaches them.
    """

    def __init__(self, text: str, start: int) -> None:
        self.text, self.start = text, start
        self.end: Optional[int] = None

    def __iter__(self) -> Iterator[Any]:
        text = self.text
        pos = skip_space(text, expect(text, self.start, "[", "Expecting value"))
        if text[pos:pos + 1] == "]":
            self.end = pos + 1
            return
        while True:
            value, pos = decode_at(text, pos)
            yield value
            pos = skip_space(text, pos)
            if text[pos:pos + 1] == "]":
                self.end = pos + 1
                return
            pos = expect(text, pos, ",", "Expecting ',' delimiter")


def json_payload(record: Any) -> bytes:
    """One record as compact UTF-8 JSON, keys in source order (stable bytes for content hashing)."""
    return json.dumps(record, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
