"""Parse one RDF document (a DCAT catalogue page) safely and fast into a subject index.

* Format: forced by the source options, else from the Content-Type, else from the URL's
  extension, else sniffed from the first bytes (JSON-LD, RDF/XML, Turtle/N-Triples/N3).
  An HTML page is refused (``RdfError``) instead of being parsed as something it is not.
* Parser: pyoxigraph (Rust, streaming): every syntax is read without building an rdflib graph,
  which is what makes 100+ MB dumps affordable. When pyoxigraph rejects a Turtle / RDF/XML /
  N-Triples / N3 document, rdflib gets a second try (real catalogues contain things pyoxigraph is
  strict about, e.g. GeoNetwork's IRIs with spaces or text inside ``rdf:resource`` elements);
  IRIs rdflib lets through are percent-encoded so the N-Triples we emit stay valid. JSON-LD has
  no fallback: rdflib would fetch remote contexts.
* Safety: RDF/XML declaring entities (billion laughs, XXE) is refused before any parser sees it;
  no parser does network I/O (a JSON-LD ``@context`` given as a URL is an ``RdfError`` that says so).

Input: the body as bytes, or as a seekable binary file (a catalogue dump spooled to disk by the
source, so that the body and the index are never in memory together).

Output: ``ParsedGraph`` - ``index``: subject -> flat list ``[p1, o1, p2, o2, ...]`` with every term
in N-Triples syntax (``<iri>``, ``_:label``, ``"lexical"@lang`` / ``"lexical"^^<datatype>``), and
``watched``: the triples whose predicate the caller asked to ``watch``, flat ``[s, p, o, ...]`` in
document order (the splitter finds types and paging links there without a second pass).
The index is built to be small, since a 20,000-dataset dump holds ~1.7 million triples: flat
lists instead of one tuple per triple, interned predicates, one shared copy of repeated IRIs and
short literals, and one string per blank node for its subject and object uses.

Speed: Turtle, N-Triples and RDF/XML are parsed and re-serialised as N-Triples inside pyoxigraph
(Rust), and the index is built from those lines; that skips creating a Python term object and
three strings per triple. The other syntaxes (which may carry named graphs) go quad by quad.

Child process: a line-format body over ``CHILD_PARSE_MIN_BYTES`` (8 MB) is parsed and re-serialised
in a child process (``rdf_pipe``) that streams the N-Triples back through a pipe while this process
indexes them. pyoxigraph holds the GIL, so in one process the two halves (about equal: ~1.3 s each for
a 49 MB Turtle dump) run one after the other; in two they overlap on a multi-core machine. Smaller
bodies stay here (a process start costs ~50 ms). The result is the same either way: the child's
syntax error or bad-base-IRI error comes back with pyoxigraph's own message and position (so the
rdflib fallback and the error text are unchanged), and the index is returned only after the child
exited 0, i.e. wrote the whole document. A child that cannot start, dies (signal) or fails in any other
way is logged as a warning and the body is parsed here, from the start: no data is lost. The child is
always reaped; an exception here (e.g. KeyboardInterrupt) kills it first.
"""

from __future__ import annotations

import io
import logging
import re
import sys
from dataclasses import dataclass, field
from itertools import repeat
from typing import BinaryIO, Iterable, Iterator, Optional, Union
from urllib.parse import quote, urlsplit

import pyoxigraph as ox

from harvester.sources.rdf_pipe import parse_in_child
from harvester.sources.safe_xml import declares_entities, looks_like_html, stream_declares_entities

logger = logging.getLogger(__name__)

#: Format names accepted by the ``format`` option (rdflib's names, which admins know).
FORMATS: dict[str, ox.RdfFormat] = {
    "turtle": ox.RdfFormat.TURTLE, "xml": ox.RdfFormat.RDF_XML, "json-ld": ox.RdfFormat.JSON_LD,
    "nt": ox.RdfFormat.N_TRIPLES, "n3": ox.RdfFormat.N3, "nquads": ox.RdfFormat.N_QUADS,
    "trig": ox.RdfFormat.TRIG,
}
_BY_MEDIA_TYPE = {
    "text/turtle": "turtle", "application/x-turtle": "turtle", "application/turtle": "turtle",
    "application/rdf+xml": "xml", "application/xml": "xml", "text/xml": "xml",
    "application/ld+json": "json-ld", "application/json": "json-ld",
    "application/n-triples": "nt", "text/n3": "n3", "text/rdf+n3": "n3", "application/n3": "n3",
    "application/n-quads": "nquads", "application/trig": "trig",
}
_BY_EXTENSION = {
    ".ttl": "turtle", ".turtle": "turtle", ".rdf": "xml", ".owl": "xml", ".xml": "xml", ".rdfxml": "xml",
    ".jsonld": "json-ld", ".json": "json-ld", ".nt": "nt", ".n3": "n3", ".nq": "nquads", ".trig": "trig",
}
_RDFLIB_NAMES = {"turtle": "turtle", "xml": "xml", "nt": "nt", "n3": "n3", "nquads": "nquads", "trig": "trig"}
_TURTLE_START = re.compile(rb"^\s*(@prefix|@base|prefix\s|base\s|<[^>\s]*>\s|_:|\[|#)", re.I)
_BAD_IRI_CHARS = re.compile(r'[\x00-\x20<>"{}|^`\\]')

