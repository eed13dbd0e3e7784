"""Chunk writers: one interface over the four RDF syntaxes the feed serves.

A document is ``begin() + separator.join(chunk(t) for t in chunks) + end()``. Each chunk is
self-contained (no state carried from one chunk to the next that changes the bytes), which is what
lets the feed cache the rendered chunk of each dataset and assemble pages and dumps from them.

Turtle and N-Triples use the profile package's streaming writers (``harvester.profiles.rdf_writer``);
RDF/XML and JSON-LD use the feed's own streaming writers. The Turtle/N-Triples writers are not
thread-safe, so each thread gets its own (``threading.local``).
"""

from __future__ import annotations

import io
import threading
from typing import Iterable, Mapping, Protocol

from rdflib.term import Node

from harvester.feed.jsonld_writer import JsonLdChunks
from harvester.feed.rdfxml_writer import RdfXmlChunks
from harvester.profiles.namespaces import PREFIXES
from harvester.profiles.rdf_writer import NTriplesWriter, TurtleWriter

Triple = tuple[Node, Node, Node]

HYDRA_NS = "http://www.w3.org/ns/hydra/core#"
#: Prefixes of feed documents: the profile's plus Hydra (paging).
FEED_PREFIXES: Mapping[str, str] = {**PREFIXES, "hydra": HYDRA_NS}


class ChunkWriter(Protocol):
    separator: bytes

    def begin(self) -> bytes: ...

    def chunk(self, triples: Iterable[Triple]) -> bytes: ...

    def end(self) -> bytes: ...


class _StreamWriterChunks:
    """Adapts a TurtleWriter/NTriplesWriter (which write to a stream) to chunks of bytes."""

    separator = b""

    def __init__(self, turtle: bool, prefixes: Mapping[str, str]) -> None:
        self._turtle = turtle
        self._prefixes = prefixes
        self._local = threading.local()
        head = io.BytesIO()
        if turtle:
            TurtleWriter(head, prefixes)
        self._head = head.getvalue()

    def _writer(self) -> tuple[object, io.BytesIO]:
        pair = getattr(self._local, "pair", None)
        if pair is None:
            buf = io.BytesIO()
            writer = TurtleWriter(buf, self._prefixes) if self._turtle else NTriplesWriter(buf)
            buf.seek(0)
            buf.truncate()
            pair = self._local.pair = (writer, buf)
        return pair

    def begin(self) -> bytes:
        return self._head

    def end(self) -> bytes:
        return b""

    def chunk(self, triples: Iterable[Triple]) -> bytes:
        writer, buf = self._writer()
        try:
            writer.write(triples)  # type: ignore[attr-defined]
            return buf.getvalue()
        finally:
            buf.seek(0)
            buf.truncate()


def chunk_writers(prefixes: Mapping[str, str] = FEED_PREFIXES) -> dict[str, ChunkWriter]:
    """One writer per feed extension: ttl, nt, rdf, jsonld."""
    return {
        "ttl": _StreamWriterChunks(True, prefixes),
        "nt": _StreamWriterChunks(False, prefixes),
        "rdf": RdfXmlChunks(prefixes),
        "jsonld": JsonLdChunks(prefixes),
    }


def document(writer: ChunkWriter, chunks: Iterable[bytes]) -> bytes:
    """A whole document from rendered chunks (empty chunks skipped)."""
    return writer.begin() + writer.separator.join(c for c in chunks if c) + writer.end()
