"""Lucene/dismax query evaluation for the Solr stand-in (TEST ONLY).

Duties: turn the query strings CKAN 2.12 sends (``q``, every ``fq``, ``<delete><query>``) into a
predicate over a document's searchable view (see ``analysis.build_index``). Lucene syntax is parsed
with ``luqum``; supported: ``field:value``, quoted phrases, ``+``/``-``, ``AND``/``OR``/``NOT``
(``&&``/``||`` too), groups and field groups, inclusive/exclusive ranges with ``*`` and date math
(``NOW``, ``NOW/DAY``, ``NOW-7DAYS``; see ``datemath``), ``*:*``, ``field:*``, ``?``/``*``
wildcards, ``/regex/``, and bare terms searched in the default field(s). Boosts are ignored, fuzzy
terms match exactly and a proximity phrase only needs all its words. Plain-text ``q`` under
``defType=dismax`` is matched against the ``qf`` fields with the ``mm`` rule.

Failure behaviour: ``QueryError`` (with a Solr-like message) for a query luqum cannot parse or an
unsupported construct; the HTTP layer turns it into a 400 response like Solr's.
"""

from __future__ import annotations

import functools
import re
import threading
from typing import Any, Callable, Sequence

from luqum import tree
from luqum.exceptions import ParseError
from luqum.parser import parser

from .analysis import field_kind, fold, tokenize
from .datemath import resolve_date

Indexed = dict[str, list[Any]]
Matcher = Callable[[Indexed], bool]

_PARSE_LOCK = threading.Lock()  # ply parsers are not thread-safe
_DISMAX_CLAUSE_RE = re.compile(r'([+-]?)("(?:[^"\\]|\\.)*"|\S+)')


class QueryError(ValueError):
    """A query the stand-in cannot parse or does not support (HTTP 400)."""


def match_all(_doc: Indexed) -> bool:
    """Predicate matching every document."""
    return True


# ---------------------------------------------------------------- values
def _unescape(raw: str) -> tuple[str, str | None]:
    """Return (literal, regex-or-None) for a term; the regex is set when it has wildcards."""
    literal, pattern, wild, i = [], [], False, 0
    while i < len(raw):
        ch = raw[i]
        if ch == "\\" and i + 1 < len(raw):
            i += 1
            literal.append(raw[i])
            pattern.append(re.escape(raw[i]))
        elif ch in "*?":
            wild = True
            pattern.append(".*" if ch == "*" else ".")
        else:
            literal.append(ch)
            pattern.append(re.escape(ch))
        i += 1
    return "".join(literal), ("".join(pattern) if wild else None)


# ---------------------------------------------------------------- leaf matchers
def term_matcher(field: str, raw: str, phrase: bool = False) -> Matcher:
    """Predicate for ``field:raw`` (``phrase`` when the value was quoted)."""
    if field == "*" and raw == "*":
        return match_all
    if not phrase and raw == "*":
        return lambda doc: bool(doc.get(field))
    literal, wildcard = (raw, None) if phrase else _unescape(raw)
    kind = field_kind(field)
    if wildcard is not None:
        flags = re.IGNORECASE if kind in ("text", "ngram") else 0
        rx = re.compile(wildcard if kind == "string" else fold(wildcard), flags)
        if kind in ("text", "ngram"):
            return lambda doc: any(rx.fullmatch(t) for v in doc.get(field, ()) for t in _tokens(v))
        return lambda doc: any(isinstance(v, str) and rx.fullmatch(v) for v in doc.get(field, ()))
    if kind == "text":
        toks = tokenize(literal)
        if not toks:
            return lambda doc: False
        return lambda doc: any(_contains_seq(v, toks) for v in doc.get(field, ()))
    if kind == "ngram":
        grams = fold(literal).split()
        return lambda doc: any(all(2 <= len(g) <= 10 and g in v for g in grams)
                               for v in doc.get(field, ()))
    if kind == "date":
        try:
            when = resolve_date(literal)
        except ValueError as exc:  # DateMathError or an unreadable ISO date
            raise QueryError(str(exc)) from exc
        return lambda doc: when in doc.get(field, ())
    if kind == "int":
        try:
            number = float(literal)
        except ValueError as exc:
            raise QueryError(f"Invalid Number: {literal}") from exc
        return lambda doc: number in doc.get(field, ())
    return lambda doc: literal in doc.get(field, ())


