"""DCAT RDF source: a catalogue in any RDF syntax, one page or Hydra-paged.

Each page is fetched (conditional GET), its format detected (option, Content-Type, extension,
sniffing), parsed with pyoxigraph (``rdf_parse``) and cut into one N-Triples record per dataset
(``rdf_split``): ``RemoteRef(remote_id=<dataset IRI or dct:identifier>, payload=<subgraph>,
media_type="application/n-triples", meta=(("focus", <IRI>),), url=<page URL>)``.

Paging follows Hydra: ``hydra:next`` of a ``hydra:PartialCollectionView`` and the legacy
``hydra:nextPage`` of a ``hydra:PagedCollection`` (``http://www.w3.org/ns/hydra/core#``, also the
old ``purl.org/hydra`` namespace). A page repeating an earlier one, a next link pointing to the
page itself or ``max_pages`` ends paging. Catalogue-level publisher/language/licence found on one
page are inherited by datasets of later pages that have none.

Memory: a page is downloaded into an anonymous temporary file (deleted when closed) and parsed
from there, so a 100 MB dump is never in memory next to its parsed index; only the compact index
(``rdf_parse``) outlives the page's reading. A page over ``PAGE_CHILD_MIN_BYTES`` (8 MB) is parsed
and cut into records by a child process (``rdf_page_child``) that streams the records back: the
index lives and dies in the child (the job's process stays small, and a long-running daemon does not
keep the memory of its biggest dump), and the cut runs on another core while the job maps the records
already received. The records are the same, in the same order, as from an in-process reading, which
is also what happens when that child cannot do the work.

Failure behaviour: the first page failing (network, HTTP, unparseable, unsafe XML, HTML instead
of RDF) raises SourceUnavailable / SourceProtocolError naming the URL and the parser's message;
a later page failing marks the listing incomplete and keeps what was listed. A 304 page is not
parsed: the next link remembered from its last reading is followed (``page_memory``).
"""

from __future__ import annotations

import hashlib
import logging
import tempfile
from typing import Any, BinaryIO, Iterator, Literal, Optional, Union
from urllib.parse import urljoin, urlsplit

from pydantic import Field

from harvester.errors import SourceError, SourceProtocolError
from harvester.model.record import RemoteRef
from harvester.sources.base import GatherContext, PageGuard, Source, SourceOptions, fetch_page
from harvester.sources.gather_rules import (max_pages_reached, page_failed, repeated_page,
                                            stop_at_limit)
from harvester.sources.paging_support import UNKNOWN, recall_next, remember_next, warn
from harvester.sources.rdf_page_child import ChildPage, PageJob
from harvester.sources.rdf_parse import CHILD_PARSE_MIN_BYTES, RdfError, detect_format
from harvester.sources.rdf_split import CatalogDefaults, DatasetRecord, Splitter

logger = logging.getLogger(__name__)

NTRIPLES = "application/n-triples"
_UNCHANGED, _REPEATED = object(), object()
#: Pages larger than this are parsed and cut into records in a child process (``rdf_page_child``),
#: while the job maps the records already cut; below it, a process start (~0.1 s) is not worth it.
PAGE_CHILD_MIN_BYTES = CHILD_PARSE_MIN_BYTES
#: A parsed page: cut here, or by a child process.
Page = Union[Splitter, ChildPage]


class DcatRdfOptions(SourceOptions):
    """Options of a ``dcat-rdf`` source."""

    url: str = Field(description="catalogue URL (first page), http(s):// or file://")
    format: Optional[Literal["turtle", "xml", "json-ld", "nt", "n3", "nquads", "trig"]] = Field(
        None, description="force the syntax instead of detecting it")
    max_pages: Optional[int] = Field(1000, ge=1)
    include_series: bool = Field(True, description="list dcat:DatasetSeries as records too")
    max_triples_per_dataset: int = Field(50_000, ge=100, description="cap on one record's subgraph")


