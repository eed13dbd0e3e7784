"""Compiled value rules: what ``MappingEngine`` runs for every field of every record.

A ``ValueProg`` is one value rule with everything that does not depend on the record worked out
when the engine is built: each path bound to a selector function of the reader (``Binder``), the
transform chain bound, the code list's lookup memoised, the coercion to the field's type chosen
(``coercion``), and the rule given the cheapest strategy that gives the general result
(``_run_collect``). Structured fields (publisher, distributions ...) are ``harvester.mapping.blocks``.

Two things spare work across records, both exact:

* guards: a reader that can tell from a document's keys that a path finds nothing (``compile_guard``
  / ``guard_keys``: an RDF path whose first predicate the node lacks) lets the engine skip the rule,
  or go straight to what it gives without its paths (``ValueProg.dead``; see ``blocks.Plans``);
* outcome memo: a rule taking the first source's values keeps, per raw text value, what its
  transforms, code list and coercion make of it when that raises no issue (``rule_memo``).

Rules are pure: the same document, context and variables always give the same values and issues.
Issue codes and wording are described in ``harvester.mapping.engine``. Labels (``distributions[1].format``)
are only formatted when an issue is raised.

This module is the public face of the value rules; the work is split by duty:

* ``rules`` (here): ``ValueProg`` (compilation, choice of strategy, the strategies without memo),
  ``ordered``, ``run_guarded``; ``Binder``, ``Run``, ``listify`` and ``label_of`` re-exported;
* ``rule_binding``: ``Binder`` (reader hooks, code-list lookups) and ``Run`` (one map call's state);
* ``rule_memo``: the memoising strategies; ``rule_general``: the general code and every issue;
* ``coercion``: raw values to the field's kind.

``ValueProg`` takes the memoising strategies and the general code as base classes holding no state
(``ValueProg`` -> ``rule_memo.OutcomeMemo`` -> ``rule_general.GeneralCode``), so every call on the
per-record path stays one method call on the rule, as when the class was one module.
"""

from __future__ import annotations

from typing import Any, Callable, Mapping

from harvester.mapping.coercion import all_texts, first_text, listify
from harvester.mapping.rule_binding import LOOKUP_CACHE_SIZE, Binder, Run, Selector, label_of
from harvester.mapping.rule_memo import OUTCOME_MEMO_SIZE, OutcomeMemo
from harvester.mapping.spec import Kind, ValueRule
from harvester.mapping.spec_check import PLACEHOLDER
from harvester.mapping.steps import bind_steps
from harvester.mapping.transforms import as_text, compile_steps
from harvester.model.issues import Issue, Severity
from harvester.readers.base import Document

__all__ = ["LOOKUP_CACHE_SIZE", "OUTCOME_MEMO_SIZE", "Binder", "Run", "Selector", "ValueProg", "label_of", "listify",
           "ordered", "run_guarded"]


class ValueProg(OutcomeMemo):
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
            first_text if kind == "text" else all_texts if kind == "texts" else None
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

    def _run_var(self, doc: Document, run: Run, scope: dict[str, list[Any]], where: str | None,
                 into: list[Issue] | None) -> list[Any]:
        """``_run_nopaths`` for a var without transforms or code list."""
        raw = listify(run.var(self.var))
        if not raw:
            return self.finish_empty(run, where, into)
        return self.coerce(raw, run, where, self.var_origin, into)

    def _run_template(self, doc: Document, run: Run, scope: dict[str, list[Any]], where: str | None,
                      into: list[Issue] | None) -> list[Any]:
        """``_run_nopaths`` for a template without var, transforms or code list."""
        text = self.fill(run, scope)
        if not text:
            return self.finish_empty(run, where, into)
        return self.coerce([text], run, where, "template", into)


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
