"""Aggregates of dataset scores per city, organisation (OPD), kecamatan, kelurahan and source.

Attribution (``Attribution``):

* **organisation**: the dataset's produsen data (``creator``) when it matches a registered OPD of
  ``pemda.organisations`` (name, aliases, id or URI; the tolerant matching of rule V03); else the
  source's configured ``organisation``; else the creator's own name as an *unregistered* producer;
  else "tanpa produsen data".
* **kecamatan / kelurahan**: from the dataset's coverage codes (``spatial[].code``) within the pemda:
  a kelurahan/desa code (``35.72.01.1001``) counts for that kelurahan and its kecamatan, a
  kecamatan code (``35.72.01``) for the kecamatan. City-wide data (``35.72``) belongs to no
  kecamatan. A dataset covering several places counts once in each.
* **source** and **city**: every dataset.

An aggregate's score is the arithmetic mean of its datasets' scores (each dataset weighs the same),
rounded half up to one decimal, with the band of that mean. Registered OPD and configured sources
without datasets appear with ``score`` None, so a walidata sees who publishes nothing.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Optional

from harvester.mapping.codelists import CodeLists, normalize_key
from harvester.model.canonical import from_dict
from harvester.model.dataset import Agent, Dataset
from harvester.pipeline import assembly
from harvester.quality import history
from harvester.quality.scoring import SCORING_VERSION, DatasetScore, QualityScorer, band_for, mean
from harvester.validate.rules_agents import agent_matches

log = logging.getLogger(__name__)

SCOPE_KINDS: tuple[str, ...] = ("city", "organisation", "kecamatan", "kelurahan", "source")
NO_PRODUCER = "tanpa-produsen"
UNREGISTERED_PREFIX = "lain:"


@dataclass(frozen=True)
class Scope:
    kind: str
    id: str
    label: str
    registered: bool = True


@dataclass(frozen=True)
class ScoredDataset:
    """One current dataset with its score and where it counts."""

    source_id: str
    remote_id: str
    title: str
    uri: Optional[str]
    organisation: Scope
    regions: tuple[Scope, ...]
    score: DatasetScore
    computed_at: Optional[datetime]  # None: computed for this report (no stored score)
    job_id: Optional[int]


@dataclass
class Aggregate:
    """Scores of the datasets of one scope."""

    scope: Scope
    members: list[ScoredDataset] = field(default_factory=list)

    @property
    def datasets(self) -> int:
        return len(self.members)

    @property
    def score(self) -> Optional[float]:
        return mean(m.score.score for m in self.members)

    @property
    def band(self) -> Optional[str]:
        return band_for(self.score)

    def failing(self) -> dict[str, int]:
        """Check id -> number of datasets that lost points on it."""
        out: dict[str, int] = {}
        for m in self.members:
            for r in m.score.failed:
                out[r.check] = out.get(r.check, 0) + 1
        return out

    def points_lost(self) -> dict[str, float]:
        """Check id -> points lost over all datasets (what fixing it everywhere would gain)."""
        out: dict[str, float] = {}
        for m in self.members:
            for r in m.score.failed:
                out[r.check] = round(out.get(r.check, 0.0) + r.max_points - (r.points or 0.0), 2)
        return out

    def fields(self) -> dict[str, int]:
        """Field -> number of datasets with a hint on it (the "worst fields")."""
        out: dict[str, int] = {}
        for m in self.members:
            seen = {h.field for r in m.score.failed for h in r.hints if h.field}
            for name in seen:
                out[name] = out.get(name, 0) + 1
        return out


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", normalize_key(text)).strip("-") or "x"


class Attribution:
    """Decides the organisation and regions a dataset counts for (see the module docstring)."""

    def __init__(self, config: Any, codelists: CodeLists) -> None:
        pemda = config.settings.pemda
        self.organisations = list(pemda.organisations)
        self.kode_pemda: Optional[str] = pemda.kode
        self.city = Scope("city", pemda.kode or "pemda", pemda.nama)
        self.source_org = {sid: cfg.organisation.id for sid, cfg in config.sources.items()
                           if getattr(cfg, "organisation", None) is not None}
        self.wilayah = codelists["wilayah"]
        self._names = {o.id: [v for v in (o.name, *o.aliases, o.id, getattr(o, "uri", None)) if v]
                       for o in self.organisations}
        self._memo: dict[tuple[str, Optional[Agent]], Scope] = {}

    def org_scope(self, org_id: str) -> Scope:
        org = next((o for o in self.organisations if o.id == org_id), None)
        return Scope("organisation", org_id, org.name if org else org_id, org is not None)

    def organisation(self, source_id: str, creator: Optional[Agent]) -> Scope:
        """The organisation scope of a dataset of ``source_id`` produced by ``creator`` (memoised:
        the same few producer names repeat over thousands of datasets)."""
        creator = creator if isinstance(creator, Agent) else None
        key = (source_id, creator)
        found = self._memo.get(key)
        if found is None:
            found = self._memo[key] = self._organisation(source_id, creator)
        return found

    def _organisation(self, source_id: str, creator: Optional[Agent]) -> Scope:
        if creator is not None:
            for org in self.organisations:
                if agent_matches(creator, self._names[org.id]):
                    return self.org_scope(org.id)
        if source_id in self.source_org:
            return self.org_scope(self.source_org[source_id])
        if creator is not None and isinstance(creator.name, str) and creator.name.strip():
            return Scope("organisation", UNREGISTERED_PREFIX + _slug(creator.name), creator.name.strip(), False)
        return Scope("organisation", NO_PRODUCER, "(tanpa produsen data)", False)

    def regions(self, codes: Iterable[Any]) -> tuple[Scope, ...]:
        """Kecamatan and kelurahan scopes of a dataset's coverage codes (``Dataset.cakupan``)."""
        found: dict[tuple[str, str], Scope] = {}
        for code in codes:
            if not isinstance(code, str):
                continue
            if self.kode_pemda and not code.startswith(self.kode_pemda + "."):
                continue
            entry = self.wilayah.get(code)
            level = entry.attrs.get("level") if entry else None
            if entry is not None and level in ("kelurahan", "desa"):
                found[("kelurahan", code)] = Scope("kelurahan", code, entry.label)
                parent = self.wilayah.get(str(entry.attrs.get("parent") or ""))
                if parent is not None:
                    found[("kecamatan", parent.code)] = Scope("kecamatan", parent.code, parent.label)
            elif entry is not None and level == "kecamatan":
                found[("kecamatan", code)] = Scope("kecamatan", code, entry.label)
        return tuple(sorted(found.values(), key=lambda s: (s.kind, s.id)))