class DcatRdfSource(Source):
    """Lists the datasets of a DCAT catalogue published as RDF."""

    name = "dcat-rdf"
    options_model = DcatRdfOptions
    options: DcatRdfOptions

    def gather(self, ctx: GatherContext) -> Iterator[RemoteRef]:
        """Yield one ref per dataset of every page (see module docstring for failures)."""
        resume = ctx.resume or {}
        url: Optional[str] = resume.get("next") or self.options.url
        page = int(resume.get("page", 0))
        guard = PageGuard(self.options.max_pages)
        defaults = CatalogDefaults()
        seen: set[str] = set()
        while url and not stop_at_limit(ctx):
            if not guard.next_page_allowed():
                max_pages_reached(self, ctx, url, self.options.max_pages)
                return
            page += 1
            first = guard.pages == 1
            try:
                splitter = self._read_page(url, ctx, guard, defaults)
            except SourceError as exc:
                page_failed(self, ctx, exc, url, first=first)
                return
            if splitter is _REPEATED:
                repeated_page(self, ctx, url)
                return
            if splitter is _UNCHANGED:  # 304 and the successor is known: the page is not parsed
                nxt = recall_next(ctx, url)
                url = nxt["url"] if nxt else None
                continue
            try:
                next_url = self._next_url(splitter, url, ctx)
                own = splitter.catalog_defaults()
                defaults = own or defaults
                refs = self._refs(splitter, defaults, url, ctx, seen)
                yield from ctx.take(refs)
            except RdfError as exc:  # a child page that failed midway, and then the page here too
                page_failed(self, ctx, SourceProtocolError(f"cannot read {splitter.job.fmt} page: {exc}",
                                                           source_id=self.source_id, url=url), url, first=first)
                return
            finally:
                if isinstance(splitter, ChildPage):  # also when the listing stops early: the child ends
                    splitter.close()
            if next_url and stop_at_limit(ctx):
                return
            ctx.page_done({"next": next_url, "page": page})
            remember_next(ctx, url, {"url": next_url} if next_url else None)
            url = next_url

    def _read_page(self, url: str, ctx: GatherContext, guard: PageGuard, defaults: CatalogDefaults) -> Any:
        """Fetch and parse one page into a Splitter (a ``ChildPage`` for a big page, see
        ``rdf_page_child``; ``defaults``: the catalogue defaults of earlier pages); ``_UNCHANGED`` when
        it answered 304 and its successor is known, ``_REPEATED`` when its bytes equal an earlier page's.

        Raises SourceUnavailable / SourceProtocolError (the latter for unusable bodies).
        """
        spool = tempfile.TemporaryFile(prefix="harvester-rdf-")
        try:
            body = _Digesting(spool)
            resp = fetch_page(self, url, ctx, into=body)
            if resp.not_modified:
                if recall_next(ctx, url) is not UNKNOWN:
                    ctx.page_unchanged(url)
                    return _UNCHANGED
                spool.seek(0)
                spool.truncate()
                body = _Digesting(spool)
                resp = fetch_page(self, url, None, into=body)  # successor unknown: read the page once more
            # PageGuard hashes what it is given: the body's digest stands for the body.
            if guard.seen(body.digest.digest()):
                return _REPEATED
            fmt = "RDF"
            try:
                spool.seek(0)
                head = spool.read(4096)  # all that format detection looks at
                fmt = detect_format(head, content_type=resp.content_type, url=url, forced=self.options.format)
                job = PageJob(fmt, resp.url or url, resp.charset, self.options.url, self.options.include_series,
                              self.options.max_triples_per_dataset, defaults)
                if body.size > PAGE_CHILD_MIN_BYTES:
                    page = ChildPage.start(spool, job)
                    if page is not None:
                        spool = None  # the page's now: read on while its records are listed
                        return page
                splitter = job.splitter(spool)
            except RdfError as exc:
                raise SourceProtocolError(f"cannot read {fmt} page: {exc}", source_id=self.source_id,
                                          url=url) from None
        finally:
            if spool is not None:
                spool.close()
        # Only the index outlives this call: the body is gone while refs are yielded.
        return splitter

    def _next_url(self, splitter: Page, url: str, ctx: GatherContext) -> Optional[str]:
        links = [urljoin(url, link) for link in splitter.next_links()]
        links = [link for link in dict.fromkeys(links) if urlsplit(link).scheme in ("http", "https", "file")]
        if not links:
            return None
        if len(links) > 1:
            warn(self, ctx, "RDF-SEVERAL-NEXT", f"page names {len(links)} different next pages; following "
                 f"{links[0]}", url=url)
        if links[0] == url:
            warn(self, ctx, "GATHER-REPEATED-PAGE", "page names itself as the next page; paging stopped", url=url)
            return None
        return links[0]

    def _refs(self, splitter: Page, defaults: CatalogDefaults, url: str, ctx: GatherContext,
              seen: set[str]) -> Iterator[RemoteRef]:
        if not splitter.datasets:
            warn(self, ctx, "RDF-NO-DATASETS", "page holds no dcat:Dataset (nor a dataset linked by "
                 "dcat:dataset)", url=url)
        for record in splitter.records(defaults):
            if record.remote_id in seen:
                warn(self, ctx, "GATHER-DUPLICATE-ID", f"dataset {record.remote_id!r} appears twice; kept the "
                     "first", url=url)
                continue
            seen.add(record.remote_id)
            if record.truncated:
                warn(self, ctx, "RDF-SUBGRAPH-TRUNCATED", f"dataset {record.remote_id!r} reaches more than "
                     f"{self.options.max_triples_per_dataset} triples; record cut there", url=url)
            yield self._ref(record, url)

    @staticmethod
    def _ref(record: DatasetRecord, url: str) -> RemoteRef:
        return RemoteRef(remote_id=record.remote_id, modified=record.modified, url=url, payload=record.payload,
                         media_type=NTRIPLES, id_is_fallback=record.id_is_fallback,
                         meta=(("focus", record.focus),), parsed=record.terms)

    def checkpoint(self) -> Optional[dict[str, Any]]:
        return None  # RDF catalogues have no standard "modified since" query: every run lists all


class _Digesting:
    """A write-only view of the spool file that hashes the body on its way to disk."""

    def __init__(self, file: BinaryIO) -> None:
        self.file = file
        self.digest = hashlib.sha256()
        self.size = 0

    def write(self, data: bytes) -> int:
        self.digest.update(data)
        self.size += len(data)
        return self.file.write(data)
