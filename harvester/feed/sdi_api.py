"""``/api/sdi/datasets``: the catalogue in the national standard's field names (SDI JSON).

For portals that want SDI records (``harvester.profiles.sdi``; shape documented by
``mappings/schema/sdi-record.schema.json``) instead of RDF. Same records, order, filters, access
rules, paging and caching as ``/catalog``::

    GET /api/sdi/datasets?page=2&kode_wilayah=35.72
    {"data": [<SDI record>, ...],
     "meta": {"page": 2, "per_page": 100, "total": 1234, "pages": 13},
     "links": {"self": ..., "first": ..., "last": ..., "prev": ..., "next": ...}}

``links.next`` carries an ``after`` token like the catalogue's Hydra ``next``; it is absent on the
last page. ``GET /api/sdi/datasets/{source_id}/{remote_id}`` (or ``/{slug}`` for original IRIs
under this site's base URI, or ``?uri=``) returns one record; a withdrawn one answers 410.

Failure behaviour: as the catalogue (400 / 404 / 410 as problem+json); a record whose stored JSON
no longer loads is left out of the page with an error log.
"""

from __future__ import annotations

import json
from typing import Any, Optional

from harvester.feed.conditional import is_not_modified, make_etag
from harvester.feed.context import FeedContext
from harvester.feed.filters import FeedQuery, parse_filters
from harvester.feed.pageflow import serve_page
from harvester.feed.paging import PagePlan
from harvester.feed.queries import FeedQueries
from harvester.feed.render import content_key, load_dataset
from harvester.feed.wsgi import HttpError, Request, Response
from harvester.store import RecordRow

MEDIA_TYPE = "application/json; charset=utf-8"
PATH = "/api/sdi/datasets"


def _url(req: Request, query: FeedQuery, page: int, after: Optional[str] = None) -> str:
    params = [*query.params, ("page", str(page))]
    if after:
        params.append(("after", after))
    return req.url(PATH, params)


def _json(doc: Any) -> bytes:
    return json.dumps(doc, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def datasets(ctx: FeedContext, req: Request) -> Response:
    """GET /api/sdi/datasets: one page of SDI records (one record with ``?uri=``)."""
    if req.arg("uri"):
        return dataset(ctx, req)
    query = parse_filters(req, ctx.access)

    def render(rows: list[RecordRow], plan: PagePlan, next_after: Optional[str]) -> bytes:
        records = []
        for row in rows:
            dataset = load_dataset(row)
            if dataset is not None:
                records.append(ctx.sdi.render(dataset))
        links = {"self": _url(req, query, plan.page), "first": _url(req, query, 1),
                 "last": _url(req, query, plan.last)}
        if plan.page > 1:
            links["prev"] = _url(req, query, plan.page - 1)
        if next_after:
            links["next"] = _url(req, query, plan.page + 1, next_after)
        meta = {"page": plan.page, "per_page": ctx.config.page_size, "total": plan.total, "pages": plan.last}
        return _json({"data": records, "meta": meta, "links": links})

    return serve_page(ctx, req, query, kind="sdi", variant="json", media_type=MEDIA_TYPE, render=render)


def dataset(ctx: FeedContext, req: Request, id: Optional[str] = None) -> Response:
    """GET /api/sdi/datasets/{id} or ?uri=: one SDI record."""
    with ctx.queries.read() as conn:
        if id is None:
            uri = req.arg("uri") or ""
            row, what = FeedQueries.record_by_uri(conn, uri), uri
        else:
            row, what = ctx.find(conn, id), id
    row = ctx.require_visible(row, what)
    etag = make_etag("sdi", ctx.seed, content_key(row))
    if is_not_modified(req.environ, etag, row.updated_at):
        return Response(304, b"", etag=etag, last_modified=row.updated_at)
    loaded = load_dataset(row)
    if loaded is None:
        raise HttpError(500, f"dataset {what} cannot be rendered")
    return Response(200, _json(ctx.sdi.render(loaded)), MEDIA_TYPE, etag=etag, last_modified=row.updated_at)
