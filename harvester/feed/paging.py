"""Page numbers → keyset positions, and the Hydra paging triples.

Deep pages cost the same as the first: for each (store snapshot, filter, page size) the feed asks
the database once for the key of every ``size``-th row (``FeedQueries.page_boundaries``: one
indexed pass, done in SQL) and keeps that list; page N is then "the ``size`` rows after boundary
N-1", an indexed seek. A new snapshot (any record changed) gets a new list on first use; concurrent
requests for the same list wait for one computation instead of all running it.

``next`` links carry the key of the page's last row (``after=`` token) besides the page number, so
a harvester walking the ``next`` chain never skips a record even while the store changes under it
(a record that changes moves to the end of the order and is seen again). ``first``, ``last`` and
``previous`` use page numbers. A page reached through a ``next`` link needs the index only for
``hydra:totalItems`` and the ``last`` link, so it takes them from the newest index computed for
its filter even when the store changed since: a crawl during a harvest does not wait for a
rebuild on every request (the totals may then lag one store change).

Hydra vocabulary: the page node is typed ``hydra:PartialCollectionView`` (Hydra Core) and
``hydra:PagedCollection`` (the older term), with both generations of link predicates
(``next``/``nextPage``, ``previous``/``previousPage``, ``first``/``firstPage``, ``last``/``lastPage``)
plus ``hydra:totalItems`` and ``hydra:itemsPerPage``: ckanext-dcat's parser reads either type and
prefers ``hydra:next``; newer Hydra clients follow ``<catalog> hydra:view <page>``.
"""

from __future__ import annotations

import math
import threading
from collections import OrderedDict
from dataclasses import dataclass
from typing import Hashable, Optional

from rdflib import Literal, Namespace, URIRef
from rdflib.namespace import RDF, XSD
from rdflib.term import Node

from harvester.feed.filters import FeedQuery
from harvester.feed.queries import FeedQueries, Key, Snapshot
from harvester.feed.wsgi import HttpError

HYDRA = Namespace("http://www.w3.org/ns/hydra/core#")
Triple = tuple[Node, Node, Node]


@dataclass(frozen=True)
class PagePlan:
    """Where page ``page`` starts, and the numbers the links need."""

    page: int
    last: int
    total: int
    after: Optional[Key]


class PageIndex:
    """Cache of page boundary keys per (snapshot, filter, page size); thread-safe."""

    def __init__(self, max_entries: int = 32) -> None:
        self._max = max_entries
        self._entries: OrderedDict[Hashable, tuple[int, list[Key]]] = OrderedDict()
        self._lock = threading.Lock()
        self._building: dict[Hashable, threading.Lock] = {}
        #: newest computed entry per (filter, size), whatever its snapshot: totals for next links
        self._latest: dict[Hashable, tuple[int, list[Key]]] = {}
        self.builds = 0

    def boundaries(self, queries: FeedQueries, snapshot: Snapshot, query: FeedQuery,
                   size: int) -> tuple[int, list[Key]]:
        """(total, boundary keys) for the filter at ``snapshot``; computed (in its own read
        transaction) only on first use."""
        key = (snapshot.token, query.key, query.filter.access_in, size)
        with self._lock:
            hit = self._entries.get(key)
            if hit is not None:
                self._entries.move_to_end(key)
                return hit
            gate = self._building.setdefault(key, threading.Lock())
        with gate:  # one computation per key; latecomers find the result in the cache
            with self._lock:
                hit = self._entries.get(key)
            if hit is None:
                with queries.read() as conn:
                    hit = queries.page_boundaries(conn, query.filter, size)
                self.builds += 1
                with self._lock:
                    self._entries[key] = hit
                    self._latest[key[1:]] = hit
                    while len(self._entries) > self._max:
                        self._entries.popitem(last=False)
                    while len(self._latest) > self._max:
                        self._latest.pop(next(iter(self._latest)))
        with self._lock:
            self._building.pop(key, None)
        return hit

    def plan(self, queries: FeedQueries, snapshot: Snapshot, query: FeedQuery, size: int, page: int,
             after: Optional[Key] = None) -> PagePlan:
        """The plan of page ``page`` (1-based), starting after ``after`` when given (a ``next``
        link), else at the page's boundary. HttpError 404 past the last page (page 1 always
        exists) unless ``after`` is given (the store may have changed since the link was made)."""
        if after is not None:
            # A next link names its start itself; only totalItems and the "last" link need the
            # index, and while a harvest keeps changing the store the previous snapshot's numbers
            # serve (no rebuild per request for a crawler following next links).
            with self._lock:
                known = self._latest.get((query.key, query.filter.access_in, size))
            total = (known or self.boundaries(queries, snapshot, query, size))[0]
            return PagePlan(page, max(1, math.ceil(total / size)), total, after)
        total, keys = self.boundaries(queries, snapshot, query, size)
        last = max(1, math.ceil(total / size))
        if page > last:
            raise HttpError(404, f"page {page} does not exist; the last page is {last}")
        return PagePlan(page, last, total, keys[page - 2] if page > 1 else None)


def parse_page(value: Optional[str]) -> int:
    """The 1-based page number of a ``page`` parameter (default 1); HttpError 400 otherwise."""
    if value is None or value == "":
        return 1
    try:
        page = int(value)
    except ValueError:
        raise HttpError(400, f"page must be a positive integer or 'all', got {value[:40]!r}") from None
    if page < 1:
        raise HttpError(400, f"page must be >= 1, got {page}")
    return page


@dataclass(frozen=True)
class PageLinks:
    this: str
    first: str
    last: str
    next: Optional[str] = None
    previous: Optional[str] = None


def hydra_triples(catalog_uri: str, links: PageLinks, total: int, size: int) -> list[Triple]:
    """Hydra paging description of one catalogue page (see the module docstring)."""
    view = URIRef(links.this)
    out: list[Triple] = [
        (URIRef(catalog_uri), HYDRA.view, view),
        (view, RDF.type, HYDRA.PartialCollectionView),
        (view, RDF.type, HYDRA.PagedCollection),
        (view, HYDRA.totalItems, Literal(str(total), datatype=XSD.integer)),
        (view, HYDRA.itemsPerPage, Literal(str(size), datatype=XSD.integer)),
    ]
    pairs = [(HYDRA.first, HYDRA.firstPage, links.first), (HYDRA.last, HYDRA.lastPage, links.last),
             (HYDRA.next, HYDRA.nextPage, links.next), (HYDRA.previous, HYDRA.previousPage, links.previous)]
    for new, old, url in pairs:
        if url is not None:
            out.append((view, new, URIRef(url)))
            out.append((view, old, URIRef(url)))
    return out
