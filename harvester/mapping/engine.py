"""The mapping engine: a validated ``MappingSpec`` applied to a reader ``Document`` -> canonical ``Dataset``.

Rules are compiled once (``MappingEngine.__init__``): transforms bound, code lists resolved,
templates split. ``map`` is pure and deterministic: no I/O, no clock; the same document, context and
mapping always give the same result.

Value rules try, in order: ``const``; the ``paths`` (first path whose values survive the transforms
wins, or every path with ``collect: all``); ``template``; ``var``; ``default``. Values are then
coerced to the canonical type (text, list of text, int, float, bool). Structured fields are built
from blocks: one object per sub-document of ``each`` (or from the current document), alternatives
tried in order until one gives objects.

Issues (``Issue.stage = map``) have stable codes and name the canonical field (``field``, with the
block index, e.g. ``distributions[1].format``) and the path tried (``location``):

* ``MAP-REQUIRED``   a ``required`` field got no value (severity from the rule); a record without
  ``identifier`` or ``title`` is always an error and gives ``dataset=None``
* ``MAP-TRANSFORM``  a transform could not use a value (the value is dropped)
* ``MAP-CODELIST-UNKNOWN`` a value is not in the rule's code list (``unknown:`` policy)
* ``MAP-TYPE``       a value cannot be coerced to the field's type, or an object lacks its name
* ``MAP-READ``       (``map_record`` only) the bytes could not be parsed
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Iterator, Mapping

from harvester import registry
from harvester.errors import ConfigError, RecordInvalid
from harvester.mapping.numbers import parse_number
from harvester.mapping.spec import DATASET_KINDS, NESTED_KINDS, BlockRule, Kind, MappingSpec, ValueRule
from harvester.mapping.spec_check import PLACEHOLDER
from harvester.mapping.transforms import CompiledStep, apply_steps, as_text as _as_text, compile_steps
from harvester.model.dataset import NESTED_TYPES, Dataset
from harvester.model.issues import Issue, Severity, Stage
from harvester.model.record import SourceRecord
from harvester.readers.base import Document

if TYPE_CHECKING:  # the code-list module is another engineer's; only its interface is used here
    from harvester.mapping.codelists import CodeLists

#: Field an object of each nested type cannot do without (objects lacking it are dropped).
_KEY_FIELD = {"publisher": "name", "creator": "name", "variabel": "nama"}


@dataclass(frozen=True)
class MappingContext:
    """Per-record context: who the record belongs to, and the variables ``var:`` rules read
    (nested ``{"pemda": {"kode": ...}}`` or flat ``{"pemda.kode": ...}``)."""

    source_id: str
    remote_id: str
    variables: Mapping[str, Any] = field(default_factory=dict)


@dataclass
class MappingResult:
    """The canonical dataset (None when identifier or title could not be mapped) and the issues."""

    dataset: Dataset | None
    issues: list[Issue]

    @property
    def blocking(self) -> bool:
        """True when the record must not be published (no dataset, or an error-level issue)."""
        return self.dataset is None or any(i.blocking for i in self.issues)


class _Run:
    """State of one ``map`` call: context, variables, collected issues."""

    __slots__ = ("ctx", "issues")

    def __init__(self, ctx: MappingContext) -> None:
        self.ctx = ctx
        self.issues: list[Issue] = []

    def var(self, name: str) -> Any:
        if name == "record.remote_id":
            return self.ctx.remote_id
        variables = self.ctx.variables
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
            severity, code, message, field=field_name, stage=Stage.MAP, remote_id=self.ctx.remote_id,
            location=location))


def _listify(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, (list, tuple)) else [value]


class _ValueProg:
    """A compiled value rule."""

    def __init__(self, name: str, kind: Kind, rule: ValueRule, codelists: Any) -> None:
        self.name, self.kind = name, kind
        self.const = _listify(rule.const)
        self.default = _listify(rule.default)
        self.paths = tuple(rule.paths)
        self.collect_all = rule.collect == "all"
        self.template = rule.template
        self.var = rule.var
        self.steps: list[CompiledStep] = compile_steps(rule.transforms, codelists)
        self.codelist = codelists[rule.codelist] if rule.codelist else None
        self.codelist_name = rule.codelist
        self.unknown, self.output = rule.unknown, rule.output
        self.required = Severity(rule.required) if rule.required else None
        self.plain = not self.steps and self.codelist is None

    def run(self, doc: Document, run: _Run, scope: dict[str, list[Any]], label: str,
            into: list[Issue] | None) -> list[Any]:
        if self.const:
            return self.coerce(list(self.const), run, label, "const", into)
        if self.plain and not self.collect_all:
            # Fast path (most rules): no transforms, no code list - the first non-empty path wins.
            select = doc.select
            for path in self.paths:
                raw = select(path)
                if raw:
                    return self.coerce(raw, run, label, path, into)
            if self.template is None and self.var is None:
                return self.finish_empty(run, label, into)
        values: list[Any] = []
        pending: list[Issue] = []
        where: str | None = None
        # With a code list, a source whose values are all unknown does not stop the fallback: a
        # later path may hold a known code (dct:format IRI vs its rdfs:label). If no source has a
        # known value, the first one that had values is used, under the rule's `unknown:` policy.
        fallback: tuple[list[tuple[Any, Any]], str] | None = None
        for origin, raw in self._sources(doc, run, scope):
            ok, pairs = self._accept(raw, run, label, origin, pending)
            if ok:
                values.extend(self.resolve(pairs, run, label, origin, pending))
                where = where or origin
                if not self.collect_all or origin not in self.paths:
                    break
            elif fallback is None and pairs:
                fallback = (pairs, origin)
        if not values and fallback is not None:
            values, where = self.resolve(fallback[0], run, label, fallback[1], pending), fallback[1]
        (run.issues if into is None else into).extend(pending)
        if not values:
            return self.finish_empty(run, label, into)
        return self.coerce(values, run, label, where, into)

    def finish_empty(self, run: _Run, label: str, into: list[Issue] | None) -> list[Any]:
        """The default when there is one; else a MAP-REQUIRED issue if the rule is required."""
        if self.default:
            return self.coerce(list(self.default), run, label, "default", into)
        if self.required is not None:
            tried = " | ".join(self.paths) or "(no paths)"
            run.issue(self.required, "MAP-REQUIRED", f"no value for required field {label!r}", label, tried, into)
        return []

    def fill(self, run: _Run, scope: dict[str, list[Any]]) -> str | None:
        assert self.template is not None
        missing = False

        def sub(m: Any) -> str:
            nonlocal missing
            name = m.group(1)
            values = scope.get(name) if name in scope else _listify(run.var(name))
            if not values:
                missing = True
                return ""
            return _as_text(values[0])

        text = PLACEHOLDER.sub(sub, self.template)
        return None if missing else text

    def _sources(self, doc: Document, run: _Run, scope: dict[str, list[Any]]) -> Iterator[tuple[str, list[Any]]]:
        """(origin, raw values) of each non-empty source in order: paths, template, var. Lazy, so
        later sources are not evaluated once one has won."""
        for path in self.paths:
            raw = doc.select(path)
            if raw:
                yield path, raw
        if self.template is not None:
            text = self.fill(run, scope)
            if text:
                yield "template", [text]
        if self.var:
            raw = _listify(run.var(self.var))
            if raw:
                yield f"var {self.var}", raw

    def _accept(self, raw: list[Any], run: _Run, label: str, where: str,
                pending: list[Issue]) -> tuple[bool, list[tuple[Any, Any]]]:
        """Transform and look up one source's values into [(value, code)]; the flag is True when the
        source counts (it has values and, with a code list, at least one known value)."""
        values, failures = apply_steps(list(raw), self.steps) if self.steps else (list(raw), [])
        for name, value, reason in failures:
            run.issue(Severity.WARNING, "MAP-TRANSFORM", f"{name}: cannot use {str(value)[:80]!r}: {reason}",
                      label, where, pending)
        if self.codelist is None:
            return bool(values), [(v, None) for v in values]
        pairs = [(v, self.codelist.lookup(_as_text(v))) for v in values]
        return any(code is not None for _, code in pairs), pairs

    def resolve(self, pairs: list[tuple[Any, Any]], run: _Run, label: str, where: str,
                pending: list[Issue]) -> list[Any]:
        """Code-list results for (value, code) pairs, applying the ``unknown:`` policy."""
        if self.codelist is None:
            return [v for v, _ in pairs]
        out = []
        for value, code in pairs:
            if code is not None:
                out.append(getattr(code, self.output) or code.code)
                continue
            message = f"{str(value)[:80]!r} is not in code list {self.codelist_name!r}"
            if self.unknown == "keep":
                out.append(value)
            elif self.unknown == "warn":
                out.append(value)
                run.issue(Severity.WARNING, "MAP-CODELIST-UNKNOWN", message + " (kept as is)", label, where, pending)
            elif self.unknown == "drop":
                run.issue(Severity.WARNING, "MAP-CODELIST-UNKNOWN", message + " (dropped)", label, where, pending)
            elif self.unknown == "error":
                run.issue(Severity.ERROR, "MAP-CODELIST-UNKNOWN", message, label, where, pending)
        return out

    def coerce(self, values: list[Any], run: _Run, label: str, where: str | None,
               into: list[Issue] | None) -> list[Any]:
        """Values of the field's canonical type (a list; one element for single-valued kinds)."""
        kind = self.kind
        if kind == "texts":
            return list(dict.fromkeys(t for t in (_as_text(v) for v in values) if t))
        if kind == "text":
            texts = [t for t in (_as_text(v) for v in values) if t]
            return texts[:1]
        for value in values:
            try:
                return [_coerce_scalar(value, kind)]
            except (ValueError, TypeError) as exc:
                run.issue(Severity.WARNING, "MAP-TYPE", f"{str(value)[:80]!r} is not a {kind}: {exc}", label,
                          where, into)
        return []


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


