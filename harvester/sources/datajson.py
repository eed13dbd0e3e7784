"""DCAT-US ``data.json`` source (Project Open Data 1.0 / 1.1, DCAT-US 3.0).

One GET of the catalogue; every dataset object becomes a ``RemoteRef`` whose payload is that
object as compact UTF-8 JSON (catalogue-level ``@context``/``conformsTo``/``describedBy`` are not
copied in). Accepted shapes:

* a catalogue object with a ``dataset`` list (1.1, 3.0); 3.0 catalogues may nest ``catalog``
  objects (walked recursively) and hold ``datasetSeries`` whose ``seriesMember``/``first``/``last``
  embed member datasets - the series and each distinct member become records (members carry
  ``meta=(("in_series", <series id>),)``); ``service`` entries (DataService) are not datasets;
* a bare list of dataset objects (POD 1.0);
* a single dataset object (some portals publish one per URL) - with a warning.

Identity: ``identifier`` (a string, or a 3.0 ``Identifier`` object's ``@id``/``notation``), else the
object's ``@id``, else the title (``id_is_fallback``). A dataset with neither identifier nor title
is skipped with a warning; so is a second dataset repeating an identifier. ``modified`` is passed
through as written (it may be an ISO 8601 repeating interval such as ``R/P1W``).

Memory: the catalogue's top-level ``dataset`` array (and a bare list) is decoded one dataset at a
time while refs are yielded, and the raw bytes are dropped once decoded to text, so a 50 MB
data.json never exists as one tree of Python objects; everything else is decoded whole.

Failure behaviour: an unreachable or unusable catalogue (HTML, invalid UTF-8, bad JSON, no dataset
list) raises SourceUnavailable / SourceProtocolError naming the URL; a bad entry never loses the
others. Because datasets stream, a JSON syntax error or a malformed ``catalog``/``datasetSeries``
member *after* the ``dataset`` array is raised once the datasets before it have been yielded (the
listing then still fails as a whole: no checkpoint, no deletions). On 304 the page is reported
unchanged and not parsed.
"""

from __future__ import annotations

import json
import logging
from typing import Any, Iterator, Optional

from pydantic import Field

from harvester.errors import SourceProtocolError
from harvester.model.record import RemoteRef
from harvester.sources.base import GatherContext, Source, SourceOptions, fetch_page
from harvester.sources.json_body import (JsonArray, decode_at, expect, json_error, json_payload, json_text,
                                         skip_space)
from harvester.sources.paging_support import warn

logger = logging.getLogger(__name__)

_CATALOG_KEYS = ("dataset", "catalog", "datasetSeries")
_SERIES_MEMBER_KEYS = ("seriesMember", "first", "last")


class DataJsonOptions(SourceOptions):
    """Options of a ``datajson`` source."""

    url: str = Field(description="URL of the data.json catalogue (http(s):// or file://)")
    include_series: bool = Field(True, description="list DCAT-US 3.0 dataset series as records too")


