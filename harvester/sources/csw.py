"""CSW 2.0.2 catalogues, single ISO 19139 documents and WAF folders (source type ``csw``).

Three ways to reach ISO 19139 / 19115-2 metadata, chosen by ``mode``:

* ``csw`` — GetRecords (KVP GET) paged with ``startPosition``/``nextRecord``; ``nextRecord=0`` or a
  position past ``numberOfRecordsMatched`` ends the listing. ``output_schema`` selects ISO (gmd,
  default) or Dublin Core ``csw:Record``. Optional CQL ``constraint``, or ``{"modified_since": true}``
  for incremental runs (``apiso:Modified >= checkpoint - safety_lag``).
* ``document`` — one URL serving an ISO record (or a GetRecordById / GetRecords response file).
* ``waf`` — an HTML folder listing ("web accessible folder"); every linked ``*.xml`` is harvested,
  and one file's failure is an issue, never fatal.
* ``auto`` (default) — a URL with ``request=``/``service=`` in its query is CSW; otherwise the URL is
  fetched once: an ISO record or CSW response document → document, an HTML page listing ``.xml``
  links → WAF, anything else → CSW.

Payload: each ``gmd:MD_Metadata`` / ``gmi:MI_Metadata`` (or profile root with ``gco:isoType``, or
``csw:Record``) serialised as a standalone XML document, ``application/xml``. ``remote_id`` is the
``gmd:fileIdentifier`` (``dc:identifier`` for csw:Record); without it a content hash is used and
``id_is_fallback`` set. ``modified`` is ``gmd:dateStamp`` (``dct:modified``).

OWSLib is not used: its requests bypass our ``HttpClient`` session (module-level ``openURL``), and
building the GetRecords KVP request ourselves is short and predictable.

Failures: an ``ows:ExceptionReport`` or an unusable answer raises ``SourceProtocolError`` on the first
page and makes later pages an ``incomplete`` issue (paging stops); a record element of the wrong
kind is an error issue (listing incomplete) and the rest of its page is still harvested.
"""

from __future__ import annotations

import hashlib
import logging
from datetime import datetime, timedelta, timezone
from typing import Any, ClassVar, Final, Iterator, Literal, Optional, Union
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from lxml import etree
from pydantic import BaseModel, ConfigDict, Field

from harvester.errors import RecordInvalid, SourceError, SourceProtocolError
from harvester.model.record import RemoteRef, SourceRecord
from harvester.sources.base import GatherContext, PageGuard, Source, SourceOptions, fetch_page
from harvester.sources.gather_rules import (gather_issue, get_listing_page, max_pages_reached, page_failed,
                                            page_url, repeated_page, stop_at_limit)
from harvester.sources.safe_xml import (UnsafeXml, XmlError, local_name, looks_like_html, parse_html, parse_xml,
                                        to_standalone)

logger = logging.getLogger(__name__)

GMD: Final = "http://www.isotc211.org/2005/gmd"
GMI = "http://www.isotc211.org/2005/gmi"
GCO = "http://www.isotc211.org/2005/gco"
CSW = "http://www.opengis.net/cat/csw/2.0.2"
DC = "http://purl.org/dc/elements/1.1/"
DCT = "http://purl.org/dc/terms/"
NS = {"gmd": GMD, "gco": GCO, "csw": CSW, "dc": DC, "dct": DCT}
ISO_ROOTS = {"MD_Metadata", "MI_Metadata"}
CSW_RECORDS = {"Record", "SummaryRecord", "BriefRecord"}
XML = "application/xml"
_OWN_PARAMS = {"service", "version", "request", "typenames", "namespace", "resulttype", "elementsetname",
               "outputschema", "startposition", "maxrecords", "constraintlanguage", "constraint_language_version",
               "constraint", "id"}


