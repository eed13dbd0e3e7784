"""The quality report in the web UI: ``/report`` and ``/report/{organisation}`` (HTML, JSON, CSV).

Routes, relative to where the app is mounted (``PATH_INFO`` as seen by this app):

* ``/report`` — the whole report (HTML); ``/report.json``, ``/report.csv`` (scopes table) and
  ``/report.datasets.csv`` (one row per dataset with hints);
* ``/report/{organisation}`` (id, name or alias, URL-encoded) — one OPD's report, printable to send
  to it; with the same ``.json`` / ``.csv`` / ``.datasets.csv`` suffixes.

``ReportApp(store, config)`` is a WSGI application; ``report_page(environ)`` returns ``(status,
headers, body)`` for a host application (the daemon's web UI) that composes pages itself. Reports
are built per request (read-only on the store). ``SCRIPT_NAME`` is honoured in links.

Failure behaviour: an unknown organisation answers 404 naming the known ids, any other path 404,
an unexpected error 500 (logged); the app never raises into the server.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from typing import Any, Optional
from urllib.parse import unquote

from harvester.mapping.codelists import CodeLists
from harvester.quality.render_csv import render_csv, render_json
from harvester.quality.render_html import render_html
from harvester.quality.report import UnknownOrganisation, build_report

log = logging.getLogger(__name__)

Response = tuple[str, list[tuple[str, str]], bytes]
_SUFFIXES = ((".datasets.csv", "datasets.csv"), (".json", "json"), (".csv", "csv"))
_TYPES = {"html": "text/html; charset=utf-8", "json": "application/json; charset=utf-8",
          "csv": "text/csv; charset=utf-8", "datasets.csv": "text/csv; charset=utf-8"}


def _split(path: str) -> tuple[str, str]:
    for suffix, fmt in _SUFFIXES:
        if path.endswith(suffix):
            return path[: -len(suffix)], fmt
    return path, "html"


class ReportApp:
    """WSGI app serving the quality report pages. Thread-safe (no per-request state)."""

    def __init__(self, store: Any, config: Any, *, codelists: Optional[CodeLists] = None) -> None:
        self.store, self.config = store, config
        self.codelists = codelists or CodeLists.load()

    def report_page(self, environ: dict[str, Any]) -> Response:
        """Answer one request: (status, headers, body)."""
        path = environ.get("PATH_INFO") or "/"
        try:
            return self._route(environ, path)
        except Exception:  # a broken page answers 500 instead of killing the server thread
            log.exception("quality report page %s failed", path)
            return _text("500 Internal Server Error", "internal error\n")

    def _route(self, environ: dict[str, Any], path: str) -> Response:
        base, fmt = _split(path.rstrip("/") or "/")
        if base == "/report":
            organisation = None
        elif base.startswith("/report/") and "/" not in base[len("/report/"):]:
            organisation = unquote(base[len("/report/"):])
        else:
            return _text("404 Not Found", "not found\n")
        try:
            report = build_report(self.store, self.config, organisation=organisation, codelists=self.codelists)
        except UnknownOrganisation as exc:
            return _text("404 Not Found", f"{exc}\n")
        if fmt == "json":
            body = render_json(report)
        elif fmt in ("csv", "datasets.csv"):
            body = render_csv(report, table="datasets" if fmt == "datasets.csv" else "scopes")
        else:
            script = (environ.get("SCRIPT_NAME") or "").rstrip("/")
            body = render_html(report, link_base=f"{script}/report")
        data = body.encode("utf-8")
        headers = [("Content-Type", _TYPES[fmt]), ("Content-Length", str(len(data))), ("Cache-Control", "no-store")]
        if fmt.endswith("csv"):
            name = "laporan-kualitas" + (f"-{report.data['organisation_filter']}" if organisation else "")
            headers.append(("Content-Disposition", f'attachment; filename="{name}.csv"'))
        return "200 OK", headers, data

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        status, headers, body = self.report_page(environ)
        start_response(status, headers)
        return [body]


def _text(status: str, message: str) -> Response:
    data = message.encode("utf-8")
    return status, [("Content-Type", "text/plain; charset=utf-8"), ("Content-Length", str(len(data)))], data


def report_page(environ: dict[str, Any], *, store: Any, config: Any) -> Response:
    """Functional form of ``ReportApp.report_page`` (builds a throw-away app per call)."""
    return ReportApp(store, config).report_page(environ)
