"""Streaming RDF/XML for lists of rdflib triples (one ``rdf:Description`` per subject and chunk).

Like ``jsonld_writer``, this exists because rdflib's serializer needs the whole graph in memory and
takes seconds per feed page. The document is the ``rdf:RDF`` element with every declared prefix,
then the descriptions chunk by chunk; a subject may be described in several chunks, which RDF/XML
allows (descriptions simply add triples).

Guarantees: the output parses (rdflib, Jena, ckanext-dcat's RDF/XML path) into a graph isomorphic to
the input, with two documented exceptions that XML 1.0 itself forces: characters XML cannot carry
(C0 controls other than tab/LF/CR, U+FFFE/U+FFFF, lone surrogates) become U+FFFD, and a triple whose
predicate IRI cannot be split into namespace + XML name (e.g. it ends in a digit-only segment after
``/``) is left out with a warning. Carriage returns are written as ``&#13;`` so they survive.

Failure behaviour: a literal subject, a non-IRI predicate or a non-term raises ``TypeError``.
"""

from __future__ import annotations

import logging
import re
from typing import Iterable, Mapping

from rdflib.term import BNode, Literal, Node, URIRef

from harvester.feed.jsonld_writer import RDF_TYPE, blank_label

logger = logging.getLogger(__name__)

Triple = tuple[Node, Node, Node]

RDF_NS = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_.-]*\Z")
_SPLIT = re.compile(r"[A-Za-z_][A-Za-z0-9_.-]*\Z")
_BAD_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")
_TEXT = {ord("&"): "&amp;", ord("<"): "&lt;", ord(">"): "&gt;", ord("\r"): "&#13;"}
_ATTR = {**_TEXT, ord('"'): "&quot;", ord("\n"): "&#10;", ord("\t"): "&#9;"}


def _node_id(node: BNode) -> str:
    label = blank_label(node)
    return label if label[0].isalpha() or label[0] == "_" else "b" + label  # an XML name


def _clean(text: str) -> str:
    return _BAD_XML.sub("\ufffd", text) if _BAD_XML.search(text) else text


def _text(value: str) -> str:
    return _clean(value).translate(_TEXT)


def _attr(value: str) -> str:
    return _clean(value).translate(_ATTR)


class RdfXmlChunks:
    """Renders chunks of triples as ``rdf:Description`` elements of one ``rdf:RDF`` document."""

    separator = b""

    def __init__(self, prefixes: Mapping[str, str]) -> None:
        self._prefixes = {"rdf": RDF_NS, **dict(prefixes)}
        self._ns = {ns: p for p, ns in self._prefixes.items()}
        self._names: dict[str, tuple[str, str]] = {}

    def begin(self) -> bytes:
        decls = "".join(f'\n   xmlns:{p}="{_attr(ns)}"' for p, ns in self._prefixes.items())
        return f'<?xml version="1.0" encoding="utf-8"?>\n<rdf:RDF{decls}>\n'.encode("utf-8")

    def end(self) -> bytes:
        return b"</rdf:RDF>\n"

    def _qname(self, iri: str) -> tuple[str, str]:
        """(element name, extra xmlns declaration or '') for a predicate; ('', '') if impossible."""
        got = self._names.get(iri)
        if got is not None:
            return got
        match = _SPLIT.search(iri)
        if match is None or match.start() == 0:
            got = ("", "")
        else:
            ns, local = iri[:match.start()], iri[match.start():]
            prefix = self._ns.get(ns)
            got = (f"{prefix}:{local}", "") if prefix else (f"ns0:{local}", f' xmlns:ns0="{_attr(ns)}"')
        if len(self._names) > 4096:
            self._names.clear()
        self._names[iri] = got
        return got

    @staticmethod
    def _subject_attr(term: Node, triple: Triple) -> str:
        if isinstance(term, URIRef):
            return f'rdf:about="{_attr(str(term))}"'
        if isinstance(term, BNode):
            return f'rdf:nodeID="{_node_id(term)}"'
        raise TypeError(f"subject must be an IRI or blank node in triple {triple!r}")

    def _property(self, p: Node, o: Node, triple: Triple) -> str:
        if not isinstance(p, URIRef):
            raise TypeError(f"predicate must be an IRI in triple {triple!r}")
        name, decl = self._qname(str(p))
        if not name:
            logger.warning("RDF/XML cannot express predicate <%s>; triple left out", p)
            return ""
        if isinstance(o, Literal):
            if o.language:
                extra = f' xml:lang="{_attr(o.language)}"'
            elif o.datatype is not None:
                extra = f' rdf:datatype="{_attr(str(o.datatype))}"'
            else:
                extra = ""
            return f"    <{name}{decl}{extra}>{_text(str(o))}</{name}>\n"
        if isinstance(o, URIRef):
            return f'    <{name}{decl} rdf:resource="{_attr(str(o))}"/>\n'
        if isinstance(o, BNode):
            return f'    <{name}{decl} rdf:nodeID="{_node_id(o)}"/>\n'
        raise TypeError(f"cannot write {o!r} as the object of triple {triple!r}")

    def chunk(self, triples: Iterable[Triple]) -> bytes:
        groups: dict[str, list[str]] = {}
        seen: set[tuple[Node, Node, Node]] = set()
        for triple in triples:
            if triple in seen:
                continue
            seen.add(triple)
            s, p, o = triple
            lines = groups.setdefault(self._subject_attr(s, triple), [])
            if str(p) == RDF_TYPE and isinstance(o, URIRef):
                lines.insert(0, f'    <rdf:type rdf:resource="{_attr(str(o))}"/>\n')
            else:
                line = self._property(p, o, triple)
                if line:
                    lines.append(line)
        parts = []
        for subject, lines in groups.items():
            parts.append(f"  <rdf:Description {subject}>\n{''.join(lines)}  </rdf:Description>\n")
        return "".join(parts).encode("utf-8")
