"""Canonical model: datasets, source records and issues."""

from harvester.model.canonical import canonical_json, from_dict, stable_hash, to_dict
from harvester.model.dataset import (
    Agent,
    ContactPoint,
    Dataset,
    Distribution,
    Location,
    PeriodOfTime,
    Variable,
)
from harvester.model.issues import Issue, Severity, Stage
from harvester.model.record import TABLE_ROW_MEDIA_TYPE, RemoteRef, SourceRecord

__all__ = [
    "Agent", "ContactPoint", "Dataset", "Distribution", "Location", "PeriodOfTime", "Variable",
    "Issue", "Severity", "Stage", "RemoteRef", "SourceRecord", "TABLE_ROW_MEDIA_TYPE",
    "canonical_json", "from_dict", "stable_hash", "to_dict",
]
