"""The per-record work of a harvest between fetch and store: map → identity → SDI validation → hash,
canonical JSON and quality score.

``RecordProcessor.process`` is pure (no store, no network, no clock beyond the policy's ``today``):
the same record and recipe always give the same ``Processed``. That is what lets the runner run it
in worker processes (``harvester.pipeline.map_pool``) as well as in its own; ``Processed`` holds only
plain values (no ``Dataset`` object), so it is cheap to send back between processes.

A ``ProcessRecipe`` is the picklable description a worker builds its processor from: the resolved
``MappingSpec`` (not its path: an admin editing the file mid-job must not split a job between two
mappings), the code-list directory and the per-source values. Failure behaviour: a record that
cannot be read or mapped gives ``Processed(status="invalid")`` with the mapping's issues; nothing
raises for bad records. A broken recipe (mapping no longer compiles) raises ConfigError.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional

from harvester.mapping.codelists import CodeLists
from harvester.mapping.engine import MappingContext, MappingEngine
from harvester.mapping.spec import MappingSpec
from harvester.model.canonical import json_and_hash
from harvester.model.issues import Issue
from harvester.model.record import SourceRecord
from harvester.pipeline.identity import assign_identity
from harvester.validate.sdi_rules import SdiPolicy, validate_sdi


@dataclass(frozen=True)
class ProcessRecipe:
    """What building a ``RecordProcessor`` needs; picklable (sent once to every worker process)."""

    spec: MappingSpec
    codelists_dir: str
    base_uri: str
    source_id: str
    variables: dict[str, Any] = field(default_factory=dict)
    policy: Optional[SdiPolicy] = None  # None: map only (no validation, no score)
    score: bool = True

    def build(self, codelists: CodeLists | None = None, engine: MappingEngine | None = None) -> "RecordProcessor":
        """The processor. ``codelists`` / ``engine``: already loaded ones to reuse (in-process use)."""
        codelists = codelists or CodeLists.load(Path(self.codelists_dir))
        return RecordProcessor(self, engine or MappingEngine(self.spec, codelists), codelists)


@dataclass
class Processed:
    """The outcome of processing one record: what the runner stores, nothing it must recompute."""

    remote_id: str
    status: str  # "current" (publishable) or "invalid" (no dataset, or a blocking mapping issue)
    issues: list[Issue]
    mapped_hash: Optional[str] = None
    dataset_json: Optional[str] = None
    stable_uri: Optional[str] = None
    title: Optional[str] = None
    access_rights: Optional[str] = None
    organisation: Optional[str] = None
    kode_pemda: Optional[str] = None
    modified: Optional[str] = None
    score: Any = None  # quality.DatasetScore of a current record when the recipe scores


class RecordProcessor:
    """Applies one recipe to records; build once per job (or once per worker process)."""

    def __init__(self, recipe: ProcessRecipe, engine: MappingEngine, codelists: CodeLists) -> None:
        self.recipe, self.engine, self.codelists = recipe, engine, codelists
        self._scorer: Any = None
        if recipe.policy is not None and recipe.score:
            from harvester.quality import QualityScorer  # the quality package imports the store: load lazily

            self._scorer = QualityScorer(codelists, recipe.policy)

    def process(self, record: SourceRecord) -> Processed:
        """Map, validate and summarise ``record`` (see module docstring). Never raises for bad records."""
        recipe = self.recipe
        ctx = MappingContext(recipe.source_id, record.remote_id, recipe.variables)
        result = self.engine.map_record(record, ctx)
        issues = list(result.issues)
        dataset = result.dataset
        if dataset is not None:
            dataset = assign_identity(dataset, base_uri=recipe.base_uri, source_id=recipe.source_id,
                                      remote_id=record.remote_id)
            if recipe.policy is not None:
                issues.extend(validate_sdi(dataset, recipe.policy, self.codelists))
        if dataset is None:
            return Processed(record.remote_id, "invalid", issues)
        agent = dataset.creator or dataset.publisher
        summary = dict(stable_uri=dataset.uri, title=dataset.title, access_rights=dataset.access_rights,
                       organisation=(agent.identifier or agent.name) if agent else None,
                       kode_pemda=dataset.kode_pemda, modified=dataset.modified)
        if any(i.blocking for i in result.issues):  # mapped, but not publishable: kept as invalid
            return Processed(record.remote_id, "invalid", issues, **summary)
        dataset_json, mapped_hash = json_and_hash(dataset)
        return Processed(record.remote_id, "current", issues, mapped_hash=mapped_hash, dataset_json=dataset_json,
                         **summary,
                         score=self._scorer.score(dataset, issues) if self._scorer is not None else None)
