"""JsonReader / JSONPath-lite."""

from __future__ import annotations

import json

import pytest

from harvester.errors import ConfigError, RecordInvalid
from harvester.model.record import SourceRecord
from harvester.readers.json_doc import JsonDocument, JsonReader

DOC = JsonDocument({
    "id": "x", "n": None, "flag": True, "size": 12,
    "extras": [{"key": "dcat_issued", "value": "2012-05-10"}, {"key": "Satuan", "value": "Jiwa"},
               {"key": "responsible-party", "value": '[{"name": "Dinas Pangan", "roles": ["owner"]}]'}],
    "tags": [{"name": "a"}, {"name": "b"}],
    "creator": {"name": "single"},
    "odd.key": 1,
    "geom": {"type": "Point", "coordinates": [1, 2]},
})


@pytest.mark.parametrize("path, expected", [
    ("id", ["x"]), ("$.id", ["x"]), ("n", []), ("flag", [True]), ("size", [12]),
    ("extras[key=dcat_issued].value", ["2012-05-10"]),
    ("extras[key=satuan].value", ["Jiwa"]),                 # filter ignores case
    ("extras[key='Satuan'].value", ["Jiwa"]),
    ("tags[*].name", ["a", "b"]), ("tags.name", ["a", "b"]), ("tags[-1].name", ["b"]), ("tags[5].name", []),
    ("creator[0].name", ["single"]), ("creator[*].name", ["single"]),   # one object where a list is usual
    ("['odd.key']", [1]),
    ("extras[key=responsible-party].value[0].name", ["Dinas Pangan"]),  # JSON text inside a value
    ("geom", []),                                           # objects are not scalars
    ("geom|json", ['{"coordinates":[1,2],"type":"Point"}']),
    ("missing.deeper", []),
])
def test_select(path, expected):
    assert DOC.select(path) == expected


def test_each_gives_sub_documents_and_decodes_json_text():
    assert [d.select("name") for d in DOC.each("tags[*]")] == [["a"], ["b"]]
    assert [d.select("name") for d in DOC.each("extras[key=responsible-party].value")] == [["Dinas Pangan"]]
    assert [d.select(".") for d in JsonDocument({"t": ["2010/2015"]}).each("t[*]")] == [["2010/2015"]]


@pytest.mark.parametrize("path", ["a[", "a[?x]", "a..b]", ""])
def test_bad_paths(path):
    with pytest.raises(ConfigError):
        JsonReader.check_path(path, {})


def test_read_real_ckan_package(shared_data):
    raw = (shared_data / "ckan_api" / "data-go-id_proxy_package_show.json").read_bytes()
    record = SourceRecord("s", "r", "application/json", raw)
    doc = JsonReader().read(record, {"root": ["result"]})
    assert doc.select("title") == ["Angka kematian ibu (AKI) tahun 2025"]
    assert doc.select("organization.name") == ["kabupaten-kampar"]
    assert [d.select("format") for d in doc.each("resources[*]")] == [["XLSX"]]
    assert doc.select("extras[key=harvest_source_title].value") == ["Kabupaten Kampar - CKAN"]


def test_bad_bytes_name_the_record():
    with pytest.raises(RecordInvalid) as info:
        JsonReader().read(SourceRecord("src-a", "rec-9", "application/json", b'{"a": '), {})
    assert "rec-9" in str(info.value) and "src-a" in str(info.value) and "Expecting value" in str(info.value)
    assert info.value.remote_id == "rec-9"


def test_root_option_falls_back_to_whole_value():
    record = SourceRecord("s", "r", "application/json", json.dumps({"title": "t"}).encode())
    assert JsonReader().read(record, {"root": ["result"]}).select("title") == ["t"]
