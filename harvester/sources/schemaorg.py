"""Web pages carrying schema.org ``Dataset`` JSON-LD (source type ``schemaorg``).

Pages come from ``url`` (one page), ``urls`` (a list) or ``sitemap`` (a sitemap or sitemap index,
nested up to ``sitemap_depth``; gzip-compressed sitemaps too), optionally filtered by the ``include``
regular expression. A URL that answers with JSON instead of HTML is read as one JSON-LD block.

Every ``<script type="application/ld+json">`` block is read, leniently where that is safe: strict
JSON first, then with HTML comment markers, CDATA markers, JavaScript comments and trailing commas
removed outside strings, and control characters allowed inside strings. A block may hold one
object, a list, or an ``@graph``; a ``DataCatalog``'s ``dataset`` entries count too. ``@type`` may be
a string or a list, prefixed or not (``Dataset``, ``schema:Dataset``, ``https://schema.org/Dataset``;
case is ignored, with a warning when it is not ``Dataset``).

Payload: ONE Dataset object as JSON (``application/ld+json``) with ``@context`` kept (or inherited
from its container, or ``https://schema.org/``) and the page URL added as ``url`` if absent.
``remote_id``: ``@id``, else the first usable ``identifier`` (string, PropertyValue or list; checksums
skipped), else ``url``, else the page URL; DOIs are normalised to ``https://doi.org/...``.

Failures: a page without a Dataset is a warning; a page that cannot be fetched is an error issue
that makes the listing incomplete (for a single ``url`` it raises, as does a failing top sitemap);
a JSON-LD block that cannot be parsed makes the listing incomplete when the page yielded no
Dataset (it may have been in that block), else it is a warning.
"""

from __future__ import annotations

import gzip
import io
import json
import logging
import re
from typing import Any, ClassVar, Iterator, Optional
from urllib.parse import urljoin

from pydantic import Field, model_validator

from harvester.errors import SourceError, SourceProtocolError
from harvester.model.record import RemoteRef
from harvester.sources.base import GatherContext, PageGuard, Source, SourceOptions, fetch_page
from harvester.sources.gather_rules import gather_issue, get_listing_page, max_pages_reached, stop_at_limit
from harvester.sources.safe_xml import XmlError, looks_like_html, parse_html, parse_xml

logger = logging.getLogger(__name__)

MEDIA_TYPE = "application/ld+json"
DEFAULT_CONTEXT = "https://schema.org/"
_CHECKSUM_IDS = {"md5", "sha1", "sha-1", "sha256", "sha-256", "sha512", "checksum"}
_DOI = re.compile(r"^(?:doi:\s*|info:doi/|https?://(?:dx\.)?doi\.org/)?(10\.\d{4,9}/\S+)$", re.IGNORECASE)
_STRING = re.compile(r'"(?:[^"\\]|\\.)*"', re.DOTALL)
_JUNK = re.compile(r"//[^\n]*|/\*.*?\*/|<!--|-->|<!\[CDATA\[|\]\]>|[\x00-\x08\x0b\x0c\x0e-\x1f]", re.DOTALL)
_TRAILING_COMMA = re.compile(r",(\s*)(?=[}\]])")


class SchemaOrgOptions(SourceOptions):
    url: Optional[str] = None
    urls: Optional[list[str]] = None
    sitemap: Optional[str] = None
    include: Optional[str] = Field(None, description="regular expression a page URL must match (search)")
    sitemap_depth: int = Field(3, ge=0, le=10, description="how many nested sitemap indexes to follow")
    max_pages: Optional[int] = Field(None, ge=1)

    @model_validator(mode="after")
    def _one_origin(self) -> "SchemaOrgOptions":
        given = [name for name in ("url", "urls", "sitemap") if getattr(self, name)]
        if len(given) != 1:
            raise ValueError("give exactly one of url, urls, sitemap")
        if self.include:
            try:
                re.compile(self.include)  # a bad pattern fails at config load
            except re.error as exc:
                raise ValueError(f"include is not a valid regular expression: {exc}") from exc
        return self


# ---------------------------------------------------------------------------- JSON-LD text
def loads_lenient(text: str) -> Any:
    """Parse JSON as real sites write it; raises ValueError when even the relaxed text fails."""
    try:
        return json.loads(text, strict=False)
    except ValueError:
        pass
    parts: list[str] = []
    last = 0
    for match in _STRING.finditer(text):
        parts.append(_relax(text[last:match.start()]))
        parts.append(match.group(0))
        last = match.end()
    parts.append(_relax(text[last:]))
    return json.loads("".join(parts), strict=False)


def _relax(chunk: str) -> str:
    """Clean a stretch of JSON text that lies outside string literals."""
    return _TRAILING_COMMA.sub(r"\1", _JUNK.sub("", chunk))


def _is_dataset(obj: Any) -> Optional[str]:
    """The Dataset type spelling when ``obj`` is a schema.org Dataset, else None."""
    if not isinstance(obj, dict):
        return None
    for value in _as_list(obj.get("@type")):
        if isinstance(value, str) and re.split(r"[/#:]", value.strip())[-1].lower() == "dataset":
            return value
    return None


