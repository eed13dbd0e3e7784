"""The read-only DCAT feed (WSGI). Renders stored canonical records; never harvests.

Routes:
* ``/catalog`` + ``.ttl|.rdf|.jsonld|.nt`` (or content negotiation on ``/catalog``): the catalogue,
  paged with Hydra (``hydra:PartialCollectionView`` and the legacy ``hydra:PagedCollection`` terms that
  ckanext-dcat's harvester reads), ``?page=N`` (1-based), page size from config;
* ``/dataset/{source_id}/{remote_id}`` + extension: one dataset (minted URIs dereference here);
* ``/healthz``: 200 when the store answers, 503 otherwise.

Only records whose access level the feed allows are served: TERTUTUP never, TERBATAS only when
``feed.include_terbatas`` is set.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass
from typing import Any, Callable, Iterable, Optional
from urllib.parse import parse_qs, unquote

from rdflib import Literal, Namespace, URIRef
from rdflib.namespace import RDF, XSD

from harvester.model.canonical import from_dict
from harvester.store import DatasetFilter, Store

logger = logging.getLogger(__name__)

HYDRA = Namespace("http://www.w3.org/ns/hydra/core#")
FORMATS = {  # extension -> (serialisation, media type)
    "ttl": ("turtle", "text/turtle; charset=utf-8"),
    "nt": ("ntriples", "application/n-triples; charset=utf-8"),
    "rdf": ("xml", "application/rdf+xml; charset=utf-8"),
    "jsonld": ("json-ld", "application/ld+json; charset=utf-8"),
}
ACCEPT = [("text/turtle", "ttl"), ("application/n-triples", "nt"), ("application/rdf+xml", "rdf"),
          ("application/ld+json", "jsonld")]

StartResponse = Callable[[str, list[tuple[str, str]]], Any]


@dataclass(frozen=True)
class FeedConfig:
    """What the feed needs from the daemon settings."""

    page_size: int = 100
    include_terbatas: bool = False


def _negotiate(accept: str) -> str:
    for media, ext in ACCEPT:
        if media in accept:
            return ext
    return "ttl"


def _split_ext(path: str) -> tuple[str, Optional[str]]:
    head, dot, ext = path.rpartition(".")
    if dot and ext in FORMATS and "/" not in ext:
        return head, ext
    return path, None


class FeedApp:
    """WSGI application over a Store. Thread-safe (holds no per-request state)."""

    def __init__(self, store: Store, profile: Any, catalog: Any, config: FeedConfig) -> None:
        self.store, self.profile, self.catalog, self.config = store, profile, catalog, config

    def _filter(self) -> DatasetFilter:
        access = ("TERBUKA", "TERBATAS") if self.config.include_terbatas else ("TERBUKA",)
        return DatasetFilter(access_in=access)

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "/") or "/"
        try:
            if path == "/healthz":
                ok = self.store.ping()
                return self._send(start_response, "200 OK" if ok else "503 Service Unavailable",
                                  "text/plain; charset=utf-8", b"ok\n" if ok else b"store unreachable\n")
            base, ext = _split_ext(path.rstrip("/") or "/")
            ext = ext or _negotiate(environ.get("HTTP_ACCEPT", ""))
            if base in ("/catalog", "/"):
                return self._catalog(environ, start_response, ext)
            if base.startswith("/dataset/"):
                return self._dataset(start_response, base[len("/dataset/"):], ext)
        except Exception:  # a broken page must answer 500, not kill the server thread
            logger.exception("feed error on %s", path)
            return self._send(start_response, "500 Internal Server Error", "text/plain", b"internal error\n")
        return self._send(start_response, "404 Not Found", "text/plain; charset=utf-8", b"not found\n")

    def _catalog(self, environ: dict[str, Any], start_response: StartResponse, ext: str) -> Iterable[bytes]:
        query = parse_qs(environ.get("QUERY_STRING", ""))
        try:
            page = max(1, int(query.get("page", ["1"])[0]))
        except ValueError:
            return self._send(start_response, "400 Bad Request", "text/plain", b"page must be a number\n")
        size = self.config.page_size
        flt = self._filter()
        total = self.store.count_datasets(flt)
        rows = list(self._page_rows(flt, page, size))
        datasets = [from_dict(_loads(r.dataset_json)) for r in rows]
        extra = self._hydra(environ, ext, page, size, total)
        fmt, media = FORMATS[ext]
        body = self.profile.serialize(datasets, fmt, catalog=self.catalog, extra_triples=extra)
        return self._send(start_response, "200 OK", media, body)

    def _page_rows(self, flt: DatasetFilter, page: int, size: int) -> Iterable[Any]:
        # Keyset iteration skipping earlier pages: simple and correct; the feed issue replaces this
        # with a page -> key index so deep pages cost the same as the first.
        skip = (page - 1) * size
        for i, row in enumerate(self.store.iter_datasets(filters=flt)):
            if i >= skip + size:
                break
            if i >= skip:
                yield row

    def _hydra(self, environ: dict[str, Any], ext: str, page: int, size: int, total: int) -> list[tuple]:
        host = environ.get("HTTP_HOST") or f"{environ.get('SERVER_NAME', 'localhost')}:{environ.get('SERVER_PORT', '80')}"
        base = f"{environ.get('wsgi.url_scheme', 'http')}://{host}{environ.get('SCRIPT_NAME', '')}/catalog.{ext}"
        last = max(1, math.ceil(total / size))
        view = URIRef(f"{base}?page={page}")
        triples: list[tuple] = [
            (view, RDF.type, HYDRA.PartialCollectionView),
            (view, RDF.type, HYDRA.PagedCollection),
            (view, HYDRA.totalItems, Literal(total, datatype=XSD.integer)),
            (view, HYDRA.itemsPerPage, Literal(size, datatype=XSD.integer)),
            (view, HYDRA.first, URIRef(f"{base}?page=1")),
            (view, HYDRA.firstPage, URIRef(f"{base}?page=1")),
            (view, HYDRA.last, URIRef(f"{base}?page={last}")),
            (view, HYDRA.lastPage, URIRef(f"{base}?page={last}")),
        ]
        if page < last:
            triples += [(view, HYDRA.next, URIRef(f"{base}?page={page + 1}")),
                        (view, HYDRA.nextPage, URIRef(f"{base}?page={page + 1}"))]
        if page > 1:
            triples += [(view, HYDRA.previous, URIRef(f"{base}?page={page - 1}")),
                        (view, HYDRA.previousPage, URIRef(f"{base}?page={page - 1}"))]
        return triples

    def _dataset(self, start_response: StartResponse, rest: str, ext: str) -> Iterable[bytes]:
        source_id, _, remote_id = rest.partition("/")
        row = self.store.get_record(unquote(source_id), unquote(remote_id)) if remote_id else None
        allowed = self._filter().access_in or ()
        if row is None or row.status != "current" or not row.dataset_json or row.access_rights not in allowed:
            return self._send(start_response, "404 Not Found", "text/plain; charset=utf-8", b"no such dataset\n")
        fmt, media = FORMATS[ext]
        body = self.profile.serialize([from_dict(_loads(row.dataset_json))], fmt)
        return self._send(start_response, "200 OK", media, body)

    @staticmethod
    def _send(start_response: StartResponse, status: str, media: str, body: bytes) -> list[bytes]:
        start_response(status, [("Content-Type", media), ("Content-Length", str(len(body)))])
        return [body]


def _loads(text: str) -> dict[str, Any]:
    import json

    return json.loads(text)
