"""HTTP front of the Solr stand-in (TEST ONLY; CKAN, PostgreSQL and Redis in the stack are real).

Duties: serve the part of Solr's HTTP API that CKAN 2.12 (through pysolr) uses, for any number of
cores addressed as ``/solr/<core>/...``:

- ``GET /solr/<core>/schema?wt=schema.xml`` and ``GET /solr/<core>/admin/file/?file=schema.xml``:
  a schema whose root ``name`` is ``ckan-2.12`` (what ``check_solr_schema_version`` reads);
- ``GET|POST /solr/<core>/select``: search (``wt=json`` answers; see ``store.Core.search``);
- ``POST /solr/<core>/update``: JSON adds (list of docs, or ``{"add": {"doc": ...}}``), JSON or XML
  deletes by id or query, XML adds, commits/optimizes (no-ops);
- ``GET /solr/<core>/admin/ping`` and ``GET /standin/health`` (document counts per core).

Failure behaviour: bad requests get HTTP 400 with Solr's JSON error shape
(``{"error": {"msg": ..., "code": 400}}``) so pysolr raises ``SolrError`` with the message; unknown
paths get 404. Run it with ``python -m tests.ckan_stack.solr_standin --port 0 --port-file F``.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import signal
import sys
import threading
import xml.etree.ElementTree as ET
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from .store import CoreRegistry, SolrRequestError

log = logging.getLogger(__name__)

SCHEMA_XML = """<?xml version="1.0" encoding="UTF-8" ?>
<schema name="ckan-2.12" version="1.6">
  <!-- Solr stand-in for tests: field semantics follow CKAN's schema.xml, see analysis.py -->
  <uniqueKey>index_id</uniqueKey>
