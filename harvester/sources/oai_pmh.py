"""OAI-PMH 2.0 repositories (source type ``oai-pmh``).

Lists with ``ListRecords`` (default; records arrive with the listing) or ``ListIdentifiers`` (then
``fetch`` issues one ``GetRecord`` per identifier), paged by ``resumptionToken``. Every request is a
plain GET through our ``HttpClient`` (Sickle is not used: it calls ``requests`` directly, outside
the client's retry, rate-limit and size policy).

Payload: the whole ``<record>`` element (header + metadata) as a standalone XML document,
``application/xml``. ``remote_id`` = header ``identifier``, ``modified`` = header ``datestamp``;
``status="deleted"`` gives a ``deleted`` ref without payload.

Incremental: after a complete listing ``checkpoint()`` returns ``{"from": <responseDate of the
first page>}`` (server clock, so records changed while we listed are caught next time); the next
run sends it as ``from`` in the repository's granularity (``Identify`` is asked once when
``granularity: auto``). ``ctx.full`` ignores it.

Errors: ``noRecordsMatch`` is an empty, complete listing. Every other OAI error code
(``badResumptionToken``, ``cannotDisseminateFormat``, ``badArgument``, ``noSetHierarchy``, unknown
codes ...) raises ``SourceProtocolError`` with the code and text — except ``badResumptionToken`` for a
token taken from ``ctx.resume`` (tokens expire), which restarts the listing from the beginning
with a warning. A page that is not OAI-PMH XML raises on the first page and makes the listing
incomplete later on (paging stops there).
"""

from __future__ import annotations

import logging
import re
from typing import Any, ClassVar, Iterator, Literal, Optional

from lxml import etree
from pydantic import ConfigDict, Field

from harvester.errors import RecordInvalid, RecordSkipped, SourceError, SourceProtocolError
from harvester.model.record import RemoteRef, SourceRecord
from harvester.sources.base import GatherContext, PageGuard, Source, SourceOptions, fetch_page
from harvester.sources.gather_rules import (gather_issue, get_listing_page, max_pages_reached, page_failed,
                                            page_url, repeated_page, stop_at_limit)
from harvester.sources.safe_xml import XmlError, local_name, parse_xml, to_standalone

logger = logging.getLogger(__name__)

OAI = "http://www.openarchives.org/OAI/2.0/"
NS = {"oai": OAI}
XML = "application/xml"
DAY = "YYYY-MM-DD"
SECONDS = "YYYY-MM-DDThh:mm:ssZ"
_UTC_SECONDS = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}")


class OaiPmhOptions(SourceOptions):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)
    url: str
    metadata_prefix: str = "oai_dc"
    set_spec: Optional[str] = None
    verb: Literal["ListRecords", "ListIdentifiers"] = "ListRecords"
    from_: Optional[str] = Field(None, alias="from", description="fixed lower datestamp bound")
    until: Optional[str] = None
    granularity: Literal["auto", "YYYY-MM-DD", "YYYY-MM-DDThh:mm:ssZ"] = "auto"
    max_pages: Optional[int] = Field(None, ge=1)


class OaiError(SourceProtocolError):
    """An OAI-PMH ``<error code=...>`` answer; ``code`` holds the OAI error code."""

    def __init__(self, code: str, text: str, *, source_id: str, url: str, root: etree._Element) -> None:
        super().__init__(f"OAI-PMH error {code}: {text or 'no error text'}", source_id=source_id, url=url)
        self.code, self.root = code, root


