"""Run ``RecordProcessor.process`` for a job's records in worker processes, results in order.

Mapping, validating and scoring a record is pure CPU work that takes as long as gathering it, and
Python runs it on one core at a time. ``MapStage`` lets the runner keep gathering and storing in its
own process while worker processes map, which pays where the machine has CPUs to spare (see
``resolve_workers``). Small jobs never pay for it: records are processed in-process until
``parallel_after`` records of the job needed mapping, and only then are the workers started.

Work sharing: records go out in batches of ``batch``; each worker holds at most two (one running,
one waiting). When every worker holds two, the job keeps up to ``backlog`` records unsent (a burst
of records the runner looks up and fetches together waits for the workers instead of slowing the
job down), and beyond that maps the oldest one itself, one record per record it submits (no
pickling either way). So the job never sits idle waiting for the workers while it has records,
maps only while they are behind, and sends them a batch as soon as one can take it.

Order and back-pressure: results come back in submission order (records mapped in the job's process
wait behind older ones still in the workers; the runner's counts, issues and stored rows are the
same as with in-process mapping). Once more than ``(4 × workers + 2) × batch`` records are in
flight the job waits for the oldest batch (with its backlog it holds at most about
``(4 × workers + 6) × batch`` records), so memory stays bounded whatever the source's size.

Transport: each worker has a task pipe and a result pipe, and the job's own thread does all the
reading and writing, between two records. There are no helper threads: a concurrent.futures pool
moves batches in threads that must win the GIL back from the busy job thread at every step, and
with the job busy its worker sat idle 30-60 % of the time, waiting for work or for its results to
be taken (bench_runner, one worker). Pipes are widened to 1 MB on Linux so that a batch (~0.5 MB of
rich DCAT records) goes in one write. A worker is given a second batch only when it fits in its task
pipe, so the job never blocks writing to a worker that is itself blocked writing a result.

Processes are started with ``forkserver`` on Linux (forking the threaded daemon directly could copy
a lock held by another thread) and ``spawn`` elsewhere; each worker builds its processor once from
the job's picklable ``ProcessRecipe``.

Failure behaviour: if a worker cannot start or breaks (it dies, cannot build its processor, a batch
or a result cannot be pickled), the batches it had not answered are processed in-process, a warning
is logged, the workers are stopped and the rest of the job runs in-process: no record is lost or
processed twice. An exception raised by ``process`` itself (a bug: bad records never raise) is
re-raised in the runner, as in-process mapping would.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import pickle
import sys
from collections import deque
from dataclasses import dataclass, field
from typing import Any, Optional

from harvester.model.record import SourceRecord
from harvester.pipeline.processing import ProcessRecipe, Processed, RecordProcessor

logger = logging.getLogger(__name__)

BATCH = 32  # records per task: amortises the inter-process round trip, keeps ordering latency low
PIPE_BYTES = 1 << 20  # Linux's default limit for an unprivileged pipe (/proc/sys/fs/pipe-max-size)
SMALL_PIPE = 16 * 1024  # what any POSIX pipe holds (macOS starts at 16 KB)
STOP_SECONDS = 5.0  # how long close() lets a worker finish its batch before killing it


def resolve_workers(setting: int | str | None, cpus: int | None = None) -> int:
    """Worker processes for a setting: an int as is; ``auto``: one per CPU beyond the first (max 8),
    and none on a machine of one or two CPUs, where the job's own process (gathering, storing, issues,
    quality history) keeps one CPU busy and a worker gains too little for its memory
    (bench/bench_runner.py on a shared 2-CPU machine: 1.04-1.25x, median 1.14x, with one worker,
    0.97-1.12x with two; each worker adds 120-145 MB of peak RSS)."""
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


def _widen(conn: Any) -> int:
    """Give a pipe ``PIPE_BYTES`` where the OS allows it (Linux); returns what it holds."""
    if not sys.platform.startswith("linux"):
        return SMALL_PIPE
    import fcntl

    try:
        return fcntl.fcntl(conn.fileno(), fcntl.F_SETPIPE_SZ, PIPE_BYTES)
    except OSError:  # a lower limit (pipe-max-size, the user's pipe pages): keep what it has
        return fcntl.fcntl(conn.fileno(), fcntl.F_GETPIPE_SZ)


def _serve(recipe: ProcessRecipe, tasks: Any, results: Any) -> None:
    """A worker process: answers each pickled batch of records with ``(True, [Processed])``, or
    ``(False, reason)`` when it cannot (then the job maps that batch itself). Ends at end of input."""
    try:
        processor = recipe.build()
    except Exception as exc:  # noqa: BLE001 - reported to the job, which maps in-process
        try:
            results.send_bytes(pickle.dumps((False, f"cannot build the processor: {type(exc).__name__}: {exc}")))
        except OSError:  # the job is gone
            pass
        return
    while True:
        try:
            records = pickle.loads(tasks.recv_bytes())
        except EOFError:  # the job closed the pipe: done
            return
        try:
            answer = pickle.dumps((True, [processor.process(record) for record in records]), pickle.HIGHEST_PROTOCOL)
        except Exception as exc:  # noqa: BLE001 - a bug in process() or an unpicklable result
            answer = pickle.dumps((False, f"{type(exc).__name__}: {exc}"))
        try:
            results.send_bytes(answer)
        except OSError:  # the job is gone or stopped us
            return


@dataclass
class _Batch:
    """Records in flight, in submission order: sent to ``worker``, or mapped in the job's process."""

    items: list[tuple[Any, SourceRecord]]
    worker: Optional["_Worker"] = None
    results: Optional[list[Processed]] = None  # set when answered (or mapped here)
    failed: Optional[str] = None  # why a worker did not answer: mapped in-process when collected

    @property
    def done(self) -> bool:
        return self.results is not None or self.failed is not None


