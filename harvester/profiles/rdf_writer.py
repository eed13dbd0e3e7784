"""Fast, streaming Turtle and N-Triples writers for lists of rdflib triples.

rdflib's own Turtle serializer builds a whole graph, sorts it and walks it several times; for a feed
of thousands of datasets that is far too slow and holds everything in memory. These writers take the
triples of one dataset at a time (a *chunk*), group them by subject, inline blank nodes that are used
exactly once as ``[ ... ]`` and write the text straight to a binary stream, so memory stays flat.

Duties and guarantees:

* The output parses (with rdflib or any conforming parser) into a graph isomorphic to the input
  triples. Literals are escaped per Turtle/N-Triples 1.1 (quotes, backslashes, line breaks, control
  characters); text containing a line break is written as a ``\"\"\"long string\"\"\"``. IRIs are written
  ``<...>`` with the characters IRIREF forbids escaped as ``\\uXXXX``, or as ``prefix:local`` when a
  declared prefix matches and the local part is a plain name.
* Lone surrogate code points (which cannot be encoded as UTF-8) are replaced by U+FFFD.
* Blank-node labels are derived from the node's own id (kept when it is a valid label, otherwise a
  hash of it), so the same input gives the same bytes and labels agree across chunks.
* A blank node must not be shared between two chunks if it is used only once inside each of them
  (it would be inlined in both). ``DcatAp3Profile`` never shares blank nodes between datasets.
* A triple repeated inside a chunk is written once. Caches (rendered IRIs, checked language tags,
  terms seen by identity) are bounded and only ever change speed, never the bytes: a chunk's text
  depends on that chunk alone. A writer is not thread-safe; use one per thread.

Failure behaviour: a literal or blank node in predicate position, a literal subject, or an object
that is not an rdflib term raises ``TypeError`` naming the triple; nothing is written for that chunk.
"""

from __future__ import annotations

import hashlib
import io
import re
from typing import IO, Iterable, Mapping, Sequence

from rdflib.term import BNode, Literal, Node, URIRef

from harvester.profiles.namespaces import PREFIXES

Triple = tuple[Node, Node, Node]

__all__ = ["NTriplesWriter", "TurtleWriter", "Triple", "write_ntriples", "write_turtle"]

_RDF_TYPE = URIRef("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")

# --- escaping -------------------------------------------------------------------------------------

# Characters IRIREF forbids (Turtle/N-Triples 1.1 §IRIREF): controls, space, <>"{}|^`\ .
_IRI_BAD = re.compile(r'[\x00-\x20<>"{}|^`\\]')
_IRI_ESCAPES = {c: f"\\u{c:04X}" for c in [*range(0x21), *map(ord, '<>"{}|^`\\')]}

_SURROGATES = {c: "\ufffd" for c in range(0xD800, 0xE000)}
_CONTROLS = {c: f"\\u{c:04X}" for c in [*range(0x20), 0x7F]}
# Short form "...": escape quote, backslash, CR, LF, TAB and other controls.
_SHORT_ESCAPES = {**_CONTROLS, **_SURROGATES, 0x22: '\\"', 0x5C: "\\\\", 0x0A: "\\n", 0x0D: "\\r",
                  0x09: "\\t", 0x08: "\\b", 0x0C: "\\f"}
_SHORT_BAD = re.compile("[\x00-\x1f\x7f\"\\\\\ud800-\udfff]")
# Long form """...""": line feeds and tabs stay raw for readability; quotes are always escaped so
# that no run of three quotes (and no quote right before the closing delimiter) can occur.
_LONG_ESCAPES = {k: v for k, v in _SHORT_ESCAPES.items() if k not in (0x0A, 0x09)}

_LOCAL_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*\Z")
_LANG = re.compile(r"[A-Za-z]+(-[A-Za-z0-9]+)*\Z")
_BNODE_LABEL = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_-]*\Z")

_CACHE_LIMIT = 8192  # rendered IRIs kept; cleared when full so memory stays flat while streaming


def _iri_ref(iri: str) -> str:
    if _IRI_BAD.search(iri):
        iri = iri.translate(_IRI_ESCAPES)
    return f"<{iri}>"


def _string(text: str, allow_long: bool) -> str:
    if allow_long and "\n" in text:
        return '"""' + text.translate(_LONG_ESCAPES) + '"""'
    if _SHORT_BAD.search(text):
        text = text.translate(_SHORT_ESCAPES)
    return f'"{text}"'


def _bnode_label(node: BNode) -> str:
    ident = str(node)
    if _BNODE_LABEL.match(ident):
        return "_:" + ident
    return "_:h" + hashlib.sha1(ident.encode("utf-8", "surrogatepass")).hexdigest()[:20]


_str = str.__str__  # exact-str copy of a term: plain-str hashing and comparison run in C


