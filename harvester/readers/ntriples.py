"""A fast reader for plain N-Triples: one dataset subgraph as the dcat-rdf source writes it
(``rdf_split.canonical_ntriples``: one ``s p o .`` per line, single spaces, escaped literals).

pyoxigraph parses fast, but handing every triple to Python as four term objects costs more than the
parse itself. Here one regular expression reads the whole text in C and gives each line's three
terms as plain strings, which the RDF reader indexes as they are.

Terms stay in N-Triples syntax (``<iri>``, ``_:label``, ``"lexical"``, ``"lexical"@lang``,
``"lexical"^^<datatype>``) and are exactly the strings pyoxigraph's ``str()`` gives for what its
lenient N-Triples parser reads: the rare literal that is not in that canonical form (escapes, an
upper-case language tag, an explicit ``xsd:string``) is rewritten by pyoxigraph itself. The reader
decodes a literal only when a mapping selects it (``literal_value``).

Only the common layout is accepted: every line one triple, terms separated by one space, ``.`` after
one space. Anything else - comments, blank lines, tabs, RDF-star, escapes inside IRIs, odd
blank-node labels or language tags, unknown literal escapes, bytes that are not UTF-8 - makes
``triples`` return None, and the caller falls back to pyoxigraph, which then decides (and words any
error).
"""

from __future__ import annotations

import re

import pyoxigraph as ox

# Single-character negations ([^>]*) are what keeps this fast: the regex engine runs them in a
# tight loop, where a general character class costs several times more per character. A term that
# runs past its line cannot hide: every match is one whole line, and the count of matches must
# equal the count of lines.
_TRIPLE = re.compile(
    r'^(<[^>]*>|_:[^ ]+) (<[^>]*>) '
    r'(<[^>]*>|_:[^ ]+|"[^"\\]*(?:\\.[^"\\]*)*"(?:@[^ ]+|\^\^<[^>]*>)?) \.\r?$',
    re.MULTILINE,
)
_BLANK_LABEL = re.compile(r"[A-Za-z0-9_](?:[A-Za-z0-9_.\-]*[A-Za-z0-9_\-])?")
_LANGUAGE = re.compile(r"[A-Za-z]+(?:-[A-Za-z0-9]+)*")
_XSD_STRING = "^^<http://www.w3.org/2001/XMLSchema#string>"

_ECHAR = {"t": "\t", "b": "\b", "n": "\n", "r": "\r", "f": "\f", '"': '"', "'": "'", "\\": "\\"}
_ESCAPE = re.compile(r"\\(?:u([0-9A-Fa-f]{4})|U([0-9A-Fa-f]{8})|(.))", re.DOTALL)

#: (subject, predicate, object), each an N-Triples term.
Triple = tuple[str, str, str]


class _Refused(ValueError):
    """Input this reader does not take on (pyoxigraph decides instead)."""


def _unescape_one(m: re.Match[str]) -> str:
    hex4, hex8, char = m.groups()
    if char is not None:
        if char not in _ECHAR:
            raise _Refused(char)
        return _ECHAR[char]
    code = int(hex4 or hex8, 16)
    if code > 0x10FFFF or 0xD800 <= code <= 0xDFFF:
        raise _Refused(hex4 or hex8)
    return chr(code)


def unescape(text: str) -> str:
    """Decode the ECHAR / UCHAR escapes of an N-Triples literal. Raises ValueError on any other."""
    return _ESCAPE.sub(_unescape_one, text)


def literal_value(term: str) -> str:
    """The lexical form of a literal term (``"..."`` with optional ``@lang`` / ``^^<dt>``), unescaped."""
    lexical = term[1:term.rindex('"')]
    return unescape(lexical) if "\\" in lexical else lexical


def literal_language(term: str) -> str:
    """The (lower-case) language tag of a literal term; "" when it has none."""
    tail = term[term.rindex('"') + 1:]
    return tail[1:].lower() if tail[:1] == "@" else ""


def _blank_ok(term: str) -> bool:
    label = term[2:]
    return label.isalnum() or _BLANK_LABEL.fullmatch(label) is not None


def _literal(term: str, escapes: bool) -> str:
    """``term`` in pyoxigraph's canonical form. Raises _Refused for what this reader leaves to it."""
    end = term.rindex('"')
    tail = term[end + 1:]
    lexical = term[1:end]
    odd = escapes and "\\" in lexical
    if tail:
        if tail[0] == "@":
            lang = tail[1:]
            if not lang.isascii() or _LANGUAGE.fullmatch(lang) is None:
                raise _Refused(lang)
            if odd or not lang.islower():
                return str(ox.Literal(unescape(lexical), language=lang.lower()))
            return term
        if escapes and "\\" in tail:
            raise _Refused(tail)
        if tail == _XSD_STRING:
            return str(ox.Literal(unescape(lexical) if odd else lexical))
        if odd:
            return str(ox.Literal(unescape(lexical), datatype=ox.NamedNode(tail[3:-1])))
        return term
    return str(ox.Literal(unescape(lexical))) if odd else term


def triples(data: bytes) -> list[Triple] | None:
    """``[(subject, predicate, object)]`` N-Triples terms in document order, or None when the text is
    not in the layout this reader takes (see module doc)."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return None
    lines = _TRIPLE.findall(text)
    if not lines or len(lines) != text.count("\n") + (not text.endswith("\n")):
        return None  # a line that is not a plain triple (comment, blank line, other layout ...)
    escapes = "\\" in text
    out: list[Triple] = []
    append = out.append
    try:
        for s, p, o in lines:
            if p == "<>" or s == "<>" or (s[0] == "_" and not _blank_ok(s)) or \
                    (escapes and ("\\" in s or "\\" in p)):
                return None  # empty IRIs, \u escapes inside IRIs: rare, pyoxigraph decides
            kind = o[0]
            if kind == '"':
                if o[-1] != '"' or (escapes and "\\" in o):
                    o = _literal(o, escapes)
            elif kind == "<":
                if o == "<>" or (escapes and "\\" in o):
                    return None
            elif not _blank_ok(o):
                return None
            append((s, p, o))
    except (_Refused, ValueError):  # also a datatype IRI pyoxigraph refuses
        return None
    return out