def _candidates(block: Any, context: Any = None) -> Iterator[tuple[dict[str, Any], Any]]:
    """Top-level objects of a JSON-LD block with their inherited @context (lists, @graph, catalogues)."""
    if isinstance(block, list):
        for item in block:
            yield from _candidates(item, context)
        return
    if not isinstance(block, dict):
        return
    context = block.get("@context", context)
    if isinstance(block.get("@graph"), list):
        yield from _candidates(block["@graph"], context)
    yield block, context
    types = block.get("@type")
    if any(isinstance(t, str) and t.lower().endswith("datacatalog") for t in _as_list(types)):
        for item in _as_list(block.get("dataset")):
            if isinstance(item, dict):
                yield item, context


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def normalise_id(value: str) -> str:
    """DOIs in any common spelling become ``https://doi.org/<doi>``; other ids are kept as given."""
    match = _DOI.match(value.strip())
    return f"https://doi.org/{match.group(1)}" if match else value.strip()


def _identifier(value: Any) -> Optional[str]:
    """First usable string of a schema.org ``identifier`` (text, URL, PropertyValue or a list)."""
    if isinstance(value, str):
        return value.strip() or None
    if isinstance(value, list):
        for item in value:
            found = _identifier(item)
            if found:
                return found
        return None
    if isinstance(value, dict):
        if str(value.get("propertyID", "")).strip().lower() in _CHECKSUM_IDS:
            return None
        for key in ("value", "@id", "url"):
            found = _identifier(value.get(key))
            if found:
                return found
    return None


def dataset_id(obj: dict[str, Any], page: str) -> Optional[str]:
    """``@id``, else ``identifier``, else ``url`` (relative ids resolved against the page URL)."""
    node_id = obj.get("@id")
    if isinstance(node_id, str) and node_id.strip() and not node_id.startswith("_:"):
        return normalise_id(urljoin(page, node_id.strip()))
    found = _identifier(obj.get("identifier"))
    if found:
        return normalise_id(found)
    url = obj.get("url")
    if isinstance(url, str) and url.strip():
        return normalise_id(urljoin(page, url.strip()))
    return None


