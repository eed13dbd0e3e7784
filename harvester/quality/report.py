"""The quality report: one JSON-able structure that every renderer (JSON, CSV, HTML) reads.

``build_report(store, config, organisation=None)`` collects the current datasets with their newest
scores (``aggregate.collect``), aggregates them per city, organisation, kecamatan, kelurahan and
source, and adds each scope's trend (the stored snapshots). With ``organisation`` (an OPD id,
name or alias) the report covers that organisation's datasets only, plus the city summary for
comparison. The structure is documented in docs/quality.md ("Report format").

Failure behaviour: an unknown ``organisation`` raises ``UnknownOrganisation`` (a ValueError naming
the known ids); database errors propagate.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timezone
from typing import Any, Optional

from harvester.mapping.codelists import CodeLists
from harvester.quality import history
from harvester.quality.aggregate import SCOPE_KINDS, Aggregate, ScoredDataset, aggregate, collect
from harvester.quality.checks import DIMENSIONS
from harvester.quality.checks_dcat import ALL_CHECKS, CHECKS_BY_ID
from harvester.quality.scoring import BANDS, EPSS_BANDS, SCORING_VERSION, mean, percent_to_epss
from harvester.validate.rules_agents import name_key

#: Report list keys of the scope kinds (``city`` is a single object).
LIST_KEYS = {"organisation": "organisations", "kecamatan": "kecamatan", "kelurahan": "kelurahan",
             "source": "sources"}


class UnknownOrganisation(ValueError):
    def __init__(self, wanted: str, known: Sequence[str]) -> None:
        super().__init__(f"unknown organisation {wanted!r}; known: {', '.join(known) or '(none)'}")
        self.wanted, self.known = wanted, list(known)


@dataclass(frozen=True)
class Report:
    """A built report; ``data`` is the JSON structure (plain dicts, lists, numbers, strings)."""

    data: dict[str, Any]

    @property
    def organisations(self) -> list[dict[str, Any]]:
        return list(self.data["organisations"])

    def organisation(self, org_id: str) -> Optional[dict[str, Any]]:
        return next((o for o in self.data["organisations"] if o["id"] == org_id), None)


def _iso(value: Optional[datetime]) -> Optional[str]:
    return value.astimezone(timezone.utc).isoformat(timespec="seconds") if value else None


def _dataset(entry: ScoredDataset) -> dict[str, Any]:
    failed = []
    for result in entry.score.failed:
        check = CHECKS_BY_ID.get(result.check)
        failed.append({"check": result.check, "label_id": check.label_id if check else result.check,
                       "points": result.points, "max": result.max_points,
                       "hints": [h.as_dict() for h in result.hints]})
    return {"source_id": entry.source_id, "remote_id": entry.remote_id, "title": entry.title, "uri": entry.uri,
            "organisation": entry.organisation.id, "score": entry.score.score, "band": entry.score.band,
            "epss": entry.score.epss, "points": entry.score.points, "max_points": entry.score.max_points,
            "computed_at": _iso(entry.computed_at), "job_id": entry.job_id,
            "regions": [r.id for r in entry.regions], "failed": failed}


def _scope(agg: Aggregate, trend: list[history.TrendPoint], *, with_datasets: bool) -> dict[str, Any]:
    failing = agg.failing()
    lost = agg.points_lost()
    failed_checks = sorted((c for c in ALL_CHECKS if failing.get(c.id)), key=lambda c: (-lost[c.id], -failing[c.id]))
    hints = [{"check": c.id, "datasets": failing[c.id], "points_lost": lost[c.id], "label_id": c.label_id,
              "hint_id": c.hint_id, "hint_en": c.hint_en} for c in failed_checks]
    fields = sorted(agg.fields().items(), key=lambda kv: (-kv[1], kv[0]))
    dims: dict[str, Optional[float]] = {}
    for dim in DIMENSIONS:
        dims[dim.id] = mean(v for v in (m.score.dimension_score(dim.id) for m in agg.members) if v is not None)
    out: dict[str, Any] = {
        "kind": agg.scope.kind, "id": agg.scope.id, "label": agg.scope.label, "registered": agg.scope.registered,
        "datasets": agg.datasets, "score": agg.score, "band": agg.band,
        "epss": percent_to_epss(agg.score) if agg.score is not None else None,
        "failing": {c.id: failing.get(c.id, 0) for c in ALL_CHECKS},
        "hints": hints, "worst_fields": [{"field": f, "datasets": n} for f, n in fields],
        "dimensions": dims,
        "trend": [{"computed_at": _iso(p.computed_at), "score": p.score, "band": p.band, "datasets": p.datasets}
                  for p in trend],
    }
    if with_datasets:
        members = sorted(agg.members, key=lambda m: (m.score.score, m.title.casefold(), m.remote_id))
        out["dataset_list"] = [_dataset(m) for m in members]
    return out


def _match_org(wanted: str, aggregates: list[Aggregate], config: Any) -> str:
    """The organisation id ``wanted`` names (id, name or alias, tolerant matching)."""
    key = name_key(wanted)
    for org in config.settings.pemda.organisations:
        if wanted == org.id or key in {name_key(v) for v in (org.id, org.name, *org.aliases)}:
            return str(org.id)
    for agg in aggregates:
        if wanted == agg.scope.id or key == name_key(agg.scope.label):
            return agg.scope.id
    raise UnknownOrganisation(wanted, [a.scope.id for a in aggregates])


def _meta(config: Any, now: datetime, organisation: Optional[str]) -> dict[str, Any]:
    pemda = config.settings.pemda
    return {
        "title": "Laporan Kualitas Metadata dan Kepatuhan Satu Data",
        "title_en": "Metadata quality and Satu Data compliance report",
        "pemda": {"kode": pemda.kode, "nama": pemda.nama, "walidata": pemda.walidata.name},
        "generated_at": _iso(now), "scoring_version": SCORING_VERSION, "organisation_filter": organisation,
        "bands": [{"band": name, "min_score": lo, "epss_min": epss}
                  for (lo, name), (epss, _) in zip(BANDS, EPSS_BANDS)],
        "dimensions": [{"id": d.id, "group": d.group, "label_id": d.label_id, "label_en": d.label_en,
                        "reference": d.reference} for d in DIMENSIONS],
        "checks": [{"id": c.id, "dimension": c.dimension, "weight": c.weight, "rule": c.rule, "label_id": c.label_id,
                    "label_en": c.label_en, "hint_id": c.hint_id, "hint_en": c.hint_en} for c in ALL_CHECKS],
    }


def build_report(store: Any, config: Any, *, organisation: Optional[str] = None,
                 codelists: Optional[CodeLists] = None, today: Optional[date] = None,
                 now: Optional[datetime] = None) -> Report:
    """Build the report (see the module docstring). ``today`` is the date for datasets scored now
    (rule V13), ``now`` the report's ``generated_at`` (default: the current time)."""
    codelists = codelists or CodeLists.load()
    now = now or datetime.now(timezone.utc)
    entries = collect(store, config, codelists=codelists, today=today)
    everything = aggregate(entries, config, codelists)
    trends = history.trends(store)
    data = _meta(config, now, organisation)
    data["city"] = _scope(everything["city"][0], trends.get(("city", everything["city"][0].scope.id), []),
                          with_datasets=False)
    chosen = everything
    if organisation is not None:
        org_id = _match_org(organisation, everything["organisation"], config)
        data["organisation_filter"] = org_id
        chosen = aggregate([e for e in entries if e.organisation.id == org_id], config, codelists)
        chosen["organisation"] = [a for a in chosen["organisation"] if a.scope.id == org_id]
    for kind in SCOPE_KINDS[1:]:
        # Stored trends cover all of a scope's datasets: not comparable with a filtered aggregate.
        comparable = organisation is None or kind == "organisation"
        data[LIST_KEYS[kind]] = [_scope(a, trends.get((kind, a.scope.id), []) if comparable else [],
                                        with_datasets=kind == "organisation") for a in chosen[kind]]
    return Report(data)
