"""``harvester remap SOURCE``: re-run the current mapping over stored raw records, without refetching.

Used after an admin changed a mapping or a code list. It records a job (trigger ``remap``) with the
usual counts; it never deletes records (it did not list the source) and never moves checkpoints.
"""

from __future__ import annotations

import logging

from harvester.model.record import RemoteRef, SourceRecord
from harvester.pipeline.map_pool import MapStage
from harvester.pipeline.runner import FLUSH_EVERY, HarvestRunner, Job, JobResult

logger = logging.getLogger(__name__)


def remap_source(runner: HarvestRunner, source_id: str) -> JobResult:
    """Re-map every stored raw record of ``source_id``; returns the job's result."""
    store = runner.store
    _source, engine = runner.build(source_id)
    _source.http.close()
    row = store.start_job(source_id, trigger="remap", mapping_hash=engine.hash)
    job = Job(source_id, row.id)
    stage = runner.map_stage(source_id, engine)
    try:
        _remap_all(runner, job, stage)
    finally:
        stage.close()
    runner.store_issues(job)
    runner.record_quality(job)
    status = "done_with_errors" if job.counts["invalid"] else "done"
    finished = store.finish_job(job.job_id, status=status, stats=dict(job.counts), complete=False)
    logger.info("remap of %s: %s %s", source_id, finished.status, dict(job.counts))
    return JobResult(source_id, job.job_id, finished.status, False, dict(job.counts))


def _remap_all(runner: HarvestRunner, job: Job, stage: MapStage) -> None:
    store, source_id = runner.store, job.source_id
    for raw in store.iter_raw(source_id):
        prev = store.get_record(source_id, raw.remote_id)
        if prev is None or prev.status == "deleted":
            continue
        job.counts["gathered"] += 1
        ref = RemoteRef(raw.remote_id, modified=prev.remote_modified, url=prev.page_url,
                        id_is_fallback=prev.id_is_fallback)
        record = SourceRecord(source_id, raw.remote_id, raw.media_type, raw.content, url=raw.url,
                              fetched_at=raw.fetched_at)
        runner.store_processed(job, stage.submit((ref, record, prev), record))
        if len(job.pending) >= FLUSH_EVERY:
            runner.flush(job)
    runner.store_processed(job, stage.finish())
    runner.flush(job)
