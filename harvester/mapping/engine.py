"""The mapping engine: a validated ``MappingSpec`` applied to a reader ``Document`` -> canonical ``Dataset``.

Rules are compiled once (``MappingEngine.__init__``, see ``harvester.mapping.rules`` and
``harvester.mapping.blocks``): paths bound to the reader's selector functions, transforms bound into
one chain, code lists resolved and their lookups memoised, templates split, and each rule given the
cheapest strategy that gives the general result. Rules whose paths cannot match a document (its
guard keys) are not run (``blocks.Plans``). ``map`` is pure and deterministic: no I/O, no clock; the
same document, context and mapping always give the same result (the memo caches only ever return
what computing would give).

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
import sys
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Mapping

from harvester import registry
from harvester.errors import ConfigError, RecordInvalid
from harvester.mapping.blocks import DEAD, EMPTY, BlockProg, Plans, placeholders
from harvester.mapping.rules import Binder, Run, ValueProg, ordered, run_guarded
from harvester.mapping.spec import DATASET_KINDS, MappingSpec, ValueRule
from harvester.model.builders import builder
from harvester.model.dataset import Dataset
from harvester.model.issues import Issue, Severity, Stage
from harvester.model.record import SourceRecord
from harvester.readers.base import Document

if TYPE_CHECKING:  # the code-list module is another engineer's; only its interface is used here
    from harvester.mapping.codelists import CodeLists


#: ``Dataset(**kwargs)``, faster (the generated ``__init__`` of a frozen dataclass is slow).
_build_dataset = builder(Dataset)


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


class MappingEngine:
    """Applies one resolved mapping. Build once per job; ``map`` may be called for every record."""

    def __init__(self, spec: MappingSpec, codelists: "CodeLists") -> None:
        self.spec = spec
        self.hash: str = spec.content_hash()
        where = spec.files[0] if spec.files else None
        self.reader_options = spec.reader.options()
        try:
            self.reader = registry.readers.get(spec.reader.name)()
            binder = Binder(self.reader, self.reader_options, codelists)
            self._keys_of = binder.keys_of
            self.lets = [(k, ValueProg(k, "texts", r, binder)) for k, r in spec.let.items()]
            #: (name, value rule) or (name, [block alternatives]); rules with templates come last.
            self.fields: list[tuple[str, ValueProg | list[BlockProg]]] = []
            for name, rule in ordered(spec.fields):
                name = sys.intern(name)  # Dataset(**kwargs) matches interned keyword names fastest
                if isinstance(rule, ValueRule):
                    self.fields.append((name, ValueProg(name, DATASET_KINDS[name], rule, binder)))
                else:
                    alternatives = rule if isinstance(rule, list) else [rule]
                    self.fields.append((name, [BlockProg(name, alt, binder) for alt in alternatives]))
            self.extras = [(k, ValueProg(k, "texts", r, binder)) for k, r in spec.extras.items()]
            self._plans = Plans(self.fields, placeholders(self.lets + self.fields + self.extras))
        except ConfigError as exc:
            raise ConfigError(exc.reason, file=exc.file or where, key=exc.key, line=exc.line) from None
        self._serial = 0  # records mapped: the clock of the rules' memos
        self._media_types = set(self.reader.media_types)
        self._many = {name: DATASET_KINDS[name] == "many" for name, prog in self.fields if isinstance(prog, list)}

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
        self._serial += 1
        run = Run(ctx, self._serial)
        keys_of = self._keys_of
        # The document's guard keys: a rule none of whose paths can find anything is not run (rules.py).
        present = keys_of(doc) if keys_of is not None else None
        scope: dict[str, list[Any]] = {}
        for name, prog in self.lets:
            scope[name] = run_guarded(prog, doc, present, run, scope, None, None)
        lets = dict(scope)
        kwargs: dict[str, Any] = {}
        for name, rule, how in self._plans.get(present):
            if not how:  # RUN, the usual case
                values = rule.run(doc, run, scope, None, None)
            elif how == DEAD:
                values = rule.dead(doc, run, scope, None, None)
            elif how == EMPTY:  # a rule left out whose (empty) value a template reads
                values = []
            else:  # BLOCK: the alternatives in order, until one gives objects
                objects: list[Any] = []
                buffers: list[Issue] = []
                for alt in rule:
                    buffer: list[Issue] = []
                    objects = alt.run(doc, run, name, buffer, lets, present)
                    buffers = buffer if objects else buffers + buffer
                    if objects:
                        break
                run.issues.extend(buffers)
                if objects:
                    kwargs[name] = tuple(objects) if self._many[name] else objects[0]
                continue
            scope[name] = values
            if values:
                kwargs[name] = tuple(values) if rule.as_tuple else values[0]
        extras = []
        for key, prog in self.extras:
            values = run_guarded(prog, doc, present, run, scope, "extras", None)
            if values:  # one value as text; several as a JSON list (CKAN extras are strings)
                extras.append((key, values[0] if len(values) == 1 else json.dumps(values, ensure_ascii=False)))
        if extras:
            kwargs["extras"] = tuple(extras)
        return self._finish(kwargs, run)

    @staticmethod
    def _finish(kwargs: dict[str, Any], run: Run) -> MappingResult:
        """The Dataset, unless identifier or title is missing (then None and error-level issues)."""
        missing = [] if kwargs.get("identifier") and kwargs.get("title") else \
            [n for n in ("identifier", "title") if not kwargs.get(n)]
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
        return MappingResult(_build_dataset(**kwargs), run.issues)
