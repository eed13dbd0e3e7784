"""Run ``RecordProcessor.process`` for a job's records in worker processes, results in order.

Mapping, validating and scoring a record is pure CPU work that takes as long as gathering it, and
Python runs it on one core at a time. ``MapStage`` lets the runner keep gathering and storing in its
own process while worker processes map: on a 2-core server a big catalogue is harvested almost twice
as fast. Small jobs never pay for it: records are processed in-process until ``parallel_after``
records of the job needed mapping, and only then are the workers started.

Order and back-pressure: records are sent in batches; results come back in submission order (the
runner's counts, issues and stored rows are the same as with in-process mapping), and at most
``2 × workers`` batches are in flight, so memory stays bounded whatever the source's size.

Processes are started with ``forkserver`` on Linux (forking the threaded daemon directly could copy
a lock held by another thread) and ``spawn`` elsewhere; each worker builds its processor once from
the job's picklable ``ProcessRecipe``.

Failure behaviour: if the pool cannot start or breaks (a worker killed, a result that cannot be
sent back), the affected batches are processed in-process, a warning is logged and the rest of the
job runs in-process: no record is lost or processed twice. An exception raised by ``process`` itself
(a bug: bad records never raise) is re-raised in the runner, as in-process mapping would.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import sys
from collections import deque
from concurrent.futures import Future, ProcessPoolExecutor
from typing import Any, Iterator, Optional

from harvester.model.record import SourceRecord
from harvester.pipeline.processing import ProcessRecipe, Processed, RecordProcessor

logger = logging.getLogger(__name__)

BATCH = 32  # records per task: amortises the inter-process round trip, keeps ordering latency low

_worker: Optional[RecordProcessor] = None  # the processor of a worker process


def _init_worker(recipe: ProcessRecipe) -> None:
    global _worker
    _worker = recipe.build()


def _process_batch(records: list[SourceRecord]) -> list[Processed]:
    assert _worker is not None, "worker started without a recipe"
    return [_worker.process(record) for record in records]


def resolve_workers(setting: int | str | None, cpus: int | None = None) -> int:
    """Worker processes for a setting: an int as is; ``auto``: one per CPU beyond the first (max 8),
    and none on a machine of one or two CPUs, where the job's own process (gathering, storing, issues,
    quality history) keeps one CPU busy and a worker gains nothing (bench/bench_runner.py: 1.03x with
    one worker, 0.84x with two, on 2 CPUs)."""
    if setting is None or setting == "auto":
        cpus = cpus or os.cpu_count() or 1
        return 0 if cpus <= 2 else min(8, cpus - 1)
    return max(0, int(setting))


def _context() -> Any:
    if sys.platform.startswith("linux"):
        ctx = multiprocessing.get_context("forkserver")
        # Workers fork from a server that has already imported the pipeline: starting one is cheap.
        ctx.set_forkserver_preload(["harvester.pipeline.processing"])
        return ctx
    return multiprocessing.get_context("spawn")


class MapStage:
    """Processes a job's records in submission order, in-process or in ``workers`` processes.

    ``submit(item, record)`` queues one record with an opaque ``item`` (the runner's bookkeeping) and
    returns the ``(item, Processed)`` pairs finished so far; ``finish()`` returns the rest; ``close()``
    stops the workers (also when the job failed). Not thread-safe: one stage per job.
    """

    def __init__(self, recipe: ProcessRecipe, processor: RecordProcessor, *, workers: int = 0,
                 parallel_after: int = 500, batch: int = BATCH) -> None:
        self.recipe, self.processor = recipe, processor
        self.workers, self.parallel_after, self.batch = workers, parallel_after, batch
        self.submitted = 0
        self.parallel_records = 0  # how many records worker processes processed (for logs and tests)
        self._pool: Optional[ProcessPoolExecutor] = None
        self._broken = workers <= 0
        self._open: list[tuple[Any, SourceRecord]] = []
        self._in_flight: deque[tuple[Future[list[Processed]], list[tuple[Any, SourceRecord]]]] = deque()

    @property
    def parallel(self) -> bool:
        """True while worker processes are in use."""
        return self._pool is not None and not self._broken

    def submit(self, item: Any, record: SourceRecord) -> list[tuple[Any, Processed]]:
        self.submitted += 1
        if self.parallel or self._start_if_due():
            self._open.append((item, record))
            if len(self._open) >= self.batch:
                self._send()
            return list(self._collect(block=len(self._in_flight) > 2 * self.workers))
        return self._drain_in_process() + [(item, self.processor.process(record))]

    def finish(self) -> list[tuple[Any, Processed]]:
        """Everything still queued or in flight, processed, in order."""
        if self._open and self.parallel:
            self._send()
        return self._drain_in_process()

    def worker_pids(self) -> list[int]:
        """Process ids of the running workers (for metrics and benchmarks); empty when in-process."""
        processes = getattr(self._pool, "_processes", None) or {}
        return sorted(processes)

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None

    # -- internals ------------------------------------------------------------------------------
    def _start_if_due(self) -> bool:
        if self._broken or self.submitted <= self.parallel_after:
            return False
        try:
            self._pool = ProcessPoolExecutor(self.workers, mp_context=_context(), initializer=_init_worker,
                                             initargs=(self.recipe,))
        except (OSError, ValueError, RuntimeError) as exc:
            logger.warning("%s: cannot start %d mapping workers (%s); mapping in-process",
                           self.recipe.source_id, self.workers, exc)
            self._broken = True
            return False
        logger.info("%s: mapping in %d worker processes from record %d on", self.recipe.source_id,
                    self.workers, self.submitted)
        return True

    def _send(self) -> None:
        batch, self._open = self._open, []
        assert self._pool is not None
        try:
            future = self._pool.submit(_process_batch, [record for _, record in batch])
        except Exception as exc:  # noqa: BLE001 - BrokenProcessPool, "after shutdown", a fork that failed
            future = Future()
            future.set_exception(exc)
        self._in_flight.append((future, batch))

    def _drain_in_process(self) -> list[tuple[Any, Processed]]:
        """Results of the batches in flight, then of records not yet sent (processed here), in order."""
        out = list(self._collect(block=True, everything=True))
        out.extend((item, self.processor.process(record)) for item, record in self._open)
        self._open = []
        return out

    def _collect(self, *, block: bool, everything: bool = False) -> Iterator[tuple[Any, Processed]]:
        """Finished batches from the front of the queue; with ``block`` wait for the oldest one
        (``everything``: for all)."""
        while self._in_flight:
            future, batch = self._in_flight[0]
            if not (block or future.done()):
                return
            self._in_flight.popleft()
            yield from zip((item for item, _ in batch), self._result(future, batch))
            if not everything:
                block = False

    def _result(self, future: Future[list[Processed]], batch: list[tuple[Any, SourceRecord]]) -> list[Processed]:
        try:
            results = future.result()
        except Exception as exc:  # noqa: BLE001 - a broken pool or a failure inside the worker
            if not self._broken:
                logger.warning("%s: mapping worker failed (%s: %s); mapping the rest of the job in-process",
                               self.recipe.source_id, type(exc).__name__, exc)
                self._broken = True
            # In-process now: a real bug in process() raises here exactly as without workers.
            return [self.processor.process(record) for _, record in batch]
        self.parallel_records += len(results)
        return results