class _Terms:
    """Renders terms, abbreviating IRIs with the declared prefixes. Shared by both writers.

    Everything is keyed by plain strings: rdflib terms hash and compare in Python, which would
    dominate the cost of writing.
    """

    def __init__(self, prefixes: Mapping[str, str], long_strings: bool, type_as_a: bool) -> None:
        self._ns_to_prefix = {ns: p for p, ns in prefixes.items()}
        self._long = long_strings
        self._seed = {_str(_RDF_TYPE): "a"} if type_as_a else {}
        self._cache: dict[str, str] = dict(self._seed)
        #: id(term) -> (term, text, is_blank): most triples reuse the same term objects
        self.seen: dict[int, tuple[Node, str, bool]] = {}
        #: language tags already checked against BCP 47 syntax
        self.langs: set[str] = set()

    def iri(self, term: str) -> str:
        key = _str(term)
        got = self._cache.get(key)
        if got is not None:
            return got
        text = None
        if self._ns_to_prefix:
            cut = max(key.rfind("#"), key.rfind("/")) + 1
            prefix = self._ns_to_prefix.get(key[:cut]) if cut else None
            if prefix is not None:
                local = key[cut:]
                if not local or _LOCAL_NAME.match(local):
                    text = f"{prefix}:{local}"
        if text is None:
            text = _iri_ref(key)
        if len(self._cache) >= _CACHE_LIMIT:
            self._cache = dict(self._seed)
        self._cache[key] = text
        return text

    def literal(self, lit: Literal) -> str:
        text = _string(_str(lit), self._long)
        lang = lit.language
        if lang:
            if lang not in self.langs:
                if not _LANG.match(lang):
                    raise TypeError(f"invalid language tag {lang!r} on literal {_str(lit)[:60]!r}")
                if len(self.langs) >= _CACHE_LIMIT:
                    self.langs.clear()
                self.langs.add(lang)
            return f"{text}@{lang}"
        dt = lit.datatype
        if dt is not None:
            if self.seen.get(id(dt)) is None:
                self.render(dt, (lit, dt, lit), "object")  # remembered for the writers' fast path
            return f"{text}^^{self.iri(dt)}"
        return text

    def render(self, term: Node, triple: Triple, role: str) -> tuple[str, bool]:
        """(text, is_blank) of a term in ``role`` (subject / predicate / object), remembered by
        identity in ``seen`` (the entry keeps the term alive, so its id cannot be reused).

        Raises TypeError for a literal subject, a non-IRI predicate or a non-term."""
        if isinstance(term, URIRef):
            found = (self.iri(term), False)
        elif isinstance(term, BNode) and role != "predicate":
            found = (_bnode_label(term), True)
        elif isinstance(term, Literal) and role == "object":
            return self.literal(term), False
        else:
            raise TypeError(f"cannot write {term!r} as the {role} of triple {triple!r}")
        if len(self.seen) >= _CACHE_LIMIT:
            self.seen.clear()
        self.seen[id(term)] = (term, *found)
        return found


class TurtleWriter:
    """Writes Turtle to ``out``: the prefix block once, then one chunk of triples per ``write``."""

    def __init__(self, out: IO[bytes], prefixes: Mapping[str, str] = PREFIXES) -> None:
        self._out = out
        self._terms = _Terms(prefixes, long_strings=True, type_as_a=True)
        head = "".join(f"@prefix {p}: {_iri_ref(ns)} .\n" for p, ns in prefixes.items())
        if head:
            out.write((head + "\n").encode("utf-8"))

    def write(self, triples: Iterable[Triple]) -> None:
        """Write one self-contained chunk (see the module docstring about blank nodes)."""
        terms = self._terms
        render, literal, seen, langs = terms.render, terms.literal, terms.seen, terms.langs
        needs_escape = _SHORT_BAD.search
        groups: dict[str, dict[str, list[str]]] = {}
        refs: dict[str, int] = {}
        last_s: object = None
        by_pred: dict[str, list[str]] = {}
        for triple in triples:
            s, p, o = triple
            if s is not last_s:  # builders emit runs of triples about one subject
                hit = seen.get(id(s))
                skey = hit[1] if hit is not None and hit[0] is s else render(s, triple, "subject")[0]
                by_pred = groups.get(skey)  # type: ignore[assignment]
                if by_pred is None:
                    by_pred = groups[skey] = {}
                last_s = s
            hit = seen.get(id(p))
            pkey = hit[1] if hit is not None and hit[0] is p and not hit[2] else render(p, triple, "predicate")[0]
            o_blank = False
            if type(o) is Literal:
                # inline fast path for the common literal: nothing to escape, a known tag or datatype
                lex = _str(o)
                okey = None
                if needs_escape(lex) is None:
                    lang = o.language
                    if lang:
                        if lang in langs:
                            okey = f'"{lex}"@{lang}'
                    else:
                        dt = o.datatype
                        if dt is None:
                            okey = f'"{lex}"'
                        else:
                            hit = seen.get(id(dt))
                            if hit is not None and hit[0] is dt:
                                okey = f'"{lex}"^^{hit[1]}'
                if okey is None:
                    okey = literal(o)
            else:
                hit = seen.get(id(o))
                okey, o_blank = (hit[1], hit[2]) if hit is not None and hit[0] is o else render(o, triple, "object")
            objs = by_pred.get(pkey)
            if objs is None:
                by_pred[pkey] = [okey]
            elif okey in objs:
                continue  # a repeated triple (e.g. the same type added twice): write it once
            else:
                objs.append(okey)
            if o_blank:
                refs[okey] = refs.get(okey, 0) + 1
        if not groups:
            return
        # Blank nodes referenced exactly once are written inline where they are referenced.
        inline = {b for b, n in refs.items() if n == 1}
        emitted: set[str] = set()
        parts: list[str] = []
        for subject, by_pred in groups.items():
            if subject not in inline:
                _statement(subject, by_pred, groups, inline, emitted, parts)
        # An inline node not reached from any root sits on a cycle of once-used blank nodes (its
        # only reference is unwritten too): label it and write it as a root, then go on.
        for subject, by_pred in groups.items():
            if subject in inline and subject not in emitted:
                inline.discard(subject)
                _statement(subject, by_pred, groups, inline, emitted, parts)
        self._out.write("".join(parts).encode("utf-8"))


