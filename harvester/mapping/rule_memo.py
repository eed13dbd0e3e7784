"""The outcome memo of compiled value rules: strategies that skip work repeated across records, exactly.

A rule taking the first source's values, with transforms or a code list (``_run_first``; for a
``var:`` source ``_run_var_memo``), keeps per raw text value what its transforms, code list and
coercion make of it when that raises no issue: dates, formats, licences and codes repeat across
records. An outcome is the final values (a tuple), ``_SKIP`` (the transforms dropped them: next
path), an ``_Unknown`` (none is in the code list: the path is only a fallback) or ``_SLOW`` (it
raises an issue: the general code of ``rule_general`` runs and reports it). Only short text is
memoised; a memo whose values do not repeat (it fills up too fast, or meets long free text) switches
itself off, and drops the chain's own memo (``steps.bind_steps``) with it. Exact, because transforms
and code lists are pure: a memoised outcome is what running gives.

``OutcomeMemo`` is a base class of ``ValueProg`` with no state of its own: it uses ``ValueProg``'s
``memo``, ``memo_start`` and ``memo_long`` (set by ``ValueProg.__init__``) and the general code it
inherits from ``GeneralCode``.
"""

from __future__ import annotations

from typing import Any

from harvester.mapping.coercion import coerce_scalar, listify
from harvester.mapping.rule_binding import Run
from harvester.mapping.rule_general import GeneralCode
from harvester.mapping.transforms import as_text
from harvester.model.issues import Issue
from harvester.readers.base import Document

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


class OutcomeMemo(GeneralCode):
    """The memoising strategies of ``ValueProg`` and the memo's upkeep."""

    __slots__ = ()  # the state is ValueProg's

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
                return (coerce_scalar(v, self.kind),)
            except (ValueError, TypeError):
                return _SLOW
        return _SLOW

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
