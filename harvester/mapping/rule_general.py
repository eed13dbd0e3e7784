"""The general code of a compiled value rule (``rules.ValueProg``): sources, code list, coercion, issues.

``GeneralCode._collect`` gives the result every faster strategy must match: the sources in order
(paths, template, var), each source's values through the transforms and the code list (under the
rule's ``unknown:`` policy), the first usable source's values coerced to the field's kind, else the
default or the required issue (``finish_empty``). The strategies of ``rules`` and ``rule_memo``
call its pieces for what they do not do themselves. Every issue a value rule raises is made here
(MAP-TRANSFORM, MAP-CODELIST-UNKNOWN, MAP-TYPE, MAP-REQUIRED), into ``into`` (or the run's list);
nothing raises.

``GeneralCode`` is a base class of ``ValueProg`` with no state of its own: the attributes it reads
are ``ValueProg``'s (``rules.ValueProg.__slots__``, set by its ``__init__``). A base class rather
than a helper object, so that each call stays one method call on the rule (no extra indirection on
the per-record path).
"""

from __future__ import annotations

from typing import Any, Iterator

from harvester.mapping.coercion import coerce_scalar, listify
from harvester.mapping.rule_binding import Run, label_of
from harvester.mapping.transforms import as_text
from harvester.model.issues import Issue, Severity
from harvester.readers.base import Document


class GeneralCode:
    """The general code of ``ValueProg`` and the strategies that are just that (``_run_collect``,
    ``_run_nopaths``, ``_run_empty``)."""

    __slots__ = ()  # the state is ValueProg's

    def _run_collect(self, doc: Document, run: Run, scope: dict[str, list[Any]], where: str | None,
                     into: list[Issue] | None) -> list[Any]:
        return self._collect(doc, run, scope, where, into, skip_paths=False)

    def _run_nopaths(self, doc: Document, run: Run, scope: dict[str, list[Any]], where: str | None,
                     into: list[Issue] | None) -> list[Any]:
        """The rule's result when none of its paths finds anything: template, var, default, required."""
        return self._collect(doc, run, scope, where, into, skip_paths=True)

    def _run_empty(self, doc: Document, run: Run, scope: dict[str, list[Any]], where: str | None,
                   into: list[Issue] | None) -> list[Any]:
        """``_run_nopaths`` without template or var: the default, or the required issue."""
        return self.finish_empty(run, where, into)

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
                return [coerce_scalar(value, kind)]
            except (ValueError, TypeError) as exc:
                run.issue(Severity.WARNING, "MAP-TYPE", f"{str(value)[:80]!r} is not a {kind}: {exc}",
                          label_of(where, self.name), origin, into)
        return []
