"""Benchmark: the DCAT feed under harvesting load, and the memory of a full-catalogue dump.

1. Store: ``--n`` (default 100,000) canonical records in a SQLite file (``bench/out/feed-<n>.db``,
   reused when present; ``--rebuild`` regenerates). Records are "rich-ish" (two distributions,
   publisher, creator, contact, temporal, spatial, licence, SDI fields: ~90 triples each), varied per
   record, saved as ``RecordRow``s directly (no harvesting).
2. Server: a separate process serving ``FeedApp`` with waitress (8 threads, as ``harvester serve``).
3. Load: ``--clients`` (32) concurrent keep-alive clients on loopback (one asyncio process, minimal
   HTTP/1.1 parsing so the client costs little CPU) fetch ``/catalog.ttl?page=N`` with N uniformly
   random, ``Accept-Encoding: gzip`` (as ckanext-dcat's requests does). Three phases, each bounded:
     a. cold  - fresh server, empty caches (``--cold-requests``, capped by ``--phase-seconds``);
     b. crawl - another fresh server; one client walks the ``next`` chain from page 1 to the end,
                like a harvester (every page rendered once; this fills the page cache);
     c. warm  - the random load again on that server (``--requests``).
   Reported per phase: p50/p95/p99 latency, throughput, errors.
4. Dump: a fresh server process streams ``/catalog.ttl?page=all`` (gzip) to a client that discards
   it; the server's peak RSS (VmHWM) before and after is reported with the dump's duration.

Usage::

    .venv/bin/python bench/bench_feed.py                   # 100k records, 32 clients
    .venv/bin/python bench/bench_feed.py --n 5000 --requests 2000 --cold-requests 200   # quick
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import logging
import os
import random
import re
import statistics
import subprocess
import sys
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Optional

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
OUT = HERE / "out"
sys.path.insert(0, str(REPO))

BASE = "https://data.blitarkota.go.id"
ORGS = [("dinkes", "Dinas Kesehatan Kota Blitar", "1.02"), ("dindik", "Dinas Pendidikan Kota Blitar", "1.01"),
        ("dispendukcapil", "Dinas Kependudukan dan Pencatatan Sipil Kota Blitar", "2.12"),
        ("dinsos", "Dinas Sosial Kota Blitar", "1.06"), ("dlh", "Dinas Lingkungan Hidup Kota Blitar", "2.11")]
THEMES = ["HEAL", "EDUC", "SOCI", "ENVI", "ECON", "GOVE"]
WORDS = ("jumlah penduduk sekolah kesehatan bayi imunisasi air minum layak jalan rusak pasar harga beras "
         "pendapatan pajak retribusi kelurahan kecamatan rumah tangga miskin bantuan sosial sampah").split()


# -- 1. the store -----------------------------------------------------------------------------------

def _dataset_dict(i: int, rng: random.Random) -> dict[str, Any]:
    org_id, org_name, urusan = ORGS[i % len(ORGS)]
    words = " ".join(rng.choice(WORDS) for _ in range(4))
    slug = f"ds-{i:06d}"
    kode = "35.72" if i % 10 else "35.71"
    return {
        "identifier": f"DSSD-{kode.replace('.', '')}-{i:06d}", "uri": f"{BASE}/dataset/bench/{slug}",
        "title": f"{words.title()} {i}", "description": f"Data {words} di Kota Blitar, nomor {i}.\n"
                                                        f"Sumber: {org_name}, diperbarui tiap tahun.",
        "keywords": ["kota blitar", rng.choice(WORDS), rng.choice(WORDS)],
        "themes": [f"http://publications.europa.eu/resource/authority/data-theme/{THEMES[i % len(THEMES)]}"],
        "landing_page": f"{BASE}/dataset/{slug}", "issued": "2024-01-15",
        "modified": f"2024-{1 + i % 12:02d}-{1 + i % 28:02d}", "language": ["id"],
        "publisher": {"name": "Dinas Komunikasi, Informatika dan Statistik Kota Blitar",
                      "uri": f"{BASE}/organisasi/diskominfotik", "email": "diskominfotik@blitarkota.go.id"},
        "creator": {"name": org_name, "identifier": org_id},
        "contact_points": [{"name": "Bidang Statistik", "email": f"{org_id}@blitarkota.go.id"}],
        "access_rights": "TERBUKA", "accrual_periodicity": "TAHUNAN",
        "temporal": [{"start": str(2015 + i % 5), "end": "2023"}], "spatial": [{"code": kode}],
        "license": "http://creativecommons.org/licenses/by/4.0/",
        "distributions": [
            {"access_url": f"{BASE}/dataset/{slug}/resource/csv", "download_url": f"{BASE}/unduh/{slug}.csv",
             "title": f"Tabel {i} (CSV)", "format": "CSV", "media_type": "text/csv", "identifier": "csv",
             "byte_size": 1000 + i},
            {"access_url": f"{BASE}/dataset/{slug}/resource/xlsx", "title": f"Tabel {i} (XLSX)",
             "format": "XLSX", "identifier": "xlsx"},
        ],
        "konsep": words.split()[0].title(), "definisi": f"Definisi operasional {words}.", "satuan": "Persen",
        "ukuran": "Persentase", "level_instansi": "KABUPATEN_KOTA", "kode_pemda": kode,
        "kode_pemda_bps": kode.replace(".", ""), "bidang_urusan": [urusan], "jadwal_rilis": ["2025-03-31"],
        "tingkat_penyajian": ["KECAMATAN"],
    }


def build_store(path: Path, n: int) -> None:
    from harvester.store import RecordRow, Store

    if path.exists():
        path.unlink()
    for extra in ("-wal", "-shm"):
        Path(str(path) + extra).unlink(missing_ok=True)
    store = Store(f"sqlite:///{path}")
    store.upsert_source("bench", "dcat-rdf", title="bench", config_hash="h", enabled=True)
    rng = random.Random(42)
    t0 = datetime(2024, 1, 1, tzinfo=timezone.utc)
    start = time.perf_counter()
    batch: list[RecordRow] = []
    for i in range(n):
        data = _dataset_dict(i, rng)
        text = json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
        when = t0 + timedelta(seconds=i // 3)  # runs of equal updated_at, like a harvest batch
        batch.append(RecordRow(
            "bench", f"ds-{i:06d}", mapped_hash=hashlib.sha256(text.encode()).hexdigest(), dataset_json=text,
            stable_uri=data["uri"], title=data["title"], access_rights="TERBUKA",
            organisation=data["creator"]["identifier"],
            kode_pemda=data["kode_pemda"], modified=data["modified"], first_seen=when, last_seen=when, updated_at=when))
        if len(batch) >= 5000:
            store.save_records(batch)
            batch = []
    if batch:
        store.save_records(batch)
    store.close()
    print(f"store: {n} records written in {time.perf_counter() - start:.1f} s -> {path} "
          f"({path.stat().st_size / 1e6:.0f} MB)", flush=True)


# -- 2. the server (child process) ------------------------------------------------------------------

def serve(db: Path, port: int, page_cache_mb: float) -> None:
    from waitress.server import create_server

    from harvester.feed.app import FeedApp, FeedConfig
    from harvester.mapping.codelists import CodeLists
    from harvester.model.dataset import Agent
    from harvester.profiles.dcat_ap import CatalogInfo, DcatAp3Profile
    from harvester.store import Store

    catalog = CatalogInfo(uri=f"{BASE}/catalog", title="Katalog Satu Data Kota Blitar", description="Bench",
                          publisher=Agent(name="Diskominfotik Kota Blitar", uri=f"{BASE}/organisasi/diskominfotik"))
    app = FeedApp(Store(f"sqlite:///{db}"), DcatAp3Profile(CodeLists.load(), base_uri=BASE), catalog,
                  FeedConfig(page_size=100, page_cache_mb=page_cache_mb))
    server = create_server(app, host="127.0.0.1", port=port, threads=8, ident="bench", connection_limit=200,
                           asyncore_use_poll=True)
    logging.getLogger("waitress.queue").setLevel(logging.ERROR)  # "queue depth" lines are the point here
    print(f"READY {server.effective_port}", flush=True)
    server.run()


def _rss_mb(pid: int) -> tuple[float, float]:
    """(current RSS, peak RSS) of a process in MB, from /proc."""
    text = Path(f"/proc/{pid}/status").read_text()
    cur = int(re.search(r"VmRSS:\s+(\d+)", text).group(1)) / 1024  # type: ignore[union-attr]
    peak = int(re.search(r"VmHWM:\s+(\d+)", text).group(1)) / 1024  # type: ignore[union-attr]
    return cur, peak


class Server:
    def __init__(self, db: Path, page_cache_mb: float) -> None:
        cmd = [sys.executable, __file__, "--serve", str(db), "--page-cache-mb", str(page_cache_mb)]
        self.proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True, cwd=REPO)
        line = self.proc.stdout.readline()  # type: ignore[union-attr]
        if not line.startswith("READY"):
            raise RuntimeError(f"server did not start: {line!r}")
        self.port = int(line.split()[1])

    def rss(self) -> tuple[float, float]:
        return _rss_mb(self.proc.pid)

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(timeout=10)


# -- 3. the clients ---------------------------------------------------------------------------------

async def _get(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, port: int, target: str) -> tuple[int, bytes]:
    writer.write(f"GET {target} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nAccept-Encoding: gzip\r\n"
                 f"User-Agent: bench-feed\r\n\r\n".encode())
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1])
    match = re.search(rb"(?i)\r\ncontent-length:\s*(\d+)", head)
    if match:
        body = await reader.readexactly(int(match.group(1)))
    else:  # chunked
        parts = []
        while True:
            size = int((await reader.readuntil(b"\r\n")).strip(), 16)
            if size == 0:
                await reader.readuntil(b"\r\n")
                break
            parts.append(await reader.readexactly(size))
            await reader.readexactly(2)
        body = b"".join(parts)
    return status, body


async def _load(port: int, clients: int, requests: int, last_page: int, seconds: float) -> dict[str, Any]:
    latencies: list[float] = []
    errors = 0
    sent = 0
    deadline = time.perf_counter() + seconds
    rng = random.Random(7)

    async def client() -> None:
        nonlocal errors, sent
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        try:
            while sent < requests and time.perf_counter() < deadline:
                sent += 1
                target = f"/catalog.ttl?page={rng.randint(1, last_page)}"
                t = time.perf_counter()
                status, _ = await _get(reader, writer, port, target)
                latencies.append(time.perf_counter() - t)
                if status != 200:
                    errors += 1
        finally:
            writer.close()

    start = time.perf_counter()
    await asyncio.gather(*(client() for _ in range(clients)))
    return _summary(latencies, time.perf_counter() - start, errors)


def _summary(latencies: list[float], elapsed: float, errors: int) -> dict[str, Any]:
    ms = sorted(x * 1000 for x in latencies)
    q = statistics.quantiles(ms, n=100) if len(ms) >= 2 else ms * 99
    return {"requests": len(ms), "errors": errors, "seconds": round(elapsed, 1),
            "throughput_rps": round(len(ms) / elapsed, 1), "p50_ms": round(q[49], 1), "p95_ms": round(q[94], 1),
            "p99_ms": round(q[98], 1), "max_ms": round(ms[-1], 1)}


async def _crawl(port: int) -> dict[str, Any]:
    """One client following hydra:next from page 1 to the end (what a harvester does)."""
    import gzip

    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    latencies = []
    url: Optional[str] = "/catalog.ttl"
    pages = errors = 0
    start = time.perf_counter()
    try:
        while url:
            t = time.perf_counter()
            status, body = await _get(reader, writer, port, url)
            latencies.append(time.perf_counter() - t)
            pages += 1
            if status != 200:
                errors += 1
                break
            text = gzip.decompress(body).decode()
            match = re.search(r"hydra:next <([^>]+)>", text)
            url = match.group(1).split(str(port), 1)[1].replace("&amp;", "&") if match else None
    finally:
        writer.close()
    return {"pages": pages, **_summary(latencies, time.perf_counter() - start, errors)}


async def _dump(port: int) -> dict[str, Any]:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    start = time.perf_counter()
    try:
        status, body = await _get(reader, writer, port, "/catalog.ttl?page=all")
    finally:
        writer.close()
    return {"status": status, "seconds": round(time.perf_counter() - start, 1), "gzip_mb": round(len(body) / 1e6, 1)}


def _print(title: str, figures: dict[str, Any]) -> None:
    print(f"{title:<28} " + "  ".join(f"{k}={v}" for k, v in figures.items()), flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--requests", type=int, default=6000, help="requests of the warm random phase")
    parser.add_argument("--cold-requests", type=int, default=600)
    parser.add_argument("--phase-seconds", type=float, default=120)
    parser.add_argument("--page-cache-mb", type=float, default=96)
    parser.add_argument("--rebuild", action="store_true")
    parser.add_argument("--skip-dump", action="store_true")
    parser.add_argument("--serve", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args.serve, 0, args.page_cache_mb)
        return
    OUT.mkdir(exist_ok=True)
    db = OUT / f"feed-{args.n}.db"
    if args.rebuild or not db.exists():
        build_store(db, args.n)
    last_page = -(-args.n // 100)
    print(f"feed bench: {args.n} records, {last_page} pages of 100, {args.clients} clients, "
          f"{os.cpu_count()} CPUs", flush=True)

    server = Server(db, args.page_cache_mb)
    try:
        _print("cold random pages", asyncio.run(_load(server.port, args.clients, args.cold_requests, last_page,
                                                      args.phase_seconds)))
    finally:
        server.stop()
    server = Server(db, args.page_cache_mb)  # fresh: the crawl renders every page once
    try:
        _print("crawl (hydra:next chain)", asyncio.run(_crawl(server.port)))
        _print("warm random pages", asyncio.run(_load(server.port, args.clients, args.requests, last_page,
                                                      args.phase_seconds)))
        cur, peak = server.rss()
        _print("server memory", {"rss_mb": round(cur), "peak_rss_mb": round(peak)})
    finally:
        server.stop()
    if args.skip_dump:
        return
    server = Server(db, args.page_cache_mb)
    try:
        before = server.rss()
        figures = asyncio.run(_dump(server.port))
        after = server.rss()
        figures.update(datasets_per_s=round(args.n / max(figures["seconds"], 0.001)),
                       rss_before_mb=round(before[0]), peak_rss_mb=round(after[1]))
        _print("full dump (?page=all)", figures)
    finally:
        server.stop()


if __name__ == "__main__":
    main()
