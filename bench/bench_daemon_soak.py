"""Benchmark: a day of the daemon compressed into minutes — memory stays flat, the database stays bounded.

The real daemon code runs in this process (``Daemon`` + ``runner_factory`` + ``build_web``, exactly
what ``harvester run`` wires), on a private copy of ``config/example`` (its four small local
sources, all mappings, SDI validation; the CKAN targets stay disabled so the push stage plans and
skips); with ``--churn-every N`` the inventory CSV is revised every N seconds so its jobs keep
updating records and writing issues and quality scores (a catalogue that never stops changing). Every source runs every ``--interval`` seconds instead of hourly; retention keeps
``--jobs-age`` seconds of jobs and ``--issues-age`` seconds of issues (instead of days) and prunes
every ``--prune-every`` seconds; the reaper and target checks run every 10 s. While jobs run, the
benchmark scrapes ``/metrics`` and renders ``/status/`` in-process like a monitoring system and a
browser would. ``--jobs`` (default 1,000) is about what 4 hourly sources with retries and manual
runs produce in ~10 days, or 40 sources in one day.

Printed: RSS, database size (file + WAL), retained job and issue rows over time; the growth after
warm-up (the first ``--warmup`` share of the jobs); and two verdicts: RSS growth < 10 % after
warm-up, database size flat (< 10 % growth once the retention window has passed). Figures also go
to ``bench/out/daemon_soak.json``.

Usage::

    .venv/bin/python bench/bench_daemon_soak.py                 # ~1,000 jobs (about 6-10 minutes here)
    .venv/bin/python bench/bench_daemon_soak.py --jobs 200      # quick run
"""

from __future__ import annotations

import argparse
import gc
import json
import logging
import os
import re
import shutil
import sqlite3
import sys
import tempfile
import threading
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

import psutil

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(REPO))

from harvester.cli.commands_serve import build_web, check_config, runner_factory  # noqa: E402
from harvester.cli.context import CliState  # noqa: E402
from harvester.ops.retention import RetentionPolicy, database_size  # noqa: E402
from harvester.scheduler import Daemon, DaemonOptions  # noqa: E402
from harvester.settings import load_settings  # noqa: E402
from tests.unit.ops.example_copy import copy_example, set_schedules  # noqa: E402


def prepare(root: Path, interval: float, workers: int) -> Path:
    """The example copy: every source every ``interval`` s, ``workers`` jobs at once, quiet logs."""
    main = copy_example(root, jitter=0)
    set_schedules(main, f"interval: {interval}")
    text = re.sub(r"(?m)^  max_concurrent_jobs: \d+", f"  max_concurrent_jobs: {workers}", main.read_text(encoding="utf-8"))
    main.write_text(text.replace("level: ${HARVESTER_LOG_LEVEL:-INFO}", "level: WARNING"), encoding="utf-8")
    return main


class Churn(threading.Thread):
    """Rewrites the inventory CSV every ``every`` s with every description revised: each job of that
    source then updates all its records and stores their issues again (what retention must bound)."""

    def __init__(self, csv_path: Path, every: float) -> None:
        super().__init__(name="churn", daemon=True)
        self.path, self.every, self.stop = csv_path, every, threading.Event()
        self.original = csv_path.read_text(encoding="utf-8").splitlines()

    def run(self) -> None:
        revision = 0
        while not self.stop.wait(self.every):
            revision += 1
            lines = []
            for line in self.original:
                parts = line.split(";")
                if len(parts) > 3 and parts[0].isdigit():
                    parts[3] += f" (revisi {revision})"
                lines.append(";".join(parts))
            tmp = self.path.with_suffix(".tmp")
            tmp.write_text("\n".join(lines) + "\n", encoding="utf-8")
            os.replace(tmp, self.path)  # atomic: a job never reads half a file