def _tokens(value: Any) -> list[str]:
    return value if isinstance(value, list) else [value]


def _contains_seq(tokens: list[str], seq: list[str]) -> bool:
    if len(seq) == 1:
        return seq[0] in tokens
    n = len(seq)
    return any(tokens[i:i + n] == seq for i in range(len(tokens) - n + 1))


def range_matcher(field: str, low: str, high: str, inc_low: bool, inc_high: bool) -> Matcher:
    """Predicate for ``field:[low TO high]`` / ``{low TO high}`` (``*`` = open end)."""
    kind = field_kind(field)

    def convert(bound: str) -> Any:
        if bound == "*":
            return None
        text, _ = _unescape(bound)
        if kind == "date":
            return resolve_date(text)
        if kind == "int":
            return float(text)
        return fold(text) if kind in ("text", "ngram") else text

    try:
        lo, hi = convert(low), convert(high)
    except ValueError as exc:
        raise QueryError(str(exc)) from exc

    def within(value: Any) -> bool:
        if lo is not None and (value < lo or (value == lo and not inc_low)):
            return False
        return not (hi is not None and (value > hi or (value == hi and not inc_high)))

    if kind in ("text", "ngram"):
        return lambda doc: any(within(t) for v in doc.get(field, ()) for t in _tokens(v))
    return lambda doc: any(within(v) for v in doc.get(field, ()) if type(v) is not bool)


def regex_matcher(field: str, pattern: str) -> Matcher:
    """Predicate for ``field:/pattern/`` (whole-term match, per token on text fields)."""
    try:
        rx = re.compile(pattern)
    except re.error as exc:
        raise QueryError(f"Invalid regex {pattern!r}: {exc}") from exc
    if field_kind(field) in ("text", "ngram"):
        return lambda doc: any(rx.fullmatch(t) for v in doc.get(field, ()) for t in _tokens(v))
    return lambda doc: any(isinstance(v, str) and rx.fullmatch(v) for v in doc.get(field, ()))


def any_field(matchers: Sequence[Matcher]) -> Matcher:
    """Predicate true when any of the given predicates is true."""
    if len(matchers) == 1:
        return matchers[0]
    return lambda doc: any(m(doc) for m in matchers)


def boolean(musts: list[Matcher], shoulds: list[Matcher], nots: list[Matcher]) -> Matcher:
    """Lucene BooleanQuery semantics; a purely negative query matches all docs but the excluded."""
    def matcher(doc: Indexed) -> bool:
        if any(m(doc) for m in nots):
            return False
        if not all(m(doc) for m in musts):
            return False
        return bool(musts) or not shoulds or any(m(doc) for m in shoulds)
    return matcher