# ---------------------------------------------------------------------------- source
class SchemaOrgSource(Source):
    """See the module docstring."""

    name: ClassVar[str] = "schemaorg"
    options_model: ClassVar[type[SourceOptions]] = SchemaOrgOptions
    options: SchemaOrgOptions

    def gather(self, ctx: GatherContext) -> Iterator[RemoteRef]:
        yield from ctx.take(self._refs(ctx))

    def _refs(self, ctx: GatherContext) -> Iterator[RemoteRef]:
        opts = self.options
        pages = [opts.url] if opts.url else list(opts.urls or []) if opts.urls else self._sitemap_pages(ctx)
        if opts.include:
            pages = [p for p in pages if re.search(opts.include, p)]
        if not pages:
            # An empty listing would read as "every dataset was removed": refuse it instead.
            raise SourceProtocolError("no page URLs to harvest (empty sitemap or nothing matches include)",
                                      source_id=self.source_id, url=opts.sitemap or opts.url)
        start = int((ctx.resume or {}).get("next") or 0)
        guard = PageGuard(opts.max_pages)
        seen: set[str] = set()
        failures: list[SourceError] = []
        for index in range(start, len(pages)):
            page = pages[index]
            if stop_at_limit(ctx):
                return
            if not guard.next_page_allowed():
                max_pages_reached(self, ctx, page, opts.max_pages)
                return
            try:
                resp = fetch_page(self, page, ctx)
            except SourceError as exc:
                if opts.url:
                    raise
                failures.append(exc)
                ctx.incomplete(gather_issue(self, "SCHEMAORG-PAGE", f"page skipped: {exc.reason}", url=page))
            else:
                if resp.not_modified:
                    ctx.page_unchanged(page)
                else:
                    yield from self._page_refs(resp.content, resp.charset, page, ctx, seen)
            ctx.page_done({"next": index + 1})
        if failures and len(failures) == len(pages) - start:
            raise failures[-1]

    def _page_refs(self, content: bytes, charset: Optional[str], page: str, ctx: GatherContext,
                   seen: set[str]) -> Iterator[RemoteRef]:
        blocks, bad = self._blocks(content, charset)
        found = 0
        for block in blocks:
            for obj, context in _candidates(block):
                spelled = _is_dataset(obj)
                if not spelled:
                    continue
                found += 1
                if re.split(r"[/#:]", spelled.strip())[-1] != "Dataset":
                    ctx.warn("SCHEMAORG-TYPE", f"source {self.source_id!r}: @type {spelled!r} read as Dataset",
                             location=page)
                ref = self._ref(obj, context, page, found, ctx, seen)
                if ref is not None:
                    yield ref
        for reason in bad:
            issue = gather_issue(self, "SCHEMAORG-BAD-JSONLD", f"JSON-LD block not readable: {reason}", url=page)
            if found:
                ctx.warn(issue.code, issue.message, location=page)
            else:
                ctx.incomplete(issue)
        if not found and not bad:
            ctx.warn("SCHEMAORG-NO-DATASET", f"source {self.source_id!r}: page has no schema.org Dataset",
                     location=page)

    def _blocks(self, content: bytes, charset: Optional[str]) -> tuple[list[Any], list[str]]:
        """Parsed JSON-LD blocks of a page (or of a bare JSON-LD document) and parse failures."""
        head = content.lstrip(b"\xef\xbb\xbf \t\r\n")
        if head[:1] in (b"{", b"["):
            texts = [content.decode("utf-8-sig", errors="replace")]  # JSON is UTF-8 (RFC 8259)
        elif looks_like_html(content) or b"ld+json" in content:
            try:
                doc = parse_html(content, what="page", charset=charset)
            except XmlError as exc:
                return [], [str(exc)]
            texts = [script.text_content() for script in doc.xpath("//script[@type]")
                     if script.get("type", "").split(";")[0].strip().lower() == MEDIA_TYPE]
        else:
            return [], []
        blocks: list[Any] = []
        bad: list[str] = []
        for number, text in enumerate(texts, start=1):
            if not text.strip():
                continue
            try:
                blocks.append(loads_lenient(text))
            except ValueError as exc:
                bad.append(f"block {number}: {exc}")
        return blocks, bad

    def _ref(self, obj: dict[str, Any], context: Any, page: str, number: int, ctx: GatherContext,
             seen: set[str]) -> Optional[RemoteRef]:
        remote_id = dataset_id(obj, page)
        fallback = False
        if remote_id is None:
            remote_id = page if page not in seen else f"{page}#dataset-{number}"
            fallback = remote_id != page
        if remote_id in seen:
            ctx.warn("SCHEMAORG-DUPLICATE", f"source {self.source_id!r}: Dataset {remote_id!r} seen again; "
                     "later copy skipped", location=page, remote_id=remote_id)
            return None
        seen.add(remote_id)
        record = dict(obj)
        record.setdefault("@context", context if context is not None else DEFAULT_CONTEXT)
        record.setdefault("url", page)
        payload = json.dumps(record, ensure_ascii=False).encode("utf-8")
        modified = obj.get("dateModified") if isinstance(obj.get("dateModified"), str) else None
        return RemoteRef(remote_id=remote_id, modified=modified, url=page, payload=payload, media_type=MEDIA_TYPE,
                         id_is_fallback=fallback)

    # ---------------------------------------------------------------------------- sitemaps
    def _sitemap_pages(self, ctx: GatherContext) -> list[str]:
        """Page URLs of the sitemap (and nested sitemaps); the top sitemap failing raises."""
        pages: list[str] = []
        visited: set[str] = set()
        queue = [(self.options.sitemap or "", 0)]
        while queue:
            url, depth = queue.pop(0)
            if url in visited:
                continue
            visited.add(url)
            try:
                root = self._sitemap(url, ctx)
            except SourceError as exc:
                if depth == 0:
                    raise
                ctx.incomplete(gather_issue(self, "SCHEMAORG-SITEMAP", f"nested sitemap skipped: {exc.reason}",
                                            url=url))
                continue
            for loc in root.xpath("//*[local-name()='url']/*[local-name()='loc']/text()"):
                if loc.strip() and loc.strip() not in pages:
                    pages.append(loc.strip())
            for loc in root.xpath("//*[local-name()='sitemap']/*[local-name()='loc']/text()"):
                if depth < self.options.sitemap_depth:
                    queue.append((loc.strip(), depth + 1))
                else:
                    ctx.incomplete(gather_issue(self, "SCHEMAORG-SITEMAP-DEPTH",
                                                f"nested sitemap {loc.strip()} beyond sitemap_depth not read", url=url))
        return pages

    def _sitemap(self, url: str, ctx: GatherContext) -> Any:
        resp, _ = get_listing_page(self, url, ctx)
        content = resp.content
        if content[:2] == b"\x1f\x8b":
            content = self._gunzip(content, url)
        try:
            return parse_xml(content, what="sitemap")
        except XmlError as exc:
            raise SourceProtocolError(str(exc), source_id=self.source_id, url=url) from exc

    def _gunzip(self, content: bytes, url: str) -> bytes:
        """Decompress a gzip sitemap, refusing output beyond the HTTP size cap (gzip bombs)."""
        limit = self.http.policy.max_bytes
        try:
            with gzip.GzipFile(fileobj=io.BytesIO(content)) as stream:
                data = stream.read(limit + 1)
        except (OSError, EOFError) as exc:
            raise SourceProtocolError(f"broken gzip sitemap: {exc}", source_id=self.source_id, url=url) from exc
        if len(data) > limit:
            raise SourceProtocolError(f"gzip sitemap expands beyond {limit} bytes", source_id=self.source_id, url=url)
        return data