def source_ids(store: Any, config: Any) -> list[str]:
    """Configured sources first (config order), then other sources known to the store."""
    ids = list(config.sources)
    ids += [s.id for s in store.list_sources() if s.id not in config.sources]
    return ids


def current_records(store: Any, source_id: str) -> Iterator[tuple[Any, dict[str, Any]]]:
    """(RecordRow, parsed dataset JSON) of every current record of a source with a mapped dataset;
    records whose stored JSON cannot be read are logged and skipped."""
    for rec in store.iter_records(source_id, status="current"):
        if not rec.dataset_json:
            continue
        try:
            data = json.loads(rec.dataset_json)
        except ValueError as exc:
            log.warning("quality: cannot read dataset %s/%s: %s", source_id, rec.remote_id, exc)
            continue
        if isinstance(data, dict):
            yield rec, data


def _dataset(source_id: str, rec: Any, data: dict[str, Any]) -> Optional[Dataset]:
    try:
        return from_dict(data)
    except (ValueError, TypeError) as exc:
        log.warning("quality: cannot read dataset %s/%s: %s", source_id, rec.remote_id, exc)
        return None


def current_datasets(store: Any, source_id: str) -> Iterator[tuple[Any, Dataset]]:
    """(RecordRow, Dataset) of every readable current record of a source."""
    for rec, data in current_records(store, source_id):
        dataset = _dataset(source_id, rec, data)
        if dataset is not None:
            yield rec, dataset


def _creator(data: dict[str, Any]) -> Optional[Agent]:
    value = data.get("creator")
    try:
        return Agent(**value) if isinstance(value, dict) else None
    except TypeError:
        return None


def _codes(data: dict[str, Any]) -> list[Any]:
    return [loc.get("code") for loc in data.get("spatial") or () if isinstance(loc, dict)]


