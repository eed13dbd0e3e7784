"""``/catalog/changes``: created, updated and withdrawn datasets, as ActivityStreams 2.0 JSON-LD.

A consumer that harvested the catalogue keeps it in sync (deletions included) by polling::

    GET /catalog/changes?since=2024-05-01T00:00:00Z[&publisher=..&kode_wilayah=..&source=..&theme=..]

The answer is an ``OrderedCollectionPage`` whose ``orderedItems`` are, in the order the changes
happened (oldest first):

* ``Create`` / ``Update`` with ``object`` = ``{"id": <dataset IRI>, "type": "dcat:Dataset",
  "name", "dct:identifier", "url": <this feed's document of the dataset>}``. ``Create`` when the
  harvester first saw the record at or after ``since``; consumers should treat both as an upsert.
* ``Delete`` with ``object`` = ``{"id": <dataset IRI>, "type": "Tombstone", "formerType":
  "dcat:Dataset", "deleted": <time>}`` for a dataset that left the catalogue: deleted at its source,
  no longer valid, or its access level no longer allows publication (e.g. reclassified TERTUTUP).
  A tombstone carries the IRI only, never metadata.

``published`` is when the change was recorded. Follow ``next`` (present while more changes may
follow) to the end, then poll again with ``since`` = the newest ``published`` seen minus a safety
margin (15 minutes recommended): the harvester stamps a change when it maps the record and
commits records in batches, so a change can become visible a while after its stamp; repeated
items are harmless because applying a change twice is idempotent. Without ``since`` the list
starts at the beginning of the store's history.

Filters: those of the catalogue (``harvester.feed.filters``); ``modified_since`` is an alias of
``since``. For a withdrawn record a filter excludes it only when the stored value positively
differs (better an extra tombstone for an IRI the consumer never had than a missed deletion).

Failure behaviour: malformed ``since``/``after`` → 400 (problem+json).
"""

from __future__ import annotations

import json
from datetime import datetime, timezone
from typing import Any, Optional

from harvester.feed.conditional import is_not_modified, make_etag
from harvester.feed.context import FeedContext, dataset_path
from harvester.feed.filters import (
    FeedQuery,
    format_datetime,
    parse_datetime,
    parse_filters,
)
from harvester.feed.pageflow import decode_after
from harvester.feed.wsgi import HttpError, Request, Response
from harvester.pipeline.identity import mint_uri
from harvester.store import DatasetFilter, RecordRow, encode_key
from harvester.store.feed import has_theme

MEDIA_TYPE = 'application/ld+json; profile="https://www.w3.org/ns/activitystreams"; charset=utf-8'
CONTEXT: list[Any] = [
    "https://www.w3.org/ns/activitystreams",
    {"dcat": "http://www.w3.org/ns/dcat#", "dct": "http://purl.org/dc/terms/"},
]
_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


def _matches(flt: DatasetFilter, row: RecordRow, visible: bool) -> bool:
    """The catalogue filters on a loaded row; lenient (unknown = match) for withdrawn rows."""
    checks = [(flt.organisation, row.organisation, lambda want, have: have == want),
              (flt.source_id, row.source_id, lambda want, have: have == want),
              (flt.kode_pemda_prefix, row.kode_pemda, lambda want, have: have.startswith(want))]
    for want, have, test in checks:
        if want is None:
            continue
        if have is None:
            if visible:
                return False
            continue
        if not test(want, have):
            return False
    if flt.theme is not None and (visible or row.dataset_json):
        return has_theme(row.dataset_json, flt.theme)
    return True


def _identifier(row: RecordRow) -> Optional[str]:
    if not row.dataset_json:
        return None
    try:
        value = json.loads(row.dataset_json).get("identifier")
    except (ValueError, AttributeError):
        return None
    return value if isinstance(value, str) else None


def activity(ctx: FeedContext, req: Request, row: RecordRow, since: Optional[datetime]) -> dict[str, Any]:
    """The AS2 activity describing the record's latest change."""
    uri = row.stable_uri or mint_uri(ctx.base_uri or req.root_url, row.source_id, row.remote_id)
    when = format_datetime(row.updated_at) if row.updated_at else None
    if not ctx.visible(row):
        deleted = row.deleted_at or row.updated_at
        obj = {"id": uri, "type": "Tombstone", "formerType": "dcat:Dataset",
               "deleted": format_datetime(deleted) if deleted else None}
        return {"type": "Delete", "published": when, "object": {k: v for k, v in obj.items() if v is not None}}
    created = since is None or (row.first_seen is not None and row.first_seen >= since)
    doc = req.url(dataset_path(row) + ".ttl")
    obj = {"id": uri, "type": "dcat:Dataset", "name": row.title, "dct:identifier": _identifier(row), "url": doc}
    return {"type": "Create" if created else "Update", "published": when,
            "object": {k: v for k, v in obj.items() if v is not None}}


def _since(req: Request) -> Optional[datetime]:
    since, alias = req.arg("since"), req.arg("modified_since")
    if since and alias and since != alias:
        raise HttpError(400, "since and modified_since name the same parameter; give one of them")
    value = since or alias
    return parse_datetime(value, "since") if value else None


def changes(ctx: FeedContext, req: Request) -> Response:
    """GET /catalog/changes."""
    since = _since(req)
    query: FeedQuery = parse_filters(req, ctx.access)
    flt = query.filter
    params = [(k, v) for k, v in query.params if k != "modified_since"]
    if since is not None:
        params.append(("since", format_datetime(since)))
    after_token = req.arg("after") or ""
    after = decode_after(after_token)
    limit = ctx.config.changes_page_size
    snap = ctx.snapshot()
    etag = make_etag(snap.token, "changes", ctx.seed, ctx.access, sorted(params), after_token, req.root_url)
    if is_not_modified(req.environ, etag, snap.modified):
        return Response(304, b"", etag=etag, last_modified=snap.modified)
    rows = ctx.store.changes_since(since or _EPOCH, limit=limit, after=after)
    items = [activity(ctx, req, row, since) for row in rows if _matches(flt, row, ctx.visible(row))]
    this = req.url("/catalog/changes", params + ([("after", after_token)] if after_token else []))
    doc: dict[str, Any] = {
        "@context": CONTEXT,
        "id": this,
        "type": "OrderedCollectionPage",
        "partOf": req.url("/catalog/changes", params),
        "orderedItems": items,
    }
    if len(rows) >= limit:
        doc["next"] = req.url("/catalog/changes", params + [("after", encode_key(rows[-1].feed_key))])
    body = json.dumps(doc, ensure_ascii=False, indent=1).encode("utf-8")
    return Response(200, body, MEDIA_TYPE, etag=etag, last_modified=snap.modified)
