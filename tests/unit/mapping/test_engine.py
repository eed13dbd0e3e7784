"""MappingEngine: sources in order, code lists, blocks, coercion, issues, determinism."""

from __future__ import annotations

import pytest

from harvester.errors import ConfigError, RecordInvalid
from harvester.model.dataset import Agent, Distribution, Location, PeriodOfTime
from harvester.model.issues import Severity

from tests.unit.mapping.support import codes, codelists, context, engine_from_yaml, json_record

MAPPING = """\
reader: {name: json}
let:
  west: {paths: [bbox.w]}
  east: {paths: [bbox.e]}
fields:
  identifier: {paths: [id, name], required: error}
  title: {paths: [title, judul], transforms: [strip], required: error}
  description: {paths: [notes], required: warning}
  keywords: {paths: ["tags[*].name"], transforms: [{split: ","}, strip]}
  issued: {paths: [created, dibuat], transforms: [parse_date]}
  landing_page: {template: "https://portal.example.go.id/dataset/{identifier}"}
  accrual_periodicity: {paths: [freq, frekuensi], codelist: frekuensi, unknown: drop}
  access_rights: {paths: [akses], codelist: akses, unknown: error}
  license: {paths: [license_id], codelist: lisensi, output: uri, unknown: keep}
  language: {paths: [lang], codelist: bahasa, default: [id]}
  kode_pemda: {paths: [kode], var: pemda.kode, transforms: [region_code]}
  data_prioritas: {paths: [prioritas]}
  version: {const: "1.0"}
  publisher:
    - each: "publisher[*]"
      fields:
        name: {paths: [name]}
        email: {paths: [email]}
    - fields:
        name: {var: walidata.name}
        uri: {var: walidata.uri}
  creator: {fields: {name: {paths: [org]}}}
  temporal:
    each: "periods[*]"
    fields:
      start: {paths: [start], transforms: [parse_date]}
      end: {paths: [end], transforms: [parse_date]}
  spatial:
    - fields:
        bbox: {template: "{west},{east}"}
  distributions:
    each: "resources[*]"
    fields:
      access_url: {paths: [url]}
      byte_size: {paths: [size]}
      format: {paths: [format], codelist: format, unknown: keep}
extras:
  kode_lama: {paths: ["old_codes[*]"]}
"""

RECORD = {
    "id": "ds-1", "title": "  Jumlah Penduduk ", "notes": "Deskripsi", "tags": [{"name": "a, b"}, {"name": "c"}],
    "created": "23 September 2024", "freq": "Tahunan", "akses": "publik", "license_id": "cc-by",
    "kode": "3572", "prioritas": "ya", "publisher": [{"name": "Walidata Sumber", "email": "w@x.id"}],
    "org": "Dinas Kesehatan", "periods": [{"start": "2019", "end": "31/12/2023"}],
    "bbox": {"w": 111.1, "e": 112.2},
    "resources": [{"url": "https://x.id/a.csv", "size": "1.024", "format": "csv"}, {"url": "https://x.id/b"}],
    "old_codes": ["A", "B"],
}


@pytest.fixture()
def engine(tmp_path):
    return engine_from_yaml(tmp_path, MAPPING)


def test_maps_a_full_record(engine):
    result = engine.map_record(json_record(RECORD), context())
    ds = result.dataset
    assert result.issues == []
    assert (ds.identifier, ds.title, ds.description) == ("ds-1", "Jumlah Penduduk", "Deskripsi")
    assert ds.keywords == ("a", "b", "c")
    assert ds.issued == "2024-09-23"
    assert ds.landing_page == "https://portal.example.go.id/dataset/ds-1"
    assert (ds.accrual_periodicity, ds.access_rights) == ("TAHUNAN", "TERBUKA")
    assert ds.license == "http://publications.europa.eu/resource/authority/licence/CC_BY_4_0"
    assert ds.language == ("id",)
    assert ds.kode_pemda == "35.72" and ds.data_prioritas is True and ds.version == "1.0"
    assert ds.publisher == Agent(name="Walidata Sumber", email="w@x.id")
    assert ds.creator == Agent(name="Dinas Kesehatan")
    assert ds.temporal == (PeriodOfTime("2019", "2023-12-31"),)
    assert ds.spatial == (Location(bbox="111.1,112.2"),)
    assert ds.distributions == (Distribution(access_url="https://x.id/a.csv", byte_size=1024, format="CSV"),
                                Distribution(access_url="https://x.id/b"))
    assert ds.extras == (("kode_lama", '["A", "B"]'),)