class OaiPmhSource(Source):
    """See the module docstring."""

    name: ClassVar[str] = "oai-pmh"
    options_model: ClassVar[type[SourceOptions]] = OaiPmhOptions
    options: OaiPmhOptions

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._response_date: Optional[str] = None

    # ------------------------------------------------------------------ requests
    def _get(self, params: dict[str, str], ctx: Optional[GatherContext]) -> tuple[str, etree._Element, bool, bytes]:
        """GET one OAI-PMH response; return (url, root, unchanged, body). Raises SourceError / OaiError."""
        url = page_url(self.options.url, params)
        if ctx is None:
            resp, unchanged = fetch_page(self, url), False
        else:
            resp, unchanged = get_listing_page(self, url, ctx)
        try:
            root = parse_xml(resp.content, what="OAI-PMH response")
        except XmlError as exc:
            raise SourceProtocolError(str(exc), source_id=self.source_id, url=url) from exc
        if local_name(root) != "OAI-PMH" or etree.QName(root).namespace != OAI:
            raise SourceProtocolError(f"not an OAI-PMH response (root element {root.tag!r})",
                                      source_id=self.source_id, url=url)
        for error in root.findall("oai:error", NS):
            raise OaiError(error.get("code") or "unknown", " ".join((error.text or "").split()),
                           source_id=self.source_id, url=url, root=root)
        return url, root, unchanged, resp.content

    def _granularity(self) -> str:
        if self.options.granularity != "auto":
            return self.options.granularity
        try:
            _, root, _, _ = self._get({"verb": "Identify"}, None)
        except SourceError as exc:
            logger.info("%s: Identify failed (%s); using day granularity", self.source_id, exc)
            return DAY
        value = root.findtext("oai:Identify/oai:granularity", default="", namespaces=NS).strip()
        return SECONDS if value == SECONDS else DAY

    def _first_params(self, ctx: GatherContext) -> dict[str, str]:
        params = {"verb": self.options.verb, "metadataPrefix": self.options.metadata_prefix}
        if self.options.set_spec:
            params["set"] = self.options.set_spec
        since = self.options.from_
        stored = (ctx.checkpoint or {}).get("from") if not ctx.full else None
        if stored and _DATE.match(str(stored)):
            stored = str(stored)
            if not _UTC_SECONDS.match(stored) or self._granularity() == DAY:  # Identify only when it matters
                stored = stored[:10]
            # Both are ISO strings in the same timezone convention, so the later one sorts last.
            since = max(since, stored) if since else stored
        if since:
            params["from"] = since
        if self.options.until:
            params["until"] = self.options.until
        return params

    # ------------------------------------------------------------------ gather
    def gather(self, ctx: GatherContext) -> Iterator[RemoteRef]:
        self._response_date = None
        yield from ctx.take(self._refs(ctx))

    def checkpoint(self) -> Optional[dict[str, Any]]:
        return {"from": self._response_date} if self._response_date else None

    def _refs(self, ctx: GatherContext) -> Iterator[RemoteRef]:
        resume = ctx.resume or {}
        token = resume.get("token")
        self._response_date = resume.get("response_date")
        resumed = bool(token)
        guard = PageGuard(self.options.max_pages)
        first = True
        while True:
            if stop_at_limit(ctx):
                return
            params = ({"verb": self.options.verb, "resumptionToken": token} if token else self._first_params(ctx))
            url = page_url(self.options.url, params)
            if not guard.next_page_allowed():
                max_pages_reached(self, ctx, url, self.options.max_pages)
                return
            try:
                url, root, unchanged, body = self._get(params, ctx)
            except OaiError as exc:
                if exc.code == "noRecordsMatch":  # nothing (new): a complete, empty listing
                    if first and not resumed:
                        self._response_date = self._valid_response_date(exc.root, url, ctx)
                    ctx.page_done({"token": None, "response_date": self._response_date})
                    return
                if exc.code == "badResumptionToken" and resumed and first:
                    ctx.warn("OAI-RESUME-EXPIRED", f"source {self.source_id!r}: stored resumptionToken was "
                             "rejected; listing restarts from the beginning", location=url)
                    token, resumed, self._response_date = None, False, None
                    continue
                raise
            except SourceError as exc:
                page_failed(self, ctx, exc, url, first=first)
                return
            listing = root.find(f"oai:{self.options.verb}", NS)
            if listing is None:
                found = [local_name(el) for el in root if local_name(el) not in ("responseDate", "request")]
                page_failed(self, ctx, SourceProtocolError(f"response has no {self.options.verb} element (found "
                                                           f"{found})", source_id=self.source_id, url=url),
                            url, first=first)
                return
            if guard.seen(body):
                repeated_page(self, ctx, url)
                return
            if first and not resumed:  # the server clock before our listing: next run's "from"
                self._response_date = self._valid_response_date(root, url, ctx)
            first = False
            if not unchanged:
                yield from self._page_refs(listing, url, ctx)
            next_token = (listing.findtext("oai:resumptionToken", default="", namespaces=NS) or "").strip()
            if next_token and next_token == token:
                repeated_page(self, ctx, url)
                return
            ctx.page_done({"token": next_token or None, "response_date": self._response_date})
            if not next_token:
                return
            token = next_token

    def _valid_response_date(self, root: etree._Element, url: str, ctx: GatherContext) -> Optional[str]:
        value = (root.findtext("oai:responseDate", default="", namespaces=NS) or "").strip()
        if _UTC_SECONDS.match(value) or re.match(r"^\d{4}-\d{2}-\d{2}$", value):
            return value
        ctx.warn("OAI-BAD-RESPONSEDATE", f"source {self.source_id!r}: responseDate {value!r} is not a UTC "
                 "datestamp; no incremental checkpoint from this run", location=url)
        return None

    def _page_refs(self, listing: etree._Element, url: str, ctx: GatherContext) -> Iterator[RemoteRef]:
        with_records = self.options.verb == "ListRecords"
        for item in listing.findall("oai:record" if with_records else "oai:header", NS):
            header = item.find("oai:header", NS) if with_records else item
            if header is None:
                ctx.incomplete(gather_issue(self, "OAI-NO-HEADER", "record without header skipped", url=url))
                continue
            identifier = (header.findtext("oai:identifier", default="", namespaces=NS) or "").strip()
            datestamp = (header.findtext("oai:datestamp", default="", namespaces=NS) or "").strip() or None
            deleted = header.get("status") == "deleted"
            if not identifier:
                if deleted:  # losing a deletion notice is harmless: the next full listing finds it
                    ctx.warn("OAI-NO-IDENTIFIER", f"source {self.source_id!r}: deleted header without identifier "
                             "ignored", location=url)
                else:
                    ctx.incomplete(gather_issue(self, "OAI-NO-IDENTIFIER", "record without identifier skipped",
                                                url=url))
                continue
            payload = None
            if with_records and not deleted:
                payload = to_standalone(item)
            yield RemoteRef(remote_id=identifier, modified=datestamp, url=url, payload=payload,
                            media_type=XML if payload is not None else None, deleted=deleted)

    # ------------------------------------------------------------------ fetch
    def fetch(self, ref: RemoteRef) -> SourceRecord:
        """The listing's payload, or ``GetRecord`` for refs from ``ListIdentifiers``.

        Raises RecordSkipped for a deleted ref and RecordInvalid when the repository answers
        with an OAI error or an unusable document for this identifier.
        """
        if ref.payload is not None:
            return super().fetch(ref)
        if ref.deleted:
            raise RecordSkipped(f"source {self.source_id!r}: record {ref.remote_id!r} is deleted at the source",
                                remote_id=ref.remote_id, code="OAI-DELETED")
        params = {"verb": "GetRecord", "identifier": ref.remote_id, "metadataPrefix": self.options.metadata_prefix}
        try:
            url, root, _, _ = self._get(params, None)
            record = root.find("oai:GetRecord/oai:record", NS)
            if record is None:
                raise SourceProtocolError("GetRecord response has no record", source_id=self.source_id, url=url)
        except SourceProtocolError as exc:
            raise RecordInvalid(exc.message, remote_id=ref.remote_id, code=getattr(exc, "code", "OAI-GETRECORD")) \
                from exc
        header = record.find("oai:header", NS)
        if header is not None and header.get("status") == "deleted":
            raise RecordSkipped(f"source {self.source_id!r}: record {ref.remote_id!r} is deleted at the source",
                                remote_id=ref.remote_id, code="OAI-DELETED")
        return SourceRecord(source_id=self.source_id, remote_id=ref.remote_id, media_type=XML,
                            content=to_standalone(record), url=url, meta=ref.meta)
