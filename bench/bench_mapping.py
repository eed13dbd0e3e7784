"""Benchmark: canonical records → DCAT-AP 3 Turtle, against ckanext-dcat's serializer.

    .venv/bin/python bench/bench_mapping.py [--ours 2000,10000] [--peer 2000] [--pages 60]

Prints one table row per run: tool, records, wall seconds, CPU seconds, records/s (wall),
peak RSS MB, and the speed ratio to ckanext-dcat (CPU based: the ratio of CPU seconds per record,
which a busy shared machine disturbs less than wall time).

* ``satudata DcatAp3Profile``: ``DcatAp3Profile.write`` streams each dataset's triples through
  ``rdf_writer.TurtleWriter`` to /dev/null; records are built on the fly, so a flat peak RSS
  between 2,000 and 10,000 records shows the output path keeps no per-record state.
* ``ckanext-dcat euro_dcat_ap_3``: ``RDFSerializer(profiles=["euro_dcat_ap_3"]).serialize_catalog``
  on the equivalent CKAN dicts, in CKAN's virtualenv (``.cache/ckan-venv``), N records (2,000 by
  default: it keeps the whole graph in memory and is slow). Its catalogue node needs a
  ``package_search`` for dct:modified; that database call is replaced by a constant (not part of
  the serialisation cost).
* Feed figure: pages of 100 datasets through ``dataset_triples`` + ``TurtleWriter`` into memory,
  p50 / p95 page time and datasets/s, for the rich record and a typical SDI record.

Every run is a fresh subprocess (``--worker ...``) so peak RSS belongs to that run only.
The rich record is written by hand to be as rich as ckanext-dcat's "full DCAT-AP" scheming
example; both sides describe the same dataset.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path
from typing import Iterator

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
CKAN_PYTHON = REPO / ".cache" / "ckan-venv" / "bin" / "python"

# ------------------------------------------------------------------ the equivalent records


def ckan_dict(i: int) -> dict:
    """The rich record as a ckanext-dcat scheming (dcat_ap_full) package dict."""
    return {
        "id": f"id-{i}", "name": f"penduduk-kecamatan-{i}", "title": f"Jumlah Penduduk per Kecamatan {i}",
        "notes": "Jumlah penduduk menurut kecamatan dan jenis kelamin, hasil registrasi.",
        "url": f"https://data.blitarkota.go.id/dataset/penduduk-{i}", "version": "2.1",
        "tags": [{"name": "penduduk"}, {"name": "kecamatan"}], "issued": "2024-02-01", "modified": "2024-06-15",
        "identifier": f"penduduk-{i}", "frequency": "http://publications.europa.eu/resource/authority/frequency/ANNUAL",
        "provenance": "Dihimpun dari data registrasi penduduk.", "dcat_type": "https://w3id.org/satudata/def/kategori_data/statistik",
        "access_rights": "http://publications.europa.eu/resource/authority/access-right/PUBLIC",
        "alternate_identifier": [f"DSSD-{i}-A", f"DSSD-{i}-B"],
        "theme": ["https://w3id.org/satudata/def/urusan/2.12", "https://w3id.org/satudata/def/topik/KEPENDUDUKAN",
                  "http://publications.europa.eu/resource/authority/data-theme/SOCI"],
        "language": ["http://publications.europa.eu/resource/authority/language/IND",
                     "http://publications.europa.eu/resource/authority/language/ENG",
                     "http://publications.europa.eu/resource/authority/language/JAV"],
        "documentation": ["https://data.blitarkota.go.id/docs/penduduk.html"],
        "conforms_to": ["Standar Data Kependudukan", "SNI 8843-1:2019"],
        "is_referenced_by": ["https://doi.org/10.1000/contoh.2024", "Laporan Kependudukan 2024"],
        "applicable_legislation": ["https://peraturan.go.id/id/perpres-no-39-tahun-2019",
                                   "https://peraturan.go.id/id/permendagri-no-90-tahun-2019"],
        "contact": [{"name": "Bidang Statistik", "email": "statistik@blitarkota.go.id", "url": "https://blitarkota.go.id"},
                    {"name": "PPID", "email": "ppid@blitarkota.go.id"}],
        "creator": [{"name": "Dispendukcapil Kota Blitar", "email": "dispendukcapil@blitarkota.go.id",
                     "url": "https://dispendukcapil.blitarkota.go.id", "uri": "https://data.blitarkota.go.id/org/dispendukcapil"}],
        "publisher": [{"name": "Diskominfotik Kota Blitar", "email": "diskominfotik@blitarkota.go.id",
                       "url": "https://diskominfotik.blitarkota.go.id", "uri": "https://data.blitarkota.go.id/org/diskominfotik",
                       "type": "http://purl.org/adms/publishertype/LocalAuthority"}],
        "temporal_coverage": [{"start": "2019-01-01", "end": "2019-12-31"}, {"start": "2024-01-01", "end": "2024-06-30"}],
        "spatial_coverage": [{
            "uri": "https://w3id.org/satudata/def/wilayah/35.72", "text": "Kota Blitar",
            "geom": {"type": "Polygon", "coordinates": [[[112.14, -8.13], [112.21, -8.13], [112.21, -8.06],
                                                         [112.14, -8.06], [112.14, -8.13]]]},
            "bbox": {"type": "Polygon", "coordinates": [[[112.14, -8.13], [112.21, -8.13], [112.21, -8.06],
                                                         [112.14, -8.06], [112.14, -8.13]]]},
            "centroid": {"type": "Point", "coordinates": [112.17, -8.1]}}],
        "spatial_resolution_in_meters": 1.5,
        "resources": [{
            "id": f"r-{i}", "package_id": f"id-{i}", "name": "Tabel penduduk", "description": "Per kecamatan",
            "url": f"https://data.blitarkota.go.id/files/penduduk-{i}.csv", "format": "CSV", "mimetype": "text/csv",
            "size": 12323, "hash": "4304cf2e751e6053c90b1804c89c0ebb758f395a",
            "hash_algorithm": "http://spdx.org/rdf/terms#checksumAlgorithm_sha1",
            "status": "http://purl.org/adms/status/Completed",
            "access_url": f"https://data.blitarkota.go.id/dataset/penduduk-{i}/resource/1",
            "download_url": f"https://data.blitarkota.go.id/files/penduduk-{i}.csv",
            "issued": "2024-02-01T08:00:00", "modified": "2024-06-15T09:30:00",
            "license": "http://publications.europa.eu/resource/authority/licence/CC_BY_4_0",
            "rights": "Cantumkan sumber data.",
            "language": ["http://publications.europa.eu/resource/authority/language/IND"],
            "access_services": [{"title": "API data", "endpoint_url": ["https://data.blitarkota.go.id/api/3/action/datastore_search"]}],
        }],
    }


def canonical(i: int):
    """The same rich record as a canonical Dataset."""
    from harvester.model.dataset import (
        Agent, ContactPoint, Dataset, Distribution, Location, PeriodOfTime,
    )

    polygon = "POLYGON ((112.14 -8.13, 112.21 -8.13, 112.21 -8.06, 112.14 -8.06, 112.14 -8.13))"
    return Dataset(
        identifier=f"penduduk-{i}", uri=f"https://data.blitarkota.go.id/dataset/penduduk-{i}",
        title=f"Jumlah Penduduk per Kecamatan {i}",
        description="Jumlah penduduk menurut kecamatan dan jenis kelamin, hasil registrasi.",
        landing_page=f"https://data.blitarkota.go.id/dataset/penduduk-{i}", version="2.1",
        keywords=("penduduk", "kecamatan"), issued="2024-02-01", modified="2024-06-15", accrual_periodicity="TAHUNAN",
        provenance="Dihimpun dari data registrasi penduduk.", kategori_data="statistik", access_rights="TERBUKA",
        alternate_identifiers=(f"DSSD-{i}-A", f"DSSD-{i}-B"),
        themes=("http://publications.europa.eu/resource/authority/data-theme/SOCI",), bidang_urusan=("2.12",),
        topik=("KEPENDUDUKAN",), language=("id", "en", "jv"),
        documentation=("https://data.blitarkota.go.id/docs/penduduk.html",),
        conforms_to=("Standar Data Kependudukan", "SNI 8843-1:2019"),
        is_referenced_by=("https://doi.org/10.1000/contoh.2024", "Laporan Kependudukan 2024"),
        applicable_legislation=("https://peraturan.go.id/id/perpres-no-39-tahun-2019",
                                "https://peraturan.go.id/id/permendagri-no-90-tahun-2019"),
        contact_points=(ContactPoint(name="Bidang Statistik", email="statistik@blitarkota.go.id", url="https://blitarkota.go.id"),
                        ContactPoint(name="PPID", email="ppid@blitarkota.go.id")),
        creator=Agent(name="Dispendukcapil Kota Blitar", email="dispendukcapil@blitarkota.go.id",
                      url="https://dispendukcapil.blitarkota.go.id", uri="https://data.blitarkota.go.id/org/dispendukcapil"),
        publisher=Agent(name="Diskominfotik Kota Blitar", email="diskominfotik@blitarkota.go.id",
                        url="https://diskominfotik.blitarkota.go.id", uri="https://data.blitarkota.go.id/org/diskominfotik",
                        type="LocalAuthority"),
        temporal=(PeriodOfTime("2019-01-01", "2019-12-31"), PeriodOfTime("2024-01-01", "2024-06-30")),
        spatial=(Location(code="35.72", geometry=polygon, bbox=polygon, centroid="POINT (112.17 -8.1)"),),
        spatial_resolution_m=1.5,
        distributions=(Distribution(
            title="Tabel penduduk", description="Per kecamatan", format="CSV", media_type="text/csv", byte_size=12323,
            checksum="sha1:4304cf2e751e6053c90b1804c89c0ebb758f395a", status="Completed",
            access_url=f"https://data.blitarkota.go.id/dataset/penduduk-{i}/resource/1",
            download_url=f"https://data.blitarkota.go.id/files/penduduk-{i}.csv", issued="2024-02-01T08:00:00",
            modified="2024-06-15T09:30:00", license="http://publications.europa.eu/resource/authority/licence/CC_BY_4_0",
            rights="Cantumkan sumber data.", language=("id",),
            access_service="https://data.blitarkota.go.id/api/3/action/datastore_search"),),
    )


def typical_sdi(i: int):
    """A typical SDI record of a city portal (what the feed serves most)."""
    from harvester.model.dataset import Agent, ContactPoint, Dataset, Distribution, Location, PeriodOfTime

    return Dataset(
        identifier=f"sdi-{i}", uri=f"https://data.blitarkota.go.id/dataset/sdi-{i}", title=f"Jumlah Sekolah {i}",
        description="Jumlah sekolah menurut jenjang dan kecamatan.", keywords=("pendidikan", "sekolah"),
        language=("id",), issued="2024-01-10", modified="2024-05-02",
        publisher=Agent(name="Diskominfotik Kota Blitar", uri="https://data.blitarkota.go.id/org/diskominfotik"),
        creator=Agent(name="Dinas Pendidikan Kota Blitar"),
        contact_points=(ContactPoint(name="Sekretariat", email="dindik@blitarkota.go.id"),),
        access_rights="TERBUKA", accrual_periodicity="TAHUNAN", temporal=(PeriodOfTime("2020", "2024"),),
        spatial=(Location(code="35.72"),), license="cc-by",
        distributions=(Distribution(download_url=f"https://data.blitarkota.go.id/files/sekolah-{i}.csv", format="CSV",
                                    media_type="text/csv"),),
        konsep="Sekolah", definisi="Satuan pendidikan formal.", klasifikasi="Jenjang; Kecamatan", ukuran="Jumlah",
        satuan="Unit", level_instansi="KABUPATEN_KOTA", kode_pemda="35.72", kode_pemda_bps="3572",
        bidang_urusan=("1.01",), jadwal_rilis=("2025-03-31",), tingkat_penyajian=("KECAMATAN",),
        status_data="DITAYANGKAN",
    )


# ------------------------------------------------------------------ workers (run in subprocesses)


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def worker_ours(n: int) -> dict:
    from harvester.mapping.codelists import CodeLists
    from harvester.profiles.dcat_ap import DcatAp3Profile

    profile = DcatAp3Profile(CodeLists.load())
    profile.dataset_triples(canonical(0))  # load the code lists (wilayah is read lazily) before timing

    def records() -> Iterator:
        for i in range(n):
            yield canonical(i)

    with open(os.devnull, "wb") as sink:
        counter = _Counter(sink)
        wall, cpu = time.perf_counter(), time.process_time()
        written = profile.write(counter, records(), "turtle")
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    assert written == n
    return {"records": n, "wall": wall, "cpu": cpu, "rss": _peak_rss_mb(), "bytes": counter.count}


class _Counter(io.RawIOBase):
    def __init__(self, sink) -> None:
        self.sink, self.count = sink, 0

    def write(self, data) -> int:  # type: ignore[override]
        self.count += len(data)
        return self.sink.write(data)


def _pct(values: list[float], pct: int) -> float:
    """Nearest-rank percentile, in milliseconds."""
    ordered = sorted(values)
    return 1000 * ordered[max(0, min(len(ordered) - 1, -(-pct * len(ordered) // 100) - 1))]


def worker_feed(pages: int) -> dict:
    from harvester.mapping.codelists import CodeLists
    from harvester.profiles.dcat_ap import DcatAp3Profile
    from harvester.profiles.rdf_writer import TurtleWriter

    profile = DcatAp3Profile(CodeLists.load())
    out = {}
    for kind, make in (("rich", canonical), ("typical SDI", typical_sdi)):
        profile.dataset_triples(make(0))
        walls, cpus = [], []
        for page in range(pages):
            batch = [make(page * 100 + j) for j in range(100)]  # the store hands the feed ready records
            wall, cpu = time.perf_counter(), time.process_time()
            writer = TurtleWriter(io.BytesIO())
            for ds in batch:
                writer.write(profile.dataset_triples(ds))
            walls.append(time.perf_counter() - wall)
            cpus.append(time.process_time() - cpu)
        out[kind] = {"wall_p50_ms": _pct(walls, 50), "wall_p95_ms": _pct(walls, 95),
                     "cpu_p50_ms": _pct(cpus, 50), "cpu_p95_ms": _pct(cpus, 95),
                     "cpu_per_s": 100 * len(cpus) / sum(cpus)}
    return out


PEER = r"""
import json, resource, sys, time
sys.path.insert(0, sys.argv[2])
from bench.bench_mapping import ckan_dict
from ckan.common import config
config["ckan.site_url"] = "https://data.blitarkota.go.id"
from ckanext.dcat.processors import RDFSerializer
from ckanext.dcat.profiles.base import RDFProfile
RDFProfile._last_catalog_modification = lambda self: None   # a package_search call, not serialisation
n = int(sys.argv[1])
dicts = [ckan_dict(i) for i in range(n)]
wall, cpu = time.perf_counter(), time.process_time()
out = RDFSerializer(profiles=["euro_dcat_ap_3"]).serialize_catalog({}, dataset_dicts=dicts, _format="turtle")
wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
size = len(out.encode("utf-8") if isinstance(out, str) else out)
print(json.dumps({"records": n, "wall": wall, "cpu": cpu, "bytes": size,
                  "rss": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0}))
