"""Fast construction of the rdflib terms the DCAT-AP profile emits.

rdflib's ``Literal()`` costs 5-20 µs (it parses and re-serialises every typed lexical form) and
``URIRef()`` about 1.5 µs; a rich dataset has over a hundred terms, which alone would cap the feed
far below its 2,000 datasets/s budget. This module builds the *same* objects directly: the caller
(the profile) already knows the lexical form is canonical, so the check rdflib would do is done here
once with cheap, type-specific code.

Safety net: at import a self-test compares fast-built terms with rdflib-built ones (equality, hash,
``value``, ``datatype``, ``language``, ``ill_typed``) per datatype; a datatype that fails falls back
to the rdflib constructor, so an rdflib upgrade can make this slower but never wrong.

Also here: IRI clean-up (``iri``), date typing by the shape of an ISO 8601 string (``date_literal``)
and deterministic blank nodes (``BNodes``), so the same dataset always yields the same triples.
"""

from __future__ import annotations

import hashlib
import logging
import re
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any, Callable, Optional
from urllib.parse import quote

from rdflib.term import BNode, Literal, Node, URIRef

from harvester.profiles.namespaces import XSD

logger = logging.getLogger(__name__)

__all__ = ["BNodes", "bool_literal", "date_literal", "decimal_literal", "int_literal", "iri",
           "literal", "uri"]

_str_new = str.__new__

# XSD.x is a lookup in rdflib's DefinedNamespace on every access: resolve the datatypes once.
X_DATE, X_DATETIME, X_GYEAR, X_GYEARMONTH = XSD.date, XSD.dateTime, XSD.gYear, XSD.gYearMonth
X_NONNEGATIVEINTEGER, X_BOOLEAN, X_DECIMAL = XSD.nonNegativeInteger, XSD.boolean, XSD.decimal

# --- IRIs ----------------------------------------------------------------------------------------

_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*:")
# Characters not allowed anywhere in an IRI (RFC 3987) that do turn up in harvested URLs.
_IRI_UNSAFE = re.compile(r'[\x00-\x20<>"{}|\\^`\x7f]')


def uri(value: str) -> URIRef:
    """A URIRef for a string the caller knows is a clean absolute IRI (constants, minted IRIs)."""
    return _str_new(URIRef, value)


def iri(value: Optional[str]) -> Optional[URIRef]:
    """A URIRef for a harvested URL, or None when ``value`` is not an absolute IRI.

    Surrounding whitespace is stripped; characters IRIs forbid (space, quotes, angle brackets,
    braces, backslash, controls) are percent-encoded rather than rejected, because portals do
    publish ``https://host/file name.csv``.
    """
    if not value:
        return None
    value = value.strip()
    if not _SCHEME.match(value):
        return None
    if _IRI_UNSAFE.search(value):
        value = _IRI_UNSAFE.sub(lambda m: quote(m.group(0), safe=""), value)
    return _str_new(URIRef, value)


# --- literals -------------------------------------------------------------------------------------


def _slow(lexical: str, lang: Optional[str], datatype: Optional[URIRef], value: Any,
          ill_typed: Optional[bool]) -> Literal:
    return Literal(lexical, lang=lang, datatype=datatype)


def _fast(lexical: str, lang: Optional[str], datatype: Optional[URIRef], value: Any,
          ill_typed: Optional[bool]) -> Literal:
    inst = _str_new(Literal, lexical)
    inst._language = lang
    inst._datatype = datatype
    inst._value = value
    inst._ill_typed = ill_typed
    return inst


_Builder = Callable[[str, Optional[str], Optional[URIRef], Any, Optional[bool]], Literal]
_builders: dict[Optional[str], _Builder] = {}


# Characters XML 1.0 cannot carry (C0 controls except TAB/LF/CR, lone surrogates, U+FFFE/U+FFFF).
# They are junk in harvested text, and RDF/XML output would be unparseable with them, so every
# format gets U+FFFD instead: all serialisations carry the same graph.
_XML_BAD = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _literal_checked(text: str, lang: Optional[str] = None) -> Literal:
    if _XML_BAD.search(text):
        text = _XML_BAD.sub("\ufffd", text)
    return _builders.get(None, _slow)(text, lang, None, text, None)


def _literal_fast(text: str, lang: Optional[str] = None) -> Literal:
    if _XML_BAD.search(text):
        text = _XML_BAD.sub("\ufffd", text)
    inst = _str_new(Literal, text)
    inst._language = lang
    inst._datatype = None
    inst._value = text
    inst._ill_typed = None
    return inst


def _typed(lexical: str, datatype: URIRef, value: Any) -> Literal:
    return _builder_of(datatype)(lexical, None, datatype, value, False)


def _builder_of(datatype: URIRef) -> _Builder:
    # the common datatypes are module globals (dict lookups by URIRef hash in Python)
    if datatype is X_DATE:
        return _B_DATE
    if datatype is X_DATETIME:
        return _B_DATETIME
    return _builders.get(datatype, _slow)


def int_literal(value: int, datatype: URIRef = X_NONNEGATIVEINTEGER) -> Literal:
    """An integer literal (default xsd:nonNegativeInteger, as dcat:byteSize requires)."""
    value = int(value)
    if datatype == X_NONNEGATIVEINTEGER and value < 0:
        raise ValueError(f"negative value {value} for xsd:nonNegativeInteger")
    return _typed(str(value), datatype, value)


def bool_literal(value: bool) -> Literal:
    return _typed("true" if value else "false", X_BOOLEAN, bool(value))


