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

Output: ``SubjectIndex`` - subject -> [(predicate, object)] with every term in N-Triples syntax
(``<iri>``, ``_:label``, ``"lexical"@lang`` / ``"lexical"^^<datatype>``). Predicates and IRIs
are interned: a catalogue repeats them thousands of times.
"""

from __future__ import annotations

import logging
import re
import sys
from typing import Iterable, Iterator, Optional
from urllib.parse import quote, urlsplit

import pyoxigraph as ox

from harvester.sources.safe_xml import declares_entities, looks_like_html

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

#: subject (N-Triples term) -> list of (predicate, object) N-Triples terms
SubjectIndex = dict[str, list[tuple[str, str]]]


class RdfError(ValueError):
    """The document cannot be used as RDF; the message says why (and where, when the parser knows)."""


def detect_format(content: bytes, *, content_type: str = "", url: str = "", forced: Optional[str] = None) -> str:
    """The format name of ``content``. Raises RdfError for HTML pages and unrecognisable bodies."""
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


def _utf8(content: bytes, charset: Optional[str], fmt: str) -> bytes:
    """Text syntaxes must be UTF-8 for the parser; transcode a declared other charset."""
    if not charset or fmt == "xml" or charset.lower().replace("_", "-") in ("utf-8", "utf8"):
        return content
    try:
        return content.decode(charset).encode("utf-8")
    except (LookupError, UnicodeDecodeError) as exc:
        raise RdfError(f"body is not valid {charset}: {exc}") from exc


def parse_document(content: bytes, fmt: str, *, base_iri: str, charset: Optional[str] = None) -> SubjectIndex:
    """Parse ``content`` as ``fmt`` into a SubjectIndex. Raises RdfError (unsafe, unparseable)."""
    if fmt not in FORMATS:
        raise RdfError(f"unknown RDF format {fmt!r}; known: {', '.join(FORMATS)}")
    if fmt == "xml" and declares_entities(content):
        raise RdfError("RDF/XML DOCTYPE declares entities (refused: entity expansion / external entity risk)")
    content = _utf8(content, charset, fmt)
    try:
        return _index(_ox_terms(content, fmt, base_iri))
    except SyntaxError as exc:
        message = _ox_message(exc)
    except ValueError as exc:  # invalid base IRI and the like
        raise RdfError(str(exc)) from exc
    if fmt not in _RDFLIB_NAMES:
        raise RdfError(message)
    try:
        index = _index(_rdflib_terms(content, fmt, base_iri))
    except Exception as exc:  # noqa: BLE001 - any rdflib failure means: report the strict parser's message
        logger.debug("rdflib fallback failed too: %s", exc)
        raise RdfError(message) from None
    logger.info("%s: strict parser refused the document (%s); read by the tolerant parser", base_iri, message)
    return index


def _ox_message(exc: SyntaxError) -> str:
    text = str(exc.msg if getattr(exc, "msg", None) else exc)
    if "LoadDocumentCallback" in text or "remote context" in text:
        return ("JSON-LD @context refers to a remote document (a URL); contexts are not fetched while "
                "parsing - embed the context in the document or publish Turtle/RDF-XML")
    return text


def _ox_terms(content: bytes, fmt: str, base_iri: str) -> Iterator[tuple[str, str, str]]:
    for quad in ox.parse(content, FORMATS[fmt], base_iri=base_iri or None):
        yield str(quad.subject), str(quad.predicate), str(quad.object)


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


def _index(triples: Iterable[tuple[str, str, str]]) -> SubjectIndex:
    intern = sys.intern
    index: SubjectIndex = {}
    seen_objects: dict[str, str] = {}
    for s, p, o in triples:
        if o[0] == "<":  # IRIs repeat (themes, formats, publishers): keep one copy
            o = seen_objects.setdefault(o, o)
        pos = index.get(s)
        if pos is None:
            index[s] = pos = []
        pos.append((intern(p), o))
    return index