def _ordered(items: Mapping[str, Any]) -> list[tuple[str, Any]]:
    """Rules without a template first, so templates can use the other fields' values."""
    plain = [(k, v) for k, v in items.items() if not (isinstance(v, ValueRule) and v.template is not None)]
    return plain + [(k, v) for k, v in items.items() if isinstance(v, ValueRule) and v.template is not None]


class _BlockProg:
    """A compiled block rule for a structured field."""

    def __init__(self, name: str, rule: BlockRule, codelists: Any) -> None:
        self.name, self.cls = name, NESTED_TYPES[name]
        kinds = NESTED_KINDS[name]
        self.each = tuple(rule.each)
        self.lets = [(k, _ValueProg(k, "texts", r, codelists)) for k, r in rule.let.items()]
        self.fields = [(k, _ValueProg(k, kinds[k], r, codelists)) for k, r in _ordered(rule.fields)]
        self.const = [rule.const] if isinstance(rule.const, dict) else list(rule.const or [])
        self.key_field = _KEY_FIELD.get(name)

    def run(self, doc: Document, run: _Run, label: str, into: list[Issue],
            outer: dict[str, list[Any]]) -> list[Any]:
        if self.const:
            return [self.cls(**{k: (tuple(v) if isinstance(v, list) else v) for k, v in obj.items()})
                    for obj in self.const]
        docs: list[Document] = [doc]
        if self.each:
            docs = []
            for path in self.each:
                docs = [doc] if path.strip() in (".", "$") else doc.each(path)
                if docs:
                    break
        out = []
        for i, sub in enumerate(docs):
            where = f"{label}[{i}]" if len(docs) > 1 or self.each else label
            scope: dict[str, list[Any]] = dict(outer)  # the dataset-level lets
            for name, prog in self.lets:
                scope[name] = prog.run(sub, run, scope, f"{where}.{name}", into)
            kwargs: dict[str, Any] = {}
            for name, prog in self.fields:
                values = prog.run(sub, run, scope, f"{where}.{name}", into)
                scope[name] = values
                if values:
                    kwargs[name] = tuple(values) if prog.kind == "texts" else values[0]
            if not kwargs:
                continue
            if self.key_field and self.key_field not in kwargs:
                run.issue(Severity.WARNING, "MAP-TYPE", f"{self.name} without {self.key_field} dropped "
                          f"(has {', '.join(sorted(kwargs))})", where, None, into)
                continue
            out.append(self.cls(**kwargs))
        return out


