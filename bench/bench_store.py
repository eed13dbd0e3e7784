"""State store throughput: how fast the bulk paths are on SQLite and PostgreSQL.

    ./dev bench store                                        # SQLite in a temp dir, 20,000 records
    python bench/bench_store.py --postgres postgresql+psycopg://postgres@127.0.0.1/harvester_bench
    python bench/bench_store.py -n 5000 --sqlite /tmp/bench.db

The PostgreSQL database must exist and should be empty (the bench writes one source, 'bench-<n>').
Prints one line per measurement: records (or rows) per second, and the peak Python memory of the
streaming read (it must stay flat, independent of the number of rows).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout, not installed

from harvester.model.canonical import canonical_json
from harvester.model.dataset import Agent, Dataset, Distribution
from harvester.model.issues import Stage, warning
from harvester.store import RawRecord, RecordRow, Store


def _payload(n: int) -> tuple[str, bytes]:
    dataset = Dataset(
        identifier=f"ds-{n}",
        title=f"Jumlah Penduduk Menurut Kecamatan dan Jenis Kelamin {n}",
        description="Data jumlah penduduk Kota Blitar per kecamatan, bersumber dari Dispendukcapil. " * 3,
        keywords=("penduduk", "kependudukan", "kecamatan"),
        publisher=Agent(name="Dinas Kependudukan dan Pencatatan Sipil", identifier="dispendukcapil"),
        access_rights="TERBUKA",
        kode_pemda="35.72",
        modified="2024-05-01",
        distributions=tuple(
            Distribution(title=f"CSV {k}", access_url=f"https://data.example.go.id/d/{n}/{k}.csv", format="CSV")
            for k in range(3)
        ),
    )
    text = canonical_json(dataset)
    raw = json.dumps({"id": f"ds-{n}", "title": dataset.title, "notes": dataset.description,
                      "resources": [{"url": f"https://x/{k}"} for k in range(3)]}).encode()
    return text, raw


@contextmanager
def timed(label: str, count: int) -> Iterator[None]:
    start = time.perf_counter()
    yield
    elapsed = time.perf_counter() - start
    print(f"  {label:<44} {count:>7} in {elapsed:6.2f}s = {count / elapsed:>9,.0f}/s", flush=True)


def run(url: str, n: int, batch: int) -> None:
    store = Store(url)
    store.ensure_schema()
    source_id = f"bench-{int(time.time())}"
    store.upsert_source(source_id, "ckan-api", title="bench", config_hash="h", enabled=True)
    job = store.start_job(source_id, trigger="cli")
    payloads = [_payload(i) for i in range(min(n, 500))]

    def items(prefix: str) -> Iterator[tuple[RecordRow, RawRecord]]:
        for i in range(n):
            text, raw = payloads[i % len(payloads)]
            rid = f"{prefix}{i:06d}"
            yield (RecordRow(source_id, rid, dataset_json=text, title=f"t{i}", access_rights="TERBUKA",
                             organisation="dispendukcapil", kode_pemda="35.72", page_url=f"p{i // 100}",
                             last_job_id=job.id),
                   RawRecord(source_id, rid, "application/json", raw))

    print(f"{store!r}: {n} records, dataset JSON ~{len(payloads[0][0])} B, raw ~{len(payloads[0][1])} B")
    with timed("save_record loop, one transaction each", n):
        for row, raw in items("a"):
            store.save_record(row, raw)
    with timed(f"save_record loop inside batch() of {batch}", n):
        it = items("b")
        done = False
        while not done:
            with store.batch():
                for _ in range(batch):
                    pair = next(it, None)
                    if pair is None:
                        done = True
                        break
                    store.save_record(*pair)
    with timed("save_records (bulk upsert of existing rows)", n):
        store.save_records(items("a"))
    ids = [f"a{i:06d}" for i in range(n)]
    with timed("touch_records", n):
        store.touch_records(source_id, ids, job.id)
    with timed("add_issues", n):
        store.add_issues((warning("W", f"w{i}", stage=Stage.MAP, remote_id=ids[i]) for i in range(n)),
                         job_id=job.id, source_id=source_id)
    with timed("known_ids", 2 * n):
        assert len(store.known_ids(source_id)) == 2 * n
    _stream(store, 2 * n)
    with timed("iter_datasets pages of 100 (keyset)", 2 * n):
        after = None
        while page := list(store.iter_datasets(after=after, limit=100)):
            after = page[-1].feed_key
    with timed("mark_deleted", n):
        store.mark_deleted(source_id, ids, job.id)
    store.finish_job(job.id, status="done", stats={}, complete=True)
    store.prune(jobs_older_than=job.started_at + timedelta(days=1), issues_older_than=job.started_at,
                keep_last_jobs_per_source=0)
    store.close()


def _stream(store: Store, count: int) -> None:
    with timed("iter_datasets full stream", count):
        assert sum(1 for _ in store.iter_datasets()) == count
    # Peak traced memory after reading a tenth of the rows vs all of them: flat means streaming.
    peaks = []
    for limit in (count // 10, count):
        tracemalloc.start()
        for _ in store.iter_datasets(limit=limit):
            pass
        peaks.append(tracemalloc.get_traced_memory()[1] / 2**20)
        tracemalloc.stop()
    print(f"  {'peak Python memory streaming 10% / 100%':<44} {peaks[0]:7.1f} / {peaks[1]:.1f} MiB")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("-n", type=int, default=20_000, help="records per measurement")
    parser.add_argument("--batch", type=int, default=500, help="records per batch() transaction")
    parser.add_argument("--sqlite", help="SQLite file (default: a new one in a temp dir)")
    parser.add_argument("--postgres", help="PostgreSQL URL (skipped when absent)")
    args = parser.parse_args(argv)
    runs: list[Callable[[], None]] = []
    with tempfile.TemporaryDirectory() as tmp:
        sqlite_path = args.sqlite or str(Path(tmp) / "var" / "bench.db")
        runs.append(lambda: run(f"sqlite:///{sqlite_path}", args.n, args.batch))
        if args.postgres:
            runs.append(lambda: run(args.postgres, args.n, args.batch))
        for go in runs:
            go()


if __name__ == "__main__":
    main()
