"""The dcat-rdf source hands its parsed triples to the RDF reader (``SourceRecord.parsed``) so the
reader need not parse the record's N-Triples again. A record read back from the store (remap) has
no hand-off and is parsed from its bytes: both ways must map to the same canonical record with the
same issues, for every DCAT sample in ../shared/data and for blank-node (skolemised) datasets."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from harvester.errors import HarvesterError
from harvester.http import HttpClient, HttpPolicy
from harvester.mapping.codelists import CodeLists
from harvester.mapping.engine import MappingContext, MappingEngine
from harvester.mapping.spec import default_mapping_path, load_mapping
from harvester.model.canonical import canonical_json
from harvester.readers import rdf_doc
from harvester.sources.base import GatherContext
from harvester.sources.dcat_rdf import DcatRdfOptions, DcatRdfSource

VARIABLES = {"pemda.kode": "35.72", "pemda.level": "KABUPATEN_KOTA", "walidata.name": "Diskominfotik"}

BLANK_DATASETS = """\
@prefix dcat: <http://www.w3.org/ns/dcat#> .
@prefix dct: <http://purl.org/dc/terms/> .
@prefix foaf: <http://xmlns.com/foaf/0.1/> .
<https://ex.test/catalog> a dcat:Catalog ; dct:publisher [ foaf:name "Diskominfotik" ] ;
  dcat:dataset [ a dcat:Dataset ; dct:identifier "a" ; dct:title "Penduduk \\"A\\"\\n"@ID ;
                 dct:description "Baris\\tsatu"@id, "line one"@en ;
                 dcat:distribution [ a dcat:Distribution ; dcat:accessURL <https://ex.test/a.csv> ] ],
               [ a dcat:Dataset ; dct:title "Tanpa identifier" ; dct:isReferencedBy [ a dcat:Dataset ] ] .
"""


@pytest.fixture(scope="module")
def engine() -> MappingEngine:
    return MappingEngine(load_mapping(default_mapping_path("dcat-rdf")), CodeLists.load())


def _both_ways(engine: MappingEngine, url: str) -> tuple[int, int, list[tuple[str, str]]]:
    source = DcatRdfSource("s", DcatRdfOptions(url=url), HttpClient(HttpPolicy(retries=0)))
    records = handed = 0
    differences = []
    for ref in source.gather(GatherContext(source_id="s", full=True, max_items=300)):
        record = source.fetch(ref)
        records += 1
        handed += record.parsed is not None
        from_bytes = dataclasses.replace(record, parsed=None)
        ctx = MappingContext("s", ref.remote_id, VARIABLES)
        a, b = engine.map_record(record, ctx), engine.map_record(from_bytes, ctx)
        if (a.dataset and canonical_json(a.dataset), a.issues) != (b.dataset and canonical_json(b.dataset), b.issues):
            differences.append((ref.remote_id, url))
    return records, handed, differences


def test_every_dcat_sample_maps_the_same_with_and_without_the_handoff(engine: MappingEngine,
                                                                      shared_data: Path) -> None:
    total = 0
    for path in sorted((shared_data / "dcat_rdf").glob("*.*")):
        try:
            records, handed, differences = _both_ways(engine, path.as_uri())
        except HarvesterError:
            continue  # samples the source rejects are covered by the conformance test
        assert differences == [], differences
        assert handed == records  # every record really went through the hand-off
        total += records
    assert total > 50


def test_blank_node_datasets_and_escaped_literals(engine: MappingEngine, tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "c.ttl"
    path.write_text(BLANK_DATASETS, encoding="utf-8")
    records, handed, differences = _both_ways(engine, path.as_uri())
    assert records == handed == 3 and differences == []  # the third: the blank dataset it references
    # and the hand-off is what the reader used (not a silent fallback to the bytes)
    calls = []
    real = rdf_doc.build_index
    monkeypatch.setattr(rdf_doc, "build_index", lambda *a: calls.append(a) or real(*a))
    source = DcatRdfSource("s", DcatRdfOptions(url=path.as_uri()), HttpClient(HttpPolicy(retries=0)))
    results = [engine.map_record(source.fetch(ref), MappingContext("s", ref.remote_id, VARIABLES))
               for ref in source.gather(GatherContext(source_id="s", full=True))]
    titles = {r.dataset.title for r in results if r.dataset}
    assert calls == [] and titles == {'Penduduk "A"', "Tanpa identifier"} and len(results) == 3
