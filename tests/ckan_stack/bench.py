"""Measure package_create throughput against a running test-stack instance.

``python -m tests.ckan_stack.bench [--instance city] [-n 200] [--threads 4]`` creates ``n``
datasets (two resources each; SDI fields on the national instance) in a fresh organisation with
``threads`` concurrent ckanapi clients and prints one JSON line with the rate. It reuses the
running stack (or starts it). Failure behaviour: the first API error aborts with its message.
"""

from __future__ import annotations

import argparse
import json
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import ckanapi

from .stack import ensure_logging, up

SDI = {"sdi_konsep": "Penduduk", "sdi_definisi": "d", "sdi_klasifikasi": "Kecamatan",
       "sdi_ukuran": "Jumlah", "sdi_satuan": "Jiwa", "sdi_produsen_data": "Dinas",
       "sdi_walidata": "Walidata", "sdi_kode_pemda": "35.72", "sdi_akses": "TERBUKA",
       "sdi_frekuensi": "TAHUNAN"}


def run(instance: str, n: int, threads: int) -> dict[str, Any]:
    """Create ``n`` datasets with ``threads`` workers; returns timing figures."""
    info = up()[instance]
    admin = ckanapi.RemoteCKAN(info["url"], apikey=info["token"])
    tag = uuid.uuid4().hex[:8]
    org = admin.action.organization_create(name=f"bench-{tag}")["name"]

    def create(i: int) -> float:
        client = ckanapi.RemoteCKAN(info["url"], apikey=info["token"])
        data: dict[str, Any] = {
            "name": f"bench-{tag}-{i}", "title": f"Bench {i}", "notes": "bench", "owner_org": org,
            "resources": [{"url": f"http://x.invalid/{i}.csv", "format": "CSV"},
                          {"url": f"http://x.invalid/{i}.json", "format": "JSON"}],
        }
        data.update(SDI if instance == "national" else {"extras": [{"key": "k", "value": "v"}]})
        start = time.perf_counter()
        client.action.package_create(**data)
        return time.perf_counter() - start

    started = time.perf_counter()
    with ThreadPoolExecutor(threads) as pool:
        latencies = sorted(pool.map(create, range(n)))
    elapsed = time.perf_counter() - started
    found = admin.action.package_search(fq=f"organization:{org}", rows=0)["count"]
    return {"instance": instance, "n": n, "threads": threads, "seconds": round(elapsed, 2),
            "creates_per_s": round(n / elapsed, 1),
            "p50_ms": round(latencies[n // 2] * 1000), "p95_ms": round(latencies[int(n * .95)] * 1000),
            "indexed": found}


def main() -> None:
    """CLI entry point."""
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--instance", default="city")
    ap.add_argument("-n", type=int, default=200)
    ap.add_argument("--threads", type=int, default=4)
    args = ap.parse_args()
    ensure_logging()
    print(json.dumps(run(args.instance, args.n, args.threads)))


if __name__ == "__main__":
    main()
