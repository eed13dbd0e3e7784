"""Cut a parsed DCAT document into one self-contained N-Triples record per dataset.

Datasets: nodes typed ``dcat:Dataset`` or ``dcat:DatasetSeries`` (series optional), plus nodes a
catalogue links with ``dcat:dataset`` that are described in the document but carry no type.
Catalogues (also when typed as datasets) and data services are not records.

A record is the dataset's triples plus, recursively, the triples of every blank node and every
described IRI node it points to (distributions, publisher, contact point, periods, locations,
checksums ...). Traversal stops at other datasets, series and catalogues (the link triple is kept,
their description is not) and does not follow ``rdf:type``. Catalogue-level ``dct:publisher``,
``dct:language`` and ``dct:license`` are inherited (triples added, with the value's description)
when the dataset has none: DCAT-AP puts them on the catalogue, readers want them per dataset.

Blank-node datasets get a stable ``urn:uuid`` IRI derived from the source URL and their
``dct:identifier`` (else their title, else their content: then ``id_is_fallback``).

Bytes are canonical: blank nodes are relabelled from a hash of their content (parsers invent
random labels for ``[ ... ]``) and lines are sorted, so an unchanged dataset gives unchanged bytes
(and content hash) on every harvest.
"""

from __future__ import annotations

import hashlib
import re
import uuid
from dataclasses import dataclass, field
from typing import Iterator, Optional

from harvester.sources.rdf_parse import RDF_TYPE, ParsedGraph

DCAT = "http://www.w3.org/ns/dcat#"
DCT = "http://purl.org/dc/terms/"
HYDRA = ("http://www.w3.org/ns/hydra/core#", "http://purl.org/hydra/core#")
DATASET, SERIES = f"<{DCAT}Dataset>", f"<{DCAT}DatasetSeries>"
NOT_RECORDS = frozenset({f"<{DCAT}Catalog>", f"<{DCAT}DataService>", f"<{DCAT}CatalogRecord>"})
DCAT_DATASET = f"<{DCAT}dataset>"
IDENTIFIER, TITLE, MODIFIED = f"<{DCT}identifier>", f"<{DCT}title>", f"<{DCT}modified>"
INHERITED = (f"<{DCT}publisher>", f"<{DCT}language>", f"<{DCT}license>")
NEXT_LINKS = frozenset(f"<{ns}{name}>" for ns in HYDRA for name in ("next", "nextPage"))
#: Predicates the parser lists for the splitter (``parse_document(watch=WATCH)``).
WATCH = frozenset({RDF_TYPE, DCAT_DATASET}) | NEXT_LINKS
#: The types that decide what is a record (others are never looked at).
_DECISIVE = frozenset({DATASET, SERIES, f"<{DCAT}Catalog>"}) | NOT_RECORDS
_ESCAPE = re.compile(r"\\(u[0-9A-Fa-f]{4}|U[0-9A-Fa-f]{8}|.)")
_SIMPLE_ESCAPES = {"t": "\t", "b": "\b", "n": "\n", "r": "\r", "f": "\f", '"': '"', "'": "'", "\\": "\\"}
Triple = tuple[str, str, str]


def literal_value(term: str) -> Optional[str]:
    """The lexical form of an N-Triples literal term (unescaped); None for IRIs and blank nodes."""
    if not term.startswith('"'):
        return None
    body = term[1:term.rindex('"')]
    if "\\" not in body:
        return body
    return _ESCAPE.sub(lambda m: _SIMPLE_ESCAPES.get(m.group(1), None) or chr(int(m.group(1)[1:], 16)), body)


@dataclass(frozen=True)
class DatasetRecord:
    """One dataset cut out of a document."""

    remote_id: str
    focus: str  # the dataset IRI (skolem IRI for a blank node)
    payload: bytes  # canonical N-Triples
    modified: Optional[str] = None
    id_is_fallback: bool = False
    triples: int = 0
    truncated: bool = False
    #: the triples the payload was written from (N-Triples terms, skolem IRIs applied), for the reader
    terms: list[Triple] = field(default_factory=list, compare=False, repr=False)


