"""Compiled value rules: what ``MappingEngine`` runs for every field of every record.

A ``ValueProg`` is one value rule with everything that does not depend on the record worked out
when the engine is built: each path bound to a selector function of the reader
(``Reader.compile_select``, or ``doc.select(path)`` for readers without one), the transform chain
bound, the code list's lookup memoised, the coercion to the field's type chosen, and the rule given
the cheapest strategy that gives the general result (``_run_collect``). Structured fields
(publisher, distributions ...) are ``harvester.mapping.blocks``.

Two things spare work across records, both exact:

* guards: a reader that can tell from a document's keys that a path finds nothing (``compile_guard``
  / ``guard_keys``: an RDF path whose first predicate the node lacks) lets the engine skip the rule,
  or go straight to what it gives without its paths (``ValueProg.dead``; see ``blocks.Plans``);
* outcome memo: a rule taking the first source's values (``_run_first``, ``_run_var_memo``) keeps,
  per raw text value, what its transforms, code list and coercion make of it when that raises no
  issue (dates, formats, licences, codes repeat across records); values raising issues always take
  the general code, and a memo whose values do not repeat switches itself off.

Rules are pure: the same document, context and variables always give the same values and issues.
Issue codes and wording are described in ``harvester.mapping.engine``. Labels (``distributions[1].format``)
are only formatted when an issue is raised.
"""

from __future__ import annotations

import math
from functools import lru_cache
from typing import Any, Callable, Iterator, Mapping

from harvester.mapping.numbers import parse_number
from harvester.mapping.spec import Kind, ValueRule
from harvester.mapping.spec_check import PLACEHOLDER
from harvester.mapping.steps import bind_steps
from harvester.mapping.transforms import as_text, compile_steps
from harvester.model.issues import Issue, Severity, Stage
from harvester.readers.base import Document

Selector = Callable[[Any], list[Any]]

#: Memoised code-list lookups per list (values repeat across records: formats, licences, codes).
LOOKUP_CACHE_SIZE = 4096

#: Outcomes a rule memoises per raw value (``ValueProg._run_first``). A memo that fills up within
#: fewer than twice as many records is switched off (its values hardly repeat); else it starts afresh.
OUTCOME_MEMO_SIZE = 1024
_OUTCOME_MAX_LEN = 256
_OUTCOME_LONG_OFF = 8  # a rule that met this many longer values stops memoising
#: Memoised outcomes that are not final values: try the next path / run the general code.
_SKIP, _SLOW = object(), object()


class _Unknown:
    """Memoised outcome: none of the values is in the code list (the path is only a fallback)."""

    __slots__ = ("values",)

    def __init__(self, values: list[Any]) -> None:
        self.values = tuple(values)


class Binder:
    """Binds paths to the reader's selector functions and code lists to memoised lookups, once per engine."""

    def __init__(self, reader: Any, options: Mapping[str, Any], codelists: Any) -> None:
        self.codelists = codelists
        self._select = getattr(reader, "compile_select", None)
        self._each = getattr(reader, "compile_each", None)
        self._guard = getattr(reader, "compile_guard", None)
        #: ``doc -> keys`` (or None) of readers that can tell a path finds nothing (see ``guard``).
        self.keys_of: Callable[[Any], Any] | None = getattr(reader, "guard_keys", None) if self._guard else None
        self.options = options
        self._lookups: dict[int, tuple[Any, Callable[[str], Any]]] = {}

    def select(self, path: str) -> Selector:
        if self._select is not None:
            return self._select(path, self.options)
        return lambda doc: doc.select(path)

    def each(self, path: str) -> Selector:
        if path.strip() in (".", "$"):
            return lambda doc: [doc]  # the current document itself
        if self._each is not None:
            return self._each(path, self.options)
        return lambda doc: doc.each(path)

    def guard(self, paths: tuple[str, ...]) -> frozenset[Any] | None:
        """Keys of which a document must have one for any of ``paths`` to find something: the reader's
        ``compile_guard`` key of each path (an RDF path's first predicate), checked against
        ``keys_of(doc)``. None when the reader cannot tell, or one of the paths has no key (``.``)."""
        if self._guard is None or not paths:
            return None
        keys = [self._guard(path, self.options) for path in paths]
        return None if any(key is None for key in keys) else frozenset(keys)

    def lookup(self, codelist: Any) -> Callable[[str], Any]:
        """``codelist.lookup`` behind a bounded LRU cache (shared by every rule using that list)."""
        found = self._lookups.get(id(codelist))
        if found is None:
            found = self._lookups[id(codelist)] = (codelist, lru_cache(maxsize=LOOKUP_CACHE_SIZE)(codelist.lookup))
        return found[1]