# ---------------------------------------------------------------- lucene compiler
class _Compiler:
    def __init__(self, default_op: str, default_fields: Sequence[str]) -> None:
        self.default_and = default_op.upper() == "AND"
        self.default_fields = list(default_fields) or ["text"]

    def leaf(self, field: str | None, build: Callable[[str], Matcher]) -> Matcher:
        return build(field) if field else any_field([build(f) for f in self.default_fields])

    def compile(self, node: tree.Item, field: str | None = None) -> Matcher:
        if isinstance(node, tree.SearchField):
            return self.compile(node.expr, node.name)
        if isinstance(node, (tree.Group, tree.FieldGroup)):
            return self.compile(node.expr, field)
        if isinstance(node, (tree.Boost, tree.Fuzzy)):
            return self.compile(node.term, field)
        if isinstance(node, tree.Proximity):
            words = node.term.value[1:-1].split()
            parts = [self.leaf(field, lambda f, w=w: term_matcher(f, w, phrase=True)) for w in words]
            return boolean(parts, [], [])
        if isinstance(node, tree.Word):
            return self.leaf(field, lambda f: term_matcher(f, node.value))
        if isinstance(node, tree.Phrase):
            text = node.value[1:-1].replace('\\"', '"')
            return self.leaf(field, lambda f: term_matcher(f, text, phrase=True))
        if isinstance(node, tree.Range):
            lo, hi = str(node.low), str(node.high)
            return self.leaf(field, lambda f: range_matcher(
                f, lo, hi, node.include_low, node.include_high))
        if isinstance(node, tree.Regex):
            return self.leaf(field, lambda f: regex_matcher(f, node.value[1:-1]))
        if isinstance(node, (tree.Plus, tree.Prohibit, tree.Not)):
            return self.operation([node], field, and_op=True)
        if isinstance(node, tree.AndOperation):
            return self.operation(node.children, field, and_op=True)
        if isinstance(node, tree.OrOperation):
            return self.operation(node.children, field, and_op=False)
        if isinstance(node, tree.UnknownOperation):
            return self.operation(node.children, field, and_op=self.default_and)
        raise QueryError(f"unsupported query construct: {node!r}")

    def operation(self, children: Sequence[tree.Item], field: str | None, and_op: bool) -> Matcher:
        musts: list[Matcher] = []
        shoulds: list[Matcher] = []
        nots: list[Matcher] = []
        for child in children:
            if isinstance(child, tree.Plus):
                musts.append(self.compile(child.a, field))
            elif isinstance(child, (tree.Prohibit, tree.Not)):
                nots.append(self.compile(child.a, field))
            else:
                (musts if and_op else shoulds).append(self.compile(child, field))
        return boolean(musts, shoulds, nots)


def _normalise(q: str) -> str:
    return re.sub(r"(?<=\s)&&(?=\s)", "AND", re.sub(r"(?<=\s)\|\|(?=\s)", "OR", q)).strip()


@functools.lru_cache(maxsize=4096)
def _parse(q: str) -> tree.Item:
    with _PARSE_LOCK:
        try:
            return parser.parse(q)
        except (ParseError, ValueError, TypeError) as exc:  # luqum raises several types
            raise QueryError(f"org.apache.solr.search.SyntaxError: Cannot parse '{q}': {exc}") from exc


def compile_lucene(q: str, default_op: str = "OR",
                   default_fields: Sequence[str] = ("text",)) -> Matcher:
    """Compile a Lucene-syntax query into a predicate (an empty query matches nothing)."""
    q = _normalise(q)
    if not q:
        return lambda doc: False
    if q == "*:*":
        return match_all
    return _Compiler(default_op, default_fields).compile(_parse(q))


def min_should_match(spec: str, n: int) -> int:
    """How many of ``n`` optional clauses must match under a dismax ``mm`` spec."""
    required = n
    for part in (spec or "100%").split():
        cond, _, value = part.rpartition("<")
        if cond and n <= int(cond):
            continue
        if value.endswith("%"):
            pct = int(value[:-1])
            required = n * pct // 100 if pct >= 0 else n - (n * -pct // 100)
        else:
            num = int(value)
            required = num if num >= 0 else n + num
    return max(0, min(n, required))


def compile_dismax(q: str, qf: Sequence[str], mm: str) -> Matcher:
    """Compile a plain-text dismax query: each clause must hit one of the ``qf`` fields."""
    fields = list(qf) or ["text"]
    musts: list[Matcher] = []
    nots: list[Matcher] = []
    optional: list[Matcher] = []
    for sign, body in _DISMAX_CLAUSE_RE.findall(q):
        quoted = body.startswith('"') and body.endswith('"') and len(body) > 1
        value = body[1:-1] if quoted else re.sub(r'([+\-&|!(){}\[\]^"~*?:/\\])', r"\\\1", body)
        clause = any_field([term_matcher(f, value, phrase=quoted) for f in fields])
        {"+": musts, "-": nots}.get(sign, optional).append(clause)
    if not (musts or optional or nots):
        return match_all
    need = min_should_match(mm, len(optional))

    def matcher(doc: Indexed) -> bool:
        if any(m(doc) for m in nots) or not all(m(doc) for m in musts):
            return False
        return need == 0 or sum(1 for m in optional if m(doc)) >= need
    return matcher
