"""Route handlers of the RDF resources: the paged catalogue, the full dump, and single datasets.

``/catalog`` (+ ``.ttl|.rdf|.jsonld|.nt``), ``?page=N`` (1-based, default 1) or ``?page=all``,
the filters of ``harvester.feed.filters``, and ``after=<token>`` (set by ``next`` links: the page
starts strictly after that record, which keeps a crawl complete while the store changes).

A page request costs at most one index probe for the store snapshot; with a warm cache nothing
else. The ETag is computed before anything is rendered, so a revalidation is a 304 without
rendering. Pages are cached gzip-compressed per (snapshot, filters, start position, format, link
base); see ``harvester.feed.pageflow``. ``page=all`` streams the whole filtered catalogue
(``Renderer.stream``: flat memory, chunked transfer, gzip on the fly).

``/dataset/{source_id}/{remote_id}`` (+ extension) dereferences minted dataset URIs;
``/dataset/{slug}`` finds a dataset whose original IRI is ``{base_uri}/dataset/{slug}``;
``/dataset?uri=<IRI>`` finds any dataset by its stable URI. A withdrawn dataset answers 410 Gone.

Failure behaviour: bad parameters → 400, unknown page or dataset → 404, unacceptable ``Accept``
→ 406 (all as problem+json).
"""

from __future__ import annotations

import logging
from typing import Any, Optional

from harvester.feed.conditional import is_not_modified, make_etag
from harvester.feed.context import FeedContext
from harvester.feed.filters import FeedQuery, parse_filters
from harvester.feed.negotiate import BY_EXT, RdfFormat, negotiate, split_ext
from harvester.feed.pageflow import serve_page
from harvester.feed.paging import PageLinks, PagePlan, hydra_triples
from harvester.feed.queries import FeedQueries
from harvester.feed.render import content_key
from harvester.feed.wsgi import HttpError, Request, Response
from harvester.feed.formats import Triple
from harvester.store import RecordRow

logger = logging.getLogger(__name__)


def catalog(ctx: FeedContext, req: Request, ext: Optional[str] = None) -> Response:
    """GET /catalog[.ext]: one page, or the whole catalogue with ``page=all``."""
    ext_format = BY_EXT.get(ext) if ext else None
    if ext and ext_format is None:
        raise HttpError(404, f"unknown catalogue format .{ext}; use .ttl, .rdf, .jsonld or .nt")
    fmt, negotiated = negotiate(req, ext_format)
    query = parse_filters(req, ctx.access)
    vary = ("Accept",) if negotiated else ()
    if req.arg("page") == "all":
        return _dump(ctx, req, fmt, query, vary)

    def render(rows: list[RecordRow], plan: PagePlan, next_after: Optional[str]) -> bytes:
        links = _links(req, fmt, query, plan, next_after)
        return ctx.renderer.page(fmt.ext, rows, hydra_triples(ctx.catalog.uri, links, plan.total,
                                                               ctx.config.page_size) + quality_extra(ctx, rows))

    headers: tuple[tuple[str, str], ...] = ()
    if negotiated:
        page = req.arg("page") or "1"
        headers = (("Content-Location", _catalog_url(req, fmt, query, page, req.arg("after"))),)
    return serve_page(ctx, req, query, kind="catalog", variant=fmt.ext, media_type=fmt.content_type,
                      render=render, vary=vary, headers=headers)


def _catalog_url(req: Request, fmt: RdfFormat, query: FeedQuery, page: object, after: Optional[str] = None) -> str:
    params = [*query.params, ("page", str(page))]
    if after:
        params.append(("after", after))
    return req.url(f"/catalog.{fmt.ext}", params)


def _links(req: Request, fmt: RdfFormat, query: FeedQuery, plan: PagePlan, next_after: Optional[str]) -> PageLinks:
    # The page node is "?page=N" also when reached through a next link, so both share the cache.
    return PageLinks(
        this=_catalog_url(req, fmt, query, plan.page),
        first=_catalog_url(req, fmt, query, 1),
        last=_catalog_url(req, fmt, query, plan.last),
        next=_catalog_url(req, fmt, query, plan.page + 1, next_after) if next_after else None,
        previous=_catalog_url(req, fmt, query, plan.page - 1) if plan.page > 1 else None,
    )


def _dump(ctx: FeedContext, req: Request, fmt: RdfFormat, query: FeedQuery, vary: tuple[str, ...]) -> Response:
    snap = ctx.snapshot()
    etag = make_etag(snap.token, "all", ctx.seed, query.key, ctx.access, fmt.ext)
    if is_not_modified(req.environ, etag, snap.modified):
        return Response(304, b"", etag=etag, last_modified=snap.modified, vary=vary)
    if req.method == "HEAD":
        return Response(200, iter(()), fmt.content_type, etag=etag, last_modified=snap.modified, vary=vary)
    rows = ctx.store.iter_datasets(filters=query.filter)
    body = ctx.renderer.stream(fmt.ext, rows, [])
    return Response(200, body, fmt.content_type, etag=etag, last_modified=snap.modified, vary=vary)


def dataset(ctx: FeedContext, req: Request, id: Optional[str] = None) -> Response:
    """GET /dataset/{id}[.ext] and /dataset?uri=IRI: one dataset."""
    ext_format: Optional[RdfFormat] = None
    with ctx.queries.read() as conn:
        if id is None:
            uri = req.arg("uri")
            if not uri:
                raise HttpError(400, "give a dataset id in the path (/dataset/{source}/{remote_id}) or ?uri=")
            row = FeedQueries.record_by_uri(conn, uri)
            what = uri
        else:
            raw, ext_format = split_ext(id)
            row = ctx.find(conn, raw)
            if row is None and ext_format is not None:  # the id itself may end in ".ttl"
                row, ext_format = ctx.find(conn, id), None
            what = raw
    row = ctx.require_visible(row, what)
    fmt, negotiated = negotiate(req, ext_format)
    vary = ("Accept",) if negotiated else ()
    etag = make_etag("dataset", ctx.seed, content_key(row), fmt.ext)
    if is_not_modified(req.environ, etag, row.updated_at):
        return Response(304, b"", etag=etag, last_modified=row.updated_at, vary=vary)
    body = ctx.renderer.dataset(fmt.ext, row)
    return Response(200, body, fmt.content_type, etag=etag, last_modified=row.updated_at, vary=vary)


def quality_extra(ctx: Any, rows: list[RecordRow]) -> list[Triple]:
    """DQV quality measurements (dqv:hasQualityMeasurement) of the page's datasets, from the newest stored
    score of each record that is not older than the record itself. One query per page; a failure to read
    scores leaves the page without them (it must still be served)."""
    from harvester.quality.dqv import quality_triples
    from harvester.quality.history import latest_scores_for

    try:
        scores = latest_scores_for(ctx.store, [(r.source_id, r.remote_id) for r in rows])
    except Exception:  # noqa: BLE001 - quality is an addition to the page, never a reason to fail it
        logger.exception("feed: quality scores unavailable for this page")
        return []
    triples: list[Triple] = []
    for row in rows:
        stored = scores.get((row.source_id, row.remote_id))
        if stored is not None and row.stable_uri and (row.updated_at is None or stored.computed_at >= row.updated_at):
            triples += quality_triples(row.stable_uri, stored.score, computed_at=stored.computed_at)
    return triples