class MappingEngine:
    """Applies one resolved mapping. Build once per job; ``map`` may be called for every record."""

    def __init__(self, spec: MappingSpec, codelists: "CodeLists") -> None:
        self.spec = spec
        self.hash: str = spec.content_hash()
        where = spec.files[0] if spec.files else None
        try:
            self.reader = registry.readers.get(spec.reader.name)()
            self.lets = [(k, _ValueProg(k, "texts", r, codelists)) for k, r in spec.let.items()]
            self.fields: list[tuple[str, Any]] = []
            for name, rule in _ordered(spec.fields):
                if isinstance(rule, ValueRule):
                    self.fields.append((name, _ValueProg(name, DATASET_KINDS[name], rule, codelists)))
                else:
                    alternatives = rule if isinstance(rule, list) else [rule]
                    self.fields.append((name, [_BlockProg(name, alt, codelists) for alt in alternatives]))
            self.extras = [(k, _ValueProg(k, "texts", r, codelists)) for k, r in spec.extras.items()]
        except ConfigError as exc:
            raise ConfigError(exc.reason, file=exc.file or where, key=exc.key, line=exc.line) from None
        self.reader_options = spec.reader.options()
        self._media_types = set(self.reader.media_types)

    def read(self, record: SourceRecord) -> Document:
        """Parse the record with the mapping's reader. Raises RecordInvalid naming the record."""
        media_type = record.media_type.split(";")[0].strip().lower()
        if media_type not in self._media_types:
            raise RecordInvalid(
                f"record {record.remote_id!r} of source {record.source_id!r}: reader {self.reader.name!r} "
                f"cannot read {media_type!r} (reads {', '.join(sorted(self._media_types))})",
                remote_id=record.remote_id, code="MAP-READ")
        return self.reader.read(record, self.reader_options)

    def map_record(self, record: SourceRecord, ctx: MappingContext) -> MappingResult:
        """``read`` then ``map``; a record that cannot be parsed gives dataset None and a MAP-READ error."""
        try:
            doc = self.read(record)
        except RecordInvalid as exc:
            return MappingResult(None, [Issue(Severity.ERROR, "MAP-READ", exc.message, stage=Stage.READ,
                                              remote_id=ctx.remote_id, location=record.url)])
        return self.map(doc, ctx)

    def map(self, doc: Document, ctx: MappingContext) -> MappingResult:
        """Map one document. Pure and deterministic."""
        run = _Run(ctx)
        scope: dict[str, list[Any]] = {}
        for name, prog in self.lets:
            scope[name] = prog.run(doc, run, scope, name, None)
        lets = dict(scope)
        kwargs: dict[str, Any] = {}
        for name, prog in self.fields:
            if isinstance(prog, _ValueProg):
                values = prog.run(doc, run, scope, name, None)
                scope[name] = values
                if values:
                    kwargs[name] = tuple(values) if prog.kind == "texts" else values[0]
                continue
            kind = DATASET_KINDS[name]
            objects: list[Any] = []
            buffers: list[Issue] = []
            for alt in prog:
                buffer: list[Issue] = []
                objects = alt.run(doc, run, name, buffer, lets)
                buffers = buffer if objects else buffers + buffer
                if objects:
                    break
            run.issues.extend(buffers)
            if objects:
                kwargs[name] = objects[0] if kind == "one" else tuple(objects)
        extras = []
        for key, prog in self.extras:
            values = prog.run(doc, run, scope, f"extras.{key}", None)
            if values:  # one value as text; several as a JSON list (CKAN extras are strings)
                extras.append((key, values[0] if len(values) == 1 else json.dumps(values, ensure_ascii=False)))
        if extras:
            kwargs["extras"] = tuple(extras)
        missing = [n for n in ("identifier", "title") if not kwargs.get(n)]
        for name in missing:
            if not any(i.code == "MAP-REQUIRED" and i.field == name for i in run.issues):
                run.issue(Severity.ERROR, "MAP-REQUIRED", f"no value for {name!r}: the record cannot be mapped",
                          name, None)
        if missing:
            # Whatever severity the mapping gave them, missing identity fields block the record.
            issues = [Issue(Severity.ERROR, i.code, i.message, field=i.field, stage=i.stage, remote_id=i.remote_id,
                            location=i.location)
                      if i.code == "MAP-REQUIRED" and i.field in missing else i for i in run.issues]
            return MappingResult(None, issues)
        if kwargs.get("type") not in (None, "dataset", "series"):
            run.issue(Severity.WARNING, "MAP-TYPE", f"type {kwargs['type']!r} is not 'dataset' or 'series'",
                      "type", None)
            del kwargs["type"]
        return MappingResult(Dataset(**kwargs), run.issues)