</schema>
"""


class _Pairs(list):
    """A JSON object that repeated a key (Solr JSON update commands may do that)."""


def _pairs_hook(pairs: list[tuple[str, Any]]) -> Any:
    keys = [k for k, _ in pairs]
    return _Pairs(pairs) if len(keys) != len(set(keys)) else dict(pairs)


def _items(obj: Any) -> list[tuple[str, Any]]:
    return list(obj) if isinstance(obj, _Pairs) else list(obj.items())


def _as_doc(obj: Any) -> dict[str, Any]:
    doc: dict[str, Any] = {}
    for key, value in _items(obj):
        if key in doc:
            prev = doc[key] if isinstance(doc[key], list) else [doc[key]]
            doc[key] = prev + (value if isinstance(value, list) else [value])
        else:
            doc[key] = value
    return doc


def apply_json_update(core: Any, payload: Any) -> None:
    """Apply a Solr JSON update message to a core."""
    if isinstance(payload, list):
        core.add(_as_doc(d) for d in payload)
        return
    if not isinstance(payload, (dict, _Pairs)):
        raise SolrRequestError("Unsupported JSON update message")
    for command, arg in _items(payload):
        if command == "add":
            docs = arg if isinstance(arg, list) else [arg]
            core.add(_as_doc(d.get("doc", d) if isinstance(d, dict) else d) for d in docs)
        elif command == "delete":
            for item in arg if isinstance(arg, list) else [arg]:
                if isinstance(item, dict) and "query" in item:
                    core.delete_query(item["query"])
                elif isinstance(item, dict) and "id" in item:
                    core.delete_ids([item["id"]])
                else:
                    core.delete_ids([str(item)])
        elif command not in ("commit", "optimize", "rollback"):
            raise SolrRequestError(f"Unknown command '{command}'")


def apply_xml_update(core: Any, body: bytes) -> None:
    """Apply a Solr XML update message (``add``/``delete``/``commit``) to a core."""
    try:
        root = ET.fromstring(body)
    except ET.ParseError as exc:
        raise SolrRequestError(f"Invalid XML update message: {exc}") from exc
    for command in ([root] if root.tag != "update" else list(root)):
        if command.tag == "add":
            docs = []
            for doc_el in command.findall("doc"):
                pairs = [(f.get("name", ""), f.text or "") for f in doc_el.findall("field")]
                docs.append(_as_doc(_Pairs(pairs)))
            core.add(docs)
        elif command.tag == "delete":
            core.delete_ids([(el.text or "").strip() for el in command.findall("id")])
            for el in command.findall("query"):
                core.delete_query(el.text or "")
        elif command.tag not in ("commit", "optimize", "rollback"):
            raise SolrRequestError(f"Unknown command '{command.tag}'")


class Handler(BaseHTTPRequestHandler):
    """Routes Solr-like requests to the cores of ``server.registry``."""

    protocol_version = "HTTP/1.1"
    server: "StandinServer"

    def log_message(self, fmt: str, *args: Any) -> None:  # noqa: D102 - quieter than stderr
        log.debug("%s " + fmt, self.address_string(), *args)

    def _send(self, status: int, body: bytes, ctype: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _json(self, status: int, obj: Any) -> None:
        self._send(status, json.dumps(obj).encode("utf-8"), "application/json; charset=utf-8")

    def _error(self, status: int, msg: str) -> None:
        self._json(status, {"responseHeader": {"status": status, "QTime": 0},
                            "error": {"metadata": ["error-class", "org.apache.solr.common.SolrException"],
                                      "msg": msg, "code": status}})

    def _body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def do_GET(self) -> None:  # noqa: N802 - http.server API
        self._dispatch(b"")

    def do_POST(self) -> None:  # noqa: N802 - http.server API
        self._dispatch(self._body())

    def _dispatch(self, body: bytes) -> None:
        url = urlsplit(self.path)
        params = parse_qs(url.query, keep_blank_values=True)
        parts = [p for p in url.path.split("/") if p]
        try:
            if parts == ["standin", "health"]:
                reg = self.server.registry
                self._json(200, {"status": "ok", "cores": {n: len(reg.get(n)) for n in reg.names()}})
            elif parts[:1] == ["solr"] and parts[-2:] == ["admin", "ping"]:
                self._json(200, {"responseHeader": {"status": 0, "QTime": 0}, "status": "OK"})
            elif len(parts) >= 3 and parts[0] == "solr":
                self._core_request(parts[1], parts[2:], params, body)
            else:
                self._error(404, f"Not found: {url.path}")
        except SolrRequestError as exc:
            self._error(400, str(exc))
        except Exception as exc:  # keep serving; report like Solr's 500
            log.exception("stand-in failure on %s", self.path)
            self._error(500, f"{type(exc).__name__}: {exc}")

    def _core_request(self, core_name: str, rest: list[str], params: dict[str, list[str]],
                      body: bytes) -> None:
        core = self.server.registry.get(core_name)
        action = rest[0]
        if action == "schema" or (rest[:2] == ["admin", "file"]):
            if params.get("wt", ["json"])[0] == "json" and action == "schema":
                self._json(200, {"responseHeader": {"status": 0, "QTime": 0},
                                 "schema": {"name": "ckan-2.12", "version": 1.6, "uniqueKey": "index_id"}})
            else:
                self._send(200, SCHEMA_XML.encode("utf-8"), "application/xml; charset=utf-8")
        elif action == "select":
            ctype = self.headers.get("Content-Type", "")
            if body and "x-www-form-urlencoded" in ctype:
                for key, values in parse_qs(body.decode("utf-8"), keep_blank_values=True).items():
                    params.setdefault(key, []).extend(values)
            self._json(200, core.search(params))
        elif action == "update":
            ctype = self.headers.get("Content-Type", "")
            text = body.strip()
            if text:
                if "json" in ctype or (rest[1:] == ["json"]) or text[:1] in (b"[", b"{"):
                    try:
                        payload = json.loads(text, object_pairs_hook=_pairs_hook)
                    except ValueError as exc:
                        raise SolrRequestError(f"Invalid JSON update message: {exc}") from exc
                    apply_json_update(core, payload)
                else:
                    apply_xml_update(core, text)
            self._json(200, {"responseHeader": {"status": 0, "QTime": 0}})
        else:
            self._error(404, f"Unknown handler /{'/'.join(rest)} for core {core_name}")


class StandinServer(ThreadingHTTPServer):
    """Threaded HTTP server holding the core registry."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int]) -> None:
        super().__init__(address, Handler)
        self.registry = CoreRegistry()


def serve_in_thread(host: str = "127.0.0.1", port: int = 0) -> StandinServer:
    """Start a stand-in in a daemon thread (for unit tests); call ``shutdown()`` to stop it."""
    server = StandinServer((host, port))
    threading.Thread(target=server.serve_forever, name="solr-standin", daemon=True).start()
    return server


def main(argv: list[str] | None = None) -> int:
    """CLI entry point: serve until SIGTERM/SIGINT; write the bound port to ``--port-file``."""
    ap = argparse.ArgumentParser(description="Solr stand-in for the CKAN test stack (tests only)")
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--port-file", type=Path)
    ap.add_argument("--log-level", default="INFO")
    args = ap.parse_args(argv)
    logging.basicConfig(level=args.log_level.upper(),
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    server = StandinServer((args.host, args.port))
    port = server.server_address[1]
    if args.port_file:
        tmp = args.port_file.with_suffix(".tmp")
        tmp.write_text(str(port))
        os.replace(tmp, args.port_file)
    log.info("Solr stand-in (test only) listening on http://%s:%s/solr", args.host, port)

    def stop(signum: int, _frame: Any) -> None:
        log.info("signal %s: shutting down", signum)
        threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    server.serve_forever()
    server.server_close()
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
