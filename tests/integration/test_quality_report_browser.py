"""The /report page of the web UI rendered by headless Chromium: it loads, and its numbers equal the JSON.

The example Kota Blitar config is harvested (see test_quality_report.py), ``ReportApp`` is served by a
real WSGI server on 127.0.0.1, Chromium renders ``/report`` (DOM dump + screenshot in the test's tmp
dir), and the per-OPD rows, the city card and the trend chart are compared with ``/report.json``
served by the same app. Needs Debian ``chromium``: installed by the test when missing (root).
"""

from __future__ import annotations

import subprocess
import threading
from html.parser import HTMLParser
from pathlib import Path
from typing import Any, Iterator
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

import pytest
import requests

from harvester.quality.render_svg import decimal_id
from harvester.quality.web import ReportApp
from tests.integration.test_quality_report import Example, example  # noqa: F401 (fixture)
from tests.support.browser import ensure_chromium
from tests.support.threaded import serving

FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]


class _Quiet(WSGIRequestHandler):
    def log_message(self, *args: object) -> None:
        pass


class _ThreadingServer(WSGIServer):
    daemon_threads = True

    def process_request(self, request: Any, client_address: Any) -> None:  # one thread per request
        threading.Thread(target=self._serve_one, args=(request, client_address), daemon=True).start()

    def _serve_one(self, request: Any, client_address: Any) -> None:
        try:
            self.finish_request(request, client_address)
        finally:
            self.shutdown_request(request)


@pytest.fixture
def served(example: Example) -> Iterator[str]:  # noqa: F811
    with serving(make_server("127.0.0.1", 0, ReportApp(example.store, example.config),
                             server_class=_ThreadingServer, handler_class=_Quiet)) as url:
        yield url


def chromium(url: str, tmp_path: Path, *, screenshot: bool = False) -> str:
    """The rendered DOM of ``url``; with ``screenshot`` also saves ``report.png`` in ``tmp_path``."""
    binary, _ = ensure_chromium()
    base = [binary, *FLAGS, "--window-size=1280,2000"]
    if screenshot:
        shot = subprocess.run([*base, f"--user-data-dir={tmp_path / 'profile-shot'}",
                               f"--screenshot={tmp_path / 'report.png'}", url], capture_output=True, timeout=120)
        assert shot.returncode == 0, shot.stderr.decode(errors="replace")[-2000:]
        assert (tmp_path / "report.png").stat().st_size > 10_000
    dom = subprocess.run([*base, f"--user-data-dir={tmp_path / 'profile-dom'}", "--dump-dom", url],
                         capture_output=True, timeout=120)
    assert dom.returncode == 0, dom.stderr.decode(errors="replace")[-2000:]
    return dom.stdout.decode("utf-8")


class Rows(HTMLParser):
    """Collects the per-OPD rows (data attributes + cell texts), the city card and the city chart points."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[dict[str, Any]] = []
        self.city: dict[str, str] = {}
        self.city_points: list[str] = []
        self._cell: str | None = None
        self._in_summary = False
        self._in_row = False
        self.text: list[str] = []  # every text node, entities decoded

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        classes = a.get("class", "").split()
        if tag == "section":
            self._in_summary = a.get("id") == "ringkasan"
        if tag == "tr":
            self._in_row = "org-row" in classes
            if self._in_row:
                self.rows.append({"attrs": a, "cells": {}})
        elif tag == "td" and self._in_row and any(c in classes for c in ("score", "datasets", "epss", "name")):
            self._cell = next(c for c in ("score", "datasets", "epss", "name") if c in classes)
            self.rows[-1]["cells"][self._cell] = ""
        elif tag == "div" and "city" in classes:
            self.city = dict(a)
        elif tag == "circle" and "point" in classes and self._in_summary:
            self.city_points.append(a["data-score"])

    def handle_endtag(self, tag: str) -> None:
        if tag == "td":
            self._cell = None
        elif tag == "tr":
            self._in_row = False

    def handle_data(self, data: str) -> None:
        self.text.append(data)
        if self._cell is not None and self.rows:
            self.rows[-1]["cells"][self._cell] += data


def test_report_page_renders_in_chromium_and_matches_the_json(served: str, tmp_path: Path) -> None:
    report = requests.get(served + "/report.json", timeout=30).json()
    dom = chromium(served + "/report", tmp_path, screenshot=True)
    assert "Laporan Kualitas Metadata dan Kepatuhan Satu Data" in dom
    parsed = Rows()
    parsed.feed(dom)
    assert len(parsed.rows) == len(report["organisations"]) >= 10
    for row, org in zip(parsed.rows, report["organisations"]):
        attrs, cells = row["attrs"], row["cells"]
        assert attrs["data-org"] == org["id"]
        assert cells["name"].strip().startswith(org["label"])
        assert int(cells["datasets"]) == int(attrs["data-datasets"]) == org["datasets"]
        assert cells["score"].strip() == decimal_id(org["score"])
        assert cells["epss"].strip() == decimal_id(org["epss"], 2)
        assert (float(attrs["data-score"]) if attrs["data-score"] else None) == org["score"]
        assert (attrs["data-band"] or None) == org["band"]
    city = report["city"]
    assert float(parsed.city["data-score"]) == city["score"] and int(parsed.city["data-datasets"]) == city["datasets"]
    assert [float(p) for p in parsed.city_points] == [p["score"] for p in city["trend"] if p["score"] is not None]
    text = "".join(parsed.text)
    for org in report["organisations"]:  # the drill-down lists every dataset with its hints
        for ds in org["dataset_list"]:
            assert ds["title"] in text
            for failed in ds["failed"]:
                for hint in failed["hints"]:
                    assert hint["hint_id"] in text and hint["hint_en"] in text


def test_organisation_page_renders(served: str, tmp_path: Path) -> None:
    org = requests.get(served + "/report/dindik.json", timeout=30).json()["organisations"][0]
    dom = chromium(served + "/report/dindik", tmp_path)
    parsed = Rows()
    parsed.feed(dom)
    assert [r["attrs"]["data-org"] for r in parsed.rows] == ["dindik"]
    assert parsed.rows[0]["cells"]["score"].strip() == decimal_id(org["score"])
    assert "Isi Satuan" in dom and "<details open" in dom