@dataclass
class CatalogDefaults:
    """Catalogue-level values a dataset inherits, with the triples describing them."""

    values: dict[str, list[str]] = field(default_factory=dict)  # predicate -> objects
    descriptions: dict[str, list[Triple]] = field(default_factory=dict)  # predicate -> their triples

    def __bool__(self) -> bool:
        return bool(self.values)


def pairs(flat: list[str]) -> Iterator[tuple[str, str]]:
    """(predicate, object) pairs of a subject's flat ``[p1, o1, p2, o2, ...]`` list."""
    it = iter(flat)
    return zip(it, it)


class Splitter:
    """Finds the datasets of one parsed document and builds their records.

    ``graph`` must have been parsed with ``watch=WATCH``: types, catalogue listings and paging
    links are read from its watched triples, not from a scan of every triple.
    """

    def __init__(self, graph: ParsedGraph, *, base: str, include_series: bool = True,
                 max_triples: int = 50_000) -> None:
        index = self.index = graph.index
        self.base = base
        self.max_triples = max_triples
        types: dict[str, set[str]] = {}  # only the types that matter here: a few per dataset
        listings: dict[str, list[str]] = {}  # catalogue -> datasets it lists (dcat:dataset)
        watched, self._next = graph.watched, set()
        for k in range(0, len(watched), 3):
            s, p, o = watched[k], watched[k + 1], watched[k + 2]
            if p == RDF_TYPE:
                if o in _DECISIVE:
                    types.setdefault(s, set()).add(o)
            elif p == DCAT_DATASET:
                listings.setdefault(s, []).append(o)
            else:  # a hydra next link
                value = o[1:-1] if o.startswith("<") else literal_value(o)
                if value:
                    self._next.add(value)
        # Subjects in document order (first appearance), not in the order the watched triples came.
        order = {s: n for n, s in enumerate(index) if s in types or s in listings}
        types = {s: types[s] for s in sorted(types, key=order.__getitem__)}
        listed: dict[str, str] = {}  # dataset -> (first) catalogue listing it
        for catalog in sorted(listings, key=order.__getitem__):
            for dataset in listings[catalog]:
                listed.setdefault(dataset, catalog)
        catalogs = [s for s, t in types.items() if f"<{DCAT}Catalog>" in t] + list(listed.values())
        self.catalogs = list(dict.fromkeys(catalogs))  # typed, or listing datasets (hydra:Collection ...)
        self._listed = listed
        wanted = {DATASET, SERIES} if include_series else {DATASET}
        datasets = [s for s, t in types.items() if t & wanted and not t & NOT_RECORDS]
        datasets += [d for d in listed if d in index and RDF_TYPE not in index[d][::2]]  # listed, untyped
        self.datasets = list(dict.fromkeys(datasets))
        self._stop = set(self.datasets) | set(self.catalogs) | {s for s, t in types.items() if t & {DATASET, SERIES}}
        self._skolem = {d: self._skolem_iri(d) for d in self.datasets if d.startswith("_:")}

    # -- document-level facts ----------------------------------------------------------------------
    def next_links(self) -> list[str]:
        """Hydra next-page links (``hydra:next`` / legacy ``hydra:nextPage``), as strings, sorted."""
        return sorted(self._next)

    def catalog_defaults(self, catalog: Optional[str] = None) -> CatalogDefaults:
        """The inheritable values of ``catalog`` (default: the document's only catalogue)."""
        if catalog is None:
            if len(self.catalogs) != 1:
                return CatalogDefaults()
            catalog = self.catalogs[0]
        defaults = CatalogDefaults()
        for p, o in pairs(self.index.get(catalog, [])):
            if p in INHERITED:
                defaults.values.setdefault(p, []).append(o)
                defaults.descriptions.setdefault(p, []).extend(self._collect(o, limit=self.max_triples)[0])
        return defaults

    # -- records -------------------------------------------------------------------------------------
    def records(self, fallback: Optional[CatalogDefaults] = None) -> Iterator[DatasetRecord]:
        """One record per dataset, built lazily. ``fallback``: defaults from an earlier page."""
        per_catalog: dict[str, CatalogDefaults] = {}
        own = self.catalog_defaults()
        for node in self.datasets:
            parent = self._listed.get(node)
            listing = None
            if parent is not None:
                if parent not in per_catalog:
                    per_catalog[parent] = self.catalog_defaults(parent)
                listing = per_catalog[parent]
            yield self.record(node, listing or own or fallback or CatalogDefaults())

    def record(self, node: str, defaults: CatalogDefaults) -> DatasetRecord:
        triples, truncated = self._collect(node, limit=self.max_triples)
        has = {p for s, p, _ in triples if s == node}
        for p, values in defaults.values.items():
            if p not in has:
                triples.extend((node, p, v) for v in values)
                triples.extend(defaults.descriptions.get(p, ()))
        own = self.index.get(node, [])
        remote_id, fallback = self._remote_id(node, own, triples)
        focus = self._skolem.get(node, node)
        modified = sorted(v for v in (literal_value(o) for p, o in pairs(own) if p == MODIFIED) if v)
        terms, payload = canonical_form(triples, self._skolem)
        return DatasetRecord(remote_id=remote_id, focus=focus[1:-1], payload=payload,
                             modified=modified[-1] if modified else None, id_is_fallback=fallback,
                             triples=len(terms), truncated=truncated, terms=terms)

    def _collect(self, start: str, *, limit: int) -> tuple[list[Triple], bool]:
        """Triples of ``start`` and of the nodes it reaches (see module docstring)."""
        index, stop = self.index, self._stop
        out: list[Triple] = []
        stack, seen = [start], {start}
        while stack:
            node = stack.pop()
            for p, o in pairs(index.get(node, [])):
                out.append((node, p, o))
                if p != RDF_TYPE and o not in seen and o[0] in "<_" and o in index and o not in stop:
                    seen.add(o)
                    stack.append(o)
            if len(out) > limit:
                return out, True
        return out, False

    def _remote_id(self, node: str, own: list[str], triples: list[Triple]) -> tuple[str, bool]:
        if not node.startswith("_:"):
            return node[1:-1], False
        for wanted in (IDENTIFIER, TITLE):
            values = sorted(v.strip() for v in (literal_value(o) for p, o in pairs(own) if p == wanted)
                            if v and v.strip())
            if values:
                return values[0], wanted == TITLE
        digest = hashlib.sha256(canonical_ntriples(triples, {node: "<urn:x:focus>"})).hexdigest()
        return f"sha256:{digest[:32]}", True

    def _skolem_iri(self, node: str) -> str:
        remote_id, _ = self._remote_id(node, self.index.get(node, []), self._collect(node, limit=self.max_triples)[0])
        return f"<urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, self.base + '#' + remote_id)}>"