@dataclass
class _Worker:
    """One worker process, its pipes and the batches it has not answered yet (oldest first)."""

    process: Any
    tasks: Any  # our end of its task pipe
    results: Any  # our end of its result pipe
    room: int  # bytes its task pipe holds
    sent: deque[_Batch] = field(default_factory=deque)

    @classmethod
    def start(cls, ctx: Any, recipe: ProcessRecipe, number: int) -> "_Worker":
        task_out, task_in = ctx.Pipe(duplex=False)
        result_out, result_in = ctx.Pipe(duplex=False)
        process = ctx.Process(target=_serve, args=(recipe, task_out, result_in), daemon=True,
                              name=f"map-worker-{recipe.source_id}-{number}")
        try:
            process.start()
        except BaseException:
            task_in.close()
            result_out.close()
            raise
        finally:  # the worker's ends: its own copies are all it needs
            task_out.close()
            result_in.close()
        _widen(result_out)
        return cls(process, task_in, result_out, _widen(task_in))

    def can_take(self, size: int) -> bool:
        """A first batch always; a second one only if it fits in the task pipe once the worker has read
        the first (with a page for the message header): writing it then never waits for the worker."""
        return not self.sent or (len(self.sent) == 1 and size + 4096 <= self.room)

    def receive(self, block: bool) -> bool:
        """Read one answer (waiting for it with ``block``) into the oldest batch sent; False when none
        was ready. Raises OSError/EOFError/pickle errors when the worker broke."""
        if not (block or self.results.poll()):
            return False
        ok, payload = pickle.loads(self.results.recv_bytes())
        batch = self.sent.popleft()
        if not ok:
            batch.failed = payload
            raise OSError(payload)
        batch.results = payload
        return True

    def stop(self) -> None:
        for conn in (self.tasks, self.results):
            conn.close()
        self.process.join(STOP_SECONDS)
        if self.process.is_alive():
            self.process.kill()
            self.process.join()


