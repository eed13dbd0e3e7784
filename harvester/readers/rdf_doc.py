"""RDF reader: one dataset's subgraph (N-Triples from the dcat-rdf source; Turtle, RDF/XML, JSON-LD too).

The record is indexed once as ``{subject: {predicate: [objects]}}`` where every node is a string in
N-Triples syntax (``<iri>``, ``_:label``, ``"lexical"@lang`` ...): from the triples the dcat-rdf
source hands over (``SourceRecord.parsed``, no parse at all), from plain N-Triples bytes by
``readers.ntriples``, from anything else by pyoxigraph (``str()`` of its terms: the same strings).
Keeping the syntax means no term is converted until a mapping selects it: a literal's value and
language are decoded then (``ntriples.literal_value``). The document is the index plus a *focus*
node: the dataset, named by ``record.meta`` ``("focus", IRI)``; without it, the only subject typed
with one of the reader's ``focus_types`` (default ``dcat:Dataset``, ``dcat:DatasetSeries``).

Path syntax: predicate steps separated by ``/``: ``dct:publisher/foaf:name``. A step is a CURIE
(prefixes of ``WELL_KNOWN_PREFIXES`` plus the mapping's ``reader.prefixes``), a full ``<IRI>``, ``a``
(rdf:type), and may start with ``^`` to walk the predicate backwards. ``.`` is the node itself.

``select`` returns literal values and IRIs as strings (blank nodes are skipped), literals ordered
by the reader's ``languages`` preference (default ``id``, untagged, ``en``) so a single-valued field
gets the preferred language. ``each`` returns one sub-document per node reached. The mapping
engine binds its paths once through ``RdfReader.compile_select`` / ``compile_each``, and skips rules
whose paths cannot match a node through ``compile_guard`` / ``guard_keys`` (a path's first predicate
must be among the node's).

Failure behaviour: unparseable bytes or a missing/ambiguous focus raise ``RecordInvalid``
naming the record and the parser's message; an unknown prefix raises ``ConfigError``.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any, Callable, ClassVar, Iterable, Iterator, KeysView, Mapping

import pyoxigraph as ox

from harvester.errors import ConfigError, RecordInvalid
from harvester.model.record import SourceRecord
from harvester.readers import ntriples
from harvester.readers.ntriples import unescape
from harvester.readers.base import Document, Scalar

RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
_RDF_TYPE_TERM = f"<{RDF_TYPE}>"

#: Prefixes every mapping may use without declaring them. ``sdi:`` is the project's own namespace.
WELL_KNOWN_PREFIXES: dict[str, str] = {
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "owl": "http://www.w3.org/2002/07/owl#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "dct": "http://purl.org/dc/terms/",
    "dcterms": "http://purl.org/dc/terms/",
    "dc": "http://purl.org/dc/elements/1.1/",
    "dcat": "http://www.w3.org/ns/dcat#",
    "dcatap": "http://data.europa.eu/r5r/",
    "foaf": "http://xmlns.com/foaf/0.1/",
    "vcard": "http://www.w3.org/2006/vcard/ns#",
    "adms": "http://www.w3.org/ns/adms#",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "locn": "http://www.w3.org/ns/locn#",
    "schema": "http://schema.org/",
    "time": "http://www.w3.org/2006/time#",
    "prov": "http://www.w3.org/ns/prov#",
    "spdx": "http://spdx.org/rdf/terms#",
    "odrl": "http://www.w3.org/ns/odrl/2/",
    "gsp": "http://www.opengis.net/ont/geosparql#",
    "org": "http://www.w3.org/ns/org#",
    "hydra": "http://www.w3.org/ns/hydra/core#",
    "dqv": "http://www.w3.org/ns/dqv#",
    "sdi": "https://w3id.org/satudata/sdi#",
}

_FORMATS: dict[str, Any] = {
    "application/n-triples": ox.RdfFormat.N_TRIPLES,
    "text/plain": ox.RdfFormat.N_TRIPLES,
    "application/n-quads": ox.RdfFormat.N_QUADS,
    "text/turtle": ox.RdfFormat.TURTLE,
    "application/x-turtle": ox.RdfFormat.TURTLE,
    "application/trig": ox.RdfFormat.TRIG,
    "application/rdf+xml": ox.RdfFormat.RDF_XML,
    "application/xml": ox.RdfFormat.RDF_XML,
    "application/ld+json": ox.RdfFormat.JSON_LD,
}

_DEFAULT_FOCUS_TYPES = ("dcat:Dataset", "dcat:DatasetSeries")
_DEFAULT_LANGUAGES = ("id", "", "en")


#: subject term -> predicate term -> object terms (N-Triples syntax, see module docstring).
Index = dict[str, dict[str, list[str]]]
Steps = tuple[tuple[str, bool], ...]

_BASE = "urn:x-harvester:base:"
_UNRESOLVED = "<" + _BASE  # relative IRIs resolved against our dummy base are not values


def _prefix_table(options: Mapping[str, Any]) -> tuple[tuple[str, str], ...]:
    merged = dict(WELL_KNOWN_PREFIXES)
    merged.update({str(k): str(v) for k, v in (options.get("prefixes") or {}).items()})
    return tuple(sorted(merged.items()))


def _expand(term: str, prefixes: dict[str, str], path: str) -> str:
    if term.startswith("<") and term.endswith(">") and len(term) > 2:
        return term[1:-1]
    if term == "a":
        return RDF_TYPE
    prefix, sep, local = term.partition(":")
    if not sep or prefix not in prefixes:
        raise ConfigError(f"bad RDF path {path!r}: unknown prefix in {term!r}; "
                          f"declare it under reader.prefixes (known: {', '.join(sorted(prefixes))})", key=path)
    return prefixes[prefix] + local


def _split_steps(path: str) -> list[str]:
    steps: list[str] = []
    buf: list[str] = []
    in_iri = False
    for ch in path:
        if ch == "<":
            in_iri = True
        elif ch == ">":
            in_iri = False
        if ch == "/" and not in_iri:
            steps.append("".join(buf).strip())
            buf = []
        else:
            buf.append(ch)
    steps.append("".join(buf).strip())
    return steps


@lru_cache(maxsize=4096)
def compile_rdf_path(path: str, prefixes: tuple[tuple[str, str], ...]) -> Steps:
    """Parse a predicate path into ((predicate term ``<IRI>``, inverse), ...). Raises ConfigError."""
    text = path.strip()
    if text == ".":
        return ()
    table = dict(prefixes)
    steps = []
    for raw in _split_steps(text):
        inverse = raw.startswith("^")
        term = raw[1:].strip() if inverse else raw
        if not term:
            raise ConfigError(f"bad RDF path {path!r}: empty step", key=path)
        steps.append((f"<{_expand(term, table, path)}>", inverse))
    return tuple(steps)


def build_index(data: bytes, media_type: str) -> Index:
    """Parse ``data`` into the forward index {subject: {predicate: [objects]}}. Raises ValueError/SyntaxError.

    Plain N-Triples (what the dcat-rdf source sends) are read by ``ntriples.triples``; everything else,
    and N-Triples that reader does not fully accept, by pyoxigraph. Both give the same triples.
    """
    fmt = _FORMATS.get(media_type)
    if fmt is None:
        raise ValueError(f"unsupported RDF media type {media_type!r}")
    if fmt is ox.RdfFormat.N_TRIPLES:
        fast = ntriples.triples(data)
        if fast is not None:
            return index_triples(fast)
    return index_triples(_pyoxigraph_triples(data, fmt))


def _pyoxigraph_triples(data: bytes, fmt: Any) -> Iterator[ntriples.Triple]:
    quoted = ox.Triple  # RDF-star quoted triples are not used by DCAT: skipped
    for quad in ox.parse(data, format=fmt, base_iri=_BASE, lenient=True):
        subject, obj = quad.subject, quad.object
        if type(subject) is not quoted and type(obj) is not quoted:
            yield str(subject), str(quad.predicate), str(obj)


def index_triples(triples: Iterable[ntriples.Triple]) -> Index:
    """{subject: {predicate: [objects]}}, objects de-duplicated and in document order."""
    forward: Index = {}
    for s, p, o in triples:
        preds = forward.get(s)
        if preds is None:
            forward[s] = {p: [o]}
            continue
        objs = preds.get(p)
        if objs is None:
            preds[p] = [o]
        elif o not in objs:
            objs.append(o)
    return forward


def inverse_index(forward: Index) -> Index:
    """{object: {predicate: [subjects]}}, built only when a path walks a predicate backwards."""
    inverse: Index = {}
    for s, preds in forward.items():
        for p, objs in preds.items():
            for o in objs:
                if o[0] != '"':
                    inverse.setdefault(o, {}).setdefault(p, []).append(s)
    return inverse


def _value(node: str) -> Scalar | None:
    """What ``select`` gives for one node: a literal's (non-blank) value or an IRI; None for blank
    nodes, blank literals and dummy-base IRIs."""
    kind = node[0]
    if kind == '"':
        lexical = node[1:-1] if node[-1] == '"' else node[1:node.rindex('"')]
        if "\\" in lexical:
            lexical = unescape(lexical)
        return lexical if lexical.strip() else None
    if kind == "<" and not node.startswith(_UNRESOLVED):
        return node[1:-1]
    return None


def _ranked(literals: list[str], lang_rank: dict[str, int]) -> list[str]:
    """Literals best language first (stable), one per (value, language): "5" and "5"^^xsd:integer
    are one value to a mapping (plain and typed literals are different terms in the index)."""
    language = ntriples.literal_language
    languages = [language(lit) for lit in literals]
    if len(set(languages)) > 1:
        worst = len(lang_rank)
        order = sorted(range(len(literals)), key=lambda i: lang_rank.get(languages[i], worst))
        literals, languages = [literals[i] for i in order], [languages[i] for i in order]
    if not any(lit[-1] == ">" for lit in literals):
        return literals  # no typed literal: distinct terms are distinct values
    seen: set[tuple[str, str]] = set()
    kept = []
    for lit, lang in zip(literals, languages):
        key = (ntriples.literal_value(lit), lang)
        if key not in seen:
            seen.add(key)
            kept.append(lit)
    return kept


def _values(nodes: list[str], lang_rank: dict[str, int]) -> list[Scalar]:
    """What ``select`` returns for the nodes reached: non-blank literal values, best language first,
    then IRIs (blank nodes and dummy-base IRIs skipped)."""
    if len(nodes) == 1:  # the common case
        value = _value(nodes[0])
        return [] if value is None else [value]
    literals = [n for n in nodes if n[0] == '"']
    if len(literals) > 1 and any(lit[-1] != '"' for lit in literals):  # some tagged or typed
        literals = _ranked(literals, lang_rank)
    out: list[Scalar] = [v for v in map(_value, literals) if v is not None]
    if len(literals) < len(nodes):
        out.extend(n[1:-1] for n in nodes if n[0] == "<" and not n.startswith(_UNRESOLVED))
    return out


def _step(index: Index, nodes: list[Any], predicate: str) -> list[Any]:
    """The objects of ``predicate`` for every node (repeats kept, in order)."""
    out: list[Any] = []
    for node in nodes:
        preds = index.get(node)  # literals are never keys
        if preds:
            hit = preds.get(predicate)
            if hit:
                out.extend(hit)
    return out


#: ``preds`` of a node without statements (a shared empty dict: documents never change their index).
_NO_PREDS: dict[str, list[Any]] = {}

#: Compiled paths per prefix table: hashing the prefix table once per record, not once per path.
_COMPILED: dict[tuple[tuple[str, str], ...], dict[str, Steps]] = {}


class RdfDocument:
    """A focus node in an indexed graph. ``preds`` is the node's own {predicate: [objects]} (empty
    for a node without statements: a literal, an IRI described elsewhere)."""

    __slots__ = ("forward", "inverse", "node", "preds", "prefixes", "lang_rank", "paths")

    def __init__(self, forward: Index, inverse: list[Index], node: Any,
                 prefixes: tuple[tuple[str, str], ...], lang_rank: dict[str, int],
                 paths: dict[str, Steps] | None = None) -> None:
        # ``inverse`` is a one-element list shared by the record's documents: empty until a path
        # first walks a predicate backwards (most mappings never do).
        self.forward, self.inverse, self.node = forward, inverse, node
        self.preds = forward.get(node) or _NO_PREDS
        self.prefixes, self.lang_rank = prefixes, lang_rank
        if paths is None:
            paths = _COMPILED.get(prefixes)
            if paths is None:
                paths = _COMPILED.setdefault(prefixes, {})
        self.paths = paths

    def walk(self, steps: Steps) -> list[Any]:
        """Nodes reached from this node by ``steps`` (in order, repeats kept)."""
        if len(steps) == 1 and not steps[0][1]:
            objs = self.preds.get(steps[0][0])
            return list(objs) if objs else []
        nodes = [self.node]
        for predicate, inverse in steps:
            if inverse and not self.inverse:
                self.inverse.append(inverse_index(self.forward))
            nodes = _step(self.inverse[0] if inverse else self.forward, nodes, predicate)
            if not nodes:
                break
        return nodes

    def _steps(self, path: str) -> Steps:
        steps = self.paths.get(path)
        if steps is None:
            steps = self.paths[path] = compile_rdf_path(path, self.prefixes)
        return steps

    def child(self, node: Any) -> "RdfDocument":
        """The document of another node of the same graph."""
        return RdfDocument(self.forward, self.inverse, node, self.prefixes, self.lang_rank, self.paths)

    def select(self, path: str) -> list[Scalar]:
        nodes = self.walk(self._steps(path))
        return _values(nodes, self.lang_rank) if nodes else []

    def each(self, path: str) -> list[Document]:
        return [self.child(n) for n in self.walk(self._steps(path))]


def _compiled_select(path: str, steps: Steps) -> Callable[[Any], list[Scalar]]:
    if len(steps) == 1 and not steps[0][1]:
        iri = steps[0][0]

        def select_one(doc: Any) -> list[Scalar]:
            if type(doc) is not RdfDocument:
                return doc.select(path)
            objs = doc.preds.get(iri)
            if not objs:
                return []
            if len(objs) == 1:  # _values' common case, inlined: this runs for most rules of a mapping
                node = objs[0]
                kind = node[0]
                if kind == '"':
                    lexical = node[1:-1] if node[-1] == '"' else node[1:node.rindex('"')]
                    if "\\" in lexical:
                        lexical = unescape(lexical)
                    return [lexical] if lexical.strip() else []
                return [node[1:-1]] if kind == "<" and not node.startswith(_UNRESOLVED) else []
            return _values(objs, doc.lang_rank)

        return select_one

    if not steps:  # "." - the node itself
        def select_node(doc: Any) -> list[Scalar]:
            if type(doc) is not RdfDocument:
                return doc.select(path)
            value = _value(doc.node)
            return [] if value is None else [value]

        return select_node
    if len(steps) == 2 and not steps[0][1] and not steps[1][1]:  # dct:format/rdfs:label
        first, second = steps[0][0], steps[1][0]

        def select_two(doc: Any) -> list[Scalar]:
            if type(doc) is not RdfDocument:
                return doc.select(path)
            mids = doc.preds.get(first)
            if not mids:
                return []
            if len(mids) == 1:  # one intermediate node (a checksum, a format): _step inlined
                preds = doc.forward.get(mids[0])
                nodes = preds.get(second) if preds else None
            else:
                nodes = _step(doc.forward, mids, second)
            return _values(nodes, doc.lang_rank) if nodes else []

        return select_two

    def select(doc: Any) -> list[Scalar]:
        if type(doc) is not RdfDocument:
            return doc.select(path)
        nodes = doc.walk(steps)
        return _values(nodes, doc.lang_rank) if nodes else []

    return select


def _compiled_each(path: str, steps: Steps) -> Callable[[Any], list[Document]]:
    if len(steps) == 1 and not steps[0][1]:  # dcat:distribution: the node's objects, walk and child inlined
        iri = steps[0][0]

        def each_one(doc: Any) -> list[Document]:
            if type(doc) is not RdfDocument:
                return doc.each(path)
            objs = doc.preds.get(iri)
            if not objs:
                return []
            forward, inverse, prefixes, lang_rank = doc.forward, doc.inverse, doc.prefixes, doc.lang_rank
            paths = doc.paths
            return [RdfDocument(forward, inverse, n, prefixes, lang_rank, paths) for n in objs]

        return each_one

    def each(doc: Any) -> list[Document]:
        if type(doc) is not RdfDocument:
            return doc.each(path)
        return [doc.child(n) for n in doc.walk(steps)]

    return each


class RdfReader:
    """Reads a dataset subgraph (N-Triples, Turtle, RDF/XML, JSON-LD) into an ``RdfDocument``."""

    name: ClassVar[str] = "rdf"
    media_types: ClassVar[tuple[str, ...]] = tuple(_FORMATS)

    @staticmethod
    def check_path(path: str, options: Mapping[str, Any]) -> None:
        """Raise ConfigError if ``path`` uses an unknown prefix or is malformed."""
        compile_rdf_path(path, _prefix_table(options))

    @staticmethod
    def compile_select(path: str, options: Mapping[str, Any]) -> Callable[[Any], list[Scalar]]:
        """``doc.select(path)`` as a function bound once (prefixes resolved, one-step paths inlined).
        Raises ConfigError like ``check_path``. A document of another reader gets ``doc.select(path)``."""
        return _compiled_select(path, compile_rdf_path(path, _prefix_table(options)))

    @staticmethod
    def compile_each(path: str, options: Mapping[str, Any]) -> Callable[[Any], list[Document]]:
        """``doc.each(path)`` as a function bound once (see ``compile_select``)."""
        return _compiled_each(path, compile_rdf_path(path, _prefix_table(options)))

    @staticmethod
    def compile_guard(path: str, options: Mapping[str, Any]) -> str | None:
        """The predicate IRI the first step of ``path`` follows forwards, or None (``.``, ``^p``).
        ``select``/``each`` of the path give nothing on a document whose ``guard_keys`` lack it,
        which lets the engine skip a rule none of whose paths can match. Raises ConfigError like
        ``check_path``."""
        steps = compile_rdf_path(path, _prefix_table(options))
        return steps[0][0] if steps and not steps[0][1] else None

    @staticmethod
    def guard_keys(doc: Any) -> KeysView[str] | None:
        """The predicates of the document's node (what ``compile_guard`` keys are checked against);
        None for a document of another reader, which is then never skipped."""
        if type(doc) is not RdfDocument:
            return None
        return doc.preds.keys()

    def read(self, record: SourceRecord, options: Mapping[str, Any]) -> Document:
        what = f"record {record.remote_id!r} of source {record.source_id!r}"
        media_type = record.media_type.split(";")[0].strip().lower()
        try:
            handed = record.parsed is not None and media_type == "application/n-triples"
            forward = index_triples(record.parsed) if handed else build_index(record.content, media_type)
        except (ValueError, SyntaxError, OSError) as exc:
            raise RecordInvalid(f"{what} could not be parsed as RDF ({media_type}): {exc}",
                                remote_id=record.remote_id, code="READ-RDF") from None
        prefixes, lang_rank = self._settings(options)
        focus = dict(record.meta).get("focus")
        if focus:
            focus = focus if focus.startswith("_:") else f"<{focus}>"
        else:
            focus = self._find_focus(forward, prefixes, options, what, record)
        if focus not in forward:
            raise RecordInvalid(f"{what}: focus node {focus!r} has no statements in the record",
                                remote_id=record.remote_id, code="READ-RDF")
        return RdfDocument(forward, [], focus, prefixes, lang_rank)

    def _settings(self, options: Mapping[str, Any]) -> tuple[tuple[tuple[str, str], ...], dict[str, int]]:
        """Prefix table and language ranks of ``options``; worked out once for the options object an
        engine passes with every record (options are read-only)."""
        cached = getattr(self, "_cached", None)
        if cached is not None and cached[0] is options:
            return cached[1], cached[2]
        prefixes = _prefix_table(options)
        languages = list(options.get("languages") or _DEFAULT_LANGUAGES)
        lang_rank = {lang.lower(): i for i, lang in enumerate(languages)}
        self._cached = (options, prefixes, lang_rank)
        return prefixes, lang_rank

    @staticmethod
    def _find_focus(forward: Index, prefixes: tuple[tuple[str, str], ...], options: Mapping[str, Any],
                    what: str, record: SourceRecord) -> str:
        table = dict(prefixes)
        types = {f"<{_expand(t, table, t)}>" for t in (options.get("focus_types") or _DEFAULT_FOCUS_TYPES)}
        found = [s for s, preds in forward.items() if types.intersection(preds.get(_RDF_TYPE_TERM, ()))]
        if len(found) != 1:
            raise RecordInvalid(f"{what}: expected one dataset node (no ('focus', IRI) in record.meta), "
                                f"found {len(found)}", remote_id=record.remote_id, code="READ-RDF")
        return found[0]
