"""Acceptance (mapping issue): every harvestable real-world sample in ../shared/data goes through its
source, the default mapping and the DCAT-AP 3 profile; the Turtle parses, and the records that have a
title and a description produce zero violations of the official DCAT-AP 3.0.1 shapes.

A sample a source cannot read must be rejected with a HarvesterError (a clear, classified message);
any other exception is a crash and fails the test. CKAN API samples are package dicts: they are fed to
the mapping as the ckan source's payloads (the ckan source's paging is tested on its own).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Iterator

import pytest
import rdflib
from pyshacl import validate

from harvester.errors import HarvesterError
from harvester.http import HttpClient, HttpPolicy
from harvester.mapping.codelists import CodeLists
from harvester.mapping.engine import MappingContext
from harvester.model.record import SourceRecord
from harvester.pipeline import assembly
from harvester.pipeline.identity import assign_identity
from harvester.profiles.dcat_ap import DcatAp3Profile
from harvester.sources.base import GatherContext

FOLDERS = {  # shared/data folder -> (source type, file pattern)
    "dcat_rdf": ("dcat-rdf", "*.*"),
    "datajson": ("datajson", "*.json*"),
    "csw_iso19139": ("csw", "*.xml"),
    "oai_pmh": ("oai-pmh", "*.xml"),
    "schemaorg_html": ("schemaorg", "*.html"),
    "ckan_api": ("ckan", "*.json"),
}
VARIABLES = {"pemda.kode": "35.72", "walidata.name": "Dinas Komunikasi, Informatika dan Statistik Kota Blitar"}
SHAPES = "shacl/dcat-ap_3.0.1_shacl_shapes.ttl"


def _samples() -> list[tuple[str, str]]:
    root = Path(__file__).resolve().parents[2].parent / "shared" / "data"
    out = []
    for folder, (_, pattern) in FOLDERS.items():
        out += [(folder, p.name) for p in sorted((root / folder).glob(pattern))] if root.is_dir() else []
    return out or [("missing", "missing")]


def _ckan_packages(data: Any) -> Iterator[dict]:
    """Package dicts in a CKAN-like answer (package_show/search results, DKAN lists, bare dicts)."""
    if isinstance(data, dict) and "result" in data:
        data = data["result"]
    if isinstance(data, dict) and isinstance(data.get("results"), list):
        data = data["results"]
    for item in data if isinstance(data, list) else [data]:
        if isinstance(item, dict) and ("title" in item or "name" in item) and ("id" in item or "name" in item):
            yield item


def _records(source_type: str, path: Path) -> Iterator[SourceRecord]:
    if source_type == "ckan":
        for pkg in _ckan_packages(json.loads(path.read_text(encoding="utf-8"))):
            rid = str(pkg.get("id") or pkg.get("name"))
            yield SourceRecord("sample", rid, "application/json", json.dumps(pkg).encode())
        return
    http = HttpClient(HttpPolicy(retries=0))
    source = assembly.build_source("sample", source_type, path.as_uri(), {}, http)
    for ref in source.gather(GatherContext(source_id="sample", full=True, max_items=500)):
        if not ref.deleted:
            yield source.fetch(ref)


@pytest.fixture(scope="module")
def shapes(shared_data: Path) -> rdflib.Graph:
    return rdflib.Graph().parse(shared_data / SHAPES, format="turtle")


@pytest.fixture(scope="module")
def codelists() -> CodeLists:
    return CodeLists.load()


@pytest.mark.parametrize("folder,name", _samples())
def test_sample_maps_to_conforming_dcat_ap(shared_data, shapes, codelists, folder: str, name: str) -> None:
    source_type = FOLDERS[folder][0]
    engine = assembly.build_engine(assembly.resolve_mapping_path(source_type, None, base_dir=None, mappings_dir=None),
                                   codelists, mappings_dir=None)
    try:
        records = list(_records(source_type, shared_data / folder / name))
    except HarvesterError as exc:  # rejected with a clear, classified error: allowed
        assert str(exc), "a rejection must say why"
        return
    datasets = []
    for record in records:
        result = engine.map_record(record, MappingContext("sample", record.remote_id, VARIABLES))
        if result.dataset is not None and result.dataset.title and result.dataset.description:
            datasets.append(assign_identity(result.dataset, base_uri="https://data.example.go.id",
                                            source_id="sample", remote_id=record.remote_id))
    turtle = DcatAp3Profile(codelists).serialize(datasets, "turtle")
    graph = rdflib.Graph().parse(data=turtle, format="turtle")
    if not datasets:
        return
    conforms, report, text = validate(graph, shacl_graph=shapes, inference="none", allow_warnings=True)
    violations = [line for line in text.splitlines() if "Severity: sh:Violation" in line]
    assert conforms or not violations, f"{folder}/{name}: {len(datasets)} datasets\n{text[:3000]}"
