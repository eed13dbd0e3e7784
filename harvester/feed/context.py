"""Feed configuration and the shared services every route handler uses.

``FeedConfig`` is what the daemon's settings give the feed (``harvester/cli/commands_serve.py``
builds it); ``FeedContext`` holds the store queries, caches, page index and renderer shared by all
request threads. Everything here is thread-safe.
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass
from typing import Any, Optional
from urllib.parse import quote

from sqlalchemy.engine import Connection

import harvester
from harvester.feed.cache import ByteLRU
from harvester.feed.paging import PageIndex
from harvester.feed.queries import FeedQueries, Snapshot
from harvester.feed.render import Renderer
from harvester.feed.wsgi import HttpError, decode
from harvester.profiles.sdi import SdiProfile
from harvester.store import RecordRow, RecordStatus, Store

MB = 1024 * 1024


def dataset_path(row: RecordRow) -> str:
    """Feed path of a record's dataset document (the path part of its minted URI)."""
    return f"/dataset/{quote(row.source_id, safe='')}/{quote(row.remote_id, safe='')}"


@dataclass(frozen=True)
class FeedConfig:
    """What the feed needs from the daemon settings (defaults suit a city-sized catalogue).

    ``public_url``: absolute URL of the feed root as clients see it (behind a reverse proxy), used
    for every link; without it links use the request's scheme and Host. ``base_path``: URL prefix
    the proxy does not strip (``feed.base_path`` in harvester.yaml). ``forwarded_headers``: trust
    ``X-Forwarded-Proto/Host/Prefix`` (only behind a proxy that sets them). ``base_uri``: base of
    minted dataset URIs, so ``/dataset/<slug>`` also finds datasets whose original IRI is
    ``{base_uri}/dataset/<slug>`` (default: the profile's base URI). ``snapshot_ttl``: seconds a
    read of the store's snapshot is reused (a burst of requests then costs no database round
    trip; a change shows up at most that late; 0 = ask the store on every request).
    ``page_cache_mb`` / ``chunk_cache_mb``: memory for rendered pages (gzip) and per-dataset RDF
    chunks; a 100,000-dataset catalogue has about 25 MB of gzip Turtle pages.
    """

    page_size: int = 100
    include_terbatas: bool = False
    base_path: str = "/"
    public_url: Optional[str] = None
    forwarded_headers: bool = False
    base_uri: Optional[str] = None
    page_cache_mb: float = 64
    chunk_cache_mb: float = 32
    changes_page_size: int = 500
    snapshot_ttl: float = 1.0

    def __post_init__(self) -> None:
        if not 1 <= self.page_size <= 1000:
            raise ValueError(f"feed page_size must be 1..1000, got {self.page_size}")
        if not 1 <= self.changes_page_size <= 10000:
            raise ValueError(f"feed changes_page_size must be 1..10000, got {self.changes_page_size}")
        if not 0 <= self.snapshot_ttl <= 60:
            raise ValueError(f"feed snapshot_ttl must be 0..60 seconds, got {self.snapshot_ttl}")
        if not self.base_path.startswith("/"):
            raise ValueError(f"feed base_path must start with '/', got {self.base_path!r}")
        if self.public_url is not None and not self.public_url.lower().startswith(("http://", "https://")):
            raise ValueError(f"feed public_url must be an http(s) URL, got {self.public_url!r}")


class FeedContext:
    """Shared, thread-safe services of one feed app."""

    def __init__(self, store: Store, profile: Any, catalog: Any, config: FeedConfig) -> None:
        self.store, self.profile, self.catalog, self.config = store, profile, catalog, config
        self.access: tuple[str, ...] = ("TERBUKA", "TERBATAS") if config.include_terbatas else ("TERBUKA",)
        self.queries = FeedQueries(store)
        self.index = PageIndex()
        self.pages: ByteLRU[tuple[bytes, int]] = ByteLRU(int(config.page_cache_mb * MB), lambda v: len(v[0]))
        chunk_cache: ByteLRU[tuple[bytes, str]] = ByteLRU(int(config.chunk_cache_mb * MB),
                                                          lambda v: len(v[0]) + len(v[1]))
        self.renderer = Renderer(profile, catalog, chunk_cache)
        self.sdi = SdiProfile()
        base = config.base_uri or str(getattr(profile, "base_uri", "") or "")
        self.base_uri = base.rstrip("/")
        # Seed of every ETag: output changes with the software version and the configuration too.
        self._snapshot: tuple[float, Optional[Snapshot]] = (0.0, None)  # (expires at, value): one atomic swap
        self.seed = hashlib.sha1(repr((harvester.__version__, getattr(profile, "name", ""), catalog,
                                       config)).encode("utf-8")).hexdigest()[:16]

    def snapshot(self) -> Snapshot:
        """The store's snapshot, re-read when older than ``snapshot_ttl`` seconds."""
        now = time.monotonic()
        expires, snap = self._snapshot
        if snap is not None and now < expires:
            return snap
        with self.queries.read() as conn:
            snap = self.queries.snapshot(conn)
        self._snapshot = (now + self.config.snapshot_ttl, snap)
        return snap

    def visible(self, row: RecordRow) -> bool:
        """True when the feed may show the record now."""
        return (row.status == RecordStatus.CURRENT.value and bool(row.dataset_json)
                and row.access_rights in self.access)

    def find(self, conn: Connection, raw_id: str) -> Optional[RecordRow]:
        """The record a raw (percent-encoded) dataset id names: ``{source_id}/{remote_id}``, else a
        stable URI ``{base_uri}/dataset/{raw_id}`` (original IRIs under this site's base)."""
        source_raw, slash, remote_raw = raw_id.partition("/")
        if slash and remote_raw:
            row = self.queries.record(conn, decode(source_raw, "source id"), decode(remote_raw, "remote id"))
            if row is not None:
                return row
        if not self.base_uri:
            return None
        for candidate in dict.fromkeys((raw_id, decode(raw_id, "dataset id"))):
            row = self.queries.record_by_uri(conn, f"{self.base_uri}/dataset/{candidate}")
            if row is not None:
                return row
        return None

    def require_visible(self, row: Optional[RecordRow], what: str) -> RecordRow:
        """``row`` when visible; HttpError 410 for a withdrawn dataset that was public, else 404."""
        if row is not None and self.visible(row):
            return row
        if row is not None and row.status == RecordStatus.DELETED.value and row.access_rights in self.access:
            raise HttpError(410, f"{what} was withdrawn from the catalogue"
                                 + (f" on {row.deleted_at.isoformat()}" if row.deleted_at else ""))
        raise HttpError(404, f"no such dataset: {what}")