def _text(value: Any) -> Optional[str]:
    """A usable identifier/title string from a scalar (numbers count: a title may be 707)."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, str) and value.strip():
        return value.strip()
    return None


def dataset_identity(obj: dict[str, Any]) -> tuple[Optional[str], bool]:
    """(remote id, is fallback) of a dataset object; (None, True) when it has no usable identity."""
    ident = obj.get("identifier")
    if isinstance(ident, list):
        ident = ident[0] if ident else None
    if isinstance(ident, dict):  # DCAT-US 3.0 Identifier object
        ident = ident.get("@id") or ident.get("notation")
    for candidate in (ident, obj.get("@id")):
        text = _text(candidate)
        if text:
            return text, False
    title = _text(obj.get("title"))
    return title, True


def _check_end(text: str, end: int) -> None:
    """Only whitespace may follow the top-level value (``json.loads``'s "Extra data")."""
    end = skip_space(text, end)
    if end != len(text):
        raise json.JSONDecodeError("Extra data", text, end)


class DataJsonSource(Source):
    """Lists the datasets of a data.json catalogue."""

    name = "datajson"
    options_model = DataJsonOptions
    options: DataJsonOptions

    def gather(self, ctx: GatherContext) -> Iterator[RemoteRef]:
        """Yield one ref per dataset (see the module docstring for shapes and failures)."""
        url = self.options.url
        resp = fetch_page(self, url, ctx)
        if resp.not_modified:
            ctx.page_unchanged(url)
            return
        text, where = json_text(self.source_id, resp, what="data.json"), resp.url
        del resp  # only the text is walked: the bytes need not stay alive
        seen: set[str] = set()
        entries = self._walk(text, url, where, ctx)
        refs = (ref for ref in (self._ref(obj, series, url, ctx, seen) for obj, series in entries) if ref)
        yield from ctx.take(refs)
        ctx.page_done({"url": url, "done": True})

    def _walk(self, text: str, url: str, where: str, ctx: GatherContext) -> Iterator[tuple[Any, Optional[str]]]:
        """``_entries`` of the document, streaming its dataset array. Raises SourceProtocolError."""
        try:
            yield from self._document(text, url, ctx)
        except json.JSONDecodeError as exc:
            raise json_error(self.source_id, where, "data.json", exc) from exc

    def _document(self, text: str, url: str, ctx: GatherContext) -> Iterator[tuple[Any, Optional[str]]]:
        """Walk the top-level value; raises json.JSONDecodeError as ``json.loads`` would (but lazily)."""
        pos = skip_space(text, 0)
        if text[pos:pos + 1] == "[":
            array = JsonArray(text, pos)
            yield from ((obj, None) for obj in array)
            _check_end(text, array.end or 0)
            return
        if text[pos:pos + 1] != "{":
            body, end = decode_at(text, pos)
            _check_end(text, end)
            yield from self._entries(body, url, ctx)
            return
        rest: dict[str, Any] = {}  # every member but the streamed dataset array
        streamed = False
        pos = skip_space(text, pos + 1)
        while text[pos:pos + 1] != "}":
            if text[pos:pos + 1] != '"':
                raise json.JSONDecodeError("Expecting property name enclosed in double quotes", text, pos)
            key, pos = decode_at(text, pos)
            pos = skip_space(text, expect(text, pos, ":", "Expecting ':' delimiter"))
            if key == "dataset" and text[pos:pos + 1] == "[":  # a repeated "dataset" array is listed too
                streamed, array = True, JsonArray(text, pos)
                yield from ((obj, None) for obj in array)
                pos = array.end or 0
            else:
                rest[key], pos = decode_at(text, pos)
            pos = skip_space(text, pos)
            if text[pos:pos + 1] != "}":
                pos = expect(text, pos, ",", "Expecting ',' delimiter")
                pos = skip_space(text, pos)
                if text[pos:pos + 1] != '"':
                    raise json.JSONDecodeError("Expecting property name enclosed in double quotes", text, pos)
        _check_end(text, pos + 1)
        if streamed:  # a catalogue: its series and nested catalogues follow its datasets, as before
            yield from self._catalog(rest, url, ctx, depth=0)
        else:
            yield from self._entries(rest, url, ctx)

    def _entries(self, body: Any, url: str, ctx: GatherContext) -> Iterator[tuple[Any, Optional[str]]]:
        """(dataset object, series id) pairs in document order. Raises SourceProtocolError."""
        if isinstance(body, list):
            yield from ((obj, None) for obj in body)
            return
        if not isinstance(body, dict):
            raise SourceProtocolError(f"data.json is a JSON {type(body).__name__}, not a catalogue",
                                      source_id=self.source_id, url=url)
        if not any(k in body for k in _CATALOG_KEYS):
            if "title" in body or "identifier" in body or "distribution" in body:
                warn(self, ctx, "DATAJSON-SINGLE-DATASET", "document is a single dataset object, not a catalogue",
                     url=url)
                yield body, None
                return
            raise SourceProtocolError(f"data.json has no 'dataset' list (keys: {', '.join(sorted(body))[:200]})",
                                      source_id=self.source_id, url=url)
        yield from self._catalog(body, url, ctx, depth=0)

    def _catalog(self, cat: dict[str, Any], url: str, ctx: GatherContext,
                 depth: int) -> Iterator[tuple[Any, Optional[str]]]:
        for key in _CATALOG_KEYS:
            value = cat.get(key)
            if value is not None and not isinstance(value, list):
                raise SourceProtocolError(f"data.json '{key}' is a JSON {type(value).__name__}, not a list",
                                          source_id=self.source_id, url=url)
        yield from ((obj, None) for obj in cat.get("dataset") or [])
        for series in cat.get("datasetSeries") or []:
            if self.options.include_series:
                yield series, None
            series_id = dataset_identity(series)[0] if isinstance(series, dict) else None
            for key in _SERIES_MEMBER_KEYS:
                members = series.get(key) if isinstance(series, dict) else None
                for member in members if isinstance(members, list) else [members] if members else []:
                    yield member, series_id
        if depth >= 20:
            warn(self, ctx, "DATAJSON-DEEP-NESTING", "catalogues nested more than 20 deep; deeper ones ignored",
                 url=url)
            return
        for sub in cat.get("catalog") or []:
            if isinstance(sub, dict):
                yield from self._catalog(sub, url, ctx, depth + 1)

    def _ref(self, obj: Any, series: Optional[str], url: str, ctx: GatherContext,
             seen: set[str]) -> Optional[RemoteRef]:
        if not isinstance(obj, dict):
            warn(self, ctx, "GATHER-NOT-OBJECT", f"dataset entry is a JSON {type(obj).__name__}, not an object; "
                 "skipped", url=url)
            return None
        remote_id, fallback = dataset_identity(obj)
        if remote_id is None:
            warn(self, ctx, "GATHER-NO-ID", "dataset without identifier and title skipped "
                 f"(keys: {', '.join(sorted(obj))[:120] or 'none'})", url=url)
            return None
        if remote_id in seen:
            if series is None:  # a series repeats its members under first/last: not worth a warning
                warn(self, ctx, "GATHER-DUPLICATE-ID", f"identifier {remote_id!r} used by more than one "
                     "dataset; kept the first", url=url, remote_id=remote_id)
            return None
        seen.add(remote_id)
        modified = obj.get("modified")
        return RemoteRef(remote_id=remote_id, modified=modified if isinstance(modified, str) else None, url=url,
                         payload=json_payload(obj), media_type="application/json", id_is_fallback=fallback,
                         meta=(("in_series", series),) if series else ())
