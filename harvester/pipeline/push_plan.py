"""Push planning: for every (record, target) decide what to do, from the store alone (ARCHITECTURE.md §5-§7).

``plan_record`` is the decision table; ``build_plan`` runs it over the records of some sources and
every configured target; ``describe_plan`` prints it (``harvester harvest --dry-run``). Nothing here
talks to a portal or writes to the store.

The ``record_target`` row of a (record, target) pair keeps ``pushed_hash``: the *desired hash* of
the version last settled there — a digest of the record's ``mapped_hash``, the target's rendering
configuration (level, profile, filters, organisations; see ``target_fingerprint``) and the
source's declared OPD. So a record is skipped when neither it nor the target's configuration
changed, and a configuration change re-pushes what it affects. The naming rule is not part of it:
a published dataset keeps its name forever. Meaning of ``pushed_hash`` per status: pushed — the
version on the portal; conflict — the version held back; skipped — the version judged (filtered
out or a duplicate); withdrawn — the version judged when a filter removed it, None after a
deletion at the source.

Decision table (first match):

* record deleted at the source and live on the target → withdraw once ``deleted_at`` +
  ``deletion.grace_days`` has passed (else wait); withdrawn and ``deletion.purge`` on → purge one
  more grace period later;
* record invalid (no mapped dataset) → nothing: the portal keeps the last good version;
* pushed with the same desired hash → unchanged; conflict with the same hash → conflict persists
  (unless ``conflict.overwrite_manual_edits``); skipped with the same hash → skip / duplicate;
* failed or pending before its ``next_attempt_at`` → wait, unless the record changed since;
* otherwise the filters decide: refused and live on the target → withdraw now (e.g. the access
  level became TERTUTUP); refused → skip; accepted → create (first push; the executor adopts a
  dataset the portal already has), update, or restore (withdrawn earlier).
"""

from __future__ import annotations

import dataclasses
import enum
import hashlib
import json
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Iterable, Optional

from harvester.model.canonical import from_dict
from harvester.model.dataset import Dataset
from harvester.store import RecordRow, RecordTargetRow
from harvester.targets.base import Organisation
from harvester.targets.filters import TargetFilter
from harvester.targets.naming import NameMaker
from harvester.targets.organisations import OpdResolver, OrganisationMapper

#: Bump when the package a target writes changes for the same record and configuration.
PUSH_FORMAT = 1
LIVE = ("pushed", "failed", "pending", "conflict")  # statuses that may have a dataset on the portal
DESCRIBE_LIMIT = 50  # lines per step and target in ``describe_plan``


class Step(str, enum.Enum):
    CREATE = "create"
    UPDATE = "update"
    RESTORE = "restore"
    WITHDRAW = "withdraw"
    PURGE = "purge"
    UNCHANGED = "unchanged"
    SKIP = "skip"
    WAIT = "wait"
    CONFLICT = "conflict"
    DUPLICATE = "duplicate"

    @property
    def writes(self) -> bool:
        return self in (Step.CREATE, Step.UPDATE, Step.RESTORE, Step.WITHDRAW, Step.PURGE)


#: PushReport counter of a step that needs no portal call.
PASSIVE_COUNTS = {Step.UNCHANGED: "unchanged", Step.SKIP: "skipped_filtered", Step.WAIT: "deferred",
                  Step.CONFLICT: "conflict", Step.DUPLICATE: "duplicate"}


@dataclass
class TargetContext:
    """Everything planning needs about one target, built once per plan."""

    name: str
    cfg: Any
    filter: TargetFilter
    mapper: OrganisationMapper
    resolver: OpdResolver
    namer: NameMaker
    fingerprint: str

    @property
    def grace(self) -> timedelta:
        return timedelta(days=self.cfg.deletion.grace_days)


@dataclass
class PlanItem:
    """One decision. ``dataset`` is parsed only when the step needs it."""

    target: str
    record: RecordRow
    row: Optional[RecordTargetRow]
    step: Step
    reason: str = ""
    desired_hash: Optional[str] = None
    dataset: Optional[Dataset] = None
    organisation: Optional[Organisation] = None
    metadata_only: bool = False
    name: Optional[str] = None
    due_at: Optional[datetime] = None
    by_filter: bool = False  # a WITHDRAW caused by the filters (not by a deletion at the source)

    @property
    def key(self) -> tuple[str, str]:
        return (self.record.source_id, self.record.remote_id)


