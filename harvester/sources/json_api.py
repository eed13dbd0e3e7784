"""Generic JSON API source: records found at a path of each page, paged by a declared paginator.

Configuration (``JsonApiOptions``): ``records_path`` (JSONPath-lite to the record list; empty =
the body is the list), ``id_path`` and ``modified_path`` inside a record, per-source ``params``
and ``headers``, a ``paginator`` (``harvester.sources.paginators``) and ``max_pages``.
Credentials never go in ``headers``: auth is the HTTP policy's job (configured by the runner).

Each record object becomes a ``RemoteRef`` with the object as compact UTF-8 JSON. Identity is
the value at ``id_path``; without one, a hash of the record's canonical JSON
(``sha256:<hex>``, ``id_is_fallback``: it changes whenever the record does).

Failure behaviour: the first page failing (network, HTTP, HTML instead of JSON, bad JSON, the
records path missing) raises SourceUnavailable / SourceProtocolError naming the URL; a later
page failing marks the listing incomplete and keeps the records already listed. A record that is
not an object, or repeats an id, is skipped with a warning. A 304 page is not parsed when the
request after it is remembered (``page_memory``).
"""

from __future__ import annotations

import hashlib
import json
import logging
from typing import Any, Iterator, Optional

from pydantic import Field, field_validator

from harvester.errors import SourceError, SourceProtocolError
from harvester.model.record import RemoteRef
from harvester.readers.json_doc import evaluate_json_path
from harvester.sources.base import GatherContext, PageGuard, Source, SourceOptions, fetch_page
from harvester.sources.gather_rules import (max_pages_reached, page_failed, page_url, repeated_page,
                                            stop_at_limit)
from harvester.sources.json_body import decode_json, json_payload
from harvester.sources.paging_support import UNKNOWN, recall_next, remember_next, warn
from harvester.sources.paginators import JsonPath, NoPaginator, PageRequest, PageSeen, Paginator, first_scalar

logger = logging.getLogger(__name__)

_SECRET_HEADERS = {"authorization", "proxy-authorization", "cookie", "x-api-key", "apikey", "api-key"}


class JsonApiOptions(SourceOptions):
    """Options of a ``json-api`` source."""

    url: str
    records_path: JsonPath = Field("", description="path to the record list; empty: the body is the list")
    id_path: Optional[JsonPath] = None
    modified_path: Optional[JsonPath] = None
    params: dict[str, str] = Field(default_factory=dict)
    headers: dict[str, str] = Field(default_factory=dict)
    paginator: Paginator = Field(default_factory=NoPaginator)
    max_pages: Optional[int] = Field(1000, ge=1)

    @field_validator("headers")
    @classmethod
    def _no_credentials(cls, headers: dict[str, str]) -> dict[str, str]:
        secret = sorted(h for h in headers if h.lower() in _SECRET_HEADERS)
        if secret:
            raise ValueError(f"credential header(s) {', '.join(secret)} do not belong in 'headers': configure "
                             "the source's HTTP auth (secrets from the environment) instead")
        return headers


class JsonApiSource(Source):
    """Lists the records of a paged JSON API."""

    name = "json-api"
    options_model = JsonApiOptions
    options: JsonApiOptions

    def gather(self, ctx: GatherContext) -> Iterator[RemoteRef]:
        """Yield one ref per record of every page (see the module docstring for failures)."""
        opts = self.options
        resume = ctx.resume or {}
        if resume.get("request"):
            request: Optional[PageRequest] = PageRequest.from_cursor(resume["request"])
        else:
            request = opts.paginator.first(opts.url, opts.params)
        total_seen = int(resume.get("seen", 0))
        guard = PageGuard(opts.max_pages)
        seen: set[str] = set()
        while request is not None and not stop_at_limit(ctx):
            key = page_url(request.url, request.params)
            if not guard.next_page_allowed():
                max_pages_reached(self, ctx, key, opts.max_pages)
                return
            first = guard.pages == 1
            try:
                resp = fetch_page(self, request.url, ctx, params=request.params or None, headers=opts.headers)
                if resp.not_modified:
                    remembered = recall_next(ctx, key)
                    if remembered is not UNKNOWN:
                        ctx.page_unchanged(key)
                        request = PageRequest.from_cursor(remembered) if remembered else None
                        total_seen = int((remembered or {}).get("seen", total_seen))
                        continue
                    resp = fetch_page(self, request.url, None, params=request.params or None, headers=opts.headers)
                if guard.seen(resp.content):
                    repeated_page(self, ctx, key)
                    return
                body = decode_json(self.source_id, resp, what="page")
                records = self._records(body, key)
            except SourceError as exc:
                page_failed(self, ctx, exc, key, first=first)
                return
            total_seen += len(records)
            refs = [ref for ref in (self._ref(rec, key, ctx, seen) for rec in records) if ref is not None]
            nxt = opts.paginator.next(request, PageSeen(body, len(records), total_seen, resp.headers))
            if nxt is not None and page_url(nxt.url, nxt.params) == key:
                warn(self, ctx, "GATHER-REPEATED-PAGE", "the next page is this page again; paging stopped", url=key)
                nxt = None
            yield from ctx.take(iter(refs))
            if nxt is not None and stop_at_limit(ctx):
                return
            cursor = {**nxt.as_cursor(), "seen": total_seen} if nxt else None
            ctx.page_done({"request": cursor, "page": guard.pages, "seen": total_seen})
            remember_next(ctx, key, cursor)
            request = nxt

    def _records(self, body: Any, key: str) -> list[Any]:
        """The records of a page. Raises SourceProtocolError when ``records_path`` is not there."""
        path = self.options.records_path
        if not path.strip(" .$"):
            if not isinstance(body, list):
                raise SourceProtocolError(f"expected the body to be a list of records, got a JSON "
                                          f"{type(body).__name__}; set records_path", source_id=self.source_id,
                                          url=key)
            return body
        head = path.strip().lstrip("$").lstrip(".").split(".")[0].split("[")[0]
        if isinstance(body, dict) and head and head not in body:
            raise SourceProtocolError(f"records_path {path!r} not found in the page (keys: "
                                      f"{', '.join(sorted(body))[:200]})", source_id=self.source_id, url=key)
        return [r for r in evaluate_json_path(body, path) if r is not None]

    def _ref(self, record: Any, key: str, ctx: GatherContext, seen: set[str]) -> Optional[RemoteRef]:
        if not isinstance(record, dict):
            warn(self, ctx, "GATHER-NOT-OBJECT", f"record is a JSON {type(record).__name__}, not an object; "
                 "skipped", url=key)
            return None
        value = first_scalar(record, self.options.id_path)
        fallback = value is None or str(value).strip() == ""
        if fallback:
            canonical = json.dumps(record, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
            remote_id = "sha256:" + hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:32]
        else:
            remote_id = str(value).strip()
        if remote_id in seen:
            warn(self, ctx, "GATHER-DUPLICATE-ID", f"record id {remote_id!r} appears more than once; kept the first",
                 url=key, remote_id=remote_id)
            return None
        seen.add(remote_id)
        modified = first_scalar(record, self.options.modified_path)
        return RemoteRef(remote_id=remote_id, modified=str(modified) if modified is not None else None, url=key,
                         payload=json_payload(record), media_type="application/json", id_is_fallback=fallback)
