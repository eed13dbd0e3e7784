"""The request flow shared by every paged listing (RDF catalogue pages, SDI JSON pages).

1. store snapshot (``FeedContext.snapshot``: one index probe, reused for ``snapshot_ttl``) → page
   plan from the page index (in memory once built for the snapshot) → ETag and cache key from the
   snapshot, the page's start position and everything else that shapes the body → 304 when the
   client's copy is current → page cache lookup;
2. on a miss, one read transaction for the page's rows (one more row than the page size, to know
   whether a ``next`` page exists);
3. outside the transaction (the connection goes back to the pool): render, gzip, cache.

Query parameters: ``page`` (1-based, default 1) and ``after`` (an opaque keyset token set by
``next`` links; the page starts strictly after that record).

Failure behaviour: a malformed ``page``/``after`` → 400, a page past the end → 404 (HttpError).
"""

from __future__ import annotations

from typing import Callable, Optional

from harvester.feed.compress import gzip_bytes
from harvester.feed.conditional import is_not_modified, make_etag
from harvester.feed.context import FeedContext
from harvester.feed.filters import FeedQuery
from harvester.feed.paging import PagePlan, parse_page
from harvester.feed.queries import FeedQueries, Key
from harvester.feed.wsgi import HttpError, Request, Response
from harvester.store import RecordRow, decode_key, encode_key

#: render(rows of the page, plan, ``after`` token of the next page or None) -> body bytes
RenderPage = Callable[[list[RecordRow], PagePlan, Optional[str]], bytes]


def decode_after(token: Optional[str]) -> Optional[Key]:
    if not token:
        return None
    try:
        return decode_key(token)
    except ValueError as exc:
        raise HttpError(400, f"after: {exc}") from None


def serve_page(ctx: FeedContext, req: Request, query: FeedQuery, *, kind: str, variant: str, media_type: str,
               render: RenderPage, vary: tuple[str, ...] = (),
               headers: tuple[tuple[str, str], ...] = ()) -> Response:
    """One page of the filtered listing, rendered by ``render`` (see the module docstring)."""
    page = parse_page(req.arg("page"))
    after = decode_after(req.arg("after"))
    size = ctx.config.page_size
    snap = ctx.snapshot()
    plan = ctx.index.plan(ctx.queries, snap, query, size, page, after)
    # Content-based key: "?page=N" and the "next" link of page N-1 name the same rows, so they
    # share one cache entry and one ETag (unless a next link used lagging totals: plan.total).
    key = (snap.token, kind, ctx.seed, query.key, ctx.access, plan.page, plan.after, plan.total, variant,
           req.root_url, size)
    etag = make_etag(*key)
    if is_not_modified(req.environ, etag, snap.modified):
        return Response(304, b"", etag=etag, last_modified=snap.modified, vary=vary)
    cached = ctx.pages.get(key)
    if cached is None:
        with ctx.queries.read() as conn:  # rows are at least as new as the snapshot they are keyed by
            rows = FeedQueries.page(conn, query.filter, plan.after, size + 1)
        next_after = encode_key(rows[size - 1].feed_key) if len(rows) > size else None
        body = render(rows[:size], plan, next_after)
        cached = (gzip_bytes(body), len(body))
        ctx.pages.put(key, cached)
    return Response(200, cached[0], media_type, list(headers), etag=etag, last_modified=snap.modified,
                    vary=vary, gzipped=True, size=cached[1])