class ModifiedSince(BaseModel):
    """``constraint: {modified_since: true}`` — incremental harvest from the last complete run."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    modified_since: bool = True


class CswOptions(SourceOptions):
    url: str
    mode: Literal["auto", "csw", "document", "waf"] = "auto"
    output_schema: Literal["http://www.isotc211.org/2005/gmd", "http://www.opengis.net/cat/csw/2.0.2"] = GMD
    type_names: Optional[str] = Field(None, description="default gmd:MD_Metadata, or csw:Record for the csw schema")
    page_size: int = Field(50, ge=1, le=1000)
    constraint: Union[str, ModifiedSince, None] = None
    safety_lag_seconds: int = Field(3600, ge=0, description="subtracted from the checkpoint in incremental runs")
    max_pages: Optional[int] = Field(None, ge=1)


def _text(el: etree._Element, path: str) -> Optional[str]:
    found = el.xpath(f"normalize-space(({path})[1])", namespaces=NS)
    return found or None


class CswSource(Source):
    """See the module docstring."""

    name: ClassVar[str] = "csw"
    options_model: ClassVar[type[SourceOptions]] = CswOptions
    options: CswOptions

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._started: Optional[str] = None

    @property
    def _iso(self) -> bool:
        return self.options.output_schema == GMD

    # ------------------------------------------------------------------ gather
    def gather(self, ctx: GatherContext) -> Iterator[RemoteRef]:
        resume = ctx.resume or {}
        self._started = resume.get("started") or datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
        yield from ctx.take(self._refs(ctx, resume))

    def checkpoint(self) -> Optional[dict[str, Any]]:
        if isinstance(self.options.constraint, ModifiedSince) and self.options.constraint.modified_since:
            return {"modified_since": self._started} if self._started else None
        return None

    def _refs(self, ctx: GatherContext, resume: dict[str, Any]) -> Iterator[RemoteRef]:
        mode, url = self.options.mode, self.options.url
        if mode == "auto":
            query = urlsplit(url).query.lower()
            if "request=" in query or "service=csw" in query:
                mode = "csw"
            else:
                yield from self._probe(ctx, resume)
                return
        if mode == "csw":
            yield from self._csw(ctx, resume)
            return
        if mode == "document":
            resp = fetch_page(self, url, ctx)
            if resp.not_modified:
                ctx.page_unchanged(url)
            else:
                yield from self._document(self._parse(resp.content, url, "ISO document"), url, ctx, first=True)
            return
        resp, _ = get_listing_page(self, url, ctx)
        yield from self._waf(resp.content, resp.url or url, ctx, resume)

    def _probe(self, ctx: GatherContext, resume: dict[str, Any]) -> Iterator[RemoteRef]:
        """Fetch the URL once and decide: document, WAF listing, or CSW endpoint."""
        url = self.options.url
        try:
            resp, unchanged = get_listing_page(self, url, ctx)
        except SourceProtocolError:  # e.g. 400 for a bare CSW endpoint without parameters
            yield from self._csw(ctx, resume)
            return
        if looks_like_html(resp.content):
            if self._xml_links(resp.content, resp.url or url):
                yield from self._waf(resp.content, resp.url or url, ctx, resume)
            else:
                yield from self._csw(ctx, resume)
            return
        try:
            root = parse_xml(resp.content, what="document")
        except UnsafeXml as exc:
            raise SourceProtocolError(str(exc), source_id=self.source_id, url=url) from exc
        except XmlError:
            root = None
        if root is not None and self._records(root) is not None:
            if not unchanged:
                yield from self._document(root, url, ctx, first=True)
            return
        yield from self._csw(ctx, resume)

    # ------------------------------------------------------------------ CSW paging
    def _endpoint(self) -> str:
        """The configured URL without the request parameters we set ourselves (no duplicate keys)."""
        parts = urlsplit(self.options.url)
        kept = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k.lower() not in _OWN_PARAMS]
        return urlunsplit(parts._replace(query=urlencode(kept)))

    def _getrecords_params(self, start: int, cql: Optional[str]) -> dict[str, Any]:
        type_names = self.options.type_names or ("gmd:MD_Metadata" if self._iso else "csw:Record")
        params: dict[str, Any] = {
            "service": "CSW", "version": "2.0.2", "request": "GetRecords", "typeNames": type_names,
            "namespace": f"xmlns(gmd={GMD})" if self._iso else f"xmlns(csw={CSW})",
            "resultType": "results", "elementSetName": "full", "outputSchema": self.options.output_schema,
            "startPosition": start, "maxRecords": self.options.page_size,
        }
        if cql:
            params.update(constraintLanguage="CQL_TEXT", constraint_language_version="1.1.0", constraint=cql)
        return params

    def _constraint(self, ctx: GatherContext) -> Optional[str]:
        constraint = self.options.constraint
        if isinstance(constraint, str):
            return constraint
        if constraint is None or not constraint.modified_since or ctx.full or not ctx.checkpoint:
            return None
        since = ctx.checkpoint.get("modified_since")
        if not since:
            return None
        try:
            when = datetime.fromisoformat(str(since).replace("Z", "+00:00"))
        except ValueError:
            ctx.warn("CSW-BAD-CHECKPOINT", f"source {self.source_id!r}: checkpoint {since!r} is not a date; "
                     "running a full listing")
            return None
        when = when.astimezone(timezone.utc) if when.tzinfo else when.replace(tzinfo=timezone.utc)
        when -= timedelta(seconds=self.options.safety_lag_seconds)
        field = "apiso:Modified" if self._iso else "dct:modified"
        return f"{field} >= '{when.strftime('%Y-%m-%dT%H:%M:%SZ')}'"

    def _csw(self, ctx: GatherContext, resume: dict[str, Any]) -> Iterator[RemoteRef]:
        start = int(resume.get("start") or 1)
        guard = PageGuard(self.options.max_pages)
        cql, endpoint = self._constraint(ctx), self._endpoint()
        first = True
        while True:
            if stop_at_limit(ctx):
                return
            url = page_url(endpoint, self._getrecords_params(start, cql))
            if not guard.next_page_allowed():
                max_pages_reached(self, ctx, url, self.options.max_pages)
                return
            try:
                resp, unchanged = get_listing_page(self, url, ctx)
                root = self._parse(resp.content, url, "CSW GetRecords response")
                results = root.find(f"{{{CSW}}}SearchResults")
                if local_name(root) != "GetRecordsResponse" or results is None:
                    raise SourceProtocolError(f"not a CSW GetRecordsResponse (root element {local_name(root)!r})",
                                              source_id=self.source_id, url=url)
            except SourceError as exc:
                page_failed(self, ctx, exc, url, first=first)
                return
            if guard.seen(resp.content):
                repeated_page(self, ctx, url)
                return
            first = False
            records = [el for el in results if isinstance(el.tag, str)]
            if not unchanged:
                for el in records:
                    ref = self._ref(el, url, ctx)
                    if ref is not None:
                        yield ref
            following = self._next_position(results, start, len(records), url, ctx)
            ctx.page_done({"start": following, "started": self._started})
            if following is None:
                return
            start = following

    def _next_position(self, results: etree._Element, start: int, count: int, url: str,
                       ctx: GatherContext) -> Optional[int]:
        """Where the next page starts, or None when the listing is complete."""
        def attr(name: str) -> Optional[int]:
            value = (results.get(name) or "").strip()
            return int(value) if value.isdigit() else None

        matched, following = attr("numberOfRecordsMatched"), attr("nextRecord")
        returned = attr("numberOfRecordsReturned")
        returned = count if returned is None else returned
        if following is None:
            following = start + returned if returned else 0
        elif 0 < following <= start:
            # The server would send us back to the same page: step past what it returned instead.
            ctx.warn("CSW-BAD-NEXTRECORD", f"source {self.source_id!r}: nextRecord={following} does not advance "
                     f"past startPosition={start}", location=url)
            following = start + returned if returned else 0
        if following == 0 or (matched is not None and following > matched):
            return None
        return following

    # ------------------------------------------------------------------ documents and WAF
    def _document(self, root: etree._Element, url: str, ctx: GatherContext, *, first: bool) -> Iterator[RemoteRef]:
        records = self._records(root)
        if records is None:
            exc = SourceProtocolError(f"not an ISO 19139 record or CSW response (root element {local_name(root)!r})",
                                      source_id=self.source_id, url=url)
            if first:
                raise exc
            ctx.warn("CSW-NOT-ISO", str(exc), location=url)
            return
        for el in records:
            ref = self._ref(el, url, ctx)
            if ref is not None:
                yield ref

    def _xml_links(self, content: bytes, base: str) -> list[str]:
        """Absolute URLs of the ``*.xml`` files a WAF listing links to, in page order, once each."""
        try:
            doc = parse_html(content, what="WAF listing")
        except XmlError:
            return []
        doc.make_links_absolute(base, resolve_base_href=True, handle_failures="discard")
        links: list[str] = []
        for href in doc.xpath("//a/@href"):
            target = str(href).strip()
            if urlsplit(target).path.lower().endswith(".xml") and target not in links:
                links.append(target)
        return links

    def _waf(self, content: bytes, url: str, ctx: GatherContext, resume: dict[str, Any]) -> Iterator[RemoteRef]:
        links = self._xml_links(content, url)
        if not links:
            raise SourceProtocolError("WAF listing has no links to .xml files", source_id=self.source_id, url=url)
        guard = PageGuard(self.options.max_pages)
        for index in range(int(resume.get("file") or 0), len(links)):
            link = links[index]
            if stop_at_limit(ctx):
                return
            if not guard.next_page_allowed():
                max_pages_reached(self, ctx, link, self.options.max_pages)
                return
            try:
                resp = fetch_page(self, link, ctx)
                if resp.not_modified:
                    ctx.page_unchanged(link)
                else:
                    root = self._parse(resp.content, link, "WAF file")
                    yield from self._document(root, link, ctx, first=False)
            except SourceError as exc:
                ctx.incomplete(gather_issue(self, "CSW-WAF-FILE", f"WAF file skipped: {exc.reason}", url=link))
            ctx.page_done({"file": index + 1, "started": self._started})

    # ------------------------------------------------------------------ records
    def _parse(self, content: bytes, url: str, what: str) -> etree._Element:
        """Parse safely; raise SourceProtocolError for bad XML or an OWS exception report."""
        try:
            root = parse_xml(content, what=what)
        except XmlError as exc:
            raise SourceProtocolError(str(exc), source_id=self.source_id, url=url) from exc
        if local_name(root) == "ExceptionReport":
            texts = [" ".join(t.split()) for t in root.xpath("//*[local-name()='ExceptionText']/text()")]
            codes = root.xpath("//*[local-name()='Exception']/@exceptionCode")
            detail = "; ".join(t for t in texts if t) or "no exception text"
            raise SourceProtocolError(f"CSW exception {', '.join(codes) or 'report'}: {detail}",
                                      source_id=self.source_id, url=url)
        return root

    def _is_record(self, el: etree._Element) -> bool:
        if not self._iso:
            return etree.QName(el).namespace == CSW and local_name(el) in CSW_RECORDS
        if local_name(el) in ISO_ROOTS and etree.QName(el).namespace in (GMD, GMI):
            return True  # (ISO 19115-3 mdb:MD_Metadata is not ISO 19139: refused, readers expect gmd)
        iso_type = el.get(f"{{{GCO}}}isoType") or ""
        return iso_type.rpartition(":")[2] in ISO_ROOTS  # profile roots such as che:CHE_MD_Metadata

    def _records(self, root: etree._Element) -> Optional[list[etree._Element]]:
        """The record elements of a document, or None when it is neither a record nor a CSW response."""
        if self._is_record(root):
            return [root]
        if local_name(root) == "GetRecordByIdResponse":
            return [el for el in root if isinstance(el.tag, str)]
        results = root.find(f"{{{CSW}}}SearchResults")
        if local_name(root) == "GetRecordsResponse" and results is not None:
            return [el for el in results if isinstance(el.tag, str)]
        return None

    def _ref(self, el: etree._Element, url: str, ctx: GatherContext) -> Optional[RemoteRef]:
        """A RemoteRef for one record element; an unexpected element is an issue (listing incomplete)."""
        if not self._is_record(el):
            expected = "gmd:MD_Metadata / gmi:MI_Metadata" if self._iso else "csw:Record"
            ctx.incomplete(gather_issue(self, "CSW-UNEXPECTED-RECORD",
                                        f"record element {el.tag!r} skipped (expected {expected})", url=url))
            return None
        payload = to_standalone(el)
        if self._iso:
            found = _text(el, "gmd:fileIdentifier/*")
            modified = _text(el, "gmd:dateStamp/gco:DateTime | gmd:dateStamp/gco:Date | gmd:dateStamp/*")
        else:
            found = _text(el, "dc:identifier")
            modified = _text(el, "dct:modified | dc:date")
        fallback = found is None
        remote_id = found or "sha256-" + hashlib.sha256(payload).hexdigest()[:32]
        if fallback:
            ctx.warn("CSW-NO-FILEIDENTIFIER", f"source {self.source_id!r}: record without identifier; "
                     f"using content hash {remote_id} (not stable across edits)", location=url, remote_id=remote_id)
        return RemoteRef(remote_id=remote_id, modified=modified, url=url, payload=payload, media_type=XML,
                         id_is_fallback=fallback)

    # ------------------------------------------------------------------ fetch by id
    def fetch(self, ref: RemoteRef) -> SourceRecord:
        """The listing's payload, or a GetRecordById request when the ref carries none."""
        if ref.payload is not None:
            return super().fetch(ref)
        params = {"service": "CSW", "version": "2.0.2", "request": "GetRecordById", "id": ref.remote_id,
                  "elementSetName": "full", "outputSchema": self.options.output_schema}
        url = page_url(self._endpoint(), params)
        try:
            root = self._parse(fetch_page(self, url).content, url, "CSW GetRecordById response")
        except SourceProtocolError as exc:
            raise RecordInvalid(exc.message, remote_id=ref.remote_id, code="CSW-GETRECORDBYID") from exc
        for el in self._records(root) or []:
            if self._is_record(el):
                return SourceRecord(source_id=self.source_id, remote_id=ref.remote_id, media_type=XML,
                                    content=to_standalone(el), url=url, meta=ref.meta)
        raise RecordInvalid(f"source {self.source_id!r}: GetRecordById returned no record for {ref.remote_id!r}",
                            remote_id=ref.remote_id, code="CSW-GETRECORDBYID")