def test_fallbacks_variables_and_defaults(engine):
    result = engine.map_record(json_record({"name": "n-1", "judul": "J", "frekuensi": "Bulanan"}), context())
    ds = result.dataset
    assert (ds.identifier, ds.title, ds.accrual_periodicity) == ("n-1", "J", "BULANAN")
    assert ds.kode_pemda == "35.72"                       # var pemda.kode
    assert ds.publisher.name.startswith("Dinas Komunikasi")  # second alternative: the walidata
    assert ds.language == ("id",) and ds.distributions == () and ds.creator is None
    assert codes(result) == ["MAP-REQUIRED"]              # description: warning
    issue = result.issues[0]
    assert (issue.severity, issue.field, issue.location, issue.remote_id) == (Severity.WARNING, "description",
                                                                              "notes", "rec-1")


def test_flat_variables_work_too(engine):
    ctx = context(variables={"pemda.kode": "35.73", "walidata.name": "W"})
    ds = engine.map_record(json_record({"id": "x", "title": "t"}), ctx).dataset
    assert ds.kode_pemda == "35.73" and ds.publisher == Agent(name="W")


def test_missing_identity_gives_no_dataset(engine):
    result = engine.map_record(json_record({"id": "x", "notes": "n"}), context("rec-x"))
    assert result.dataset is None and result.blocking
    [issue] = [i for i in result.issues if i.field == "title"]
    assert issue.severity is Severity.ERROR and issue.code == "MAP-REQUIRED"
    assert issue.location == "title | judul" and issue.remote_id == "rec-x"


def test_bad_values_become_issues_not_crashes(engine):
    record = dict(RECORD, created="00:00.0", akses="rahasia negara", freq="kadang", kode="35.1",
                  prioritas="mungkin", resources=[{"url": "u", "size": "besar"}])
    result = engine.map_record(json_record(record), context())
    by_field = {i.field: i for i in result.issues}
    assert by_field["issued"].code == "MAP-TRANSFORM" and by_field["issued"].location == "created"
    assert by_field["access_rights"].code == "MAP-CODELIST-UNKNOWN"
    assert by_field["access_rights"].severity is Severity.ERROR          # unknown: error
    assert by_field["accrual_periodicity"].severity is Severity.WARNING  # unknown: drop
    assert "float-coerced" in by_field["kode_pemda"].message
    assert by_field["data_prioritas"].code == "MAP-TYPE"
    assert by_field["distributions[0].byte_size"].code == "MAP-TYPE"
    ds = result.dataset
    assert ds.issued is None and ds.access_rights is None and ds.accrual_periodicity is None
    assert ds.kode_pemda == "35.72"   # the bad source value was dropped, the variable filled in
    assert result.blocking


def test_code_list_fallback_prefers_a_known_value(tmp_path):
    engine = engine_from_yaml(tmp_path, """\
        reader: json
        fields:
          identifier: id
          title: title
          accrual_periodicity: {paths: [a, b], codelist: frekuensi, unknown: warn}
        """)
    ds = engine.map_record(json_record({"id": "1", "title": "t", "a": "kadang", "b": "R/P1M"}), context()).dataset
    assert ds.accrual_periodicity == "BULANAN"
    result = engine.map_record(json_record({"id": "1", "title": "t", "a": "kadang"}), context())
    assert result.dataset.accrual_periodicity == "kadang" and codes(result) == ["MAP-CODELIST-UNKNOWN"]


def test_collect_all_and_objects_without_names(tmp_path):
    engine = engine_from_yaml(tmp_path, """\
        reader: json
        fields:
          identifier: id
          title: title
          keywords: {paths: [a, b], collect: all}
          creator: {fields: {email: {paths: [mail]}}}
        """)
    result = engine.map_record(json_record({"id": "1", "title": "t", "a": "x", "b": ["y", "x"], "mail": "m"}),
                               context())
    assert result.dataset.keywords == ("x", "y") and result.dataset.creator is None
    assert codes(result) == ["MAP-TYPE"] and "without name" in result.issues[0].message


def test_unparseable_record(engine):
    result = engine.map_record(json_record({}, remote_id="r9").__class__("s", "r9", "application/json", b"{"),
                               context("r9"))
    assert result.dataset is None and codes(result) == ["MAP-READ"] and "r9" in result.issues[0].message
    with pytest.raises(RecordInvalid, match="cannot read 'application/xml'"):
        engine.read(json_record({}, media_type="application/xml"))


def test_deterministic_and_pure(engine):
    record = json_record(RECORD)
    first = engine.map_record(record, context())
    second = engine.map_record(record, context())
    assert first == second and engine.hash == engine_hash_again(engine)


def engine_hash_again(engine):
    from harvester.mapping.engine import MappingEngine
    return MappingEngine(engine.spec, codelists()).hash


def test_unknown_code_list_at_engine_build(tmp_path):
    with pytest.raises(ConfigError, match="unknown code list 'nosuch'"):
        engine_from_yaml(tmp_path, "reader: json\nfields:\n  title: {paths: [t], codelist: nosuch}\n")