@dataclass
class TargetPlan:
    name: str
    title: str
    level: str
    url: str
    enabled: bool
    disabled_reason: Optional[str] = None
    items: list[PlanItem] = field(default_factory=list)
    names: dict[str, tuple[str, str]] = field(default_factory=dict)  # stored name -> (source, remote id)
    owners: dict[str, dict[tuple[str, str], str]] = field(default_factory=dict)  # dataset id -> {key: status}

    def owner(self, dataset_id: Optional[str], exclude: tuple[str, str]) -> Optional[tuple[tuple[str, str], str]]:
        """The record (other than ``exclude``) holding ``dataset_id`` on this target, with its status:
        one that may have it live first, else one that withdrew it; duplicates own nothing."""
        held = [(key, status) for key, status in (self.owners.get(dataset_id or "") or {}).items()
                if key != exclude and status != "skipped"]
        held.sort(key=lambda pair: (pair[1] not in LIVE, pair[0]))
        return held[0] if held else None

    def note(self, key: tuple[str, str], old_id: Optional[str], new_id: Optional[str], status: str) -> None:
        """Keep ``owners`` current after a row of ``key`` was written."""
        if old_id and old_id != new_id:
            (self.owners.get(old_id) or {}).pop(key, None)
        if new_id:
            self.owners.setdefault(new_id, {})[key] = status

    def counts(self) -> Counter[str]:
        return Counter(item.step.value for item in self.items)


@dataclass
class PushPlan:
    source_ids: tuple[str, ...]
    targets: dict[str, TargetPlan]
    planned_at: datetime
    contexts: dict[str, TargetContext] = field(default_factory=dict, repr=False)

    def items(self) -> Iterable[PlanItem]:
        for tplan in self.targets.values():
            yield from tplan.items


def target_fingerprint(cfg: Any, pemda: Any) -> str:
    """Digest of everything in the configuration that changes the package written for a record."""
    orgs = [{"id": o.id, "name": o.name, "aliases": list(o.aliases or []), "uri": getattr(o, "uri", None)}
            for o in (getattr(pemda, "organisations", None) or [])]
    payload = {
        "format": PUSH_FORMAT, "level": cfg.level, "profile": cfg.profile,
        "filters": cfg.filters.model_dump(mode="json"), "organisations": cfg.organisations.model_dump(mode="json"),
        "pemda": {"kode": getattr(pemda, "kode", None), "organisations": orgs},
    }
    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode("utf-8")).hexdigest()


def desired_hash(fingerprint: str, source_opd: Optional[str], mapped_hash: Optional[str]) -> Optional[str]:
    if not mapped_hash:
        return None
    return hashlib.sha256(f"{fingerprint}\n{source_opd or ''}\n{mapped_hash}".encode("utf-8")).hexdigest()


def parse_dataset(record: RecordRow) -> Dataset:
    """The record's canonical dataset. Raises ValueError naming the record when the JSON is unusable."""
    try:
        return from_dict(json.loads(record.dataset_json or ""))
    except (ValueError, TypeError) as exc:
        raise ValueError(f"record {record.source_id}/{record.remote_id}: stored dataset is unreadable: {exc}") from exc


