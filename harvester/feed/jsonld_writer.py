"""Streaming JSON-LD for lists of rdflib triples (flattened node objects, one chunk at a time).

rdflib's JSON-LD serializer builds and walks a whole graph (seconds for one feed page); the feed
needs pages in milliseconds and a dump of any size with flat memory. This writer turns the triples
of one dataset into node objects (``{"@id": ..., "@type": [...], "dct:title": [...]}``), grouped by
subject, and the document is ``{"@context": {prefixes}, "@graph": [chunk, chunk, ...]}``. The same
subject may appear in several chunks (e.g. a licence IRI used by many datasets); JSON-LD merges
node objects with the same ``@id``, so the document still means exactly the input triples.

Guarantees: the output parses (rdflib, pyld, any JSON-LD 1.1 processor) into a graph isomorphic to
the input. Property and class IRIs are written as compact IRIs (``dcat:Dataset``) when a declared
prefix matches and the local part is a plain name; ``@id`` values are always full IRIs. Literals keep
their exact lexical form (typed literals as ``{"@value", "@type"}``). Blank-node labels derive from
the node's own id, so they agree across chunks.

Failure behaviour: a literal subject or predicate, or a non-term, raises ``TypeError`` naming the
triple.
"""

from __future__ import annotations

import json
import re
from typing import Any, Iterable, Mapping

from rdflib.term import BNode, Literal, Node, URIRef

from harvester.profiles.rdf_writer import (
    _bnode_label,  # one labelling rule for every syntax
)

Triple = tuple[Node, Node, Node]

RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
_LOCAL = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*\Z")


def blank_label(node: BNode) -> str:
    """A stable, syntax-safe label for a blank node: the same label the Turtle writer uses."""
    return _bnode_label(node)[2:]  # without "_:"


class JsonLdChunks:
    """Renders chunks of triples as comma-separated JSON node objects of one ``@graph``."""

    separator = b",\n"

    def __init__(self, prefixes: Mapping[str, str]) -> None:
        self._ns = {ns: p for p, ns in prefixes.items()}
        self._context = json.dumps({"@context": dict(prefixes)}, ensure_ascii=False)[:-1]  # open object
        self._compact_cache: dict[str, str] = {}

    def begin(self) -> bytes:
        return (self._context + ',\n"@graph": [\n').encode("utf-8")

    def end(self) -> bytes:
        return b"\n]}\n"

    def compact(self, iri: str) -> str:
        """``prefix:local`` for a property/class IRI when possible, else the IRI itself."""
        got = self._compact_cache.get(iri)
        if got is None:
            got = iri
            cut = max(iri.rfind("#"), iri.rfind("/")) + 1
            prefix = self._ns.get(iri[:cut]) if cut else None
            if prefix is not None and _LOCAL.match(iri[cut:]):
                got = f"{prefix}:{iri[cut:]}"
            if len(self._compact_cache) > 4096:
                self._compact_cache.clear()
            self._compact_cache[iri] = got
        return got

    def _node_id(self, term: Node, triple: Triple) -> str:
        if isinstance(term, URIRef):
            return str(term)
        if isinstance(term, BNode):
            return "_:" + blank_label(term)
        raise TypeError(f"subject must be an IRI or blank node in triple {triple!r}")

    def _value(self, term: Node, triple: Triple) -> dict[str, str]:
        if isinstance(term, Literal):
            value: dict[str, str] = {"@value": str(term)}
            if term.language:
                value["@language"] = term.language
            elif term.datatype is not None:
                value["@type"] = self.compact(str(term.datatype))
            return value
        if isinstance(term, (URIRef, BNode)):
            return {"@id": self._node_id(term, triple)}
        raise TypeError(f"cannot write {term!r} as the object of triple {triple!r}")

    def node_objects(self, triples: Iterable[Triple]) -> list[dict[str, Any]]:
        """Node objects of the triples, one per subject, in first-seen order."""
        nodes: dict[str, dict[str, Any]] = {}
        for triple in triples:
            s, p, o = triple
            sid = self._node_id(s, triple)
            node = nodes.get(sid)
            if node is None:
                node = nodes[sid] = {"@id": sid}
            if not isinstance(p, URIRef):
                raise TypeError(f"predicate must be an IRI in triple {triple!r}")
            if str(p) == RDF_TYPE and isinstance(o, URIRef):
                types = node.setdefault("@type", [])
                name = self.compact(str(o))
                if name not in types:
                    types.append(name)
                continue
            values = node.setdefault(self.compact(str(p)), [])
            value = self._value(o, triple)
            if value not in values:
                values.append(value)
        return list(nodes.values())

    def chunk(self, triples: Iterable[Triple]) -> bytes:
        """The node objects of one chunk, comma-separated, without a trailing separator."""
        objects = self.node_objects(triples)
        return ",\n".join(json.dumps(o, ensure_ascii=False) for o in objects).encode("utf-8", "replace")