def decimal_literal(value: float | int | str) -> Optional[Literal]:
    """An xsd:decimal literal in canonical form, or None when ``value`` is not a finite number."""
    try:
        dec = Decimal(str(value))
    except InvalidOperation:
        return None
    if not dec.is_finite():
        return None
    text = format(dec, "f")
    if "." not in text:
        text += ".0"
    return _builder_of(X_DECIMAL)(text, None, X_DECIMAL, Decimal(text), False)


_YEAR = re.compile(r"-?\d{4}\Z")
_YEAR_MONTH = re.compile(r"(\d{4})-(\d{2})\Z")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}\Z")
_DATETIME = re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?\Z")


def date_literal(value: Optional[str]) -> Optional[Literal]:
    """Type an ISO 8601 string by its shape: xsd:gYear, gYearMonth, date or dateTime.

    The lexical form is made canonical (``Z`` becomes ``+00:00``, seconds are added, a space
    separator becomes ``T``) so that a parser that normalises literals reads back an equal term.
    Returns None for anything that is not a valid date of one of those shapes (e.g. month 13):
    DCAT-AP accepts no other form, and the validator reports bad dates upstream.
    """
    if not value:
        return None
    value = value.strip()
    try:
        if _DATE.match(value):
            return _typed(value, X_DATE, date.fromisoformat(value))
        if _DATETIME.match(value):
            parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
            return _typed(parsed.isoformat(), X_DATETIME, parsed)
        if _YEAR.match(value):
            return _builder_of(X_GYEAR)(value, None, X_GYEAR, None, None)
        match = _YEAR_MONTH.match(value)
        if match and 1 <= int(match.group(2)) <= 12:
            return _builder_of(X_GYEARMONTH)(value, None, X_GYEARMONTH, None, None)
    except ValueError:
        pass
    logger.debug("not an ISO 8601 date, left out of the RDF: %r", value)
    return None


# --- blank nodes ----------------------------------------------------------------------------------


class BNodes:
    """Node allocation for one dataset: deterministic blank nodes and IRIs claimed once.

    ``bnode()`` returns ``b<hash of seed>x<counter>``: the same dataset gives the same node ids (so
    the same bytes), and two datasets never share one. ``claim(iri)`` returns the IRI the first time
    and a fresh blank node after that, so two distributions (or places, contacts) that a source gave
    the same IRI do not pile their properties onto one node (DCAT-AP caps many of them at one).
    """

    __slots__ = ("_prefix", "_n", "_claimed")

    def __init__(self, seed: str) -> None:
        self._prefix = "b" + hashlib.blake2b(seed.encode("utf-8", "surrogatepass"), digest_size=8).hexdigest()
        self._n = 0
        self._claimed: set[str] = {seed}

    def __call__(self) -> BNode:
        self._n += 1
        return _str_new(BNode, f"{self._prefix}x{self._n}")

    def claim(self, node: Optional[URIRef]) -> Node:
        """``node`` if no other node of this dataset used it yet, else a new blank node."""
        if node is None:
            return self()
        key = str.__str__(node)
        if key in self._claimed:
            return self()
        self._claimed.add(key)
        return node


# --- self-test ------------------------------------------------------------------------------------


def _self_test() -> None:
    """Enable the fast builder per datatype only where it reproduces rdflib exactly."""
    samples: list[tuple[Optional[str], str, Optional[str], Optional[URIRef], Any, Optional[bool]]] = [
        (None, "Jumlah penduduk", None, None, "Jumlah penduduk", None),
        (None, "Jumlah penduduk", "id", None, "Jumlah penduduk", None),
        (X_DATE, "2024-05-01", None, X_DATE, date(2024, 5, 1), False),
        (X_DATETIME, "2024-05-01T01:20:33+00:00", None, X_DATETIME,
         datetime.fromisoformat("2024-05-01T01:20:33+00:00"), False),
        (X_GYEAR, "2024", None, X_GYEAR, None, None),
        (X_GYEARMONTH, "2024-05", None, X_GYEARMONTH, None, None),
        (X_NONNEGATIVEINTEGER, "12323", None, X_NONNEGATIVEINTEGER, 12323, False),
        (X_BOOLEAN, "true", None, X_BOOLEAN, True, False),
        (X_DECIMAL, "1.5", None, X_DECIMAL, Decimal("1.5"), False),
    ]
    bad: set[Optional[str]] = set()
    for key, lexical, lang, dt, value, ill in samples:
        try:
            fast = _fast(lexical, lang, dt, value, ill)
            ref = Literal(lexical, lang=lang, datatype=dt)
            same = (fast == ref and hash(fast) == hash(ref) and str(fast) == str(ref)
                    and fast.value == ref.value and fast.datatype == ref.datatype
                    and fast.language == ref.language and fast.ill_typed == ref.ill_typed
                    and fast.n3() == ref.n3())
        except Exception:  # noqa: BLE001 - any failure means: do not use the fast path
            same = False
        if not same:
            bad.add(key)
            logger.warning("fast literal construction disabled for %s (rdflib differs)", key or "plain")
    for key, *_ in samples:
        if key not in bad:
            _builders[key] = _fast


_self_test()
#: ``literal(text, lang=None)``: a plain (or language-tagged) literal; ``lang`` must be a valid
#: BCP 47 tag. One call when the self-test passed for plain literals, else through rdflib.
literal: Callable[..., Literal] = _literal_fast if _builders.get(None) is _fast else _literal_checked
_B_DATE = _builders.get(X_DATE, _slow)
_B_DATETIME = _builders.get(X_DATETIME, _slow)