class MapStage:
    """Processes a job's records in submission order, in-process or in ``workers`` processes (sharing
    the work with the job's own process while they are busy, see the module docstring).

    ``submit(item, record)`` queues one record with an opaque ``item`` (the runner's bookkeeping) and
    returns the ``(item, Processed)`` pairs finished so far; ``finish()`` returns the rest; ``close()``
    stops the workers (also when the job failed). Not thread-safe: one stage per job.

    Counts (for logs and tests): ``parallel_records`` were processed in worker processes,
    ``shared_records`` in the job's process while the workers were in use; the others
    (``submitted`` minus both, once finished) in-process before the workers started or after they broke.
    """

    def __init__(self, recipe: ProcessRecipe, processor: RecordProcessor, *, workers: int = 0,
                 parallel_after: int = 500, batch: int = BATCH) -> None:
        self.recipe, self.processor = recipe, processor
        self.workers, self.parallel_after, self.batch = workers, parallel_after, batch
        self.submitted = 0
        self.parallel_records = 0  # processed by worker processes
        self.shared_records = 0  # processed in the job's process while the workers were busy
        self.waits = 0  # times the job waited for a worker because ``max_in_flight`` was reached
        self.pool_depth = 2 * max(workers, 0) * batch  # records the workers hold when all are busy
        # Records the job keeps unsent while the workers are busy (a burst of records it lists or
        # fetches together waits for them) before it maps the oldest itself.
        self.backlog = 2 * batch
        # Room for the job's own results behind the oldest batch still in a worker.
        self.max_in_flight = (4 * max(workers, 0) + 2) * batch
        self.peak_in_flight = 0  # most records ever in flight (<= max_in_flight + backlog + 1)
        self._workers: list[_Worker] = []
        self._started = False
        self._broken = workers <= 0
        self._open: list[tuple[Any, SourceRecord]] = []
        self._in_flight: deque[_Batch] = deque()  # oldest first
        self._in_flight_records = 0

    @property
    def parallel(self) -> bool:
        """True while worker processes are in use."""
        return bool(self._workers) and not self._broken

    def submit(self, item: Any, record: SourceRecord) -> list[tuple[Any, Processed]]:
        self.submitted += 1
        if self.parallel or self._start_if_due():
            self._open.append((item, record))
            self._share(self.backlog)
            return self._collect()
        return self._drain_in_process() + [(item, self.processor.process(record))]

    def finish(self) -> list[tuple[Any, Processed]]:
        """Everything still queued or in flight, processed, in order (what the workers cannot take now
        is mapped here while they finish)."""
        if self.parallel:
            self._share(0)
        return self._drain_in_process()

    def worker_pids(self) -> list[int]:
        """Process ids of the running workers (for metrics and benchmarks); empty when in-process."""
        return sorted(w.process.pid for w in self._workers if w.process.pid)

    def close(self) -> None:
        """Stops the workers: each finishes the batch it is on (at most ``STOP_SECONDS``), then exits."""
        if self._started:
            logger.info("%s: %d of %d records mapped in worker processes, %d alongside them in the job's "
                        "process (waited for the workers %d times)", self.recipe.source_id, self.parallel_records,
                        self.submitted, self.shared_records, self.waits)
        self._stop_workers(graceful=True)

    # -- internals ------------------------------------------------------------------------------
    def _start_if_due(self) -> bool:
        if self._broken or self.submitted <= self.parallel_after:
            return False
        self._started = True
        try:
            ctx = _context()
            for number in range(self.workers):
                self._workers.append(_Worker.start(ctx, self.recipe, number))
        except Exception as exc:  # noqa: BLE001 - no processes, no pipes, a recipe that cannot be sent
            logger.warning("%s: cannot start %d mapping workers (%s); mapping in-process",
                           self.recipe.source_id, self.workers, exc)
            self._broken = True
            self._stop_workers(graceful=False)
            return False
        logger.info("%s: mapping in %d worker processes from record %d on", self.recipe.source_id,
                    self.workers, self.submitted)
        return True

    def _workers_busy(self) -> bool:
        """Every worker holds two batches (after taking in the answers that are ready)."""
        self._receive()
        return self.parallel and all(len(w.sent) >= 2 for w in self._workers)

    def _share(self, backlog: int) -> None:
        """Send full batches of the open records while a worker can take one (``backlog`` 0: whatever
        is open); while none can and more than ``backlog`` records wait, map the oldest here, one at a
        time. A bug in process() raises here, as in-process mapping would."""
        while self._open:
            if not self._workers_busy():
                if backlog and len(self._open) < self.batch:
                    break
                self._send(self._queue(_Batch(self._open[:self.batch])))
                del self._open[:self.batch]
            elif len(self._open) > backlog:
                self._map_here(self._open.pop(0))
            else:
                break
        self.peak_in_flight = max(self.peak_in_flight, self._in_flight_records)

    def _map_here(self, entry: tuple[Any, SourceRecord]) -> None:
        processed = self.processor.process(entry[1])
        last = self._in_flight[-1] if self._in_flight else None
        if last is not None and last.worker is None and last.results is not None:
            last.items.append(entry)  # one entry for consecutive records mapped here
            last.results.append(processed)
            self._in_flight_records += 1
        else:
            self._queue(_Batch([entry], results=[processed]))

    def _queue(self, batch: _Batch) -> _Batch:
        self._in_flight.append(batch)
        self._in_flight_records += len(batch.items)
        return batch

    def _send(self, batch: _Batch) -> None:
        """To the least busy worker; a batch too big to wait in its pipe waits for its answer first."""
        if not self.parallel:
            batch.failed = "workers stopped"
            return
        worker = min(self._workers, key=lambda w: len(w.sent))
        try:
            payload = pickle.dumps([record for _, record in batch.items], pickle.HIGHEST_PROTOCOL)
            while not worker.can_take(len(payload)):
                worker.receive(block=True)
            batch.worker = worker
            worker.sent.append(batch)
            worker.tasks.send_bytes(payload)
        except Exception as exc:  # noqa: BLE001 - a dead worker, an unpicklable record
            batch.failed = batch.failed or f"{type(exc).__name__}: {exc}"
            self._break(exc)

    def _receive(self) -> None:
        """Take in every answer that is ready."""
        try:
            for worker in self._workers:
                while worker.sent and worker.receive(block=False):
                    pass
        except Exception as exc:  # noqa: BLE001 - a dead worker, an answer that cannot be read
            self._break(exc)

    def _wait_for(self, batch: _Batch) -> None:
        worker = batch.worker
        assert worker is not None, "a batch mapped here is always done"
        try:
            while not batch.done:  # the worker answers in order: this batch is the oldest it holds
                worker.receive(block=True)
        except Exception as exc:  # noqa: BLE001 - as in _receive
            self._break(exc)

    def _break(self, exc: BaseException) -> None:
        """A worker failed: the batches no worker answered are mapped in-process when collected."""
        if not self._broken:
            logger.warning("%s: mapping worker failed (%s: %s); mapping the rest of the job in-process",
                           self.recipe.source_id, type(exc).__name__, exc)
            self._broken = True
        for worker in self._workers:
            for batch in worker.sent:
                batch.failed = batch.failed or "worker stopped"
            worker.sent.clear()
        self._stop_workers(graceful=False)  # their unanswered batches are redone here

    def _stop_workers(self, *, graceful: bool) -> None:
        workers, self._workers = self._workers, []
        for worker in workers:
            if not graceful and worker.process.is_alive():
                worker.process.kill()
            worker.stop()

    def _drain_in_process(self) -> list[tuple[Any, Processed]]:
        """Results of the batches in flight, then of records not yet sent, in order. The unsent ones are
        processed first, here, while the workers finish theirs."""
        opened, self._open = self._open, []
        tail = [(item, self.processor.process(record)) for item, record in opened]
        if self.parallel:
            self.shared_records += len(tail)
        return self._collect(everything=True) + tail

    def _collect(self, *, everything: bool = False) -> list[tuple[Any, Processed]]:
        """Finished batches from the front of the queue, waiting for the oldest while more than
        ``max_in_flight`` records are in flight (``everything``: waiting for all)."""
        self._receive()
        out: list[tuple[Any, Processed]] = []
        while self._in_flight:
            batch = self._in_flight[0]
            if not batch.done:
                if not (everything or self._in_flight_records > self.max_in_flight):
                    break
                self.waits += not everything
                self._wait_for(batch)
            self._in_flight.popleft()
            self._in_flight_records -= len(batch.items)
            out.extend(zip((item for item, _ in batch.items), self._results(batch)))
        return out

    def _results(self, batch: _Batch) -> list[Processed]:
        if batch.failed is not None or batch.results is None:
            # In-process now: a real bug in process() raises here exactly as without workers.
            return [self.processor.process(record) for _, record in batch.items]
        if batch.worker is not None:
            self.parallel_records += len(batch.results)
        else:
            self.shared_records += len(batch.results)
        return batch.results
