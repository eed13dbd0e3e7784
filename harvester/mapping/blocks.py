"""Compiled block rules and rule plans: the structured fields of a mapping, and which rules to visit.

A ``BlockProg`` is one alternative of a structured field (publisher, creator, contact_points,
temporal, spatial, distributions, variabel): one object per sub-document its ``each`` paths find
(or the current document), built from its value rules (``harvester.mapping.rules.ValueProg``).
Objects are built with ``harvester.model.builders.builder`` (the same objects, made faster).

``Plans`` decides, from a document's guard keys (``Binder.guard``), which rules of a list to run:
a rule none of whose paths can match there gives its ``dead`` result without selecting anything, or
is left out altogether. A plan is worked out once per set of keys; the documents of one source
share a handful. Both are pure, like the rules.
"""

from __future__ import annotations

import sys
from typing import Any

from harvester.mapping.rules import Binder, Run, ValueProg, ordered, run_guarded
from harvester.mapping.spec import NESTED_KINDS, BlockRule
from harvester.model.builders import builder
from harvester.model.dataset import NESTED_TYPES
from harvester.model.issues import Issue, Severity
from harvester.readers.base import Document

#: Field an object of each nested type cannot do without (objects lacking it are dropped).
KEY_FIELD = {"publisher": "name", "creator": "name", "variabel": "nama"}

#: How a plan visits an entry: run the rule; take its ``dead`` result; only record [] in the scope
#: (a template reads the field); build the structured field (engine level, ``BlockProg`` list).
RUN, DEAD, EMPTY, BLOCK = 0, 1, 2, 3
#: Plans kept per list of rules (one per set of guard keys seen; documents of one source look alike).
PLAN_CACHE_SIZE = 256


def placeholders(progs: list[tuple[str, Any]]) -> frozenset[str]:
    """Names the templates of these rules read from their scope."""
    return frozenset(name for _, prog in progs if isinstance(prog, ValueProg)
                     for name in prog.template_parts[1::2])


class Plans:
    """Which rules of a list to visit for a document, and how, from the document's guard keys
    (``Binder.guard``): a rule none of whose paths can match gives its ``dead`` result, or is left
    out (with [] in the scope when a template reads it). Worked out once per set of keys: the
    per-rule checks cost more than the rules they spare. A document without guard keys (None)
    visits every rule."""

    def __init__(self, entries: list[tuple[str, Any]], referenced: frozenset[str]) -> None:
        self.entries = entries
        self.referenced = referenced
        self.full = tuple((name, prog, RUN if isinstance(prog, ValueProg) else BLOCK) for name, prog in entries)
        self._cache: dict[tuple[Any, ...], tuple[tuple[str, Any, int], ...]] = {}

    def get(self, present: Any) -> tuple[tuple[str, Any, int], ...]:
        """(name, rule, how) for each entry to visit, in order."""
        if present is None:
            return self.full
        keys = tuple(present)  # cheaper than a frozenset; documents of one source list them alike
        plan = self._cache.get(keys)
        if plan is None:
            if len(self._cache) >= PLAN_CACHE_SIZE:
                self._cache.clear()
            plan = self._cache[keys] = self._plan(frozenset(keys))
        return plan

    def _plan(self, keys: frozenset[Any]) -> tuple[tuple[str, Any, int], ...]:
        out = []
        for name, prog in self.entries:
            if not isinstance(prog, ValueProg):
                out.append((name, prog, BLOCK))
            elif prog.guard is None or not keys.isdisjoint(prog.guard):
                out.append((name, prog, RUN))
            elif prog.dead is not None:
                out.append((name, prog, DEAD))
            elif name in self.referenced:
                out.append((name, prog, EMPTY))
        return tuple(out)


class BlockProg:
    """A compiled block rule for a structured field: one object per sub-document of ``each``."""

    def __init__(self, name: str, rule: BlockRule, binder: Binder) -> None:
        self.name, self.cls = name, NESTED_TYPES[name]
        kinds = NESTED_KINDS[name]
        self.each = tuple(binder.each(path) for path in rule.each)
        #: (each function, guard keys or None) per ``each`` path; see ``Binder.guard``.
        self.each_guarded = tuple((fn, binder.guard((path,))) for fn, path in zip(self.each, rule.each))
        self.keys_of = binder.keys_of
        self.lets = [(k, ValueProg(k, "texts", r, binder)) for k, r in rule.let.items()]
        # Interned names: the object is built from keyword arguments, matched fastest when interned.
        self.fields = [(sys.intern(k), ValueProg(k, kinds[k], r, binder)) for k, r in ordered(rule.fields)]
        self.build = builder(self.cls)
        self.plans = Plans(self.fields, placeholders(self.lets + self.fields))
        #: Templates read the block's scope (outer lets, own lets, earlier fields); without one it is not kept.
        self.scoped = any(p.template is not None for _, p in self.lets + self.fields)
        self.const = [rule.const] if isinstance(rule.const, dict) else list(rule.const or [])
        self.key_field = KEY_FIELD.get(name)
        self._labels: dict[str, list[str]] = {}  # block label -> its numbered labels "label[i]"

    def run(self, doc: Document, run: Run, label: str, into: list[Issue],
            outer: dict[str, list[Any]], present: Any = None) -> list[Any]:
        """The block's objects. ``present``: the guard keys of ``doc`` when the caller has them."""
        if self.const:  # immutable objects, but built per call as constructing them may fail
            return [self.cls(**{k: (tuple(v) if isinstance(v, list) else v) for k, v in obj.items()})
                    for obj in self.const]
        keys_of = self.keys_of
        docs: list[Any] = [doc]
        if self.each:
            if present is None and keys_of is not None:
                present = keys_of(doc)
            for each, guard in self.each_guarded:
                if guard is not None and present is not None and present.isdisjoint(guard):
                    docs = []  # what ``each`` gives: none of the path's first keys is there
                    continue
                docs = each(doc)
                if docs:
                    break
        numbered = len(docs) > 1 or bool(self.each)
        out = []
        scoped = self.scoped
        scope: dict[str, list[Any]] = outer
        if numbered:
            labels = self._labels.get(label)
            if labels is None or len(labels) < len(docs):
                labels = self._labels[label] = [f"{label}[{i}]" for i in range(max(len(docs), 4))]
        for i, sub in enumerate(docs):
            where = labels[i] if numbered else label
            if scoped:
                scope = dict(outer)  # the dataset-level lets
            present = keys_of(sub) if keys_of is not None else None
            for name, prog in self.lets:
                values = run_guarded(prog, sub, present, run, scope, where, into)
                if scoped:
                    scope[name] = values
            kwargs: dict[str, Any] = {}
            for name, prog, how in self.plans.get(present):
                if not how:  # RUN
                    values = prog.run(sub, run, scope, where, into)
                elif how == DEAD:
                    values = prog.dead(sub, run, scope, where, into)
                else:  # EMPTY: only a template's view of the field (templates make a block scoped)
                    if scoped:
                        scope[name] = []
                    continue
                if scoped:
                    scope[name] = values
                if values:
                    kwargs[name] = tuple(values) if prog.as_tuple else values[0]
            if not kwargs:
                continue
            if self.key_field and self.key_field not in kwargs:
                run.issue(Severity.WARNING, "MAP-TYPE", f"{self.name} without {self.key_field} dropped "
                          f"(has {', '.join(sorted(kwargs))})", where, None, into)
                continue
            out.append(self.build(**kwargs))
        return out
