"""Benchmark: peak memory of ``Source.gather`` for every source type on a 20,000-record source.

Acceptance (issue #4): a source of 20,000 records served locally is gathered with peak RSS under
300 MB. For every registered source type this script serves N rich records (``--n``, default 20,000)
in that type's real wire format from a ThreadingHTTPServer on 127.0.0.1 in this process, with the
type's natural paging (fixtures: ``bench/gather_fixtures.py``):

* ``ckan``             - ``package_search`` pages of rows=1000 (the source's maximum), sorted and
  filtered the way the source asks (start/rows/sort/fq honoured);
* ``dcat-rdf (dump)``  - one Turtle file of N rich DCAT-AP datasets (``dcat_catalog_gen.generate``);
* ``dcat-rdf (hydra)`` - Turtle pages of 250 datasets linked by ``hydra:next``;
* ``datajson``         - one data.json (POD 1.1) with N datasets;
* ``csw``              - GetRecords pages of 100 ISO 19139 records (startPosition / nextRecord);
* ``oai-pmh``          - ListRecords (oai_dc) pages of 100 with resumptionToken;
* ``schemaorg``        - a sitemap of N HTML pages, each with one Dataset JSON-LD block (gather
  fetches every page: the pages *are* the listing);
* ``spreadsheet``      - an N-row CSV and an N-row XLSX inventory;
* ``json-api``         - pages of 200 JSON:API resources linked by ``links.next``.

Each case runs in its own child process, which imports the harvester and every source module,
then runs the real ``Source.gather(GatherContext(...))`` over HTTP and counts the refs without
keeping them (the runner writes refs away in batches). Reported per case: records gathered, the
``complete`` flag, wall and CPU seconds (the steadier figure on a shared machine: ``time.process_time``
plus the user + system time of the child processes started and reaped meanwhile, ``RUSAGE_CHILDREN``;
the dcat-rdf source reads big pages in a child, ``harvester.sources.rdf_page_child``, which starts
a parser child of its own, ``harvester.sources.rdf_pipe``), peak RSS (the process's
``resource.getrusage`` ru_maxrss plus the largest peak of such a child together with its own
children, sampled from ``/proc`` by ``bench/child_usage.py`` because ``RUSAGE_CHILDREN``'s ru_maxrss
would include the parent's memory again; the peaks are added up as if they coincided) and its excess over the baseline process, which only imported the same modules. PASS/FAIL is
peak RSS against ``--limit`` (300 MB); a record count other than N or an incomplete listing is printed
as a MISMATCH line.

Usage::

    .venv/bin/python bench/bench_gather_memory.py               # all types, N=20000
    .venv/bin/python bench/bench_gather_memory.py --only dcat-rdf --n 5000
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
OUT = HERE / "out"
sys.path.insert(0, str(HERE))

from child_usage import ChildUsage  # noqa: E402 - bench/ is not a package
from gather_fixtures import ensure_files, respond  # noqa: E402

MEDIA = {".ttl": "text/turtle", ".json": "application/json", ".csv": "text/csv; charset=utf-8",
         ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


def cases(base: str, files: dict[str, Path]) -> list[tuple[str, str, dict[str, Any]]]:
    """(label, source type, options) of every measured case."""
    def file_url(name: str) -> str:
        return f"{base}/files/{files[name].name}"

    return [
        ("ckan", "ckan", {"url": f"{base}/ckan", "rows": 1000}),
        ("dcat-rdf (dump)", "dcat-rdf", {"url": file_url("dcat")}),
        ("dcat-rdf (hydra)", "dcat-rdf", {"url": f"{base}/dcat-hydra?page=1"}),
        ("datajson", "datajson", {"url": file_url("datajson")}),
        ("csw", "csw", {"url": f"{base}/csw?service=CSW&request=GetRecords", "mode": "csw", "page_size": 100}),
        ("oai-pmh", "oai-pmh", {"url": f"{base}/oai", "granularity": "YYYY-MM-DDThh:mm:ssZ"}),
        ("schemaorg", "schemaorg", {"sitemap": f"{base}/schemaorg/sitemap.xml"}),
        ("spreadsheet (csv)", "spreadsheet", {"url": file_url("csv"), "id_column": "Kode"}),
        ("spreadsheet (xlsx)", "spreadsheet", {"url": file_url("xlsx"), "id_column": "Kode"}),
        ("json-api", "json-api", {"url": f"{base}/api/datasets", "records_path": "data", "id_path": "id",
                                  "modified_path": "attributes.updated_at",
                                  "paginator": {"type": "next_link", "next_path": "links.next"}}),
    ]


# -- child process ---------------------------------------------------------------------------------------

def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB


def measure(kind: str, options: str) -> dict[str, Any]:
    """Gather with source type ``kind`` (or only import, for ``baseline``); counts, times, peak RSS."""
    sys.path.insert(0, str(REPO))
    from harvester.http import HttpClient, HttpPolicy
    from harvester.registry import sources
    from harvester.sources.base import GatherContext

    classes = {name: sources.get(name) for name in sources.names()}  # every source module imported
    if kind == "baseline":
        return {"rss_mb": _peak_rss_mb()}
    cls = classes[kind]
    source = cls("bench", cls.options_model.model_validate(json.loads(options)),
                 HttpClient(HttpPolicy(read_timeout=600)))
    ctx = GatherContext(source_id="bench")
    records = payload = 0
    children = ChildUsage().start()
    started, cpu_started = time.perf_counter(), time.process_time()
    for ref in source.gather(ctx):
        records += 1
        payload += len(ref.payload or b"")
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu_started
    child_cpu, child_rss = children.stop()
    return {"records": records, "complete": ctx.complete, "seconds": seconds, "cpu_seconds": cpu + child_cpu,
            "rss_mb": _peak_rss_mb() + child_rss, "child_cpu_seconds": child_cpu, "child_rss_mb": child_rss,
            "payload_mb": payload / 1e6, "issues": [f"{i.code}: {i.message}"[:200] for i in ctx.issues[:3]],
            "issue_count": len(ctx.issues)}


# -- server and orchestration ------------------------------------------------------------------------------

def serve(n: int) -> tuple[ThreadingHTTPServer, str]:
    """Serve ``bench/out`` files under ``/files/`` and the paged fixtures (rendered per request)."""
    state: dict[str, str] = {}

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive: schemaorg makes N + 1 requests
        disable_nagle_algorithm = True  # headers and body are separate writes: no 40 ms delayed-ACK stall

        def log_message(self, *args: object) -> None:
            pass

        def do_GET(self) -> None:  # noqa: N802 - http.server's naming
            path, _, query = self.path.partition("?")
            if path.startswith("/files/") and "/" not in path[7:]:
                file = OUT / path[7:]
                if file.is_file():
                    self._head(200, MEDIA.get(file.suffix, "application/octet-stream"), file.stat().st_size)
                    with file.open("rb") as handle:
                        shutil.copyfileobj(handle, self.wfile, 1 << 20)
                    return
            status, media, body = respond(state["base"], path, query, n)
            self._head(status, media, len(body))
            self.wfile.write(body)

        def _head(self, status: int, media: str, length: int) -> None:
            self.send_response(status)
            self.send_header("Content-Type", media)
            self.send_header("Content-Length", str(length))
            self.end_headers()

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    state["base"] = f"http://127.0.0.1:{server.server_address[1]}"
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True).start()
    return server, state["base"]


def child(*args: str) -> dict[str, Any]:
    proc = subprocess.run([sys.executable, str(Path(__file__).resolve()), "--measure", *args],
                          capture_output=True, text=True, cwd=str(REPO), env={**os.environ, "PYTHONHASHSEED": "0"})
    lines = [line for line in proc.stdout.splitlines() if line.startswith("{")]
    if proc.returncode != 0 or not lines:
        tail = (proc.stderr or proc.stdout).strip().splitlines()[-1:] or [f"exit {proc.returncode}"]
        return {"error": tail[0]}
    return json.loads(lines[-1])


def selected(label: str, kind: str, only: list[str]) -> bool:
    return not only or any(o in (kind, label) or label.startswith(o) for o in only)


def run(n: int, only: list[str], limit: float) -> int:
    files = ensure_files(OUT, n)
    server, base = serve(n)
    failures = 0
    try:
        baseline = child("baseline", "{}")
        base_rss = float(baseline.get("rss_mb", 0.0))
        print(f"N = {n}; limit {limit:.0f} MB; baseline (imports only): {base_rss:.0f} MB peak RSS\n")
        print(f"{'case':<20} {'records':>8} {'complete':>8} {'wall s':>8} {'CPU s':>8} {'rec/s CPU':>9} "
              f"{'peak RSS MB':>11} {'+ baseline':>10} {'payload MB':>10}  verdict")
        for label, kind, options in cases(base, files):
            if not selected(label, kind, only):
                continue
            r = child(kind, json.dumps(options))
            if "records" not in r:
                failures += 1
                print(f"{label:<20} ERROR {r.get('error')}")
                continue
            rss = float(r["rss_mb"])
            verdict = "PASS" if rss < limit else "FAIL"
            failures += verdict == "FAIL"
            rate = r["records"] / r["cpu_seconds"] if r["cpu_seconds"] else float("inf")
            print(f"{label:<20} {r['records']:>8} {str(r['complete']):>8} {r['seconds']:>8.2f} "
                  f"{r['cpu_seconds']:>8.2f} {rate:>9.0f} {rss:>11.0f} {rss - base_rss:>10.0f} "
                  f"{r['payload_mb']:>10.1f}  {verdict}")
            if r["records"] != n or not r["complete"]:
                failures += 1
                print(f"  !!! MISMATCH: {label} gathered {r['records']} of {n} records, complete={r['complete']}; "
                      f"{r['issue_count']} issue(s): {r['issues']}")
    finally:
        server.shutdown()
    return 1 if failures else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=20_000, help="records per source")
    parser.add_argument("--only", action="append", default=[], metavar="TYPE",
                        help="source type or case label prefix (repeatable), e.g. dcat-rdf, 'spreadsheet (xlsx)'")
    parser.add_argument("--limit", type=float, default=300.0, help="peak RSS limit in MB")
    parser.add_argument("--measure", nargs=2, metavar=("TYPE", "OPTIONS"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.measure:
        print(json.dumps(measure(*args.measure)))
        return 0
    return run(args.n, args.only, args.limit)


if __name__ == "__main__":
    sys.exit(main())
