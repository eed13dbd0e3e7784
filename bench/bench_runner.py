"""Benchmark: one whole harvest job (gather → fetch → read/map → SDI validation → quality score →
SQLite store) of a rich DCAT-AP catalogue, with the map stage in the job's process and in worker
processes (``processing.map_workers``, see harvester/pipeline/map_pool.py).

The catalogue is ``bench/dcat_catalog_gen.py``'s (N rich datasets, one Turtle file) served from a
local HTTP server; each configuration runs in its own child process on a fresh SQLite database, with
no push targets. Printed per configuration: wall seconds, records per second, CPU seconds of the job
process (with the processes it starts to read the big page, ``bench/child_usage.py``) and of its
workers, peak RSS (job process + page reader processes + workers + fork server), and the speed-up over
``map_workers: 0``. Every configuration must store the same rows (compared by mapped hash).

Usage::

    .venv/bin/python bench/bench_runner.py                 # N=5000; workers 0, 1, 2
    .venv/bin/python bench/bench_runner.py --n 2000 --workers 0 1
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))

from bench_dcat_parse import _peak_rss_mb, _proc_status, catalogue, serve  # noqa: E402
from child_usage import ChildUsage  # noqa: E402 - bench/ is not a package

SETTINGS = """\
database: {{url: "sqlite:///{db}"}}
base_uri: https://data.blitarkota.go.id
catalog: {{title: Katalog bench}}
pemda:
  level: KABUPATEN_KOTA
  kode: "35.72"
  nama: Kota Blitar
  walidata: {{name: "Dinas Komunikasi, Informatika dan Statistik Kota Blitar"}}
processing: {{map_workers: {workers}, parallel_after: 200}}
"""


def measure(url: str, workers: int) -> dict[str, object]:
    """One job in this process; returns figures (run as a child of ``main``)."""
    sys.path.insert(0, str(REPO))
    from multiprocessing import forkserver

    from harvester.pipeline import map_pool
    from harvester.pipeline.runner import HarvestRunner, RunOptions
    from harvester.settings import load_settings
    from harvester.store import Store

    helpers: list[tuple[float, float]] = []
    real_close = map_pool.MapStage.close

    def close(stage: map_pool.MapStage) -> None:  # read the workers' /proc figures before they exit
        pids = stage.worker_pids() + ([forkserver._forkserver._forkserver_pid] if stage.worker_pids() else [])  # type: ignore[attr-defined]
        helpers.extend(_proc_status(pid) for pid in pids if pid)
        real_close(stage)

    map_pool.MapStage.close = close  # type: ignore[method-assign]
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / "sources").mkdir()
        (root / "targets").mkdir()
        (root / "harvester.yaml").write_text(SETTINGS.format(db=root / "state.db", workers=workers))
        (root / "sources" / "katalog.yaml").write_text(textwrap.dedent(f"""\
            type: dcat-rdf
            title: Katalog bench
            url: {url}
            http: {{read_timeout: 600}}
            """))
        config = load_settings(root / "harvester.yaml")
        store = Store(config.settings.database.url)
        store.ensure_schema()
        runner = HarvestRunner(config, store)
        children = ChildUsage().start()  # the processes that read the big catalogue page
        started, cpu = time.perf_counter(), time.process_time()
        result = runner.run("katalog", RunOptions(full=True))
        seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
        child_cpu, child_rss = children.stop()
        digest = hashlib.sha256("".join(sorted(f"{r.remote_id}={r.mapped_hash};" for r in store.iter_records("katalog")))
                                .encode()).hexdigest()[:16]
        store.close()
    return {"records": result.stats.get("gathered", 0), "status": result.status, "seconds": seconds,
            "cpu_seconds": cpu + child_cpu, "worker_cpu_seconds": sum(c for c, _ in helpers),
            "rss_mb": _peak_rss_mb() + child_rss + sum(r for _, r in helpers), "rows_digest": digest}


def child(url: str, workers: int) -> dict[str, object]:
    proc = subprocess.run([sys.executable, __file__, "--measure", url, str(workers)], capture_output=True, text=True,
                          cwd=str(REPO))
    lines = [line for line in proc.stdout.splitlines() if line.startswith("{")]
    if proc.returncode != 0 or not lines:
        return {"error": (proc.stderr or proc.stdout).strip().splitlines()[-1:] or [f"exit {proc.returncode}"]}
    return json.loads(lines[-1])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=5000, help="datasets in the catalogue")
    parser.add_argument("--workers", type=int, nargs="+", default=[0, 1, 2], help="map_workers settings to run")
    parser.add_argument("--measure", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.measure:
        print(json.dumps(measure(args.measure[0], int(args.measure[1]))))
        return 0
    server, base = serve(catalogue(args.n).parent)
    try:
        rows = [(w, child(f"{base}/{catalogue(args.n).name}", w)) for w in args.workers]
    finally:
        server.shutdown()
    print(f"harvest job of {args.n} rich DCAT-AP datasets into SQLite; {os.cpu_count()} CPUs")
    print(f"{'map_workers':>11} {'records':>8} {'status':>17} {'wall s':>8} {'rec/s':>7} {'job CPU s':>10} "
          f"{'workers CPU s':>14} {'peak RSS MB':>12} {'speed-up':>9} {'rows digest':>17}")
    base_rate = None
    for workers, r in rows:
        if "error" in r:
            print(f"{workers:>11}  {r['error']}")
            continue
        rate = float(r["records"]) / float(r["seconds"])
        base_rate = base_rate or rate
        print(f"{workers:>11} {r['records']:>8} {r['status']:>17} {float(r['seconds']):>8.2f} {rate:>7.0f} "
              f"{float(r['cpu_seconds']):>10.2f} {float(r['worker_cpu_seconds']):>14.2f} {float(r['rss_mb']):>12.0f} "
              f"{rate / base_rate:>8.2f}x {r['rows_digest']:>17}")
    digests = {r.get("rows_digest") for _, r in rows if "rows_digest" in r}
    print("stored rows identical across configurations" if len(digests) == 1 else "!!! stored rows DIFFER")
    return 0 if len(digests) == 1 else 1


if __name__ == "__main__":
    sys.exit(main())
