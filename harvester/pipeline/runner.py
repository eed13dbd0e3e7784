"""The harvest runner: the only place that knows the order of stages (ARCHITECTURE.md §1, §5, §6).

One job = gather → fetch → read/map → validate → store, then (only after a complete listing)
deletions and checkpoint. Sources, mapping and targets never call each other; the runner owns all
state. Record-level failures become issues and the job goes on; a source failure ends the job as
``failed`` without touching the checkpoint or deleting anything.
"""

from __future__ import annotations

import dataclasses
import logging
import os
import threading
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Callable, Optional

from harvester.errors import HarvesterError, RecordError, SourceError
from harvester.mapping.codelists import CodeLists
from harvester.mapping.engine import MappingEngine
from harvester.model.issues import Issue, Severity, Stage
from harvester.model.record import RemoteRef, SourceRecord
from harvester.pipeline import assembly
from harvester.pipeline.changes import Action, DeletionPlan, DeletionPolicy, classify, plan_deletions
from harvester.pipeline.map_pool import MapStage, resolve_workers
from harvester.pipeline.processing import ProcessRecipe, Processed
from harvester.quality import record_scores
from harvester.sources.base import GatherContext, Source
from harvester.store import RawRecord, RecordRow, Store

logger = logging.getLogger(__name__)

HEARTBEAT_EVERY = 50  # records between job heartbeats (the reaper looks at heartbeat_at)
FLUSH_EVERY = 200  # buffered record writes per bulk upsert (one transaction, not one per record)
LOOKUP_EVERY = 100  # listed records whose stored state is looked up with one query
PENDING_DELETIONS = "pending_deletions"


@dataclass
class RunOptions:
    """How to run one job."""

    trigger: str = "manual"
    full: bool = False
    max_items: Optional[int] = None
    dry_run: bool = False  # run against a DryRunStore: same decisions, nothing written
    stop: threading.Event = field(default_factory=threading.Event)
    progress: Optional[Callable[[dict[str, int]], None]] = None  # called with the counts after each record


@dataclass
class JobResult:
    """Outcome of one job, also what ``harvester harvest`` prints."""

    source_id: str
    job_id: Optional[int]
    status: str
    complete: bool
    stats: dict[str, Any]
    deletion: Optional[DeletionPlan] = None
    error: Optional[str] = None
    store: Any = None  # the store the job ran against (a DryRunStore for dry runs)

    @property
    def exit_code(self) -> int:
        if self.status == "failed":
            return 3
        return 1 if self.status in ("done_with_errors", "needs_confirmation") else 0


class Job:
    """Mutable state of one running job (kept out of the runner so the runner stays re-entrant)."""

    def __init__(self, source_id: str, job_id: int) -> None:
        self.source_id, self.job_id = source_id, job_id
        self.counts: Counter[str] = Counter()
        self.seen: set[str] = set()
        self.announced_deleted: set[str] = set()
        self.issues: list[tuple[Optional[str], Issue]] = []
        # Writes are buffered and flushed in bulk: one transaction per FLUSH_EVERY records instead of
        # one per record, without holding the database write lock while the source is fetched.
        self.pending: list[tuple[RecordRow, RawRecord]] = []
        self.pending_touch: list[str] = []
        self.waiting: list[RemoteRef] = []  # listed, not yet looked up / fetched (see LOOKUP_EVERY)
        self.scores: list[tuple[str, Any]] = []  # (remote_id, DatasetScore) recorded with the job