def _statement(subject: str, by_pred: dict[str, list[str]], groups: dict[str, dict[str, list[str]]],
               inline: set[str], emitted: set[str], parts: list[str]) -> None:
    if len(by_pred) == 1:  # the many one-liners such as "<.../language/IND> a dct:LinguisticSystem ."
        pred, objs = next(iter(by_pred.items()))
        if len(objs) == 1 and objs[0] not in inline:
            parts.append(f"{subject} {pred} {objs[0]} .\n")
            return
    parts.append(subject)
    parts.append(_predicates(by_pred, groups, inline, emitted, 1))
    parts.append(" .\n")


def _predicates(by_pred: dict[str, list[str]], groups: dict[str, dict[str, list[str]]],
                inline: set[str], emitted: set[str], depth: int) -> str:
    """``pred obj , obj ; pred obj`` of one subject (rdf:type first), blank nodes used once inlined."""
    indent = "    " * depth
    lines = []
    typed = by_pred.get("a")
    if typed is not None:
        lines.append("a " + " , ".join(typed))
    for pred, objs in by_pred.items():
        if pred == "a":
            continue
        if inline and not inline.isdisjoint(objs):
            objs = [_inline(o, groups, inline, emitted, depth) if o in inline else o for o in objs]
        lines.append(pred + " " + " , ".join(objs))
    return (" " if depth == 1 else "\n" + indent) + (" ;\n" + indent).join(lines)


def _inline(node: str, groups: dict[str, dict[str, list[str]]], inline: set[str], emitted: set[str],
            depth: int) -> str:
    emitted.add(node)
    inner = groups.get(node)
    if not inner:
        return "[]"
    return "[" + _predicates(inner, groups, inline, emitted, depth + 1) + "\n" + "    " * depth + "]"


class NTriplesWriter:
    """Writes N-Triples to ``out``, one line per triple (no prefixes, no grouping)."""

    def __init__(self, out: IO[bytes]) -> None:
        self._out = out
        self._terms = _Terms({}, long_strings=False, type_as_a=False)

    def write(self, triples: Iterable[Triple]) -> None:
        terms = self._terms
        render = terms.render
        lines = []
        for triple in triples:
            s, p, o = triple
            lines.append(f"{render(s, triple, 'subject')[0]} {render(p, triple, 'predicate')[0]} "
                         f"{render(o, triple, 'object')[0]} .\n")
        if lines:
            self._out.write("".join(lines).encode("utf-8"))


def write_turtle(triples: Iterable[Triple] | Sequence[Triple], out: IO[bytes] | None = None,
                 prefixes: Mapping[str, str] = PREFIXES) -> bytes | None:
    """Turtle for ``triples`` (one chunk). Writes to ``out`` and returns None, or returns the bytes."""
    buf = io.BytesIO() if out is None else out
    TurtleWriter(buf, prefixes).write(triples)
    return buf.getvalue() if out is None else None  # type: ignore[union-attr]


def write_ntriples(triples: Iterable[Triple], out: IO[bytes] | None = None) -> bytes | None:
    """N-Triples for ``triples``. Writes to ``out`` and returns None, or returns the bytes."""
    buf = io.BytesIO() if out is None else out
    NTriplesWriter(buf).write(triples)
    return buf.getvalue() if out is None else None  # type: ignore[union-attr]