class Run:
    """State of one ``map`` call: context, variables, collected issues."""

    __slots__ = ("ctx", "issues", "remote_id", "variables", "serial")

    def __init__(self, ctx: Any, serial: int = 0) -> None:
        self.ctx = ctx
        self.serial = serial  # the engine's count of records mapped (the memos' clock)
        self.remote_id = ctx.remote_id
        self.variables = ctx.variables
        self.issues: list[Issue] = []

    def var(self, name: str) -> Any:
        if name == "record.remote_id":
            return self.remote_id
        variables = self.variables
        if name in variables:
            return variables[name]
        node: Any = variables
        for part in name.split("."):
            if not isinstance(node, Mapping) or part not in node:
                return None
            node = node[part]
        return node

    def issue(self, severity: Severity, code: str, message: str, field_name: str, location: str | None,
              into: list[Issue] | None = None) -> None:
        (self.issues if into is None else into).append(Issue(
            severity, code, message, field=field_name, stage=Stage.MAP, remote_id=self.remote_id,
            location=location))


def listify(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, (list, tuple)) else [value]


def label_of(where: str | None, name: str) -> str:
    return name if where is None else f"{where}.{name}"


def _first_text(values: list[Any]) -> list[Any]:
    for value in values:
        text = value.strip() if type(value) is str else as_text(value)
        if text:
            return [text]
    return []


def _all_texts(values: list[Any]) -> list[Any]:
    if len(values) == 1 and type(values[0]) is str:
        text = values[0].strip()
        return [text] if text else []
    texts = [v.strip() if type(v) is str else as_text(v) for v in values]  # as_text of a str, inlined
    return list(dict.fromkeys([t for t in texts if t]))


def _coerce_scalar(value: Any, kind: Kind) -> Any:
    if kind == "bool":
        if isinstance(value, bool):
            return value
        key = str(value).strip().casefold()
        if key in ("true", "1", "ya", "yes", "y"):
            return True
        if key in ("false", "0", "tidak", "no", "n"):
            return False
        raise ValueError("expected yes/no")
    number = parse_number(value) if not isinstance(value, (int, float)) or isinstance(value, bool) else value
    if isinstance(number, float) and not math.isfinite(number):
        raise ValueError("not finite")
    if kind == "int":
        if isinstance(number, float) and not number.is_integer():
            raise ValueError("not a whole number")
        return int(number)
    return float(number)