def plan_record(ctx: TargetContext, record: RecordRow, row: Optional[RecordTargetRow], now: datetime,
                *, source_opd: Optional[str] = None) -> Optional[PlanItem]:
    """The decision for one (record, target) pair; None when there is nothing to say."""
    item = PlanItem(ctx.name, record, row, Step.UNCHANGED)
    cfg = ctx.cfg
    live = row is not None and bool(row.target_dataset_id) and row.status in LIVE
    if record.status == "deleted":
        if row is not None and row.status == "withdrawn" and row.target_dataset_id and cfg.deletion.purge:
            due = (row.pushed_at or now) + ctx.grace
            return _set(item, Step.PURGE if due <= now else Step.WAIT, "withdrawn; purge enabled", due)
        if not live:
            return None
        due = (record.deleted_at or now) + ctx.grace
        if due > now:
            return _set(item, Step.WAIT, "removed at the source; withdrawn after the grace period", due)
        if row is not None and _backing_off(row, record, now):
            return _set(item, Step.WAIT, f"withdrawal failed: {row.last_error}", row.next_attempt_at)
        return _set(item, Step.WITHDRAW, "removed at the source")
    if record.status != "current" or not record.dataset_json:
        return None
    wanted = desired_hash(ctx.fingerprint, source_opd, record.mapped_hash)
    item.desired_hash = wanted
    if row is not None and row.pushed_hash == wanted:
        if row.status == "pushed" and row.target_dataset_id:
            return item
        if row.status == "conflict" and not cfg.conflict.overwrite_manual_edits:
            return _set(item, Step.CONFLICT, row.last_error or "edited on the portal")
        if row.status in ("skipped", "withdrawn"):
            step = Step.DUPLICATE if row.status == "skipped" and row.target_dataset_id else Step.SKIP
            return _set(item, step, row.last_error or "filtered out")
    if row is not None and row.status in ("failed", "pending") and _backing_off(row, record, now):
        return _set(item, Step.WAIT, f"retry after attempt {row.attempts} failed: {row.last_error}",
                    row.next_attempt_at)
    return _judge(ctx, item, row, live, source_opd)


def _judge(ctx: TargetContext, item: PlanItem, row: Optional[RecordTargetRow], live: bool,
           source_opd: Optional[str]) -> PlanItem:
    record = item.record
    dataset = item.dataset = parse_dataset(record)
    opd = ctx.resolver.resolve(dataset, source_opd=source_opd)
    decision = ctx.filter.check(source_id=record.source_id, dataset=dataset, opd=opd)
    org = ctx.mapper.organisation(opd) if decision.accepted else None
    reason = decision.reason
    if decision.accepted and org is None:
        reason = f"no organisation on this target for OPD {opd or '(unknown)'}; set organisations.fallback"
    if org is None:
        if live:
            item.by_filter = True
            return _set(item, Step.WITHDRAW, f"no longer matches the filters: {reason}")
        return _set(item, Step.SKIP, reason)
    item.organisation, item.metadata_only = org, decision.metadata_only
    item.name = (row.target_name if row is not None else None) or ctx.namer.preferred(
        title=dataset.title, uri=record.stable_uri or dataset.uri, source_id=record.source_id,
        remote_id=record.remote_id, opd=opd)
    if row is None or not row.target_dataset_id or row.status == "skipped":
        return _set(item, Step.CREATE, "first push" if row is None else "not on the portal yet")
    if row.status == "withdrawn":
        return _set(item, Step.RESTORE, "back at the source / matches the filters again")
    return _set(item, Step.UPDATE, "changed")


def _set(item: PlanItem, step: Step, reason: str, due: Optional[datetime] = None) -> PlanItem:
    item.step, item.reason, item.due_at = step, reason, due
    return item


def _backing_off(row: Optional[RecordTargetRow], record: RecordRow, now: datetime) -> bool:
    """True while a failed row waits for its next attempt and the record did not change since."""
    if row is None or row.status not in ("failed", "pending") or row.next_attempt_at is None:
        return False
    if row.next_attempt_at <= now:
        return False
    changed_since = record.updated_at is not None and row.last_error_at is not None \
        and record.updated_at > row.last_error_at
    return not changed_since


