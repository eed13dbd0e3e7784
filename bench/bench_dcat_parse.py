"""Benchmark: the dcat-rdf source (and reading + mapping) against ckanext-dcat's RDFParser.

Generates a rich DCAT-AP Turtle catalogue (``bench/dcat_catalog_gen.py``) into ``bench/out/``,
serves it from a local HTTP server, and measures, each in its own subprocess (so peak RSS is the
tool's alone, from ``resource.getrusage``):

* ``ours: gather``            - ``DcatRdfSource.gather()`` over HTTP to RemoteRefs (N-Triples payloads);
* ``ours: gather+read+map``   - the same, then ``fetch`` + ``MappingEngine.map_record`` with the
  ``dcat-rdf`` default mapping (reader ``harvester.readers.rdf_doc``) to canonical ``Dataset``s,
  all in one process;
* ``ours: ... W workers``     - what the runner does on a multi-core machine: the job's process
  gathers and fetches while ``W`` worker processes read and map (``harvester.pipeline.map_pool``,
  map-only recipe: no SDI validation or scoring, which the peer does not do either) and send the
  canonical records back as canonical JSON. CPU time and peak RSS are the sums over the job's
  process, the workers and the fork server (a conservative footprint: pages they share are counted
  once per process);
* ``peer: ckanext-dcat``      - ``RDFParser(profiles=["euro_dcat_ap_3"])``: ``parse()`` of the same
  file and iteration of ``datasets()``, run by the CKAN venv's Python (no CKAN instance needed).

Times exclude interpreter start, imports and one-off setup (mapping/code-list loading, profile
loading); RSS includes everything the process ever held. Each run reports wall time and CPU time: the
process's own (``time.process_time``) plus that of the child processes it started and reaped meanwhile
(``RUSAGE_CHILDREN`` user + system: a big RDF page is parsed and cut into records in a child,
``harvester.sources.rdf_page_child``, which has pyoxigraph parse in a child of its own,
``harvester.sources.rdf_pipe``); on a shared, busy machine CPU time is the steadier figure, and the
rates are given for both. Peak RSS is the process's own peak plus the largest peak of such a child
together with its own children (``bench/child_usage.py``: sampled from ``/proc``, because
``RUSAGE_CHILDREN``'s ``ru_maxrss`` would include the parent's memory again).
The mapping context carries the variables the runner gives a real job
(``pipeline.assembly.mapping_variables`` of a Kota Blitar configuration: pemda.kode '35.72', walidata ...),
so ``var:`` rules and the code-list transforms that use them do their real work. The peer is measured on ``--peer-n``
datasets (default: ``--n``, the same file in the same run; it needs ~1.5 minutes and 1.2 GB for
10,000 here); ours is measured on ``--n`` and on ``--peer-n`` so ratios compare equal sizes. The peer
is single-threaded; "speed x peer" is given on wall-clock records per second (what a harvest takes)
and on records per CPU-second (what it costs).

Usage::

    .venv/bin/python bench/bench_dcat_parse.py                 # N=10000, peer on the same file
    .venv/bin/python bench/bench_dcat_parse.py --n 1000 --peer-n 500   # quick run
    .venv/bin/python bench/bench_dcat_parse.py --workers 3     # three mapping workers
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import threading
import time
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from child_usage import ChildUsage  # noqa: E402 - bench/ is not a package
REPO = HERE.parent
OUT = HERE / "out"
PEER_PYTHON = REPO / ".cache" / "ckan-venv" / "bin" / "python"


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB


# -- measurements (run in a child process) -------------------------------------------------------------

def bench_variables() -> dict[str, object]:
    """Context variables of a Kota Blitar job, built the way the runner builds them."""
    from types import SimpleNamespace

    from harvester.pipeline.assembly import mapping_variables

    walidata = SimpleNamespace(name="Dinas Komunikasi, Informatika dan Statistik Kota Blitar",
                               uri="https://data.blitarkota.go.id/organization/diskominfotik",
                               email="diskominfotik@blitarkota.go.id")
    settings = SimpleNamespace(pemda=SimpleNamespace(kode="35.72", kode_bps="3572", nama="Kota Blitar",
                                                     level="KABUPATEN_KOTA", walidata=walidata))
    source = SimpleNamespace(title="Portal Satu Data (bench)", url="https://satudata.example.go.id",
                             organisation=SimpleNamespace(name="Dinas Kesehatan Kota Blitar", id="dinkes"),
                             variables={})
    return mapping_variables(settings, source, "bench")


def _proc_status(pid: int) -> tuple[float, float]:
    """(CPU seconds, peak RSS MB) of a live process, from /proc (Linux)."""
    ticks = os.sysconf("SC_CLK_TCK")
    with open(f"/proc/{pid}/stat") as fh:
        fields = fh.read().rsplit(")", 1)[1].split()
    cpu = (int(fields[11]) + int(fields[12])) / ticks  # utime + stime
    with open(f"/proc/{pid}/status") as fh:
        hwm = next(int(line.split()[1]) for line in fh if line.startswith("VmHWM:"))
    return cpu, hwm / 1024


def measure_parallel(url: str, workers: int) -> dict[str, object]:
    """Gather + fetch here, read + map in ``workers`` processes (the runner's MapStage)."""
    sys.path.insert(0, str(REPO))
    from multiprocessing import forkserver

    from harvester.http import HttpClient, HttpPolicy
    from harvester.mapping.codelists import CodeLists
    from harvester.mapping.spec import default_mapping_path, load_mapping
    from harvester.pipeline.map_pool import MapStage
    from harvester.pipeline.processing import ProcessRecipe
    from harvester.sources.base import GatherContext
    from harvester.sources.dcat_rdf import DcatRdfOptions, DcatRdfSource

    source = DcatRdfSource("bench", DcatRdfOptions(url=url), HttpClient(HttpPolicy(read_timeout=600)))
    codelists = CodeLists.load()
    recipe = ProcessRecipe(spec=load_mapping(default_mapping_path("dcat-rdf")), codelists_dir=str(codelists.directory),
                           base_uri="https://data.blitarkota.go.id", source_id="bench", variables=bench_variables(),
                           policy=None)
    stage = MapStage(recipe, recipe.build(codelists), workers=workers, parallel_after=0)
    ctx = GatherContext(source_id="bench")
    children = ChildUsage().start()  # the RDF parser processes (the workers are read from /proc below)
    started, cpu_started = time.perf_counter(), time.process_time()
    records = mapped = 0
    for ref in source.gather(ctx):
        records += 1
        for _, done in stage.submit(None, source.fetch(ref)):
            mapped += done.dataset_json is not None
    for _, done in stage.finish():
        mapped += done.dataset_json is not None
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu_started
    child_cpu, child_rss = children.stop()  # before close(): the reaped fork server is not counted twice
    helpers = stage.worker_pids() + [forkserver._forkserver._forkserver_pid]  # type: ignore[attr-defined]
    figures = [_proc_status(pid) for pid in helpers if pid]
    stage.close()
    return {"records": records, "seconds": seconds, "cpu_seconds": cpu + child_cpu + sum(c for c, _ in figures),
            "rss_mb": _peak_rss_mb() + child_rss + sum(r for _, r in figures), "complete": ctx.complete,
            "mapped": mapped, "in_workers": stage.parallel_records, "main_cpu_seconds": cpu,
            "child_cpu_seconds": round(child_cpu, 2), "child_rss_mb": round(child_rss),
            "helper_cpu_seconds": [round(c, 2) for c, _ in figures], "helper_rss_mb": [round(r) for _, r in figures]}


def measure_ours(url: str, *, read: bool) -> dict[str, object]:
    sys.path.insert(0, str(REPO))
    from harvester.http import HttpClient, HttpPolicy
    from harvester.sources.base import GatherContext
    from harvester.sources.dcat_rdf import DcatRdfOptions, DcatRdfSource

    source = DcatRdfSource("bench", DcatRdfOptions(url=url), HttpClient(HttpPolicy(read_timeout=600)))
    engine = None
    if read:
        try:
            from harvester.mapping.codelists import CodeLists
            from harvester.mapping.engine import MappingContext, MappingEngine
            from harvester.mapping.spec import default_mapping_path, load_mapping
        except ImportError as exc:  # TODO hook: reader/mapping engine not importable yet
            return {"skipped": f"mapping engine not importable: {exc}"}
        engine = MappingEngine(load_mapping(default_mapping_path("dcat-rdf")), CodeLists.load())
        variables = bench_variables()
    ctx = GatherContext(source_id="bench")
    children = ChildUsage().start()
    started, cpu_started = time.perf_counter(), time.process_time()
    records = mapped = 0
    for ref in source.gather(ctx):
        records += 1
        if engine is not None:
            result = engine.map_record(source.fetch(ref), MappingContext("bench", ref.remote_id, variables))
            mapped += result.dataset is not None
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu_started
    child_cpu, child_rss = children.stop()
    out: dict[str, object] = {"records": records, "seconds": seconds, "cpu_seconds": cpu + child_cpu,
                              "rss_mb": _peak_rss_mb() + child_rss, "complete": ctx.complete,
                              "child_cpu_seconds": round(child_cpu, 2), "child_rss_mb": round(child_rss)}
    if engine is not None:
        out["mapped"] = mapped
    return out


def measure_peer(path: str) -> dict[str, object]:
    from ckanext.dcat.processors import RDFParser  # the CKAN venv's ckanext-dcat

    data = Path(path).read_bytes()
    children = ChildUsage().start()  # none expected; counted as for ours
    started, cpu_started = time.perf_counter(), time.process_time()
    parser = RDFParser(profiles=["euro_dcat_ap_3"])
    parser.parse(data, _format="turtle")
    records = sum(1 for _ in parser.datasets())
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu_started
    child_cpu, child_rss = children.stop()
    return {"records": records, "seconds": seconds, "cpu_seconds": cpu + child_cpu,
            "rss_mb": _peak_rss_mb() + child_rss}


# -- orchestration ---------------------------------------------------------------------------------------

def catalogue(n: int) -> Path:
    path = OUT / f"catalog-{n}.ttl"
    if not path.is_file() or path.stat().st_size == 0:
        sys.path.insert(0, str(HERE))
        from dcat_catalog_gen import generate

        generate(path, n)
    return path


def serve(directory: Path) -> tuple[ThreadingHTTPServer, str]:
    class Quiet(SimpleHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(Quiet, directory=str(directory)))
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}"