class ValueProg:
    """A compiled value rule. Sources in order: ``const``; ``paths``; ``template``; ``var``; ``default``.

    ``run(doc, run, scope, where, into)`` gives the field's values (a list; one element for
    single-valued kinds); issues go to ``into`` (or the run's list). ``where`` is the block label
    (``distributions[1]``) or None at dataset level. ``run`` is bound at build time to the cheapest
    strategy that gives the same result as the general one (``_run_collect``)."""

    __slots__ = ("name", "kind", "as_tuple", "const", "default", "paths", "path_set", "selectors", "selects",
                 "collect_all", "template", "var", "steps", "chain", "codelist", "codelist_name", "lookup",
                 "unknown", "output", "required", "texts", "finishes", "template_parts", "run", "guard", "dead",
                 "memo", "memo_start", "memo_long", "var_origin")

    def __init__(self, name: str, kind: Kind, rule: ValueRule, binder: Binder) -> None:
        self.name, self.kind = name, kind
        self.as_tuple = kind == "texts"
        self.const = listify(rule.const)
        self.default = listify(rule.default)
        self.paths = tuple(rule.paths)
        self.path_set = frozenset(self.paths)
        self.selectors = tuple((path, binder.select(path)) for path in self.paths)
        self.selects = tuple(select for _, select in self.selectors)
        self.collect_all = rule.collect == "all"
        self.template = rule.template
        #: [text, name, text, name, ..., text]: the template split at its {placeholders}.
        self.template_parts = tuple(PLACEHOLDER.split(rule.template)) if rule.template is not None else ()
        self.var = rule.var
        self.var_origin = f"var {rule.var}"
        self.steps = compile_steps(rule.transforms, binder.codelists)
        self.chain = bind_steps(self.steps) if self.steps else None
        self.codelist = binder.codelists[rule.codelist] if rule.codelist else None
        self.codelist_name = rule.codelist
        self.lookup = binder.lookup(self.codelist) if self.codelist is not None else None
        self.unknown, self.output = rule.unknown, rule.output
        self.required = Severity(rule.required) if rule.required else None
        self.texts: Callable[[list[Any]], list[Any]] | None = \
            _first_text if kind == "text" else _all_texts if kind == "texts" else None
        self.finishes = bool(self.default) or self.required is not None
        #: raw text value (or tuple of values) -> outcome of the transforms, code list and coercion:
        #: a tuple of final values, _SKIP, _Unknown or _SLOW (see ``_outcome``); for rules that take
        #: the first source's values. None: off (no transforms or code list, or values do not repeat).
        self.memo: dict[str, Any] | None = \
            {} if (self.chain is not None or self.lookup is not None) and not self.collect_all else None
        self.memo_start = 0  # ``Run.serial`` when the memo was (re)started
        self.memo_long = 0  # values too long to memoise seen so far
        #: When a document has none of these keys (``Binder.guard``), no path finds anything and the
        #: rule's result is ``dead`` (its template, var, default or required issue) or, if None, [].
        self.guard = binder.guard(self.paths) if not self.const else None
        self.dead: Callable[..., list[Any]] | None = self._nopaths_strategy()
        self.run: Callable[..., list[Any]] = self._strategy()

    def _strategy(self) -> Callable[..., list[Any]]:
        if self.const:
            return self._run_const
        if not self.paths:
            return self.dead or self._run_collect
        only_paths = not self.collect_all and self.template is None and self.var is None
        if self.steps or self.codelist is not None:
            if only_paths:
                return self._run_first
            if self.collect_all and self.codelist is None and self.template is None and self.var is None:
                return self._run_all
            return self._run_collect
        if self.collect_all:
            if self.template is None and self.var is None:
                return self._run_all
            return self._run_collect
        if only_paths and self.kind == "text":
            return self._run_simple_text
        return self._run_plain

    def _nopaths_strategy(self) -> Callable[..., list[Any]] | None:
        """What the rule gives when none of its paths finds anything (None: always [] and no issue)."""
        if self.template is None and not self.var:
            return self._run_empty if self.finishes else None
        if self.template is None and not self.collect_all:
            return self._run_var if self.memo is None and self.chain is None else self._run_var_memo
        if self.template is not None and not self.var and self.chain is None and self.lookup is None:
            return self._run_template
        return self._run_nopaths

    # ---------------------------------------------------------------- strategies
    def _run_const(self, doc: Document, run: Run, scope: dict[str, list[Any]], where: str | None,
                   into: list[Issue] | None) -> list[Any]:
        return self.coerce(list(self.const), run, where, "const", into)

    def _run_simple_text(self, doc: Document, run: Run, scope: dict[str, list[Any]], where: str | None,
                         into: list[Issue] | None) -> list[Any]:
        """A text field from the first path with a value (most rules of a mapping)."""
        for select in self.selects:
            raw = select(doc)
            if raw:
                for value in raw:
                    text = value.strip() if type(value) is str else as_text(value)
                    if text:
                        return [text]
                return []
        return self.finish_empty(run, where, into) if self.finishes else []

    def _run_plain(self, doc: Document, run: Run, scope: dict[str, list[Any]], where: str | None,
                   into: list[Issue] | None) -> list[Any]:
        """No transforms, no code list: the first path with values wins, else template, var, default."""
        for path, select in self.selectors:
            raw = select(doc)
            if raw:
                texts = self.texts
                return texts(raw) if texts is not None else self.coerce(raw, run, where, path, into)
        if self.template is None and self.var is None:
            return self.finish_empty(run, where, into) if self.finishes else []
        return self._collect(doc, run, scope, where, into, skip_paths=True)

    def _run_collect(self, doc: Document, run: Run, scope: dict[str, list[Any]], where: str | None,
                     into: list[Issue] | None) -> list[Any]:
        return self._collect(doc, run, scope, where, into, skip_paths=False)

    def _run_first(self, doc: Document, run: Run, scope: dict[str, list[Any]], where: str | None,
                   into: list[Issue] | None) -> list[Any]:
        """``_collect`` for rules with transforms or a code list whose only sources are paths, first wins.
        A path's values go through the memo when it is on (usually: one known answer per value)."""
        pending: list[Issue] | None = None  # issues of the paths tried, made only when there are some
        fallback: tuple[list[Any], str] | None = None
        memo = self.memo
        for path, select in self.selectors:
            raw = select(doc)
            if not raw:
                continue
            if memo is not None:
                key = raw[0] if len(raw) == 1 else tuple(raw)
                outcome = memo.get(key)
                if outcome is None:
                    outcome = self._remember(key, raw, run.serial)
                kind = type(outcome)
                if kind is tuple:
                    if pending:
                        (run.issues if into is None else into).extend(pending)
                    return list(outcome)
                if outcome is _SKIP:
                    continue
                if kind is _Unknown:
                    if fallback is None:
                        fallback = ([(v, None) for v in outcome.values], path)
                    continue
            values = raw
            chain, lookup = self.chain, self.lookup  # here, not above: memo hits do not need them
            if chain is not None:
                values, failures = chain(raw)
                if failures:
                    pending = pending if pending is not None else []
                    self._failed(failures, run, where, path, pending)
            if not values:
                continue  # the transforms dropped everything: try the next path
            if lookup is None:
                pass
            elif len(values) == 1 and (code := lookup(as_text(values[0]))) is not None:
                values = [getattr(code, self.output) or code.code]  # one known value: the usual case
            else:
                pairs = [(v, lookup(as_text(v))) for v in values]
                if all(code is not None for _, code in pairs):  # all known: no policy, no issue
                    output = self.output
                    values = [getattr(code, output) or code.code for _, code in pairs]
                elif not any(code is not None for _, code in pairs):
                    if fallback is None and pairs:
                        fallback = (pairs, path)
                    continue
                else:
                    pending = pending if pending is not None else []
                    values = self.resolve(pairs, run, where, path, pending)
            if pending:
                (run.issues if into is None else into).extend(pending)
            return self.coerce(values, run, where, path, into) if values else self.finish_empty(run, where, into)
        if fallback is None:
            if pending:
                (run.issues if into is None else into).extend(pending)
            return self.finish_empty(run, where, into) if self.finishes else []
        pending = pending if pending is not None else []
        values = self.resolve(fallback[0], run, where, fallback[1], pending)
        if pending:
            (run.issues if into is None else into).extend(pending)
        if not values:
            return self.finish_empty(run, where, into)
        return self.coerce(values, run, where, fallback[1], into)

    def _remember(self, key: Any, raw: list[Any], serial: int) -> Any:
        """The memoised outcome of a source's raw values (``key``: the value, or the tuple of several),
        computed now. Only short text is memoised (1 and True are equal keys, "1" is not)."""
        memo = self.memo
        if memo is None:
            return _SLOW
        if len(raw) == 1:
            if type(key) is not str:
                return _SLOW
            size = len(key)
        elif any(type(v) is not str for v in raw):
            return _SLOW
        else:
            size = sum(map(len, raw))
        if size > _OUTCOME_MAX_LEN:
            self.memo_long += 1
            if self.memo_long >= _OUTCOME_LONG_OFF:
                self._memo_off()  # free text (descriptions): hashing it for the memo is wasted work
            return _SLOW
        if len(memo) >= OUTCOME_MEMO_SIZE:
            if serial - self.memo_start < 2 * OUTCOME_MEMO_SIZE:
                self._memo_off()  # a new value per record or more (URIs ...): stop paying for the memo
                return _SLOW
            memo.clear()
            self.memo_start = serial
        outcome = memo[key] = self._outcome(list(raw))
        return outcome

    def _memo_off(self) -> None:
        """Stop memoising: this rule's values do not repeat, so neither would its chain's (the chain
        memo of ``steps.bind_steps`` is dropped too; it only ever returns what running gives)."""
        self.memo = None
        self.chain = getattr(self.chain, "plain", self.chain)

    def _outcome(self, values: list[Any]) -> Any:
        """What ``_run_first`` does with a source's raw ``values`` when that raises no issue: the final
        values (a tuple); _SKIP (the transforms dropped them: next path); ``_Unknown`` (none is in the
        code list: a fallback); else _SLOW (the general code runs and reports). Pure: transforms and
        code lists are."""
        if self.chain is not None:
            values, failures = self.chain(values)
            if failures:
                return _SLOW
            if not values:
                return _SKIP
        lookup = self.lookup
        if lookup is not None:
            codes = [lookup(as_text(v)) for v in values]
            if all(code is None for code in codes):
                return _Unknown(values)
            if any(code is None for code in codes):
                return _SLOW
            output = self.output
            values = [getattr(code, output) or code.code for code in codes]
        if self.texts is not None:
            return tuple(self.texts(values))
        for v in values:  # coerce: an uncoercible value before the first good one is an issue
            try:
                return (_coerce_scalar(v, self.kind),)
            except (ValueError, TypeError):
                return _SLOW
        return _SLOW

    def _run_all(self, doc: Document, run: Run, scope: dict[str, list[Any]], where: str | None,
                 into: list[Issue] | None) -> list[Any]:
        """``_collect`` for ``collect: all`` rules without code list, template or var: every path's
        values that survive the transforms, in path order."""
        values: list[Any] = []
        pending: list[Issue] | None = None
        origin: str | None = None
        chain = self.chain
        for path, select in self.selectors:
            raw = select(doc)
            if not raw:
                continue
            got = raw
            if chain is not None:
                got, failures = chain(raw)
                if failures:
                    pending = pending if pending is not None else []
                    self._failed(failures, run, where, path, pending)
            if got:
                values.extend(got)
                origin = origin or path
        if pending:
            (run.issues if into is None else into).extend(pending)
        if not values:
            return self.finish_empty(run, where, into)
        return self.coerce(values, run, where, origin, into)

    def _run_nopaths(self, doc: Document, run: Run, scope: dict[str, list[Any]], where: str | None,
                     into: list[Issue] | None) -> list[Any]:
        """The rule's result when none of its paths finds anything: template, var, default, required."""
        return self._collect(doc, run, scope, where, into, skip_paths=True)

    def _run_empty(self, doc: Document, run: Run, scope: dict[str, list[Any]], where: str | None,
                   into: list[Issue] | None) -> list[Any]:
        """``_run_nopaths`` without template or var: the default, or the required issue."""
        return self.finish_empty(run, where, into)

    def _run_var(self, doc: Document, run: Run, scope: dict[str, list[Any]], where: str | None,
                 into: list[Issue] | None) -> list[Any]:
        """``_run_nopaths`` for a var without transforms or code list."""
        raw = listify(run.var(self.var))
        if not raw:
            return self.finish_empty(run, where, into)
        return self.coerce(raw, run, where, self.var_origin, into)

    def _run_var_memo(self, doc: Document, run: Run, scope: dict[str, list[Any]], where: str | None,
                      into: list[Issue] | None) -> list[Any]:
        """``_run_nopaths`` for a var with transforms or a code list: one text value (the usual case; a
        job's variables do not change) goes through the memo, anything else through ``_collect``."""
        raw = listify(run.var(self.var))
        if not raw:
            return self.finish_empty(run, where, into)
        if len(raw) == 1 and type(raw[0]) is str and self.memo is not None:
            outcome = self.memo.get(raw[0])
            if outcome is None:
                outcome = self._remember(raw[0], raw, run.serial)
            if outcome is _SKIP:  # the transforms dropped it
                return self.finish_empty(run, where, into)
            if type(outcome) is tuple:
                return list(outcome)
        return self._collect(doc, run, scope, where, into, skip_paths=True)

    def _run_template(self, doc: Document, run: Run, scope: dict[str, list[Any]], where: str | None,
                      into: list[Issue] | None) -> list[Any]:
        """``_run_nopaths`` for a template without var, transforms or code list."""
        text = self.fill(run, scope)
        if not text:
            return self.finish_empty(run, where, into)
        return self.coerce([text], run, where, "template", into)

    def _collect(self, doc: Document, run: Run, scope: dict[str, list[Any]], where: str | None,
                 into: list[Issue] | None, skip_paths: bool) -> list[Any]:
        """The general case. With a code list, a source whose values are all unknown does not stop the
        fallback: a later path may hold a known code (dct:format IRI vs its rdfs:label). If no source
        has a known value, the first one that had values is used, under the rule's ``unknown:`` policy."""
        values: list[Any] = []
        pending: list[Issue] = []
        origin: str | None = None
        fallback: tuple[list[Any], str] | None = None
        for source, raw in self._sources(doc, run, scope, skip_paths):
            ok, got = self._accept(raw, run, where, source, pending)
            if ok:
                values.extend(self.resolve(got, run, where, source, pending))
                origin = origin or source
                if not self.collect_all or source not in self.path_set:
                    break
            elif fallback is None and got:
                fallback = (got, source)
        if not values and fallback is not None:
            values, origin = self.resolve(fallback[0], run, where, fallback[1], pending), fallback[1]
        if pending:
            (run.issues if into is None else into).extend(pending)
        if not values:
            return self.finish_empty(run, where, into)
        return self.coerce(values, run, where, origin, into)

    def _sources(self, doc: Document, run: Run, scope: dict[str, list[Any]],
                 skip_paths: bool) -> Iterator[tuple[str, list[Any]]]:
        """(origin, raw values) of each non-empty source in order: paths, template, var. Lazy, so
        later sources are not evaluated once one has won."""
        if not skip_paths:
            for path, select in self.selectors:
                raw = select(doc)
                if raw:
                    yield path, raw
        if self.template is not None:
            text = self.fill(run, scope)
            if text:
                yield "template", [text]
        if self.var:
            raw = listify(run.var(self.var))
            if raw:
                yield f"var {self.var}", raw

    def finish_empty(self, run: Run, where: str | None, into: list[Issue] | None) -> list[Any]:
        """The default when there is one; else a MAP-REQUIRED issue if the rule is required."""
        if self.default:
            return self.coerce(list(self.default), run, where, "default", into)
        if self.required is not None:
            tried = " | ".join(self.paths) or "(no paths)"
            label = label_of(where, self.name)
            run.issue(self.required, "MAP-REQUIRED", f"no value for required field {label!r}", label, tried, into)
        return []

    def fill(self, run: Run, scope: dict[str, list[Any]]) -> str | None:
        """The template with each ``{name}`` replaced by the first value of that field, let value or
        variable; None when one of them has no value."""
        parts = self.template_parts
        out = [parts[0]]
        for i in range(1, len(parts), 2):
            name = parts[i]
            values = scope.get(name) if name in scope else listify(run.var(name))
            if not values:
                return None
            out.append(as_text(values[0]))
            out.append(parts[i + 1])
        return "".join(out)

    def _accept(self, raw: list[Any], run: Run, where: str | None, origin: str,
                pending: list[Issue]) -> tuple[bool, list[Any]]:
        """Transform and look up one source's values. Without a code list: (any values?, values);
        with one: (any known value?, [(value, code or None)])."""
        values = raw
        if self.chain is not None:
            values, failures = self.chain(raw)
            if failures:
                self._failed(failures, run, where, origin, pending)
        lookup = self.lookup
        if lookup is None:
            return bool(values), values
        pairs = [(v, lookup(as_text(v))) for v in values]
        return any(code is not None for _, code in pairs), pairs

    def _failed(self, failures: Any, run: Run, where: str | None, origin: str, pending: list[Issue]) -> None:
        for name, value, reason in failures:
            run.issue(Severity.WARNING, "MAP-TRANSFORM", f"{name}: cannot use {str(value)[:80]!r}: {reason}",
                      label_of(where, self.name), origin, pending)

    def resolve(self, got: list[Any], run: Run, where: str | None, origin: str,
                pending: list[Issue]) -> list[Any]:
        """Code-list results for (value, code) pairs, applying the ``unknown:`` policy."""
        if self.lookup is None:
            return got
        out = []
        for value, code in got:
            if code is not None:
                out.append(getattr(code, self.output) or code.code)
                continue
            if self.unknown in ("keep", "warn"):
                out.append(value)
            if self.unknown in ("keep", "ignore"):
                continue
            message = f"{str(value)[:80]!r} is not in code list {self.codelist_name!r}"
            label = label_of(where, self.name)
            if self.unknown == "warn":
                run.issue(Severity.WARNING, "MAP-CODELIST-UNKNOWN", message + " (kept as is)", label, origin, pending)
            elif self.unknown == "drop":
                run.issue(Severity.WARNING, "MAP-CODELIST-UNKNOWN", message + " (dropped)", label, origin, pending)
            elif self.unknown == "error":
                run.issue(Severity.ERROR, "MAP-CODELIST-UNKNOWN", message, label, origin, pending)
        return out

    def coerce(self, values: list[Any], run: Run, where: str | None, origin: str | None,
               into: list[Issue] | None) -> list[Any]:
        """Values of the field's canonical type (a list; one element for single-valued kinds)."""
        if self.texts is not None:
            return self.texts(values)
        kind = self.kind
        for value in values:
            try:
                return [_coerce_scalar(value, kind)]
            except (ValueError, TypeError) as exc:
                run.issue(Severity.WARNING, "MAP-TYPE", f"{str(value)[:80]!r} is not a {kind}: {exc}",
                          label_of(where, self.name), origin, into)
        return []


def ordered(items: Mapping[str, Any]) -> list[tuple[str, Any]]:
    """Rules without a template first, so templates can use the other fields' values."""
    plain = [(k, v) for k, v in items.items() if not (isinstance(v, ValueRule) and v.template is not None)]
    return plain + [(k, v) for k, v in items.items() if isinstance(v, ValueRule) and v.template is not None]


def run_guarded(prog: ValueProg, doc: Document, present: Any, run: Run, scope: dict[str, list[Any]],
                where: str | None, into: list[Issue] | None) -> list[Any]:
    """``prog.run``, or its ``dead`` result when ``present`` (the document's guard keys, or None)
    shows none of its paths can find anything. The engine's loops inline this."""
    guard = prog.guard
    if guard is not None and present is not None and present.isdisjoint(guard):
        dead = prog.dead
        return dead(doc, run, scope, where, into) if dead is not None else []
    return prog.run(doc, run, scope, where, into)