RDF_TYPE = "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>"
#: Syntaxes without named graphs: parsed straight into N-Triples lines (see module docstring).
_LINE_FORMATS = frozenset({"turtle", "nt", "xml"})
#: Line-format bodies larger than this are parsed in a child process (see module docstring); below
#: it the ~50 ms of a process start is not worth it.
CHILD_PARSE_MIN_BYTES = 8 << 20
#: Literals shorter than this are shared between their occurrences (dates, keywords, codes repeat).
_SHARED_LITERAL = 80

#: subject (N-Triples term) -> [predicate, object, predicate, object, ...] (N-Triples terms)
SubjectIndex = dict[str, list[str]]
#: The body of a document: bytes, or a seekable binary file positioned anywhere.
Body = Union[bytes, BinaryIO]


@dataclass
class ParsedGraph:
    """A parsed document: the subject index and the watched triples (flat ``[s, p, o, ...]``)."""

    index: SubjectIndex
    watched: list[str] = field(default_factory=list)


class RdfError(ValueError):
    """The document cannot be used as RDF; the message says why (and where, when the parser knows)."""


def detect_format(content: bytes, *, content_type: str = "", url: str = "", forced: Optional[str] = None) -> str:
    """The format name of ``content`` (only its first 4 KB are looked at, so the head of a spooled
    body will do). Raises RdfError for HTML pages and unrecognisable bodies."""
    if forced:
        return forced
    head = content[:4096].lstrip(b"\xef\xbb\xbf \t\r\n")
    if looks_like_html(head):
        raise RdfError(f"expected RDF but got an HTML page (Content-Type {content_type or 'none'})")
    by_type = _BY_MEDIA_TYPE.get(content_type.lower())
    if by_type:
        return by_type
    path = urlsplit(url).path.lower()
    for ext, name in _BY_EXTENSION.items():
        if path.endswith(ext):
            return name
    if head[:1] in (b"{", b"["):
        return "json-ld"
    if head[:1] == b"<" and not _TURTLE_START.match(head):
        return "xml"
    if head:
        return "turtle"  # also reads N-Triples; N3-only syntax fails with a clear parser message
    raise RdfError("empty document")


def _utf8(body: Body, charset: Optional[str], fmt: str) -> Body:
    """Text syntaxes must be UTF-8 for the parser; transcode a declared other charset."""
    if not charset or fmt == "xml" or charset.lower().replace("_", "-") in ("utf-8", "utf8"):
        return body
    content = body if isinstance(body, bytes) else _read_all(body)
    try:
        return content.decode(charset).encode("utf-8")
    except (LookupError, UnicodeDecodeError) as exc:
        raise RdfError(f"body is not valid {charset}: {exc}") from exc


def _read_all(stream: BinaryIO) -> bytes:
    stream.seek(0)
    return stream.read()


def parse_document(body: Body, fmt: str, *, base_iri: str, charset: Optional[str] = None,
                   watch: frozenset[str] = frozenset()) -> ParsedGraph:
    """Parse ``body`` as ``fmt``; ``watch``: predicates whose triples are also listed in ``watched``.

    Raises RdfError (unknown format, unsafe RDF/XML, unparseable even by the fallback parser).
    """
    if fmt not in FORMATS:
        raise RdfError(f"unknown RDF format {fmt!r}; known: {', '.join(FORMATS)}")
    if fmt == "xml" and (declares_entities(body) if isinstance(body, bytes) else stream_declares_entities(body)):
        raise RdfError("RDF/XML DOCTYPE declares entities (refused: entity expansion / external entity risk)")
    body = _utf8(body, charset, fmt)
    try:
        return _ox_graph(body, fmt, base_iri, watch)
    except SyntaxError as exc:
        message = _ox_message(exc)
    except ValueError as exc:  # invalid base IRI and the like
        raise RdfError(str(exc)) from exc
    if fmt not in _RDFLIB_NAMES:
        raise RdfError(message)
    try:
        content = body if isinstance(body, bytes) else _read_all(body)
        indexer = _Indexer(watch)
        indexer.add(_rdflib_terms(content, fmt, base_iri))
        graph = indexer.result()
    except Exception as exc:  # noqa: BLE001 - any rdflib failure means: report the strict parser's message
        logger.debug("rdflib fallback failed too: %s", exc)
        raise RdfError(message) from None
    logger.info("%s: strict parser refused the document (%s); read by the tolerant parser", base_iri, message)
    return graph