def child(python: Path | str, *args: str) -> dict[str, object]:
    proc = subprocess.run([str(python), str(Path(__file__).resolve()), "--measure", *args],
                          capture_output=True, text=True, cwd=str(REPO), env={**os.environ, "PYTHONHASHSEED": "0"})
    lines = [line for line in proc.stdout.splitlines() if line.startswith("{")]
    if proc.returncode != 0 or not lines:
        return {"error": (proc.stderr or proc.stdout).strip().splitlines()[-1:] or [f"exit {proc.returncode}"]}
    return json.loads(lines[-1])


def run(n: int, peer_n: int, peer: bool, peer_python: Path, workers: int) -> list[tuple[str, int, dict[str, object]]]:
    OUT.mkdir(parents=True, exist_ok=True)
    server, base = serve(OUT)
    rows: list[tuple[str, int, dict[str, object]]] = []
    try:
        for size in sorted({n, peer_n}, reverse=True):
            url = f"{base}/{catalogue(size).name}"
            rows.append(("ours: gather", size, child(sys.executable, "gather", url)))
            rows.append(("ours: gather+read+map", size, child(sys.executable, "map", url)))
            if workers:
                rows.append((f"ours: gather+read+map, {workers} workers", size,
                             child(sys.executable, f"parallel{workers}", url)))
        if peer:
            if not peer_python.is_file():
                rows.append(("peer: ckanext-dcat euro_dcat_ap_3", peer_n, {"error": f"{peer_python} not found"}))
            else:
                rows.append(("peer: ckanext-dcat euro_dcat_ap_3", peer_n,
                             child(peer_python, "peer", str(catalogue(peer_n)))))
    finally:
        server.shutdown()
    return rows