def call(app: Any, path: str) -> int:
    """GET ``path`` from a WSGI app in-process; returns the body size (raises on a non-200 answer)."""
    status: list[str] = []
    environ = {"REQUEST_METHOD": "GET", "PATH_INFO": path, "QUERY_STRING": "", "SCRIPT_NAME": "",
               "SERVER_NAME": "127.0.0.1", "SERVER_PORT": "80", "wsgi.url_scheme": "http", "HTTP_HOST": "127.0.0.1"}
    body = b"".join(app(environ, lambda s, h, e=None: status.append(s)))
    if not status[0].startswith("200"):
        raise RuntimeError(f"{path}: {status[0]}")
    return len(body)


def _size(path: str) -> int:
    try:
        return os.path.getsize(path)
    except OSError:
        return 0


def table_sizes(db_path: str) -> dict[str, tuple[int, int]]:
    """``{table: (rows, KiB)}`` of the SQLite file (sizes from ``dbstat`` when compiled in, else 0)."""
    out: dict[str, tuple[int, int]] = {}
    with sqlite3.connect(db_path) as conn:
        names = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table' "
                                            "AND name NOT LIKE 'sqlite_%' AND name != 'alembic_version'")]
        try:
            sizes = dict(conn.execute("SELECT name, SUM(pgsize) FROM dbstat GROUP BY name"))
        except sqlite3.OperationalError:
            sizes = {}
        for name in names:
            rows = conn.execute(f'SELECT COUNT(*) FROM "{name}"').fetchone()[0]
            out[name] = (rows, int(sizes.get(name, 0)) // 1024)
    return out


def retained(store: Any) -> tuple[int, int]:
    jobs = store.list_jobs(limit=1_000_000)
    return len(jobs), sum(sum(store.issue_counts(j.id).values()) for j in jobs)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--jobs", type=int, default=1000)
    ap.add_argument("--interval", type=float, default=1.0, help="seconds between runs of each source")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--jobs-age", type=float, default=60.0, help="retention of jobs, seconds")
    ap.add_argument("--issues-age", type=float, default=30.0, help="retention of issues, seconds")
    ap.add_argument("--keep-last", type=int, default=5)
    ap.add_argument("--prune-every", type=float, default=10.0)
    ap.add_argument("--sample-every", type=float, default=10.0)
    ap.add_argument("--churn-every", type=float, default=0.0,
                    help="seconds between revisions of the inventory CSV (default 0: a steady catalogue, the case "
                         "retention must bound; with churn every job also appends quality-score history)")
    ap.add_argument("--warmup", type=float, default=0.2, help="share of the jobs counted as warm-up")
    ap.add_argument("--timeout", type=float, default=3600.0)
    ap.add_argument("--out", type=Path, default=HERE / "out" / "daemon_soak.json")
    ap.add_argument("--keep", action="store_true", help="keep the temporary directory (config + database)")
    args = ap.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="soak-"))
    for key in [k for k in os.environ if k.startswith("CKAN_")]:
        del os.environ[key]  # targets stay disabled
    os.environ["HARVESTER_DATABASE_URL"] = f"sqlite:///{tmp / 'state.db'}"
    config_path = prepare(tmp / "config", args.interval, args.workers)
    state = CliState(config_path=str(config_path))
    store = state.store
    logging.getLogger().setLevel(logging.WARNING)
    options = DaemonOptions(housekeeping_every=timedelta(seconds=10), retention_every=timedelta(seconds=args.prune_every),
                            retention_first=timedelta(seconds=args.prune_every),
                            retention=RetentionPolicy(timedelta(seconds=args.jobs_age),
                                                      timedelta(seconds=args.issues_age), args.keep_last))
    daemon = Daemon(state.config, lambda: load_settings(config_path), runner_factory(store, lambda: daemon.metrics),
                    store, check=check_config, options=options)
    web, daemon.metrics = build_web(state, daemon)
    churn = Churn(config_path.parent / "data" / "daftar-data-opd.csv", args.churn_every) if args.churn_every else None
    if churn is not None:
        churn.start()
    proc = psutil.Process()
    samples: list[dict[str, Any]] = []
    started = time.monotonic()
    daemon.start()
    print(f"soak: {len(state.config.sources)} sources every {args.interval:g} s, {args.workers} workers, "
          f"retention {args.jobs_age:g} s jobs / {args.issues_age:g} s issues, inventory revised every "
          f"{args.churn_every:g} s (0 = never), target {args.jobs} jobs", flush=True)
    print(f"{'t (s)':>7} {'jobs':>6} {'RSS MB':>8} {'DB KB':>8} {'WAL KB':>8} {'kept jobs':>9} {'kept issues':>11} "
          f"{'/metrics B':>10} {'/status B':>9}", flush=True)
    try:
        jobs_run = 0
        while jobs_run < args.jobs and time.monotonic() - started < args.timeout:
            time.sleep(args.sample_every)
            newest = store.list_jobs(limit=1)
            jobs_run = newest[0].id if newest else 0
            metrics_size, status_size = call(web, "/metrics"), call(web, "/status/")
            gc.collect()
            kept_jobs, kept_issues = retained(store)
            sample = {"t": round(time.monotonic() - started, 1), "jobs": jobs_run,
                      "rss_mb": round(proc.memory_info().rss / 2**20, 1),
                      "db_kb": round((database_size(store.url) or 0) / 1024, 1),
                      "wal_kb": round(_size(str(store.url.database) + "-wal") / 1024, 1),
                      "kept_jobs": kept_jobs, "kept_issues": kept_issues}
            samples.append(sample)
            print(f"{sample['t']:>7} {jobs_run:>6} {sample['rss_mb']:>8} {sample['db_kb']:>8} {sample['wal_kb']:>8} {kept_jobs:>9} "
                  f"{kept_issues:>11} {metrics_size:>10} {status_size:>9}", flush=True)
        tables = table_sizes(str(store.url.database))
    finally:
        if churn is not None:
            churn.stop.set()
        daemon.shutdown()
        state.close()
    elapsed = time.monotonic() - started
    warm = next((s for s in samples if s["jobs"] >= args.warmup * args.jobs), samples[0])
    settled_at = warm["t"] + args.jobs_age + args.prune_every  # one retention window after warm-up
    settled = next((s for s in samples if s["t"] >= settled_at), samples[-1])
    end = samples[-1]
    rss_growth = (end["rss_mb"] - warm["rss_mb"]) / warm["rss_mb"] * 100
    db_growth = (end["db_kb"] - settled["db_kb"]) / settled["db_kb"] * 100 if settled["db_kb"] else 0.0
    summary = {
        "jobs_run": end["jobs"], "seconds": round(elapsed, 1), "jobs_per_second": round(end["jobs"] / elapsed, 2),
        "rss_mb_after_warmup": warm["rss_mb"], "rss_mb_end": end["rss_mb"],
        "rss_mb_max": max(s["rss_mb"] for s in samples), "rss_growth_pct": round(rss_growth, 1),
        "db_kb_settled": settled["db_kb"], "db_kb_end": end["db_kb"], "db_kb_max": max(s["db_kb"] for s in samples),
        "db_growth_pct": round(db_growth, 1), "kept_jobs_max": max(s["kept_jobs"] for s in samples),
        "kept_issues_max": max(s["kept_issues"] for s in samples),
        "memory_flat": rss_growth < 10, "database_bounded": db_growth < 10,
    }
    print("\ntables at the end (rows, KiB):")
    for name, (rows, kib) in sorted(tables.items(), key=lambda kv: -kv[1][1]):
        print(f"  {name:>22}: {rows:>7} rows {kib:>7} KiB")
    summary["tables"] = {name: {"rows": rows, "kib": kib} for name, (rows, kib) in tables.items()}
    print("\nsummary:")
    for key, value in summary.items():
        if key != "tables":
            print(f"  {key:>22}: {value}")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({"args": {k: str(v) for k, v in vars(args).items()}, "summary": summary,
                                    "samples": samples}, indent=2), encoding="utf-8")
    print(f"\nwritten {args.out}")
    if args.keep:
        print(f"kept {tmp}")
    else:
        shutil.rmtree(tmp, ignore_errors=True)
    print(f"VERDICT memory flat (<10 % after warm-up): {'PASS' if summary['memory_flat'] else 'FAIL'}; "
          f"database bounded (<10 % after one retention window): {'PASS' if summary['database_bounded'] else 'FAIL'}")


if __name__ == "__main__":
    main()