"""


# ------------------------------------------------------------------ driver


def _run(cmd: list[str]) -> dict:
    proc = subprocess.run(cmd, capture_output=True, text=True, cwd=REPO)
    if proc.returncode != 0:
        raise SystemExit(f"benchmark worker failed: {' '.join(cmd[:4])}\n{proc.stderr[-3000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--ours", default="2000,10000", help="record counts for our runs")
    parser.add_argument("--peer", type=int, default=2000, help="record count for ckanext-dcat (0: skip)")
    parser.add_argument("--pages", type=int, default=60, help="pages of 100 for the feed figure")
    parser.add_argument("--worker", choices=["ours", "feed"], help=argparse.SUPPRESS)
    parser.add_argument("-n", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker == "ours":
        print(json.dumps(worker_ours(args.n)))
        return
    if args.worker == "feed":
        print(json.dumps(worker_feed(args.n)))
        return

    rows = []
    if args.peer:
        if not CKAN_PYTHON.exists():
            raise SystemExit(f"ckanext-dcat peer needs CKAN's virtualenv at {CKAN_PYTHON} (build the CKAN test stack)")
        rows.append(("ckanext-dcat euro_dcat_ap_3", _run([str(CKAN_PYTHON), "-c", PEER, str(args.peer), str(REPO)])))
    for n in (int(x) for x in args.ours.split(",") if x):
        rows.append(("satudata DcatAp3Profile", _run([sys.executable, __file__, "--worker", "ours", "-n", str(n)])))
    peer_cpu_per_record = rows[0][1]["cpu"] / rows[0][1]["records"] if args.peer else None
    if rows:
        _print_rows(rows, peer_cpu_per_record, args.peer)
    if args.pages:
        _print_feed(_run([sys.executable, __file__, "--worker", "feed", "-n", str(args.pages)]), args.pages)


def _print_rows(rows: list, peer_cpu_per_record: float | None, peer: int) -> None:
    print(f"\ncanonical -> DCAT-AP 3 Turtle (rich record ~ ckanext-dcat full DCAT-AP example); load avg "
          f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    print(f"{'tool':<30} {'records':>8} {'seconds':>8} {'cpu s':>8} {'records/s':>10} {'rec/cpu-s':>10} "
          f"{'peak RSS MB':>12} {'ratio':>7}")
    for tool, r in rows:
        ratio = f"{peer_cpu_per_record / (r['cpu'] / r['records']):.1f}x" if peer_cpu_per_record else "-"
        print(f"{tool:<30} {r['records']:>8} {r['wall']:>8.2f} {r['cpu']:>8.2f} {r['records'] / r['wall']:>10.0f} "
              f"{r['records'] / r['cpu']:>10.0f} {r['rss']:>12.0f} {ratio:>7}")
    print("records/s is wall clock; rec/cpu-s is per CPU second of the process; "
          "ratio = ckanext-dcat CPU seconds per record / ours.")
    if peer:
        print(f"ckanext-dcat ran on {peer} records (it builds the whole graph in memory); figures are per record.")


def _print_feed(feed: dict, pages: int) -> None:
    print(f"\nfeed page: 100 datasets through dataset_triples + TurtleWriter ({pages} pages; "
          f"budget p95 <= 50 ms, >= 2,000 datasets/s)")
    print(f"{'record':<14} {'wall p50':>9} {'wall p95':>9} {'cpu p50':>8} {'cpu p95':>8} {'datasets/s (cpu)':>17}")
    for kind, r in feed.items():
        print(f"{kind:<14} {r['wall_p50_ms']:>7.1f}ms {r['wall_p95_ms']:>7.1f}ms {r['cpu_p50_ms']:>6.1f}ms "
              f"{r['cpu_p95_ms']:>6.1f}ms {r['cpu_per_s']:>17.0f}")
    print(f"load average now {os.getloadavg()[0]:.1f}: with other work on the machine, wall time overstates "
          "the cost; CPU time is the process's own.")


if __name__ == "__main__":
    main()
