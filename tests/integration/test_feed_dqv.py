"""Quality measurements in the DCAT feed: every dataset on a page carries its stored score as DQV."""

from __future__ import annotations

import shutil
from pathlib import Path

import rdflib
from rdflib.namespace import Namespace

from harvester.cli.commands_serve import build_feed
from harvester.cli.context import CliState
from harvester.pipeline.runner import HarvestRunner, RunOptions

DQV = Namespace("http://www.w3.org/ns/dqv#")
REPO = Path(__file__).resolve().parents[2]


def test_catalog_page_carries_dqv_scores(tmp_path: Path, monkeypatch) -> None:
    shutil.copytree(REPO / "config" / "example", tmp_path / "example")
    config = tmp_path / "example" / "harvester.yaml"
    text = "\n".join(ln for ln in config.read_text().splitlines() if not ln.startswith("mappings_dir:"))
    config.write_text(text + f"\nmappings_dir: {REPO / 'mappings'}\n")
    monkeypatch.setenv("HARVESTER_DATABASE_URL", f"sqlite:///{tmp_path}/state.db")
    for name in ("CKAN_CITY_URL", "CKAN_PROVINCE_URL", "CKAN_NATIONAL_URL"):
        monkeypatch.delenv(name, raising=False)
    state = CliState(config_path=str(config))
    HarvestRunner(state.config, state.store).run("katalog-diskominfotik", RunOptions(full=True))
    app = build_feed(state)
    out: dict = {}
    body = b"".join(app({"REQUEST_METHOD": "GET", "PATH_INFO": "/catalog.ttl", "QUERY_STRING": "",
                         "SERVER_NAME": "127.0.0.1", "SERVER_PORT": "8080", "wsgi.url_scheme": "http",
                         "HTTP_HOST": "127.0.0.1:8080"}, lambda status, headers: out.update(status=status)))
    assert out["status"].startswith("200"), body[:500]
    graph = rdflib.Graph().parse(data=body, format="turtle")
    datasets = set(graph.subjects(rdflib.RDF.type, rdflib.URIRef("http://www.w3.org/ns/dcat#Dataset")))
    measured = {s for s in graph.subjects(DQV.hasQualityMeasurement, None)}
    assert datasets and datasets <= measured, datasets - measured
    values = [v for m in graph.objects(None, DQV.hasQualityMeasurement) for v in graph.objects(m, DQV.value)]
    assert values and all(v is not None for v in values)
    state.close()