def _rate(r: dict[str, object], key: str) -> float:
    seconds = float(r.get(key) or 0.0)
    return float(r["records"]) / seconds if seconds else float("inf")


def table(rows: list[tuple[str, int, dict[str, object]]]) -> str:
    """One line per run: wall and CPU seconds and rates; speed and RSS relative to the peer (CPU based)."""
    peer = {size: r for name, size, r in rows if name.startswith("peer") and "records" in r}
    lines = [f"{'tool':<40} {'N':>6} {'records':>8} {'wall s':>8} {'CPU s':>8} {'rec/s wall':>10} "
             f"{'rec/s CPU':>10} {'peak RSS MB':>12} {'wall speed x peer':>18} {'CPU speed x peer':>17} "
             f"{'RSS / peer':>11}"]
    for name, size, r in rows:
        if "records" not in r:
            lines.append(f"{name:<40} {size:>6}  {r.get('skipped') or r.get('error')}")
            continue
        ref = peer.get(size)
        wall_speed = speed = rss = "-"
        if ref and not name.startswith("peer"):
            wall_speed = f"{_rate(r, 'seconds') / _rate(ref, 'seconds'):.1f}x"
            speed = f"{_rate(r, 'cpu_seconds') / _rate(ref, 'cpu_seconds'):.1f}x"
            rss = f"{float(r['rss_mb']) / float(ref['rss_mb']):.2f}"
        extra = f"  (mapped {r['mapped']})" if "mapped" in r else ""
        lines.append(f"{name:<40} {size:>6} {r['records']:>8} {float(r['seconds']):>8.2f} "
                     f"{float(r.get('cpu_seconds') or 0):>8.2f} {_rate(r, 'seconds'):>10.0f} "
                     f"{_rate(r, 'cpu_seconds'):>10.0f} {float(r['rss_mb']):>12.0f} {wall_speed:>18} {speed:>17} "
                     f"{rss:>11}{extra}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=10_000, help="datasets in the catalogue (ours)")
    parser.add_argument("--peer-n", type=int, default=None, help="datasets for the peer measurement (default: --n)")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1,
                        help="mapping worker processes for the parallel row (0: skip it; default: CPUs)")
    parser.add_argument("--no-peer", action="store_true", help="skip ckanext-dcat")
    parser.add_argument("--peer-python", type=Path, default=PEER_PYTHON, help="Python of the CKAN venv")
    parser.add_argument("--measure", nargs=2, metavar=("MODE", "TARGET"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.measure:
        mode, target = args.measure
        if mode.startswith("parallel"):
            result = measure_parallel(target, int(mode[len("parallel"):]))
        else:
            result = measure_peer(target) if mode == "peer" else measure_ours(target, read=mode == "map")
        print(json.dumps(result))
        return 0
    rows = run(args.n, args.peer_n or args.n, not args.no_peer, args.peer_python, args.workers)
    print(table(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