def _ox_graph(body: Body, fmt: str, base_iri: str, watch: frozenset[str]) -> ParsedGraph:
    """pyoxigraph's reading of ``body``. Raises SyntaxError (bad document) or ValueError (bad base)."""
    if fmt in _LINE_FORMATS and _size(body) > CHILD_PARSE_MIN_BYTES:
        indexer = _Indexer(watch)
        if parse_in_child(body, FORMATS[fmt], base_iri, indexer.write):
            return indexer.result()
        # the child could not do it (logged): its partial output is dropped, parse here
    if not isinstance(body, bytes):
        body.seek(0)
    quads = ox.parse(body, FORMATS[fmt], base_iri=base_iri or None)
    indexer = _Indexer(watch)
    if fmt in _LINE_FORMATS:
        ox.serialize(quads, indexer, ox.RdfFormat.N_TRIPLES)
    else:
        indexer.add((str(q.subject), str(q.predicate), str(q.object)) for q in quads)
    return indexer.result()


def _size(body: Body) -> int:
    return len(body) if isinstance(body, bytes) else body.seek(0, io.SEEK_END)


def _ox_message(exc: SyntaxError) -> str:
    text = str(exc.msg if getattr(exc, "msg", None) else exc)
    if "LoadDocumentCallback" in text or "remote context" in text:
        return ("JSON-LD @context refers to a remote document (a URL); contexts are not fetched while "
                "parsing - embed the context in the document or publish Turtle/RDF-XML")
    return text


def _rdflib_terms(content: bytes, fmt: str, base_iri: str) -> Iterator[tuple[str, str, str]]:
    """rdflib's view of a document ``pyoxigraph`` refused, with IRIs repaired to valid N-Triples."""
    import rdflib  # imported lazily: only the fallback needs it

    graph = rdflib.Dataset(default_union=True) if fmt in ("nquads", "trig") else rdflib.Graph()
    graph.parse(data=content, format=_RDFLIB_NAMES[fmt], publicID=base_iri or None)
    for s, p, o in graph.triples((None, None, None)):
        yield _rdflib_nt(s), _rdflib_nt(p), _rdflib_nt(o)


def _rdflib_nt(term: object) -> str:
    import rdflib

    if isinstance(term, rdflib.BNode):
        return f"_:{term}"
    if isinstance(term, rdflib.Literal):
        if term.language:
            return str(ox.Literal(str(term), language=term.language))
        if term.datatype:
            return str(ox.Literal(str(term), datatype=ox.NamedNode(repair_iri(str(term.datatype)))))
        return str(ox.Literal(str(term)))
    return f"<{repair_iri(str(term))}>"


def repair_iri(iri: str) -> str:
    """Percent-encode characters N-Triples forbids in IRIs (spaces, quotes, braces ...)."""
    return _BAD_IRI_CHARS.sub(lambda m: quote(m.group(0), safe=""), iri.strip())


class _Indexer:
    """Builds a ParsedGraph from (s, p, o) terms, or from N-Triples written into it (``write``).

    pyoxigraph's serializer calls ``write`` with buffers of whole and partial lines; a line is
    ``<s> <p> <o> .`` with single spaces, and neither a subject nor a predicate contains a space
    (N-Triples escapes them), so splitting at the first two spaces gives the three terms.
    """

    def __init__(self, watch: frozenset[str]) -> None:
        self.graph = ParsedGraph({})
        self._watch = watch
        self._shared: dict[str, str] = {}  # one copy of repeated IRIs and short literals
        self._blanks: dict[str, str] = {}  # blank nodes seen once, until their second occurrence
        self._tail = b""
        self._last: Optional[str] = None  # subject of the previous triple, and its list
        self._pos: list[str] = []

    def write(self, chunk: bytes) -> int:
        data = self._tail + chunk if self._tail else chunk
        cut = data.rfind(b"\n") + 1
        self._tail = data[cut:]
        if cut:
            # Every line ends with " .\n" and no term holds a raw newline, so this split leaves
            # exactly the terms of each line (and an empty string after the last one).
            lines = data[:cut].decode("utf-8").split(" .\n")
            lines.pop()
            self.add(map(str.split, lines, repeat(" "), repeat(2)))  # type: ignore[arg-type]  # [s, p, o]
        return len(chunk)

    def flush(self) -> None:
        """Part of the file-like interface the serializer expects; lines are consumed in ``write``."""

    def add(self, triples: Iterable[tuple[str, str, str]]) -> None:
        index, watched, watch = self.graph.index, self.graph.watched, self._watch
        shared, blanks, intern = self._shared, self._blanks, sys.intern
        last, pos = self._last, self._pos
        for s, p, o in triples:
            kind = o[0]
            if kind == "<" or (kind == '"' and len(o) < _SHARED_LITERAL):
                o = shared.setdefault(o, o)
            elif kind == "_":
                o = blanks.pop(o, None) or blanks.setdefault(o, o)
            if s != last:
                found = index.get(s)
                if found is None:
                    if s[0] == "_":
                        s = blanks.pop(s, None) or blanks.setdefault(s, s)
                    else:
                        s = shared.get(s, s)
                    index[s] = found = []
                last, pos = s, found
            p = intern(p)
            pos.append(p)
            pos.append(o)
            if p in watch:
                watched.extend((last, p, o))
        self._last, self._pos = last, pos

    def result(self) -> ParsedGraph:
        if self._tail.strip():  # a last line without newline (the serializer always ends lines)
            self._tail, tail = b"", self._tail + b"\n"
            self.write(tail)
        self._shared, self._blanks = {}, {}
        return self.graph
