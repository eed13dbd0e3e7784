"""Several threads on one Store: readers during a write transaction, parallel writers."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

from harvester.store import RecordRow, Store
from tests.store.conftest import FakeClock


def test_reader_not_blocked_while_writer_holds_transaction(store: Store) -> None:
    """WAL on SQLite (MVCC on PostgreSQL): the feed reads the last committed state while a job
    writes, and sees the new rows right after the commit."""
    store.save_records(RecordRow("kota", f"old{n}", dataset_json="{}") for n in range(50))
    in_txn = threading.Event()
    release = threading.Event()
    errors: list[BaseException] = []

    def writer() -> None:
        try:
            with store.batch():
                store.save_records(RecordRow("kota", f"new{n}", dataset_json="{}") for n in range(50))
                in_txn.set()
                release.wait(20)
        except BaseException as exc:  # noqa: BLE001 - asserted in the main thread below
            errors.append(exc)
            in_txn.set()

    thread = threading.Thread(target=writer)
    thread.start()
    assert in_txn.wait(20)
    started = time.monotonic()
    during = store.count_datasets()
    streamed = sum(1 for _ in store.iter_datasets())
    elapsed = time.monotonic() - started
    release.set()
    thread.join(20)
    assert errors == []
    assert (during, streamed) == (50, 50)  # uncommitted rows are invisible
    assert elapsed < 2.0  # not waiting for the writer's lock
    assert store.count_datasets() == 100


def test_stream_keeps_snapshot_while_writer_commits(store: Store) -> None:
    store.save_records(RecordRow("kota", f"r{n:04d}", dataset_json="{}") for n in range(1200))
    stream = store.iter_datasets()
    first = next(stream)
    with ThreadPoolExecutor(1) as pool:
        pool.submit(store.save_records, (RecordRow("kota", f"s{n:04d}", dataset_json="{}") for n in range(300))).result(20)
    rest = list(stream)
    assert first.remote_id == "r0000" and len(rest) == 1199  # the stream's snapshot predates the commit
    assert store.count_datasets() == 1500


def test_parallel_writers_do_not_fail(store: Store, clock: FakeClock) -> None:
    """Job threads writing at once queue on the write lock instead of failing 'database is locked'."""
    sources = [f"s{n}" for n in range(4)]
    for source_id in sources:
        store.upsert_source(source_id, "ckan-api", title=None, config_hash="h", enabled=True)

    def run(source_id: str) -> int:
        job = store.start_job(source_id, trigger="schedule")
        for chunk in range(5):
            with store.batch():
                for n in range(20):
                    store.save_record(RecordRow(source_id, f"{chunk}-{n}", dataset_json="{}"))
            store.heartbeat(job.id)
            store.touch_records(source_id, [f"{chunk}-{n}" for n in range(20)], job.id)
        store.finish_job(job.id, status="done", stats={"n": 100}, complete=True)
        return len(store.known_ids(source_id))

    with ThreadPoolExecutor(len(sources)) as pool:
        counts = list(pool.map(run, sources))
    assert counts == [100] * len(sources)
    assert all(j.status == "done" for j in store.list_jobs())


def test_only_one_thread_wins_start_job(store: Store) -> None:
    n_threads = 3
    barrier = threading.Barrier(n_threads)

    def attempt(_: int) -> str:
        barrier.wait()
        try:
            store.start_job("kota", trigger="schedule")
            return "started"
        except Exception as exc:  # noqa: BLE001 - the losers must get JobAlreadyRunning, nothing else
            return type(exc).__name__

    with ThreadPoolExecutor(n_threads) as pool:
        outcomes = sorted(pool.map(attempt, range(n_threads)))
    assert outcomes == ["JobAlreadyRunning"] * (n_threads - 1) + ["started"]


def test_abandoned_iterators_release_connections(store: Store) -> None:
    """The feed stops reading after one page: dropping a half-read iterator must return its
    connection to the pool, or the pool runs dry after a few requests."""
    store.save_records(RecordRow("kota", f"r{n:04d}", dataset_json="{}") for n in range(1200))
    for _ in range(40):  # more than pool_size + max_overflow
        stream = store.iter_datasets()
        assert next(stream).remote_id == "r0000"
        del stream
    for n, row in enumerate(store.iter_records("kota")):
        if n == 3:
            break
    assert store._engine.pool.checkedout() == 0  # type: ignore[attr-defined]
    assert store.count_datasets() == 1200
