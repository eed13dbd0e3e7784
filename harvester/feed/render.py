"""Stored records → RDF documents (pages, single datasets, full dumps), from their canonical JSON.

Nothing is re-harvested or re-mapped: each record's stored canonical JSON is turned back into a
``Dataset`` (``from_dict``) and into triples by the DCAT-AP 3 profile. The rendered chunk of a
dataset depends only on that JSON, so it is cached by the record's ``mapped_hash`` (a bounded
LRU): after a harvest changes a few records, the pages around them re-render from cache.

* ``page``: datasets + the catalogue node (``dcat:dataset`` for each) + Hydra paging triples.
* ``dataset``: one dataset.
* ``stream``: the whole (filtered) catalogue for ``?page=all``: the catalogue description first,
  then datasets in batches, each batch followed by its ``dcat:dataset`` links, so only one batch of
  IRIs is ever held; memory stays flat for any size. It reads but does not fill the chunk cache
  (a dump would only evict what the pages need).

Failure behaviour: a record whose stored JSON no longer loads (e.g. written by a newer version) is
left out of pages and dumps with an error log naming it; ``dataset`` raises ``ValueError`` for it
(the app answers 500). Profile errors propagate.
"""

from __future__ import annotations

import hashlib
import json
import logging
from typing import Any, Iterable, Iterator, Optional

from rdflib import URIRef

from harvester.feed.cache import ByteLRU
from harvester.feed.formats import ChunkWriter, Triple, chunk_writers, document
from harvester.model.canonical import from_dict
from harvester.model.dataset import Dataset
from harvester.profiles.namespaces import DCAT
from harvester.store import RecordRow

logger = logging.getLogger(__name__)

#: Datasets per dump batch (one ``dcat:dataset`` chunk per batch).
STREAM_BATCH = 100

Chunk = tuple[bytes, str]  # (rendered triples of one dataset, dataset IRI)


def load_dataset(row: RecordRow) -> Optional[Dataset]:
    """The record's canonical ``Dataset``, or None (logged) when its stored JSON does not load."""
    try:
        return from_dict(json.loads(row.dataset_json or "null"))
    except (ValueError, TypeError, AttributeError) as exc:
        logger.error("feed: record %s/%s has unreadable canonical JSON, left out: %s",
                     row.source_id, row.remote_id, exc)
        return None


def content_key(row: RecordRow) -> str:
    """Identity of a record's content: its mapped hash, or a digest of the JSON when absent."""
    if row.mapped_hash:
        return row.mapped_hash
    return hashlib.sha256((row.dataset_json or "").encode("utf-8", "surrogatepass")).hexdigest()


class Renderer:
    """Renders records with ``profile`` (a ``DcatAp3Profile``) for the catalogue ``catalog``."""

    def __init__(self, profile: Any, catalog: Any, chunk_cache: ByteLRU[Chunk]) -> None:
        self.profile = profile
        self.catalog = catalog
        self.cache = chunk_cache
        self.writers: dict[str, ChunkWriter] = chunk_writers()

    def _chunk(self, ext: str, row: RecordRow, *, store: bool = True) -> Optional[Chunk]:
        key = (ext, content_key(row))
        hit = self.cache.get(key)
        if hit is not None:
            return hit
        dataset = load_dataset(row)
        if dataset is None:
            return None
        triples = self.profile.dataset_triples(dataset)
        made = (self.writers[ext].chunk(triples), str(self.profile.dataset_uri(dataset)))
        if store:
            self.cache.put(key, made)
        return made

    def catalog_triples(self, uris: Iterable[str]) -> list[Triple]:
        return self.profile.catalog_triples(self.catalog, [URIRef(u) for u in uris])

    def page(self, ext: str, rows: Iterable[RecordRow], extra: list[Triple]) -> bytes:
        """A catalogue page: the rows' datasets, the catalogue node listing them, then ``extra``."""
        writer = self.writers[ext]
        chunks: list[bytes] = []
        uris: list[str] = []
        for row in rows:
            made = self._chunk(ext, row)
            if made is not None:
                chunks.append(made[0])
                uris.append(made[1])
        chunks.append(writer.chunk(self.catalog_triples(uris) + extra))
        return document(writer, chunks)

    def dataset(self, ext: str, row: RecordRow) -> bytes:
        made = self._chunk(ext, row)
        if made is None:
            raise ValueError(f"record {row.source_id}/{row.remote_id} cannot be rendered")
        return document(self.writers[ext], [made[0]])

    def stream(self, ext: str, rows: Iterator[RecordRow], extra: list[Triple]) -> Iterator[bytes]:
        """The whole catalogue as a stream of byte pieces (see the module docstring).

        Closing the generator closes ``rows`` (releasing its database cursor).
        """
        writer = self.writers[ext]
        sep = writer.separator
        catalog = URIRef(self.catalog.uri)
        try:
            yield writer.begin() + writer.chunk(self.catalog_triples([]) + extra)
            batch: list[bytes] = []
            uris: list[URIRef] = []
            for row in rows:
                made = self._chunk(ext, row, store=False)
                if made is None:
                    continue
                batch.append(made[0])
                uris.append(URIRef(made[1]))
                if len(uris) >= STREAM_BATCH:
                    yield _batch(writer, sep, batch, catalog, uris)
                    batch, uris = [], []
            if uris:
                yield _batch(writer, sep, batch, catalog, uris)
            yield writer.end()
        finally:
            close = getattr(rows, "close", None)
            if close is not None:
                close()


def _batch(writer: ChunkWriter, sep: bytes, chunks: list[bytes], catalog: URIRef, uris: list[URIRef]) -> bytes:
    links = writer.chunk([(catalog, DCAT.dataset, u) for u in uris])
    return sep + sep.join(c for c in [*chunks, links] if c)
