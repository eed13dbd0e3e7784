"""The push stage: bring every target portal to the state the store says (ARCHITECTURE.md §6, §7).

``Pusher.plan`` decides (``harvester.pipeline.push_plan``, store only); ``Pusher.execute`` carries
the decisions out, one thread per target and ``concurrency`` workers inside each, and records the
outcome of every (record, target) pair in its ``record_target`` row.

Guarantees:

* Failure isolation: each target runs on its own; a portal that is down (preflight fails, or three
  writes in a row find it unavailable) or rejects datasets never stops the others. Work a portal
  could not take stays ``pending``, a dataset it refused becomes ``failed``; both carry
  ``next_attempt_at`` (exponential backoff) and are retried by later runs — at once when the record
  changed since.
* No duplicates: a first push looks the dataset up on the portal (stable URI, URI identifier, then
  name) and adopts what it finds; records of this installation sharing one stable URI (the same
  dataset reaching us by two paths) share one portal dataset — the later ones are ``duplicate``.
* Conflicts: before an update the portal's ``metadata_modified`` is compared with the one stored
  after our last write; a dataset edited by hand is not overwritten (unless
  ``conflict.overwrite_manual_edits``): the row becomes ``conflict`` and a PUSH issue is recorded.
* Portal rejections (CKAN validation errors) are stored verbatim in ``last_error`` and as an
  error Issue with stage PUSH.

Nothing here raises for portal or record problems; ``after_job`` never raises at all (a bug is
logged and reported in ``PushReport.errors``) so the harvest job's outcome stands.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any, Callable, Optional

from harvester import registry
from harvester.errors import ConfigError, TargetRejected, TargetUnavailable
from harvester.mapping.codelists import CodeLists
from harvester.model.issues import Issue, Severity, Stage
from harvester.pipeline import assembly
from harvester.pipeline.push_plan import (PASSIVE_COUNTS, PlanItem, PushPlan, Step, TargetContext, TargetPlan,
                                          build_plan, describe_plan, target_fingerprint)
from harvester.store import RecordTargetRow
from harvester.targets.base import LookupKey, NameTaken, PushOptions, RemoteDataset, Target, TargetRef
from harvester.targets.filters import TargetFilter
from harvester.targets.naming import NameMaker
from harvester.targets.organisations import OpdResolver, OrganisationCache, OrganisationMapper

logger = logging.getLogger(__name__)

BREAKER = 3  # consecutive "unavailable" answers after which a target is left alone for this run
LOOKUP_CHUNK = 40  # first pushes looked up per portal search
RETRY_BASE, RETRY_CAP = timedelta(minutes=1), timedelta(hours=6)  # portal unavailable
REJECT_BASE, REJECT_CAP = timedelta(hours=1), timedelta(days=1)  # portal refused the dataset


@dataclass
class PushReport:
    """Per-target counters: created, updated, adopted, unchanged, withdrawn, purged, failed, rejected,
    conflict, duplicate, deferred, skipped_filtered, interrupted."""

    per_target: dict[str, Counter] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)

    def total(self) -> Counter:
        out: Counter = Counter()
        for counts in self.per_target.values():
            out.update(counts)
        return out

    @property
    def writes(self) -> int:
        t = self.total()
        return sum(t[k] for k in ("created", "updated", "adopted", "withdrawn", "purged"))

    def lines(self) -> list[str]:
        out = [f"{name}: " + (", ".join(f"{k}={v}" for k, v in sorted(c.items()) if v) or "nothing to do")
               for name, c in self.per_target.items()]
        return out + [f"error: {e}" for e in self.errors]


def _registered_target(name: str, cfg: Any, codelists: Any) -> Target:
    """The target class registered for ``cfg.type`` (``ckan`` ...), built for this target file."""
    return registry.targets.get(cfg.type)(name, cfg, codelists)


def _backoff(attempts: int, base: timedelta, cap: timedelta) -> timedelta:
    return min(cap, base * (2 ** max(0, min(attempts - 1, 20))))


class Pusher:
    """The push stage for one loaded configuration and store (see the module docstring)."""

    def __init__(self, config: Any, store: Any, *, codelists: Optional[CodeLists] = None,
                 clock: Optional[Callable[[], datetime]] = None,
                 target_factory: Optional[Callable[[str, Any, Any], Target]] = None) -> None:
        """Cheap: no network and no code-list loading until the first plan."""
        self.config, self.store = config, store
        self._codelists = codelists
        self.clock = clock or (lambda: datetime.now(timezone.utc))
        self.target_factory = target_factory or _registered_target

    @property
    def codelists(self) -> CodeLists:
        if self._codelists is None:
            self._codelists = CodeLists.load()
        return self._codelists

    # ------------------------------------------------------------------ planning
    def _contexts(self) -> tuple[dict[str, TargetContext], dict[str, Any]]:
        settings = self.config.settings
        pemda, policy = settings.pemda, assembly.sdi_policy(settings)
        resolver = OpdResolver(pemda)
        contexts, disabled = {}, {}
        for name, cfg in self.config.targets.items():
            if not cfg.enabled or not cfg.url:
                disabled[name] = cfg
                continue
            contexts[name] = TargetContext(
                name, cfg, TargetFilter(cfg, self.codelists, policy), OrganisationMapper(cfg, pemda), resolver,
                NameMaker(cfg.naming.pattern, cfg.naming.max_length, kode_pemda=pemda.kode),
                target_fingerprint(cfg, pemda))
        return contexts, disabled

    def _plan(self, source_ids: list[str], store: Any) -> PushPlan:
        contexts, disabled = self._contexts()
        opds = {sid: (src.organisation.id if getattr(src, "organisation", None) else None)
                for sid, src in self.config.sources.items()}
        return build_plan(contexts, disabled, source_ids, store, self.clock(), source_opds=opds)

    def plan(self, source_id: str, *, store: Any = None) -> PushPlan:
        """Decisions for one source. Never writes to a portal or the store (``store``: e.g. a DryRunStore)."""
        return self._plan([source_id], store if store is not None else self.store)

    def describe(self, plan: PushPlan) -> list[str]:
        return describe_plan(plan)

    # ------------------------------------------------------------------ running
    def after_job(self, result: Any, stop: threading.Event) -> PushReport:
        """Push the finished job's source (plugged into ``HarvestRunner(after_job=...)``). Never raises."""
        try:
            report = self.execute(self._plan([result.source_id], self.store), stop=stop, job_id=result.job_id)
        except Exception as exc:  # the push must never turn a finished harvest job into a crash
            logger.exception("push after job %s (%s) failed", result.job_id, result.source_id)
            report = PushReport(errors=[f"push of {result.source_id} failed: {exc}"])
        for line in report.lines():
            logger.info("push %s: %s", result.source_id, line)
        return report

    def sync(self, source_id: Optional[str] = None, *, stop: Optional[threading.Event] = None) -> PushReport:
        """All pending work: one source, or every configured source (retries of earlier failures too)."""
        sources = [source_id] if source_id else list(self.config.sources)
        return self.execute(self._plan(sources, self.store), stop=stop)

    def execute(self, plan: PushPlan, *, stop: Optional[threading.Event] = None,
                job_id: Optional[int] = None) -> PushReport:
        """Carry out ``plan`` on every enabled target at once; returns per-target counts."""
        if getattr(self.store, "dry_run", False):
            raise RuntimeError("refusing to execute a push plan against a dry-run store")
        stop = stop or threading.Event()
        report = PushReport()
        runs = [_TargetRun(self, tplan, plan.contexts[name], stop, job_id)
                for name, tplan in plan.targets.items() if tplan.enabled and name in plan.contexts]
        if not runs:
            return report
        with ThreadPoolExecutor(max_workers=len(runs), thread_name_prefix="push") as pool:
            for run, counts in zip(runs, pool.map(_TargetRun.run, runs)):
                report.per_target[run.name] = counts
                report.errors.extend(run.errors)
        return report


