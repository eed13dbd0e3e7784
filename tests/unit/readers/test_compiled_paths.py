"""Paths bound once by the readers (``compile_select`` / ``compile_each``) give what ``select`` / ``each``
give, fall back to ``select``/``each`` for documents of other readers, and never leak internal lists."""

from __future__ import annotations

import json

import pytest

from harvester.model.record import SourceRecord
from harvester.readers.json_doc import JsonDocument, JsonReader, evaluate_json_path
from harvester.readers.rdf_doc import RdfReader

VALUE = {
    "id": "x", "n": None, "flag": True, "size": 12, "ratio": 0.5, "empty": "",
    "extras": [{"key": "dcat_issued", "value": "2012-05-10"}, {"key": "Satuan", "value": "Jiwa"},
               {"key": "Satuan", "value": "Orang"}, {"key": "geo", "value": {"type": "Point"}},
               {"key": "responsible-party", "value": '[{"name": "Dinas Pangan"}]'}],
    "tags": [{"name": "a"}, {"name": "b"}, {"other": 1}],
    "nested": [["p", ["q"]], "r", None, {"s": 1}],
    "creator": {"name": "single"},
    "text_json": '{"inner": {"k": "v"}}',
    "geom": {"type": "Point", "coordinates": [1, 2]},
}

JSON_CASES = [
    ("id", ["x"]), ("n", []), ("flag", [True]), ("size", [12]), ("ratio", [0.5]), ("empty", [""]),
    ("nested", ["p", "q", "r"]), ("missing", []), ("creator", []), ("creator.name", ["single"]),
    ("extras[key=satuan].value", ["Jiwa", "Orang"]), ("extras[key=dcat_issued].value", ["2012-05-10"]),
    ("extras[key=nosuch].value", []), ("extras[key=geo].value", []), ("extras[key=geo].value.type", ["Point"]),
    ("extras[key=responsible-party].value[0].name", ["Dinas Pangan"]),
    ("tags[*].name", ["a", "b"]), ("tags.name", ["a", "b"]), ("text_json.inner.k", ["v"]),
    ("geom|json", ['{"coordinates":[1,2],"type":"Point"}']), (".", []),
]


@pytest.mark.parametrize("path, expected", JSON_CASES)
def test_json_compiled_select_matches_select(path, expected):
    doc = JsonDocument(json.loads(json.dumps(VALUE)))
    assert doc.select(path) == expected
    assert JsonReader.compile_select(path, {})(doc) == expected


@pytest.mark.parametrize("path", ["tags[*]", "extras[key=satuan]", "extras[key=responsible-party].value",
                                  "creator", "nested", "missing", "."])
def test_json_compiled_each_matches_each(path):
    doc = JsonDocument(json.loads(json.dumps(VALUE)))
    compiled = JsonReader.compile_each(path, {})(doc)
    assert [d.value for d in compiled] == [d.value for d in doc.each(path)]


def test_json_root_that_is_not_an_object_and_json_text_root():
    assert JsonReader.compile_select("a", {})(JsonDocument([{"a": 1}, {"a": 2}])) == [1, 2]
    assert JsonReader.compile_select("a.b", {})(JsonDocument('{"a": {"b": "t"}}')) == ["t"]
    assert JsonReader.compile_select("a", {})(JsonDocument("plain")) == []


def test_filter_results_are_copies_not_the_record_index():
    value = json.loads(json.dumps(VALUE))
    cache: dict = {}
    first = evaluate_json_path(value, "extras[key=satuan]", cache)
    first.clear()
    assert len(evaluate_json_path(value, "extras[key=satuan]", cache)) == 2


class Foreign:
    """A document of some other reader: compiled paths must use its own select/each."""

    def select(self, path):
        return [f"select:{path}"]

    def each(self, path):
        return [f"each:{path}"]


def test_compiled_paths_fall_back_for_other_documents():
    assert JsonReader.compile_select("id", {})(Foreign()) == ["select:id"]
    assert JsonReader.compile_each("tags[*]", {})(Foreign()) == ["each:tags[*]"]
    assert RdfReader.compile_select("dct:title", {})(Foreign()) == ["select:dct:title"]
    assert RdfReader.compile_each("dcat:distribution", {})(Foreign()) == ["each:dcat:distribution"]


NT = b"""<https://x.id/ds/1> <http://purl.org/dc/terms/title> "Judul"@id .
<https://x.id/ds/1> <http://purl.org/dc/terms/title> "Title"@en .
<https://x.id/ds/1> <http://purl.org/dc/terms/title> "  " .
<https://x.id/ds/1> <http://purl.org/dc/terms/publisher> _:p .
<https://x.id/ds/1> <http://purl.org/dc/terms/format> <http://x.id/CSV> .
<http://x.id/CSV> <http://www.w3.org/2000/01/rdf-schema#label> "CSV" .
_:p <http://xmlns.com/foaf/0.1/name> "Diskominfotik" .
<https://x.id/ds/1> <http://www.w3.org/ns/dcat#distribution> <https://x.id/ds/1/d/1> .
<https://x.id/ds/1> <http://www.w3.org/ns/dcat#distribution> _:d2 .
<https://x.id/ds/1/d/1> <http://purl.org/dc/terms/title> "D1" .
_:d2 <http://purl.org/dc/terms/title> "D2" .
"""

RDF_PATHS = ["dct:title", ".", "dct:publisher", "dct:publisher/foaf:name", "dct:format/rdfs:label",
             "dcat:distribution/dct:title", "dct:nosuch", "dct:nosuch/rdfs:label",
             "dcat:distribution/^dcat:distribution/dct:title", "<http://purl.org/dc/terms/title>"]


@pytest.mark.parametrize("path", RDF_PATHS)
def test_rdf_compiled_paths_match_select_and_each(path):
    record = SourceRecord("s", "r", "application/n-triples", NT, meta=(("focus", "https://x.id/ds/1"),))
    doc = RdfReader().read(record, {})
    assert RdfReader.compile_select(path, {})(doc) == doc.select(path)
    compiled = RdfReader.compile_each(path, {})(doc)
    assert [d.select(".") for d in compiled] == [d.select(".") for d in doc.each(path)]


def test_rdf_select_values():
    record = SourceRecord("s", "r", "application/n-triples", NT, meta=(("focus", "https://x.id/ds/1"),))
    doc = RdfReader().read(record, {})
    assert RdfReader.compile_select("dct:title", {})(doc) == ["Judul", "Title"]  # 'id' first, blank dropped
    assert RdfReader.compile_select("dct:format/rdfs:label", {})(doc) == ["CSV"]
    assert RdfReader.compile_select("dcat:distribution/dct:title", {})(doc) == ["D1", "D2"]
    literal = RdfReader.compile_each("dct:title", {})(doc)[0]
    assert RdfReader.compile_select(".", {})(literal) == ["Judul"]
