"""ckanext-dcat (2.4, profile ``euro_dcat_ap_3``) harvests the feed the way its DCAT RDF harvester
does: fetch a page, ``RDFParser.parse``, read ``datasets()``, follow ``next_page()`` (Hydra).

The feed runs in waitress on 127.0.0.1 in a thread; the consumer runs in CKAN's own virtualenv
(``.cache/ckan-venv``, managed by ``tests/ckan_stack``) as a subprocess, fetching with ``requests``
(gzip, like the harvester). Every public dataset must arrive exactly once, with title, description,
identifier and every distribution URL intact, in Turtle and in RDF/XML.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from harvester.feed.app import FeedApp, FeedConfig
from harvester.mapping.codelists import CodeLists
from harvester.profiles.dcat_ap import DcatAp3Profile
from harvester.store import Store
from tests.ckan_stack.ckan_env import ckan_environ, ensure_venv, venv_bin
from tests.unit.feed.conftest import CATALOG, serve_in_thread
from tests.unit.feed.records import BASE, Entry, example_entries, make_dataset, seed

pytestmark = [pytest.mark.ckan, pytest.mark.integration]

CONSUMER = r"""
import json, sys
import requests
from ckanext.dcat.processors import RDFParser

result = {}
for url, fmt in zip(sys.argv[1::2], sys.argv[2::2]):
    datasets, pages, encodings = [], 0, set()
    while url and pages < 100:
        reply = requests.get(url, timeout=60)
        reply.raise_for_status()
        encodings.add(reply.headers.get("Content-Encoding", "identity"))
        parser = RDFParser(profiles=["euro_dcat_ap_3"])
        parser.parse(reply.text, _format=fmt)
        for d in parser.datasets():
            extras = {e["key"]: e["value"] for e in d.get("extras", [])}
            datasets.append({
                "uri": extras.get("uri"), "identifier": extras.get("identifier"),
                "title": d.get("title"), "notes": d.get("notes"),
                "resources": sorted([r.get("access_url") or "", r.get("download_url") or "", r.get("url") or ""]
                                    for r in d.get("resources", [])),
            })
        pages += 1
        url = parser.next_page()
    result[fmt] = {"pages": pages, "datasets": datasets, "encodings": sorted(encodings)}
print(json.dumps(result))
"""


def _entries() -> list[Entry]:
    entries = example_entries()
    for n in range(26, 60):  # enough for many pages
        entries.append(Entry("dinkes-sipd", f"extra-{n}", make_dataset(n), org="dinkes"))
    return entries


def test_ckanext_dcat_harvests_every_dataset_once(tmp_path: Path) -> None:
    ensure_venv()
    store = Store(f"sqlite:///{tmp_path / 'feed.db'}")
    seeded = seed(store, _entries())
    profile = DcatAp3Profile(CodeLists.load(), base_uri=BASE)
    app = FeedApp(store, profile, CATALOG, FeedConfig(page_size=10))
    root, stop = serve_in_thread(app)
    try:
        script = tmp_path / "consume.py"
        script.write_text(CONSUMER)
        proc = subprocess.run(
            [str(venv_bin("python")), str(script), f"{root}/catalog.ttl", "turtle", f"{root}/catalog.rdf", "xml"],
            capture_output=True, text=True, timeout=600, env=ckan_environ(), cwd=tmp_path)
    finally:
        stop()
        store.close()
    assert proc.returncode == 0, proc.stderr[-3000:]
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    # ckanext-dcat reads dcat:Dataset nodes; the series is a dcat:DatasetSeries and is not one.
    expected = {e.dataset.uri: e.dataset for e in seeded.visible() if e.dataset.type == "dataset"}
    for fmt in ("turtle", "xml"):
        got = result[fmt]
        assert got["encodings"] == ["gzip"]
        assert got["pages"] == -(-len(seeded.visible()) // 10)
        uris = [d["uri"] for d in got["datasets"]]
        assert len(uris) == len(set(uris)), f"{fmt}: a dataset arrived twice"
        assert set(uris) == set(expected), fmt
        for d in got["datasets"]:
            ds = expected[d["uri"]]
            assert (d["identifier"], d["title"], d["notes"]) == (ds.identifier, ds.title, ds.description), d["uri"]
            want = sorted([x.access_url or "", x.download_url or "", x.download_url or x.access_url or ""]
                          for x in ds.distributions)
            assert d["resources"] == want, d["uri"]