class _TargetRun:
    """Executes one target's part of a plan (one instance per target and run)."""

    def __init__(self, pusher: Pusher, tplan: TargetPlan, ctx: TargetContext, stop: threading.Event,
                 job_id: Optional[int]) -> None:
        self.p, self.plan, self.ctx, self.stop, self.job_id = pusher, tplan, ctx, stop, job_id
        self.name, self.cfg, self.store = tplan.name, ctx.cfg, pusher.store
        self.counts: Counter = Counter()
        self.errors: list[str] = []
        self.lock = threading.Lock()
        self.unavailable_streak = 0
        self.down: Optional[Exception] = None
        self.names = dict(tplan.names)  # name -> owner key, grows as this run reserves names
        self.claimed: dict[str, str] = {}  # stable URI -> portal id created or adopted in this run
        self.found: dict[LookupKey, RemoteDataset] = {}
        self.prefetched = False
        self.unlooked: dict[LookupKey, Exception] = {}  # first pushes whose lookup failed
        self.target: Optional[Target] = None
        self.orgs: Optional[OrganisationCache] = None

    def run(self) -> Counter:
        due = []
        for item in self.plan.items:
            if item.step.writes:
                due.append(item)
            else:
                self.counts[PASSIVE_COUNTS[item.step]] += 1
                if item.step is Step.SKIP:
                    self._settle_skip(item)
        if not due:
            return self.counts
        creates: list[LookupKey] = []
        try:
            self.target = self.p.target_factory(self.name, self.cfg, self.p.codelists)
            info = self.target.preflight()
            for note in info.notes:
                logger.warning("target %s: %s", self.name, note)
            self.orgs = OrganisationCache(self.target)
            creates = list(dict.fromkeys(self._key(i) for i in due if i.step is Step.CREATE))
            if creates:  # usually one cheap count settles every lookup; else search per chunk, in the pool
                prefetched = self.target.prefetch(creates)
                if prefetched is None and len(creates) <= LOOKUP_CHUNK:
                    prefetched = self.target.find(creates)
                if prefetched is not None:
                    self.found, self.prefetched = prefetched, True
        except (TargetUnavailable, ConfigError) as exc:
            self._target_down(due, exc)
            return self._finish()
        except Exception as exc:  # a bug in one target's set-up must not stop the other targets
            logger.exception("target %s: push set-up failed", self.name)
            self._target_down(due, exc)
            return self._finish()
        groups: dict[str, list[PlanItem]] = {}
        for item in due:  # items sharing a stable URI run in one task, so two records of one dataset never race
            groups.setdefault(item.record.stable_uri or repr(item.key), []).append(item)
        with ThreadPoolExecutor(max_workers=max(1, int(self.cfg.concurrency)),
                                thread_name_prefix=f"push-{self.name}") as pool:
            if creates and not self.prefetched:  # look up in parallel chunks first, then write
                list(pool.map(self._find_chunk, [creates[i:i + LOOKUP_CHUNK]
                                                 for i in range(0, len(creates), LOOKUP_CHUNK)]))
            list(pool.map(self._run_group, groups.values()))
        return self._finish()

    def _find_chunk(self, keys: list[LookupKey]) -> None:
        """One portal search for ``keys``; when it fails their first pushes wait for a later run
        (without a lookup a first push could duplicate a dataset)."""
        if self.down is not None or self.stop.is_set():
            return
        assert self.target is not None
        try:
            found = self.target.find(keys)
        except (TargetUnavailable, ConfigError) as exc:
            with self.lock:
                self.unlooked.update((k, exc) for k in keys)
            return
        with self.lock:
            self.found.update(found)

    def _finish(self) -> Counter:
        if self.target is not None:
            self.target.close()
        return self.counts

    def _run_group(self, items: list[PlanItem]) -> None:
        for item in items:
            if self.stop.is_set():
                self._count("interrupted")
                continue
            if self.down is not None:
                self._count(self._failed(item, self.down, rejected=False))
                continue
            failed_lookup = self.unlooked.get(self._key(item)) if item.step is Step.CREATE else None
            if failed_lookup is not None:
                self._unavailable(item, failed_lookup)
                self._count(self._failed(item, failed_lookup, rejected=False))
                continue
            self._count(self._process(item))

    def _count(self, key: str) -> None:
        with self.lock:
            self.counts[key] += 1

    def _process(self, item: PlanItem) -> str:
        try:
            outcome = {Step.CREATE: self._create, Step.UPDATE: self._update, Step.RESTORE: self._update,
                       Step.WITHDRAW: self._withdraw, Step.PURGE: self._purge}[item.step](item)
            with self.lock:
                self.unavailable_streak = 0
            return outcome
        except TargetRejected as exc:
            return self._failed(item, exc, rejected=True)
        except (TargetUnavailable, ConfigError) as exc:
            self._unavailable(item, exc)
            return self._failed(item, exc, rejected=False)
        except Exception as exc:  # a bug must cost one dataset, not the run
            logger.exception("target %s: pushing %s/%s failed", self.name, *item.key)
            return self._failed(item, TargetRejected(f"internal error: {exc!r}", target=self.name), rejected=True)

    def _unavailable(self, item: PlanItem, exc: Exception) -> None:
        """Count one "portal unavailable" answer; after ``BREAKER`` in a row leave the portal alone."""
        with self.lock:
            self.unavailable_streak += 1
            trip = self.down is None and (isinstance(exc, ConfigError) or self.unavailable_streak >= BREAKER)
            if trip:
                self.down = exc
        if trip:
            self._issue(item.record.source_id, None, Severity.ERROR, "PUSH-TARGET-DOWN",
                        f"target {self.name}: giving up for this run: {exc}")

    # ------------------------------------------------------------------ steps
    def _key(self, item: PlanItem) -> LookupKey:
        ds = item.dataset
        return LookupKey(item.record.stable_uri or (ds.uri if ds else None), ds.identifier if ds else None, item.name,
                         item.organisation.name if item.organisation else None)

    def _create(self, item: PlanItem) -> str:
        assert self.target is not None and item.organisation is not None and item.dataset is not None
        uri = item.record.stable_uri
        with self.lock:
            claimed = self.claimed.get(uri) if uri else None
        existing = self.target.show(claimed) if claimed is not None else self.found.get(self._key(item))
        if existing is not None:
            with self.lock:
                owner = self.plan.owner(existing.ref.id, item.key)
            if owner is not None and owner[1] == "withdrawn":
                self._release(owner[0], existing.ref.id, item.key)
            elif owner is not None:
                if existing.claims(uri) or claimed:
                    text = f"same dataset as {owner[0][0]}/{owner[0][1]} ({existing.ref.name})"
                    self._save(item, status="skipped", target_dataset_id=existing.ref.id, pushed_hash=item.desired_hash,
                               target_name=None, last_error=text, last_error_at=self.p.clock())
                    self._issue(item.record.source_id, item.record.remote_id, Severity.INFO, "PUSH-DUPLICATE",
                                f"target {self.name}: {text}; not pushed twice")
                    return "duplicate"
                existing = None  # only the name matched: that dataset is someone else's
        assert self.orgs is not None
        self.orgs.ensure(item.organisation)
        if existing is not None:
            full = self.target.show(existing.ref.id) or existing
            return self._pushed(item, self._write(item, full.ref.name, full), "adopted")
        for name in self.ctx.namer.candidates(item.name or "", uri):
            with self.lock:
                if self.names.get(name, item.key) != item.key:
                    continue
                self.names[name] = item.key
            try:
                return self._pushed(item, self._write(item, name, None), "created")
            except NameTaken:
                other = self.target.show(name)
                with self.lock:
                    free = other is not None and self.plan.owner(other.ref.id, item.key) is None
                if free and other is not None and (other.claims(uri) or not other.identities):
                    return self._pushed(item, self._write(item, other.ref.name, other), "adopted")
        raise TargetRejected(f"no free dataset name for {item.name!r}", target=self.name,
                             details={"name": ["all candidate names are in use"]})

    def _write(self, item: PlanItem, name: str, existing: Optional[RemoteDataset]) -> TargetRef:
        assert self.target is not None and item.organisation is not None and item.dataset is not None
        ref = self.target.push(item.dataset, PushOptions(item.organisation, name, item.metadata_only),
                               existing=existing)
        if item.record.stable_uri:
            with self.lock:
                self.claimed[item.record.stable_uri] = ref.id
        return ref

    def _update(self, item: PlanItem) -> str:
        assert self.target is not None and item.row is not None
        row, overwrite = item.row, self.cfg.conflict.overwrite_manual_edits
        current = self.target.show(row.target_dataset_id or "")
        manual = None
        if current is None:
            manual = "the dataset no longer exists on the portal"
        elif row.target_modified and current.ref.modified != row.target_modified:
            manual = (f"edited on the portal since our last push (metadata_modified {current.ref.modified}, "
                      f"ours {row.target_modified})")
        elif current.ref.state != "active" and row.status != "withdrawn":
            manual = "deleted on the portal by someone else"
        if manual and not overwrite:
            text = f"{manual}; not overwritten (conflict.overwrite_manual_edits is off)"
            self._save(item, status="conflict", pushed_hash=item.desired_hash, last_error=text,
                       last_error_at=self.p.clock())
            self._issue(item.record.source_id, item.record.remote_id, Severity.WARNING, "PUSH-CONFLICT",
                        f"target {self.name}, dataset {row.target_name or row.target_dataset_id}: {text}")
            return "conflict"
        if current is None:
            return self._create(dataclasses.replace(item, row=None, step=Step.CREATE))
        assert self.orgs is not None and item.organisation is not None
        self.orgs.ensure(item.organisation)
        return self._pushed(item, self._write(item, current.ref.name, current), "updated")

    def _withdraw(self, item: PlanItem) -> str:
        assert self.target is not None and item.row is not None and item.row.target_dataset_id
        ref = self.target.withdraw(item.row.target_dataset_id, mode=self.cfg.deletion.mode)
        self._save(item, status="withdrawn", pushed_hash=item.desired_hash if item.by_filter else None,
                   pushed_at=self.p.clock(), target_modified=ref.modified, attempts=0, next_attempt_at=None,
                   last_error=item.reason, last_error_at=None)
        return "withdrawn"

    def _purge(self, item: PlanItem) -> str:
        assert self.target is not None and item.row is not None and item.row.target_dataset_id
        self.target.purge(item.row.target_dataset_id)
        self._save(item, status="withdrawn", target_dataset_id=None, target_modified=None,
                   last_error=f"purged on {self.p.clock().date().isoformat()}")
        return "purged"

    # ------------------------------------------------------------------ bookkeeping
    def _pushed(self, item: PlanItem, ref: TargetRef, outcome: str) -> str:
        self._save(item, status="pushed", target_dataset_id=ref.id, target_name=ref.name,
                   pushed_hash=item.desired_hash, pushed_at=self.p.clock(), attempts=0, next_attempt_at=None,
                   last_error=None, last_error_at=None, target_modified=ref.modified)
        return outcome

    def _failed(self, item: PlanItem, exc: Exception, *, rejected: bool) -> str:
        now = self.p.clock()
        attempts = (item.row.attempts if item.row else 0) + 1
        wait = _backoff(attempts, *(REJECT_BASE, REJECT_CAP) if rejected else (RETRY_BASE, RETRY_CAP))
        details = getattr(exc, "details", None)
        text = json.dumps(details, ensure_ascii=False, sort_keys=True) if details is not None else str(exc)
        # portal down: the work is still to do ('pending'); refused: someone must look at it ('failed')
        self._save(item, status="failed" if rejected else "pending", attempts=attempts, next_attempt_at=now + wait,
                   last_error=text, last_error_at=now)
        if rejected:
            self._issue(item.record.source_id, item.record.remote_id, Severity.ERROR, "PUSH-REJECTED",
                        f"target {self.name} refused the dataset: {text}")
        return "rejected" if rejected else "failed"

    def _target_down(self, due: list[PlanItem], exc: Exception) -> None:
        logger.warning("target %s unavailable: %s (%d dataset(s) wait for a later run)", self.name, exc, len(due))
        self.errors.append(f"target {self.name}: {exc}")
        for source_id in sorted({i.record.source_id for i in due}):
            self._issue(source_id, None, Severity.ERROR if isinstance(exc, ConfigError) else Severity.WARNING,
                        "PUSH-TARGET-DOWN", f"target {self.name} unavailable: {exc}; its changes are retried later")
        for item in due:
            self.counts[self._failed(item, exc, rejected=False)] += 1

    def _settle_skip(self, item: PlanItem) -> None:
        """Record why a judged record does not go to this target (once per record version)."""
        row = item.row
        if item.desired_hash is None or (row is not None and row.pushed_hash == item.desired_hash
                                         and row.status in ("skipped", "withdrawn")):
            return
        withdrawn = row is not None and row.status == "withdrawn"
        self._save(item, status="withdrawn" if withdrawn else "skipped", pushed_hash=item.desired_hash,
                   target_dataset_id=row.target_dataset_id if withdrawn and row else None,
                   last_error=item.reason, last_error_at=None, next_attempt_at=None)

    def _release(self, key: tuple[str, str], dataset_id: str, taker: tuple[str, str]) -> None:
        """The withdrawn row ``key`` lets ``taker`` have its dataset (so its purge can no longer reach it)."""
        old = self.store.get_record_target(key[0], key[1], self.name)
        if old is not None and old.target_dataset_id == dataset_id:
            self.store.save_record_target(dataclasses.replace(
                old, target_dataset_id=None, last_error=f"taken over by {taker[0]}/{taker[1]}"))
        with self.lock:
            self.plan.note(key, dataset_id, None, "withdrawn")

    def _save(self, item: PlanItem, **changes: Any) -> None:
        base = item.row or RecordTargetRow(item.record.source_id, item.record.remote_id, self.name)
        row = dataclasses.replace(base, **changes)
        self.store.save_record_target(row)
        with self.lock:
            self.plan.note(item.key, base.target_dataset_id, row.target_dataset_id, row.status)

    def _issue(self, source_id: str, remote_id: Optional[str], severity: Severity, code: str, message: str) -> None:
        try:
            self.store.add_issues([Issue(severity, code, message, stage=Stage.PUSH, remote_id=remote_id,
                                         location=self.cfg.url)], job_id=self.job_id, source_id=source_id,
                                  remote_id=remote_id)
        except Exception:  # an issue that cannot be stored must not stop the push
            logger.exception("could not store push issue %s for %s/%s", code, source_id, remote_id)
