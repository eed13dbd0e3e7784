"""A fast reader for plain N-Triples: one dataset subgraph as the dcat-rdf source writes it
(``rdf_split.canonical_ntriples``: one ``s p o .`` per line, single spaces, escaped literals).

pyoxigraph parses fast, but handing every triple to Python as four term objects costs more than the
parse itself. Here one regular expression reads the whole text in C and gives plain strings per
line, from which ``triples`` makes the (subject, predicate, object) tuples the RDF reader indexes.

It gives exactly what pyoxigraph's lenient N-Triples parser gives (IRIs verbatim, blank nodes by
label, literals as (lexical value, lower-cased language tag)) for the input it accepts, and accepts
only the common layout: every line one triple, terms separated by one space, ``.`` after one space.
Anything else - comments, blank lines, tabs, RDF-star, escapes inside IRIs, odd blank-node labels or
language tags, unknown literal escapes, bytes that are not UTF-8 - makes ``triples`` return None, and
the caller falls back to pyoxigraph, which then decides (and words any error).
"""

from __future__ import annotations

import re
from typing import Iterable

# Single-character negations ([^>]*) are what keeps this fast: the regex engine runs them in a
# tight loop, where a general character class costs several times more per character. A term that
# runs past its line cannot hide: every match is one whole line, and the count of matches must
# equal the count of lines.
_TRIPLE = re.compile(
    r'^(?:<([^>]*)>|_:([^ ]+)) <([^>]*)> '
    r'(?:<([^>]*)>|_:([^ ]+)|("[^"\\]*(?:\\.[^"\\]*)*")(?:@([^ ]+)|\^\^<([^>]*)>)?) \.\r?$',
    re.MULTILINE,
)
_BLANK_LABEL = re.compile(r"[A-Za-z0-9_](?:[A-Za-z0-9_.\-]*[A-Za-z0-9_\-])?")
_LANGUAGE = re.compile(r"[A-Za-z]+(?:-[A-Za-z0-9]+)*")

_ECHAR = {"t": "\t", "b": "\b", "n": "\n", "r": "\r", "f": "\f", '"': '"', "'": "'", "\\": "\\"}
_ESCAPE = re.compile(r"\\(?:u([0-9A-Fa-f]{4})|U([0-9A-Fa-f]{8})|(.))", re.DOTALL)


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


def _blank(label: str) -> str:
    if not label.isalnum() and _BLANK_LABEL.fullmatch(label) is None:
        raise _Refused(label)
    return "_:" + label


Term = str | tuple[str, str]
Triple = tuple[str, str, Term]


def triples(data: bytes) -> list[Triple] | None:
    """``[(subject, predicate, object)]`` in document order, or None when the text is not in the layout
    this reader takes (see module doc). Subjects and objects are IRIs or ``_:label`` blank nodes;
    literal objects are ``(value, language)``."""
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
        for s_iri, s_blank, p, o_iri, o_blank, quoted, lang, datatype in lines:
            if not p or not (s_iri or s_blank) or \
                    (escapes and ("\\" in s_iri or "\\" in p or "\\" in o_iri or "\\" in datatype)):
                return None  # empty IRIs, \u escapes inside IRIs: rare, pyoxigraph decides
            if o_iri:
                o: Term = o_iri
            elif o_blank:
                o = _blank(o_blank)
            elif quoted:  # the literal with its quotes, so that "" is told apart from <>
                lexical = quoted[1:-1]
                if escapes and "\\" in lexical:
                    lexical = unescape(lexical)
                if lang:
                    if not lang.isascii() or _LANGUAGE.fullmatch(lang) is None:
                        return None
                    o = (lexical, lang.lower())
                else:
                    o = (lexical, "")
            else:
                return None  # <> as object
            append((s_iri or _blank(s_blank), p, o))
    except _Refused:
        return None
    return out


def from_terms(terms: Iterable[tuple[str, str, str]]) -> list[Triple] | None:
    """The ``triples`` form of triples given as N-Triples terms (what the dcat-rdf source holds after
    parsing a page: ``<iri>``, ``_:label``, ``"lexical"``, ``"lexical"@lang``, ``"lexical"^^<iri>``).

    Saves parsing the record's bytes again when the source hands its terms on (``SourceRecord.parsed``).
    Returns None when a term is not in that form (the caller then parses the bytes).
    """
    out: list[Triple] = []
    append = out.append
    try:
        for s, p, o in terms:
            kind = o[0]
            if kind == "<":
                obj: Term = o[1:-1]
            elif kind == "_":
                obj = o
            elif kind == '"':
                end = o.rindex('"')
                lexical = o[1:end]
                if "\\" in lexical:
                    lexical = unescape(lexical)
                tail = o[end + 1:]
                obj = (lexical, tail[1:].lower() if tail[:1] == "@" else "")
            else:
                return None
            if p[0] != "<" or s[0] not in "<_":
                return None
            append((s[1:-1] if s[0] == "<" else s, p[1:-1], obj))
    except (ValueError, IndexError, TypeError):  # _Refused is a ValueError
        return None
    return out