def canonical_ntriples(triples: list[Triple], rename: dict[str, str]) -> bytes:
    """Sorted, de-duplicated N-Triples; blank nodes renamed by ``rename`` or by a content hash."""
    return canonical_form(triples, rename)[1]


def canonical_form(triples: list[Triple], rename: dict[str, str]) -> tuple[list[Triple], bytes]:
    """The canonical triples (blank nodes renamed by ``rename`` or by a content hash; de-duplicated;
    in the order of their N-Triples lines) and those lines as bytes. The triples are exactly what
    parsing the bytes gives back, in the same order, which is what lets the reader skip the parse."""
    described: dict[str, list[tuple[str, str]]] = {}
    for s, p, o in triples:
        if s[0] == "_":
            described.setdefault(s, []).append((p, o))
    labels = dict(rename)

    def label(node: str, path: frozenset[str]) -> str:
        known = labels.get(node)
        if known is not None:
            return known
        if node in path:  # a blank-node cycle: a fixed marker keeps the hash finite
            return "_:cycle"
        inner = path | {node}
        parts = sorted(f"{p} {label(o, inner) if o[0] == '_' else o}" for p, o in described.get(node, ()))
        labels[node] = known = "_:b" + hashlib.sha1("\n".join(parts).encode("utf-8")).hexdigest()[:20]
        return known

    empty: frozenset[str] = frozenset()
    lines: dict[str, Triple] = {}
    for s, p, o in triples:
        if s[0] == "_":
            s = label(s, empty)
        if o[0] == "_":
            o = label(o, empty)
        lines[f"{s} {p} {o} .\n"] = (s, p, o)
    order = sorted(lines)
    return [lines[line] for line in order], "".join(order).encode("utf-8")
