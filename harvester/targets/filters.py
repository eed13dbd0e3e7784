"""Which records go to which target (the target file's ``filters``; ARCHITECTURE.md §7, spec §10.8, V14).

Checks, in order (the first failing one is the reason given):

* ``sources``: the record's source is listed (empty list = every source);
* access level (``akses`` code list, attribute ``push``): ``none`` (TERTUTUP) never leaves the city,
  whatever the target file says; other levels go only where ``filters.access`` lists them;
  ``metadata`` (TERBATAS) goes beyond the city as metadata only — no resources;
  a dataset without a recognisable access level goes nowhere (it cannot be classified safely);
* ``organisations``: the dataset's OPD is listed (empty = all);
* ``themes``: one of the dataset's themes, bidang urusan or topik codes is listed (empty = all);
* ``require_valid``: the dataset has no error-level SDI issue (re-validated here, so a record fixed
  at the source is accepted at once, and stale issues of old jobs do not count).

Pure; no I/O.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Optional

from harvester.model.dataset import Dataset
from harvester.profiles.base import Codes
from harvester.validate.sdi_rules import SdiPolicy, validate_sdi

CITY = "city"


@dataclass(frozen=True)
class FilterDecision:
    accepted: bool
    reason: str = ""
    metadata_only: bool = False


class TargetFilter:
    """The filter of one target (see the module docstring)."""

    def __init__(self, target_cfg: Any, codelists: Any, policy: Optional[SdiPolicy]) -> None:
        self.cfg = target_cfg.filters
        self.level = target_cfg.level
        self.codelists = codelists
        self.codes = Codes(codelists)
        self.policy = policy
        self.access = {self.codes.code("akses", a) or a for a in self.cfg.access}

    def check(self, *, source_id: str, dataset: Dataset, opd: Optional[str]) -> FilterDecision:
        """Accept or refuse ``dataset`` for this target, with the reason of a refusal."""
        cfg = self.cfg
        if cfg.sources and source_id not in cfg.sources:
            return FilterDecision(False, f"source {source_id} is not in filters.sources")
        access = self.access_decision(dataset.access_rights)
        if not access.accepted:
            return access
        if cfg.organisations and opd not in cfg.organisations:
            return FilterDecision(False, f"organisation {opd or '(unknown)'} is not in filters.organisations")
        if cfg.themes:
            values = set(dataset.themes) | set(dataset.bidang_urusan) | set(dataset.topik)
            if not values & set(cfg.themes):
                return FilterDecision(False, "no theme of the dataset is in filters.themes")
        if cfg.require_valid and self.policy is not None:
            errors = [i for i in validate_sdi(dataset, self.policy, self.codelists) if i.blocking]
            if errors:
                codes = ", ".join(sorted({i.code for i in errors}))
                return FilterDecision(False, f"{len(errors)} error-level SDI issue(s) ({codes}); "
                                             "filters.require_valid is on")
        return access

    def access_decision(self, access_rights: Optional[str]) -> FilterDecision:
        """The access-level part of ``check`` (also used on stored rows without parsing the dataset)."""
        entry = self.codes.entry("akses", access_rights)
        if entry is None:
            return FilterDecision(False, f"access level {access_rights!r} is missing or unknown")
        push = entry.attrs.get("push", "all")
        if self.level != CITY and push == "none":
            return FilterDecision(False, f"{entry.code} data never leaves the city portal")
        if entry.code not in self.access:
            return FilterDecision(False, f"access level {entry.code} is not in filters.access")
        return FilterDecision(True, metadata_only=self.level != CITY and push == "metadata")