def build_plan(contexts: dict[str, TargetContext], disabled: dict[str, Any], source_ids: Iterable[str],
               store: Any, now: datetime, *, source_opds: Optional[dict[str, Optional[str]]] = None) -> PushPlan:
    """Plan every record of ``source_ids`` for every enabled target (``contexts``).

    ``disabled`` maps disabled target names to their config (listed, never planned). Reads the
    store only. A store with ``dry_run`` set (DryRunStore) is asked row by row, so rows it holds
    in memory are seen; otherwise each target's rows are read in one pass.
    """
    source_ids = tuple(source_ids)
    wanted = set(source_ids)
    per_row = bool(getattr(store, "dry_run", False))
    plan = PushPlan(source_ids, {}, now, contexts)
    rows: dict[str, dict[tuple[str, str], RecordTargetRow]] = {}
    for name, ctx in contexts.items():
        tplan = plan.targets[name] = TargetPlan(name, ctx.cfg.title or name, ctx.cfg.level, ctx.cfg.url, True)
        rows[name] = {}
        for row in () if per_row else store.iter_record_targets(name):
            if row.target_name:
                tplan.names[row.target_name] = (row.source_id, row.remote_id)
            if row.target_dataset_id:
                tplan.note((row.source_id, row.remote_id), None, row.target_dataset_id, row.status)
            if row.source_id in wanted:
                rows[name][(row.source_id, row.remote_id)] = row
    for name, cfg in disabled.items():
        plan.targets[name] = TargetPlan(name, cfg.title or name, cfg.level, cfg.url, False, cfg.disabled_reason)
    for source_id in source_ids:
        source_opd = (source_opds or {}).get(source_id)
        for record in store.iter_records(source_id):
            for name, ctx in contexts.items():
                row = (store.get_record_target(source_id, record.remote_id, name) if per_row
                       else rows[name].get((source_id, record.remote_id)))
                try:
                    item = plan_record(ctx, record, row, now, source_opd=source_opd)
                    if item is not None and item.step is Step.DUPLICATE and not per_row \
                            and not _twin_live(plan.targets[name], item):
                        # the record it duplicated has gone: this path takes the dataset over
                        assert item.row is not None
                        item = plan_record(ctx, record, dataclasses.replace(item.row, pushed_hash=None), now,
                                           source_opd=source_opd)
                except ValueError as exc:  # a stored record we cannot read: say so, push nothing
                    item = PlanItem(name, record, row, Step.SKIP, str(exc))
                if item is not None:
                    plan.targets[name].items.append(item)
    return plan


def _twin_live(tplan: TargetPlan, item: PlanItem) -> bool:
    owner = tplan.owner(item.row.target_dataset_id if item.row else None, item.key)
    return owner is not None and owner[1] in LIVE


# ------------------------------------------------------------------------------ describe
_VERBS = {Step.CREATE: "create", Step.UPDATE: "update", Step.RESTORE: "restore", Step.WITHDRAW: "withdraw",
          Step.PURGE: "purge", Step.WAIT: "later", Step.CONFLICT: "conflict", Step.DUPLICATE: "duplicate",
          Step.SKIP: "skip"}
_ORDER = [Step.CREATE, Step.UPDATE, Step.RESTORE, Step.WITHDRAW, Step.PURGE, Step.WAIT, Step.CONFLICT,
          Step.DUPLICATE, Step.SKIP]


def describe_plan(plan: PushPlan) -> list[str]:
    """Human-readable lines per target: counts, then what would be created / updated / withdrawn."""
    lines: list[str] = []
    for tplan in plan.targets.values():
        head = f"target {tplan.name} ({tplan.level}"
        if not tplan.enabled:
            lines.append(f"{head}): disabled ({tplan.disabled_reason or 'enabled: false'}); nothing would be sent")
            continue
        counts = tplan.counts()
        summary = ", ".join(f"{counts[s.value]} {_VERBS.get(s, s.value)}" for s in [*_ORDER, Step.UNCHANGED]
                            if counts[s.value])
        adopt = "; a dataset the portal already has is adopted, not created" if counts[Step.CREATE.value] else ""
        lines.append(f"{head}, {tplan.url}): {summary or 'nothing to do'}{adopt}")
        for step in _ORDER:
            items = [i for i in tplan.items if i.step is step]
            for item in items[:DESCRIBE_LIMIT]:
                lines.append("  " + _describe_item(item))
            if len(items) > DESCRIBE_LIMIT:
                lines.append(f"  ... and {len(items) - DESCRIBE_LIMIT} more to {_VERBS[step]}")
    return lines


def _describe_item(item: PlanItem) -> str:
    rec = item.record
    title = (rec.title or rec.remote_id)[:70]
    text = f"{_VERBS[item.step]:<9} {rec.source_id}/{rec.remote_id} \"{title}\""
    if item.step in (Step.CREATE, Step.UPDATE, Step.RESTORE):
        org = item.organisation.name if item.organisation else "?"
        text += f" as {item.name} in {org}" + (" (metadata only)" if item.metadata_only else "")
    elif item.step in (Step.WITHDRAW, Step.PURGE) and item.row is not None:
        text += f" ({item.row.target_name or item.row.target_dataset_id}): {item.reason}"
    else:
        text += f": {item.reason}"
    if item.due_at is not None:
        text += f" [due {item.due_at.isoformat(timespec='minutes')}]"
    return text
