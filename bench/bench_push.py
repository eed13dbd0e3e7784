"""Push throughput against the CKAN test stack, next to the portal's own ceiling.

    python bench/bench_push.py                      # 2,000 datasets to the city portal, concurrency 4
    python bench/bench_push.py -n 200 --concurrency 8 --instance province

What it measures, in one run against the same portal:

1. the ceiling: a plain concurrent loop of ``ckanapi`` ``package_create`` calls (same package dicts,
   same concurrency);
2. the harvester: ``Pusher.sync`` of n stored records (plan, lookup, organisation check, create,
   bookkeeping in SQLite) — target ≥ 0.8 of the ceiling's rate.
   Both run in ``--rounds`` alternating slices (ceiling first in even rounds, harvester first in odd
   ones), so that neither the portal growing by 2n datasets nor the load of a shared machine
   drifting during the run favours one side;
3. an unchanged re-run of the same n — target ≤ 3 % of the first run's wall time and zero writes,
   checked by comparing every dataset's metadata_modified before and after.

Prints a table and exits 1 when a target is missed. Starts the stack when it is not running
(``tests.ckan_stack``). Uses a temporary SQLite store and a uniquely named organisation.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import textwrap
import time
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout, not installed

import ckanapi  # noqa: E402

from harvester.mapping.codelists import CodeLists  # noqa: E402
from harvester.model.canonical import canonical_json, stable_hash  # noqa: E402
from harvester.model.dataset import Agent, Dataset, Distribution, Location, PeriodOfTime  # noqa: E402
from harvester.pipeline.push import Pusher  # noqa: E402
from harvester.profiles.ckan_package import CkanPackageProfile  # noqa: E402
from harvester.settings import load_settings  # noqa: E402
from harvester.store import RecordRow, Store  # noqa: E402

WALIDATA = "Dinas Komunikasi, Informatika dan Statistik Kota Blitar"
SETTINGS = """\
base_uri: https://bench.example.go.id
catalog: {{title: Bench}}
database: {{url: "sqlite:///{db}"}}
pemda:
  level: KABUPATEN_KOTA
  kode: "35.72"
  nama: Kota Blitar
  walidata: {{name: "{walidata}"}}
  organisations:
    - {{id: dispendukcapil, name: Dinas Kependudukan dan Pencatatan Sipil Kota Blitar}}
