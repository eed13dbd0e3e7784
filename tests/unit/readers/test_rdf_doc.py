"""RdfReader: predicate paths over a dataset subgraph; focus node; language preference."""

from __future__ import annotations

import pytest

from harvester.errors import ConfigError, RecordInvalid
from harvester.model.record import SourceRecord
from harvester.readers.rdf_doc import RdfReader

NT = b"""<https://x.id/ds/1> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <http://www.w3.org/ns/dcat#Dataset> .
<https://x.id/ds/1> <http://purl.org/dc/terms/title> "Judul"@id .
<https://x.id/ds/1> <http://purl.org/dc/terms/title> "Title"@en .
<https://x.id/ds/1> <http://purl.org/dc/terms/publisher> _:p .
_:p <http://xmlns.com/foaf/0.1/name> "Diskominfotik" .
<https://x.id/ds/1> <http://www.w3.org/ns/dcat#distribution> <https://x.id/ds/1/d/1> .
<https://x.id/ds/1> <http://www.w3.org/ns/dcat#distribution> _:d2 .
<https://x.id/ds/1/d/1> <http://www.w3.org/ns/dcat#accessURL> <https://x.id/file.csv> .
_:d2 <http://www.w3.org/ns/dcat#accessURL> <https://x.id/file.json> .
<https://x.id/ds/1> <https://w3id.org/satudata/sdi#satuan> "Jiwa" .
"""


def read(data=NT, media_type="application/n-triples", meta=(("focus", "https://x.id/ds/1"),), options=None):
    return RdfReader().read(SourceRecord("s", "r", media_type, data, meta=meta), options or {})


def test_paths_prefixes_and_language_preference():
    doc = read()
    assert doc.select("dct:title") == ["Judul", "Title"]          # 'id' preferred
    assert read(options={"languages": ["en"]}).select("dct:title")[0] == "Title"
    assert doc.select("dct:publisher/foaf:name") == ["Diskominfotik"]
    assert doc.select("dct:publisher") == []                        # blank nodes are not values
    assert doc.select(".") == ["https://x.id/ds/1"]
    assert doc.select("sdi:satuan") == ["Jiwa"]
    assert doc.select("<http://purl.org/dc/terms/title>")[0] == "Judul"
    assert sorted(doc.select("dcat:distribution/dcat:accessURL")) == ["https://x.id/file.csv", "https://x.id/file.json"]
    assert [d.select(".") for d in doc.each("dcat:distribution")] == [["https://x.id/ds/1/d/1"], []]
    dist = doc.each("dcat:distribution")[0]
    assert dist.select("^dcat:distribution/dct:title")[0] == "Judul"  # inverse step


def test_focus_found_by_type_without_meta():
    assert read(meta=()).select("dct:title")[0] == "Judul"


def test_missing_or_ambiguous_focus():
    two = NT + b'<https://x.id/ds/2> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <http://www.w3.org/ns/dcat#Dataset> .\n'
    with pytest.raises(RecordInvalid, match="found 2"):
        read(two, meta=())
    with pytest.raises(RecordInvalid, match="no statements"):
        read(meta=(("focus", "https://x.id/none"),))


def test_turtle_rdfxml_and_jsonld_samples(shared_data):
    base = shared_data / "dcat_rdf"
    ttl = read((base / "ckanext-dcat_afs_minimal_dataset.ttl").read_bytes(), "text/turtle", meta=())
    assert ttl.select("dct:title") == ["A test dataset on your catalogue"]
    assert sorted(ttl.select("dc:language")) == ["ca", "en", "es"]
    xml = read((base / "ckanext-dcat_full_dataset.rdf").read_bytes(), "application/rdf+xml", meta=())
    assert xml.select("dct:publisher/foaf:name") == ["Publishing Organization for dataset 1"]
    nt = read((base / "semic_dcat-ap-2.1.1_example1.nt").read_bytes(), meta=())
    assert nt.select("dcat:contactPoint/vcard:hasEmail") == ["mailto:opendata@myorg.eu"]


def test_bad_bytes_name_the_record():
    with pytest.raises(RecordInvalid) as info:
        RdfReader().read(SourceRecord("src-r", "rec-7", "application/n-triples", b"<a> <b> ."), {})
    assert "rec-7" in str(info.value) and "src-r" in str(info.value)


def test_unknown_prefix_is_a_config_error():
    with pytest.raises(ConfigError, match="unknown prefix"):
        RdfReader.check_path("ex:thing", {})
    RdfReader.check_path("ex:thing", {"prefixes": {"ex": "https://example.org/"}})


def test_literal_values_are_decoded_when_selected_and_one_per_value_and_language():
    data = NT + (b'<https://x.id/ds/1> <http://purl.org/dc/terms/identifier> "5" .\n'
                 b'<https://x.id/ds/1> <http://purl.org/dc/terms/identifier> "5"^^<http://www.w3.org/2001/XMLSchema#integer> .\n'
                 b'<https://x.id/ds/1> <http://purl.org/dc/terms/description> "Baris\\tsatu \\"A\\""@ID .\n'
                 b'<https://x.id/ds/1> <http://purl.org/dc/terms/description> "  " .\n'
                 b'<https://x.id/ds/1> <http://purl.org/dc/terms/description> "line"@en .\n'
                 b'<https://x.id/ds/1> <http://purl.org/dc/terms/description> <https://x.id/desc> .\n')
    for doc in (read(data), read(data.replace(b" .\n", b" . \n").replace(b" . \n", b" .\n"), "text/turtle")):
        assert doc.select("dct:identifier") == ["5"]
        assert doc.select("dct:description") == ['Baris\tsatu "A"', "line", "https://x.id/desc"]