def collect(store: Any, config: Any, *, codelists: Optional[CodeLists] = None, today: Optional[date] = None,
            scorer: Optional[QualityScorer] = None) -> list[ScoredDataset]:
    """Every current dataset of the store with its newest stored score.

    A dataset without a stored score of the current scoring version, or changed after its score was
    stored, is scored now (``computed_at`` None). Records whose stored JSON cannot be read are
    logged and left out. Only datasets scored now are fully rebuilt from JSON (the expensive part).
    """
    codelists = codelists or CodeLists.load()
    attribution = Attribution(config, codelists)
    latest = history.latest_scores(store)
    out: list[ScoredDataset] = []
    for sid in source_ids(store, config):
        for rec, data in current_records(store, sid):
            stored = latest.get((sid, rec.remote_id))
            if stored is not None and stored.score.version == SCORING_VERSION and (
                    rec.updated_at is None or stored.computed_at >= rec.updated_at):
                score, when, job = stored.score, stored.computed_at, stored.job_id
            else:
                dataset = _dataset(sid, rec, data)
                if dataset is None:
                    continue
                if scorer is None:
                    scorer = QualityScorer(codelists, assembly.sdi_policy(config.settings, today=today))
                score, when, job = scorer.score(dataset), None, None
            title = data.get("title")
            title = title if isinstance(title, str) and title.strip() else str(rec.remote_id)
            out.append(ScoredDataset(sid, rec.remote_id, title, data.get("uri") or rec.stable_uri,
                                     attribution.organisation(sid, _creator(data)),
                                     attribution.regions(_codes(data)), score, when, job))
    return out


def aggregate(entries: Sequence[ScoredDataset], config: Any, codelists: Optional[CodeLists] = None
              ) -> dict[str, list[Aggregate]]:
    """Aggregates per scope kind (``SCOPE_KINDS``), each list ordered for display: the city; registered
    OPD in config order then other producers by name; kecamatan/kelurahan by code; sources by id."""
    attribution = Attribution(config, codelists or CodeLists.load())
    city = Aggregate(attribution.city, list(entries))
    groups: dict[tuple[str, str], Aggregate] = {}
    for org in attribution.organisations:
        groups[("organisation", org.id)] = Aggregate(attribution.org_scope(org.id))
    for sid in config.sources:
        groups[("source", sid)] = Aggregate(Scope("source", sid, sid))
    for entry in entries:
        scopes = [entry.organisation, Scope("source", entry.source_id, entry.source_id), *entry.regions]
        for scope in scopes:
            groups.setdefault((scope.kind, scope.id), Aggregate(scope)).members.append(entry)
    order = {o.id: i for i, o in enumerate(attribution.organisations)}
    out: dict[str, list[Aggregate]] = {"city": [city]}
    for kind in SCOPE_KINDS[1:]:
        items = [a for (k, _), a in groups.items() if k == kind]
        if kind == "organisation":
            items.sort(key=lambda a: (order.get(a.scope.id, len(order)), a.scope.label.casefold()))
        else:
            items.sort(key=lambda a: a.scope.id)
        out[kind] = items
    return out


def snapshot_rows(aggregates: dict[str, list[Aggregate]]) -> Iterable[tuple[str, str, Optional[float], Optional[str], int]]:
    for kind in SCOPE_KINDS:
        for agg in aggregates.get(kind, ()):
            yield (kind, agg.scope.id, agg.score, agg.band, agg.datasets)


def snapshot(store: Any, config: Any, *, when: datetime, codelists: Optional[CodeLists] = None,
             today: Optional[date] = None) -> int:
    """Store a trend point for every scope whose score or dataset count changed since its last
    snapshot (unchanged scopes add nothing, so the trend tables grow with changes, not with jobs).
    Returns the number of rows written."""
    codelists = codelists or CodeLists.load()
    aggregates = aggregate(collect(store, config, codelists=codelists, today=today), config, codelists)
    previous = history.latest_aggregates(store)
    rows = []
    for kind, scope_id, score, band, count in snapshot_rows(aggregates):
        last = previous.get((kind, scope_id))
        if last is None or last.score != score or last.datasets != count:
            rows.append((kind, scope_id, score, band, count))
    return history.save_aggregates(store, when, rows)