"""
TARGET = """\
type: ckan
level: city
url: ${{BENCH_URL}}
token: ${{BENCH_TOKEN}}
profile: plain
organisations: {{mode: single, create_missing: true, single: {{name: "{org}", title: Bench {tag}}}}}
naming: {{pattern: "{tag}-{{slug}}"}}
concurrency: {concurrency}
"""


def dataset(i: int, tag: str) -> Dataset:
    """A dataset without error-level SDI issues (so the default filters let it through)."""
    return Dataset(
        identifier=f"BENCH-{i}", uri=f"https://bench.example.go.id/{tag}/dataset/{i}",
        title=f"Jumlah Penduduk Menurut Kecamatan Nomor {i}",
        description="Jumlah penduduk hasil registrasi per kecamatan (data uji kinerja).",
        keywords=("penduduk", "kecamatan"), issued="2024-01-15", modified="2025-02-01",
        publisher=Agent(name=WALIDATA, type="LocalAuthority"),
        creator=Agent(name="Dinas Kependudukan dan Pencatatan Sipil Kota Blitar"),
        access_rights="TERBUKA", accrual_periodicity="TAHUNAN",
        temporal=(PeriodOfTime(start="2019", end="2024"),), spatial=(Location(code="35.72", label="Kota Blitar"),),
        license="http://publications.europa.eu/resource/authority/licence/CC_BY_4_0",
        distributions=(Distribution(download_url=f"https://bench.example.go.id/unduh/{i}.csv", format="CSV",
                                    media_type="text/csv", title="CSV"),
                       Distribution(download_url=f"https://bench.example.go.id/unduh/{i}.json", format="JSON",
                                    title="JSON")),
        konsep="Penduduk", definisi="Orang yang berdomisili di wilayah Kota Blitar.", klasifikasi="Kecamatan",
        ukuran="Jumlah", satuan="Orang", level_instansi="KABUPATEN_KOTA", kode_pemda="35.72",
        kode_pemda_bps="3572", bidang_urusan=("2.12",), jadwal_rilis=("2026-03-31",),
        tingkat_penyajian=("KECAMATAN",),
    )


def baseline(url: str, token: str, packages: list[dict[str, Any]], concurrency: int) -> float:
    """Seconds for a plain concurrent package_create loop (one ckanapi client per call, like a script would)."""

    def create(pkg: dict[str, Any]) -> None:
        ckanapi.RemoteCKAN(url, apikey=token).action.package_create(**pkg)

    started = time.perf_counter()
    with ThreadPoolExecutor(concurrency) as pool:
        list(pool.map(create, packages))
    return time.perf_counter() - started


def modified(client: ckanapi.RemoteCKAN, tag: str) -> dict[str, str]:
    out: dict[str, str] = {}
    start = 0
    while True:
        page = client.action.package_search(q=f"name:{tag}-*", rows=1000, start=start, include_private=True)
        out.update({p["name"]: p["metadata_modified"] for p in page["results"]})
        start += 1000
        if start >= page["count"]:
            return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("-n", type=int, default=2000, help="datasets (default 2000)")
    ap.add_argument("--concurrency", type=int, default=4, help="parallel requests, both sides (default 4)")
    ap.add_argument("--instance", default="city", choices=["city", "province"], help="plain-CKAN portal to use")
    ap.add_argument("--rounds", type=int, default=4, help="alternating slices (default 4)")
    args = ap.parse_args()

    from tests.ckan_stack.stack import running_info, up

    info = (running_info() or up())[args.instance]
    tag = "bp" + uuid.uuid4().hex[:6]
    tmp = Path(tempfile.mkdtemp(prefix="bench-push-"))
    (tmp / "sources").mkdir()
    (tmp / "targets").mkdir()
    (tmp / "harvester.yaml").write_text(SETTINGS.format(db=tmp / "state.db", walidata=WALIDATA))
    rounds = max(1, min(args.rounds, args.n))
    for r in range(rounds):  # one source per round: each round pushes its own slice
        (tmp / "sources" / f"bench-{r}.yaml").write_text("type: dcat-rdf\nurl: https://bench.example.go.id/c.ttl\n")
    (tmp / "targets" / "kota.yaml").write_text(textwrap.dedent(TARGET.format(
        org=f"{tag}-org", tag=tag, concurrency=args.concurrency)))
    config = load_settings(tmp / "harvester.yaml", env={"BENCH_URL": info["url"], "BENCH_TOKEN": info["token"]})
    codelists = CodeLists.load()
    store = Store(config.settings.database.url)
    for r in range(rounds):
        store.upsert_source(f"bench-{r}", "dcat-rdf", title="bench", config_hash="bench", enabled=True)
    datasets = [dataset(i, tag) for i in range(args.n)]
    with store.batch():
        for i, ds in enumerate(datasets):
            store.save_record(RecordRow(f"bench-{i % rounds}", ds.identifier, mapped_hash=stable_hash(ds),
                                        dataset_json=canonical_json(ds), stable_uri=ds.uri, title=ds.title,
                                        access_rights=ds.access_rights, organisation=ds.creator.name))

    admin = ckanapi.RemoteCKAN(info["url"], apikey=info["token"])
    base_org = admin.action.organization_create(name=f"{tag}-base", title=f"Bench baseline {tag}")["name"]
    profile = CkanPackageProfile(codelists)
    packages = [profile.render(replace(ds, uri=ds.uri.replace(f"/{tag}/", f"/{tag}-base/")), flavour="plain",
                               owner_org=base_org,
                               name=f"base{tag}-{i}") for i, ds in enumerate(datasets)]

    print(f"portal {args.instance} {info['url']}; {args.n} datasets, concurrency {args.concurrency}, "
          f"{rounds} rounds", flush=True)
    pusher = Pusher(config, store, codelists=codelists)
    base_s = push_s = 0.0
    created = 0
    first_total: Counter = Counter()
    for r in range(rounds):
        steps = ["base", "push"] if r % 2 == 0 else ["push", "base"]
        for step in steps:
            started = time.perf_counter()
            if step == "base":
                baseline(info["url"], info["token"], packages[r::rounds], args.concurrency)
                base_s += time.perf_counter() - started
            else:
                report = pusher.sync(f"bench-{r}")
                push_s += time.perf_counter() - started
                first_total.update(report.total())
        print(f"  round {r + 1}/{rounds}: ceiling {base_s:7.1f} s, harvester {push_s:7.1f} s so far", flush=True)
    created = first_total["created"]
    before = modified(admin, tag)
    started = time.perf_counter()
    again = pusher.sync()
    rerun_s = time.perf_counter() - started
    after = modified(admin, tag)

    base_rate = args.n / base_s
    push_rate = created / push_s
    ratio, rerun_share = push_rate / base_rate, rerun_s / push_s
    rows = [
        ("ckanapi package_create loop (ceiling)", f"{base_s:8.1f} s", f"{base_rate:6.1f}/s", ""),
        ("harvester push, first run", f"{push_s:8.1f} s", f"{push_rate:6.1f}/s",
         f"{ratio:.2f} of ceiling (target >= 0.80)"),
        ("harvester push, unchanged re-run", f"{rerun_s:8.2f} s", "",
         f"{rerun_share * 100:.2f} % of first run (target <= 3 %); writes {again.writes}"),
    ]
    print(f"{'':40} {'wall time':>10} {'rate':>9}  notes")
    for row in rows:
        print(f"{row[0]:40} {row[1]:>10} {row[2]:>9}  {row[3]}")
    print(f"first run: {dict(first_total)}; re-run: {dict(again.total())}")
    changed = sum(1 for name, stamp in after.items() if before.get(name) != stamp)
    print(f"datasets on the portal: {len(after)}; metadata_modified changed by the re-run: {changed}")
    ok = (created == args.n and ratio >= 0.8 and rerun_share <= 0.03 and again.writes == 0
          and changed == 0 and len(after) == args.n)
    print("PASS" if ok else "MISSED A TARGET")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