class HarvestRunner:
    """Runs harvest jobs for the sources of a loaded configuration against a store."""

    def __init__(self, config: Any, store: Store, *, codelists: CodeLists | None = None,
                 after_job: Optional[Callable[["JobResult", threading.Event], None]] = None) -> None:
        """``after_job`` (the push stage) runs after every finished, non-dry-run job."""
        self.config = config
        self.settings = config.settings
        self.store = store
        self.codelists = codelists or CodeLists.load()
        self.after_job = after_job

    # -- assembly -----------------------------------------------------------------------------
    def _source_cfg(self, source_id: str) -> Any:
        try:
            return self.config.sources[source_id]
        except KeyError:
            raise HarvesterError(f"unknown source {source_id!r}; configured: "
                                 f"{', '.join(sorted(self.config.sources)) or '(none)'}") from None

    def build(self, source_id: str) -> tuple[Source, MappingEngine]:
        """Source and mapping engine for ``source_id``, both read fresh from configuration."""
        cfg = self._source_cfg(source_id)
        source = assembly.source_from_config(source_id, cfg, assembly.build_http_client(self.settings, cfg))
        mapping_path = cfg.mapping_path or assembly.resolve_mapping_path(
            cfg.type, cfg.mapping, base_dir=self.config.source_dir(source_id), mappings_dir=self.config.mappings_dir)
        engine = assembly.build_engine(mapping_path, self.codelists, mappings_dir=self.config.mappings_dir)
        return source, engine

    # -- the job ------------------------------------------------------------------------------
    def run(self, source_id: str, options: RunOptions | None = None) -> JobResult:
        """Run one job. Never raises for source or record problems: they end up in the result and store.

        With ``dry_run`` the job runs against a DryRunStore (writes stay in memory; the returned
        ``JobResult.store`` holds them for the push planner's preview) and ``after_job`` is not called.
        """
        opts = options or RunOptions()
        if opts.dry_run:
            from harvester.pipeline.dryrun import DryRunStore

            dry = HarvestRunner(self.config, DryRunStore(self.store), codelists=self.codelists)  # type: ignore[arg-type]
            return dry._run(source_id, dataclasses.replace(opts, dry_run=False))
        result = self._run(source_id, opts)
        if self.after_job is not None and result.job_id is not None:
            self.after_job(result, opts.stop)
        return result

    def _run(self, source_id: str, opts: RunOptions) -> JobResult:
        cfg = self._source_cfg(source_id)
        source, engine = self.build(source_id)
        running = self.store.running_job(source_id)
        if running is not None:
            return JobResult(source_id, None, "skipped", False, {},
                             error=f"job {running.id} of this source is still running")
        self.store.upsert_source(source_id, cfg.type, title=cfg.title, config_hash=self.config.config_hash(source_id),
                                 enabled=cfg.enabled)
        full = opts.full or self._full_listing_due(source_id, cfg)
        row = self.store.start_job(source_id, trigger=opts.trigger, full=full, mapping_hash=engine.hash)
        job = Job(source_id, row.id)
        logger.info("job %d: harvesting %s (%s, %s listing)", job.job_id, source_id, cfg.type,
                    "full" if full else "incremental")
        ctx = GatherContext(
            source_id=source_id,
            checkpoint=None if full else self.store.load_checkpoint(source_id, "watermark"),
            resume=self.store.load_checkpoint(source_id, "resume"),
            full=full,
            max_items=opts.max_items,
            validators=self.store.load_checkpoint(source_id, "http_validators") or {},
            on_page=lambda cursor: self.store.save_checkpoint(source_id, "resume", cursor, job_id=job.job_id),
        )
        remap = self._mapping_changed(source_id, engine.hash)
        stage = self.map_stage(source_id, engine)
        error: Optional[str] = None
        interrupted = False
        try:
            for ref in source.gather(ctx):
                if opts.stop.is_set():
                    interrupted = True
                    break
                self._handle_ref(job, source, stage, ref, remap=remap)
                if opts.progress is not None:
                    opts.progress(job.counts)
                if job.counts["gathered"] % HEARTBEAT_EVERY == 0:
                    self.store.heartbeat(job.job_id)
        except SourceError as exc:
            error = str(exc)
            job.issues.append((None, Issue(Severity.ERROR, "SOURCE-" + type(exc).__name__.upper(), str(exc),
                                           stage=Stage.GATHER, location=getattr(exc, "url", None))))
            logger.warning("job %d: %s", job.job_id, exc)
        finally:
            try:  # records already listed are fetched and stored whatever ended the listing ...
                if interrupted:  # ... but a stop request must not wait for up to LOOKUP_EVERY fetches:
                    job.waiting = []  # the job is incomplete, so the next run lists them again
                self._handle_waiting(job, source, stage, remap=remap)
                self.store_processed(job, stage.finish())
            finally:
                stage.close()
                source.http.close()
        return self._finish(job, source, ctx, cfg, full=full, error=error, interrupted=interrupted)

    def map_stage(self, source_id: str, engine: MappingEngine, *, workers: Optional[int] = None) -> MapStage:
        """The map → validate → score stage of one job of ``source_id`` (in-process until the job has
        mapped ``processing.parallel_after`` records, then in worker processes; see map_pool)."""
        processing = getattr(self.settings, "processing", None)
        recipe = ProcessRecipe(
            spec=engine.spec, codelists_dir=str(self.codelists.directory), base_uri=self.settings.base_uri,
            source_id=source_id,
            variables=assembly.mapping_variables(self.settings, self.config.sources[source_id], source_id),
            policy=assembly.sdi_policy(self.settings))
        if workers is None:
            workers = resolve_workers(getattr(processing, "map_workers", 0))
        return MapStage(recipe, recipe.build(self.codelists, engine), workers=workers,
                        parallel_after=getattr(processing, "parallel_after", 500))

    def _full_listing_due(self, source_id: str, cfg: Any) -> bool:
        """Full listing when there is no watermark yet, or every ``deletion.full_every`` runs."""
        if self.store.load_checkpoint(source_id, "watermark") is None:
            return True
        every = getattr(getattr(cfg, "deletion", None), "full_every", None)
        last_full = next((j for j in self.store.list_jobs(source_id, limit=200) if j.full and j.complete), None)
        if last_full is None:
            return True
        return bool(every) and self.store.count_jobs_since(source_id, ("done", "done_with_errors"), last_full.id) >= every

    def _mapping_changed(self, source_id: str, mapping_hash: str) -> bool:
        """True when the last complete job used another mapping: unchanged raw records are re-mapped."""
        last = self.store.last_complete_job(source_id)
        return last is None or last.mapping_hash != mapping_hash

    def _handle_ref(self, job: Job, source: Source, stage: MapStage, ref: RemoteRef, *, remap: bool) -> None:
        job.counts["gathered"] += 1
        if ref.deleted:
            job.announced_deleted.add(ref.remote_id)
            return
        if ref.remote_id in job.seen:
            job.counts["duplicate"] += 1  # same id twice in one listing (paging shift): first one wins
            return
        job.seen.add(ref.remote_id)
        if ref.id_is_fallback:
            job.issues.append((ref.remote_id, Issue(
                Severity.WARNING, "ID-FALLBACK", "record has no stable identifier; derived from its content",
                stage=Stage.GATHER, remote_id=ref.remote_id, hint_id="Beri setiap dataset ID yang tetap.",
                hint_en="Give every dataset a stable identifier.")))
        job.waiting.append(ref)
        if len(job.waiting) >= LOOKUP_EVERY:
            self._handle_waiting(job, source, stage, remap=remap)

    def _handle_waiting(self, job: Job, source: Source, stage: MapStage, *, remap: bool) -> None:
        """Look the waiting refs' records up in one query, then fetch each and map what changed."""
        refs, job.waiting = job.waiting, []
        if not refs:
            return
        known = self.store.get_records(job.source_id, [ref.remote_id for ref in refs])
        for ref in refs:
            prev = known.get(ref.remote_id)
            try:
                record = source.fetch(ref)
            except (RecordError, SourceError) as exc:  # one record's fetch failing does not end the listing
                self._record_failed(job, ref.remote_id, Stage.FETCH, "FETCH-FAILED", str(exc))
                continue
            if prev is not None and not remap and prev.status == "current" and prev.content_hash == record.content_hash:
                job.pending_touch.append(ref.remote_id)
                job.counts[Action.UNCHANGED.value] += 1
            else:
                self.store_processed(job, stage.submit((ref, record, prev), record))
            if len(job.pending) + len(job.pending_touch) >= FLUSH_EVERY:
                self.flush(job)

    def store_processed(self, job: Job, done: list[tuple[tuple[RemoteRef, SourceRecord, Optional[RecordRow]],
                                                           Processed]]) -> None:
        """Buffer the rows, raw bytes, scores and issues of processed records (shared by remap)."""
        for (ref, record, prev), processed in done:
            self._store_one(job, ref, record, prev, processed)

    def _store_one(self, job: Job, ref: RemoteRef, record: SourceRecord, prev: Optional[RecordRow],
                   out: Processed) -> None:
        now = datetime.now(timezone.utc)
        if out.status == "current":
            action = classify(prev.status if prev else None, prev.mapped_hash if prev else None, out.mapped_hash)
        else:
            action = Action.INVALID
        changed = action in (Action.CREATED, Action.UPDATED) or prev is None or prev.status != out.status
        # A record that turned invalid keeps the identity it had: the change feed's tombstone must name
        # the URI consumers know, and status pages the title and OPD operators know.
        kept = prev if out.status == "invalid" and prev is not None else None
        row = RecordRow(
            source_id=job.source_id, remote_id=ref.remote_id, status=out.status, remote_modified=ref.modified,
            content_hash=record.content_hash, mapped_hash=out.mapped_hash, dataset_json=out.dataset_json,
            stable_uri=out.stable_uri or (kept.stable_uri if kept else None),
            title=out.title or (kept.title if kept else None), access_rights=out.access_rights,
            organisation=out.organisation or (kept.organisation if kept else None), kode_pemda=out.kode_pemda,
            modified=out.modified, page_url=ref.url,
            first_seen=prev.first_seen if prev else now, last_seen=now,
            updated_at=now if changed else (prev.updated_at if prev else now), deleted_at=None,
            last_job_id=job.job_id, id_is_fallback=ref.id_is_fallback,
        )
        raw = RawRecord(job.source_id, ref.remote_id, record.media_type, record.content, record.content_hash,
                        record.url, record.fetched_at)
        job.pending.append((row, raw))
        job.counts[action.value] += 1
        if out.score is not None:  # quality score at harvest time (issue: reports)
            job.scores.append((ref.remote_id, out.score))
        for issue in out.issues:
            job.issues.append((ref.remote_id, issue))

    def flush(self, job: Job) -> None:
        """Write the buffered records and 'seen unchanged' marks of ``job``."""
        if job.pending:
            self.store.save_records(job.pending)
            job.pending = []
        if job.pending_touch:
            self.store.touch_records(job.source_id, job.pending_touch, job.job_id)
            job.pending_touch = []

    def _record_failed(self, job: Job, remote_id: str, stage: Stage, code: str, message: str) -> None:
        job.counts["failed"] += 1
        job.issues.append((remote_id, Issue(Severity.ERROR, code, message, stage=stage, remote_id=remote_id)))

    # -- end of job -----------------------------------------------------------------------------
    def _finish(self, job: Job, source: Source, ctx: GatherContext, cfg: Any, *, full: bool,
                error: Optional[str], interrupted: bool) -> JobResult:
        sid = job.source_id
        self.flush(job)
        for issue in ctx.issues:
            job.issues.append((issue.remote_id, issue))
        if ctx.unchanged_pages:  # 304 pages: their records are seen and unchanged
            on_pages = self.store.ids_on_pages(sid, ctx.unchanged_pages) - job.seen
            self.store.touch_records(sid, on_pages, job.job_id)
            job.seen |= on_pages
            job.counts[Action.UNCHANGED.value] += len(on_pages)
        self.store.save_checkpoint(sid, "http_validators", ctx.validators or None, job_id=job.job_id)
        complete = error is None and not interrupted and ctx.complete
        plan: Optional[DeletionPlan] = None
        status = "failed" if error else "interrupted" if interrupted else "done"
        if complete:
            policy = DeletionPolicy(**_deletion_kwargs(cfg))
            plan = plan_deletions(known_ids=self.store.known_ids(sid), seen_ids=job.seen,
                                  announced_deleted=job.announced_deleted, full_listing=full, policy=policy)
            if plan.held:
                self.store.save_checkpoint(sid, PENDING_DELETIONS, {"job_id": job.job_id, "ids": list(plan.remote_ids),
                                                                    "reason": plan.reason}, job_id=job.job_id)
                job.issues.append((None, Issue(Severity.WARNING, "DELETE-HELD", plan.reason + "; run `harvester "
                                               f"confirm-deletions {job.job_id}` to apply", stage=Stage.DELETE)))
                status = "needs_confirmation"
            elif plan.remote_ids:
                job.counts["deleted"] += self.store.mark_deleted(sid, plan.remote_ids, job.job_id)
            self.store.save_checkpoint(sid, "watermark", source.checkpoint(), job_id=job.job_id)
            self.store.save_checkpoint(sid, "resume", None, job_id=job.job_id)
        self.store_issues(job)
        self.record_quality(job)
        severities = Counter(issue.severity.value for _, issue in job.issues)
        if status == "done" and (job.counts["invalid"] or job.counts["failed"] or not ctx.complete):
            status = "done_with_errors"
        stats = dict(job.counts) | {"issues_" + k: v for k, v in severities.items()}
        row = self.store.finish_job(job.job_id, status=status, stats=stats, complete=complete, error=error)
        logger.info("job %d (%s): %s %s", job.job_id, sid, row.status, stats)
        return JobResult(sid, job.job_id, row.status, complete, stats, plan, error, store=self.store)

    def store_issues(self, job: Job) -> None:
        """Persist the job's issues under the record they belong to (the source's remote id: rules may
        have named the dataset by its dct:identifier, which is not how the store keys records)."""
        issues = [dataclasses.replace(issue, remote_id=remote_id)
                  if remote_id is not None and issue.remote_id != remote_id else issue
                  for remote_id, issue in job.issues]
        # One call: the store inserts them a few hundred per statement in one transaction (an issue's
        # own remote_id is what it is stored under).
        self.store.add_issues(issues, job_id=job.job_id, source_id=job.source_id)

    def record_quality(self, job: Job) -> None:
        """Append the job's dataset scores to the quality history (a failure here never fails the job)."""
        if not job.scores or getattr(self.store, "dry_run", False):
            return
        try:
            record_scores(self.store, job.job_id, job.source_id, job.scores, config=self.config,
                          codelists=self.codelists)
        except Exception:  # noqa: BLE001 - scores are derived data; the harvest itself succeeded
            logger.exception("job %d: quality scores not recorded", job.job_id)

    def confirm_deletions(self, job_id: int) -> int:
        """Apply the deletions the circuit breaker held for ``job_id``. Returns how many were applied."""
        job = self.store.get_job(job_id)
        if job is None:
            raise HarvesterError(f"no job {job_id}")
        pending = self.store.load_checkpoint(job.source_id, PENDING_DELETIONS)
        if not pending or pending.get("job_id") != job_id:
            raise HarvesterError(f"job {job_id} has no deletions waiting for confirmation")
        count = self.store.mark_deleted(job.source_id, pending["ids"], job_id)
        self.store.save_checkpoint(job.source_id, PENDING_DELETIONS, None)
        self.store.finish_job(job_id, status="done", stats=dict(job.stats or {}, deleted=count, confirmed_by=os.getenv("USER", "cli")),
                              complete=True)
        return count


def _deletion_kwargs(cfg: Any) -> dict[str, Any]:
    deletion = getattr(cfg, "deletion", None)
    if deletion is None:
        return {}
    out = {}
    for key in ("max_ratio", "max_count"):
        value = getattr(deletion, key, None)
        if value is not None:
            out[key] = value
    return out

