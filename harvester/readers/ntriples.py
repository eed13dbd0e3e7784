"""A strict, fast N-Triples reader for the common case: one dataset subgraph as the dcat-rdf source
writes it (``rdf_split.canonical_ntriples``: absolute IRIs, ASCII blank-node labels, escaped literals).

pyoxigraph parses fast, but handing every triple to Python as four term objects costs more than the
parse itself. Here one regular expression reads the whole text in C and yields plain strings per
line; the caller builds its index from those.

The reader only accepts what it fully understands: every line must be a triple, a comment or blank;
IRIs must be absolute and free of ``\\u`` escapes; blank-node labels ASCII; literal escapes the
N-Triples ECHAR/UCHAR set. Anything else (relative IRIs, RDF-star, a BOM, odd escapes, bytes that are
not UTF-8) makes ``triples`` return None, and the caller falls back to pyoxigraph, which then
decides (and words the error). So for any input this module accepts, the result equals pyoxigraph's:
IRIs verbatim, blank nodes by label, literals as (lexical value, lower-cased language tag).
"""

from __future__ import annotations

import re
from typing import Optional

_IRI = r'<([A-Za-z][A-Za-z0-9+.\-]*:[^\x00-\x20<>"{}|^`\\]*)>'
_BNODE = r"_:([A-Za-z0-9_](?:[A-Za-z0-9_.\-]*[A-Za-z0-9_\-])?)"
_LITERAL = (r'"([^"\\\r\n]*(?:\\.[^"\\\r\n]*)*)"'
            r"(?:@([A-Za-z]+(?:-[A-Za-z0-9]+)*)|\^\^" + _IRI.replace("(", "(?:", 1) + ")?")
_WS = r"[ \t]*"

#: One line: a triple (groups 1-7), or a comment / blank (no group set), or anything else (group 8).
_LINE = re.compile(
    rf"^{_WS}(?:(?:{_IRI}|{_BNODE}){_WS}{_IRI}{_WS}(?:{_IRI}|{_BNODE}|{_LITERAL}){_WS}\.{_WS}(?:#[^\n]*)?"
    rf"|#[^\n]*|([^\n]+))?\r?$",
    re.MULTILINE,
)

_ECHAR = {"t": "\t", "b": "\b", "n": "\n", "r": "\r", "f": "\f", '"': '"', "'": "'", "\\": "\\"}
_ESCAPE = re.compile(r"\\(?:u([0-9A-Fa-f]{4})|U([0-9A-Fa-f]{8})|(.))", re.DOTALL)


class _BadEscape(ValueError):
    pass


def _unescape_one(m: re.Match[str]) -> str:
    hex4, hex8, char = m.groups()
    if char is not None:
        if char not in _ECHAR:
            raise _BadEscape(char)
        return _ECHAR[char]
    code = int(hex4 or hex8, 16)
    if code > 0x10FFFF or 0xD800 <= code <= 0xDFFF:
        raise _BadEscape(hex4 or hex8)
    return chr(code)


def unescape(text: str) -> str:
    """Decode the ECHAR / UCHAR escapes of an N-Triples literal. Raises ValueError on others."""
    return _ESCAPE.sub(_unescape_one, text)


Term = str | tuple[str, str]
Index = dict[str, dict[str, list[Term]]]


def index(data: bytes) -> Optional[Index]:
    """``{subject: {predicate: [objects]}}`` (objects de-duplicated, in document order), or None when
    the text is not plain N-Triples (see module doc).

    Subjects and objects are IRIs or ``_:label`` blank nodes; literal objects are ``(value, language)``.
    """
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return None
    lines = _LINE.findall(text)
    if len(lines) != text.count("\n") + 1:
        return None  # a line the pattern could not even classify (cannot happen; kept as a guard)
    forward: Index = {}
    try:
        for s_iri, s_blank, p, o_iri, o_blank, lexical, lang, junk in lines:
            if junk:
                return None
            if not p:
                continue  # a comment or a blank line
            if o_iri:
                o: Term = o_iri
            elif o_blank:
                o = "_:" + o_blank
            else:
                o = (unescape(lexical) if "\\" in lexical else lexical, lang.lower() if lang else "")
            subject = s_iri or "_:" + s_blank
            preds = forward.get(subject)
            if preds is None:
                forward[subject] = {p: [o]}
                continue
            objs = preds.get(p)
            if objs is None:
                preds[p] = [o]
            elif o not in objs:
                objs.append(o)
    except _BadEscape:
        return None
    return forward
