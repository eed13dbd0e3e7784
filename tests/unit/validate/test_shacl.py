"""SHACL: the project's SDI shapes on hand-made graphs, and the official DCAT-AP 3.0.1 shapes as extra shapes."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from rdflib import Graph, URIRef
from rdflib.namespace import SH

from harvester.errors import ConfigError
from harvester.mapping.codelists import CodeLists
from harvester.model.issues import Severity, Stage
from harvester.validate.shacl import BUILTIN_SHAPES, shapes_graph, validate_graph

DS = "https://data.blitarkota.go.id/dataset/penduduk"
GOOD = """
@prefix dcat: <http://www.w3.org/ns/dcat#> .
@prefix dct: <http://purl.org/dc/terms/> .
@prefix foaf: <http://xmlns.com/foaf/0.1/> .
@prefix vcard: <http://www.w3.org/2006/vcard/ns#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix sdi: <https://w3id.org/satudata/sdi#> .
@prefix eu: <http://publications.europa.eu/resource/authority/> .
<https://data.blitarkota.go.id/dataset/penduduk> a dcat:Dataset ;
  dct:title "Jumlah Penduduk Menurut Kecamatan di Kota Blitar"@id ;
  dct:description "Jumlah penduduk hasil registrasi."@id ;
  sdi:konsep "Penduduk"@id ; sdi:definisi "Orang yang berdomisili di Kota Blitar."@id ;
  sdi:klasifikasi "Kecamatan; Jenis Kelamin"@id ; sdi:ukuran "Jumlah"@id ; sdi:satuan "Orang"@id ;
  dct:creator <https://data.blitarkota.go.id/org/dispendukcapil> ;
  dct:publisher <https://data.blitarkota.go.id/org/diskominfotik> ;
  dct:accrualPeriodicity <http://publications.europa.eu/resource/authority/frequency/ANNUAL> ;
  sdi:frekuensi "TAHUNAN" ; sdi:jadwalRilis "2025-03-31"^^xsd:date ;
  sdi:kodePemda "35.72" ; sdi:kodePemdaBps "3572" ;
  dct:spatial <https://w3id.org/satudata/def/wilayah/35.72> ;
  dcat:theme <https://w3id.org/satudata/def/urusan/2.12> ;
  dct:issued "2024-01-10"^^xsd:date ; dct:modified "2025-02-01"^^xsd:date ;
  dct:temporal [ a dct:PeriodOfTime ; dcat:startDate "2019-01-01"^^xsd:date ; dcat:endDate "2024-12-31"^^xsd:date ] ;
  dct:accessRights <http://publications.europa.eu/resource/authority/access-right/PUBLIC> ; sdi:akses "TERBUKA" ;
  sdi:tingkatPenyajian <https://w3id.org/satudata/def/tingkat_penyajian/KECAMATAN> ;
  sdi:variabel [ a sdi:Variabel ; sdi:nama "kode_kecamatan" ; sdi:konsep "Kecamatan" ; sdi:definisi "Kode" ;
                 sdi:tipeData "CHARACTER" ] ;
  dcat:contactPoint [ a vcard:Kind ; vcard:fn "Bidang Statistik" ; vcard:hasEmail <mailto:statistik@blitarkota.go.id> ;
                      vcard:hasTelephone <tel:+62342801144> ] ;
  dcat:distribution <https://data.blitarkota.go.id/dataset/penduduk/csv> .
<https://data.blitarkota.go.id/dataset/penduduk/csv> a dcat:Distribution ;
  dcat:accessURL <https://data.blitarkota.go.id/files/penduduk.csv> ;
  dct:format <http://publications.europa.eu/resource/authority/file-type/CSV> .
<https://data.blitarkota.go.id/org/dispendukcapil> a foaf:Organization ;
  foaf:name "Dinas Kependudukan dan Pencatatan Sipil Kota Blitar" .
<https://data.blitarkota.go.id/org/diskominfotik> a foaf:Organization ;
  foaf:name "Dinas Komunikasi, Informatika dan Statistik Kota Blitar" ;
  dct:type <http://purl.org/adms/publishertype/LocalAuthority> .
"""


def graph(replace: dict[str, str] | None = None) -> Graph:
    text = GOOD
    for old, new in (replace or {}).items():
        assert old in text, old
        text = text.replace(old, new)
    return Graph().parse(data=text, format="turtle")


def found(issues):
    return sorted((i.code, i.severity.value, i.field) for i in issues)


def test_conforming_graph_has_no_issues():
    assert validate_graph(graph()) == []


def test_missing_standar_data_component():
    issues = validate_graph(graph({'sdi:konsep "Penduduk"@id ;': ""}))
    assert found(issues) == [("SHACL-Dataset-konsep", "error", "sdi:konsep")]
    assert issues[0].location == DS and issues[0].stage is Stage.VALIDATE
    assert "konsep" in issues[0].message


def test_float_damaged_kode_pemda_and_wrong_access_and_frequency():
    issues = validate_graph(graph({
        'sdi:kodePemda "35.72"': 'sdi:kodePemda "35.1"',
        "access-right/PUBLIC>": "access-right/NORMAL>",
        "frequency/ANNUAL>": "frequency-sdi/TAHUNAN>",
    }))
    assert found(issues) == [("SHACL-Dataset-accessRights", "error", "dct:accessRights"),
                             ("SHACL-Dataset-accrualPeriodicity", "error", "dct:accrualPeriodicity"),
                             ("SHACL-Dataset-kodePemda", "error", "sdi:kodePemda")]
    assert any("35.1" in i.message for i in issues)


def test_missing_creator_and_two_publishers():
    issues = validate_graph(graph({
        "dct:creator <https://data.blitarkota.go.id/org/dispendukcapil> ;":
            "dct:publisher <https://data.blitarkota.go.id/org/dispendukcapil> ;"}))
    assert found(issues) == [("SHACL-Dataset-creator", "error", "dct:creator"),
                             ("SHACL-Dataset-publisher", "error", "dct:publisher"),
                             ("SHACL-Publisher-type", "warning", "dct:type")]


def test_pdf_only_distribution_warns():
    issues = validate_graph(graph({"file-type/CSV>": "file-type/PDF>"}))
    assert found(issues) == [("SHACL-Dataset-machineReadable", "warning", "dcat:distribution")]


def test_dates_reversed():
    issues = validate_graph(graph({'"2024-01-10"^^xsd:date': '"2025-03-01"^^xsd:date',
                                   'dcat:startDate "2019-01-01"': 'dcat:startDate "2025-01-01"'}))
    assert found(issues) == [("SHACL-Dataset-issued", "error", "dct:issued"),
                             ("SHACL-PeriodOfTime-startDate", "error", "dcat:startDate")]


def test_contact_and_variable_and_tingkat():
    issues = validate_graph(graph({
        "<mailto:statistik@blitarkota.go.id>": "<mailto:statistik-blitarkota.go.id>",
        'sdi:konsep "Kecamatan" ;': "",
        "tingkat_penyajian/KECAMATAN>": "tingkat_penyajian/RT_RW>",
    }))
    assert found(issues) == [("SHACL-ContactPoint-hasEmail", "warning", "vcard:hasEmail"),
                             ("SHACL-Dataset-tingkatPenyajianValue", "error", "sdi:tingkatPenyajian"),
                             ("SHACL-Variabel-konsep", "warning", "sdi:konsep")]


def test_missing_recommended_fields_are_warnings():
    issues = validate_graph(graph({'sdi:jadwalRilis "2025-03-31"^^xsd:date ;': "",
                                   "dcat:theme <https://w3id.org/satudata/def/urusan/2.12> ;":
                                       "dcat:theme <http://publications.europa.eu/resource/authority/data-theme/SOCI> ;"}))
    assert found(issues) == [("SHACL-Dataset-jadwalRilis", "warning", "sdi:jadwalRilis"),
                             ("SHACL-Dataset-urusan", "warning", "dcat:theme")]
    assert all(i.severity is Severity.WARNING for i in issues)


def test_machine_readable_list_equals_format_codelist():
    shapes = shapes_graph(["sdi"])
    prop = URIRef("https://w3id.org/satudata/shapes/sdi#MachineReadableDistribution-format")
    listed = {str(x) for x in shapes.items(shapes.value(prop, SH["in"]))}
    expected = {c.uri for c in CodeLists.load()["format"] if c.attrs.get("machine_readable")}
    assert listed == expected and len(listed) > 20


def test_sh_in_lists_equal_code_lists():
    shapes = shapes_graph(["sdi"])
    base = "https://w3id.org/satudata/shapes/sdi#Dataset-"
    lists = CodeLists.load()
    for shape, name in [("tingkatPenyajianValue", "tingkat_penyajian"), ("levelInstansi", "level_instansi"),
                        ("kategoriData", "kategori_data"), ("jenisStatistik", "jenis_statistik"),
                        ("caraPengumpulan", "cara_pengumpulan"), ("statusData", "status_data"),
                        ("accessRights", "akses")]:
        listed = {str(x) for x in shapes.items(shapes.value(URIRef(base + shape), SH["in"]))}
        assert listed == {c.uri for c in lists[name]}, shape
    listed = {str(x) for x in shapes.items(shapes.value(URIRef(base + "frekuensi"), SH["in"]))}
    assert listed == {c.code for c in lists["frekuensi"]}


def test_shapes_are_cached_and_named():
    assert shapes_graph(["sdi"]) is shapes_graph([BUILTIN_SHAPES["sdi"]])
    shapes = shapes_graph(["sdi"])
    anonymous = [s for s in shapes.subjects(SH.path, None) if not isinstance(s, URIRef)]
    assert anonymous == []  # every property shape has an IRI, so issue codes are stable


def test_bad_shapes_file_is_config_error(tmp_path):
    bad = tmp_path / "bad.ttl"
    bad.write_text("@prefix sh: <http://www.w3.org/ns/shacl#> .\n<x> a sh:NodeShape ; sh:property [ sh:path\n")
    with pytest.raises(ConfigError) as exc:
        validate_graph(graph(), extra_shapes=[bad])
    assert "bad.ttl" in str(exc.value)
    with pytest.raises(ConfigError):
        validate_graph(graph(), extra_shapes=[tmp_path / "missing.ttl"])


# ------------------------------------------------------------------------- official DCAT-AP 3.0.1
@pytest.fixture(scope="module")
def dcat_ap(shared_data: Path) -> Path:
    return shared_data / "shacl" / "dcat-ap_3.0.1_shacl_shapes.ttl"


def test_official_dcat_ap_shapes_accept_the_good_graph(dcat_ap):
    assert validate_graph(graph(), shapes=(), extra_shapes=[dcat_ap]) == []
    assert validate_graph(graph(), extra_shapes=[dcat_ap]) == []  # SDI + DCAT-AP together


def test_official_dcat_ap_shapes_flag_missing_access_url(dcat_ap):
    g = graph({"dcat:accessURL <https://data.blitarkota.go.id/files/penduduk.csv> ;": ""})
    issues = validate_graph(g, shapes=(), extra_shapes=[dcat_ap])
    assert found(issues) == [("SHACL-MinCount", "error", "dcat:accessURL")]
    assert issues[0].location == DS + "/csv"


def test_official_dcat_ap_shapes_flag_missing_description(dcat_ap):
    issues = validate_graph(graph({'dct:description "Jumlah penduduk hasil registrasi."@id ;': ""}),
                            extra_shapes=[dcat_ap])
    assert ("SHACL-MinCount", "error", "dct:description") in found(issues)
    assert ("SHACL-Dataset-description", "error", "dct:description") in found(issues)


def test_official_dcat_ap_validation_is_fast(dcat_ap):
    validate_graph(graph(), extra_shapes=[dcat_ap])  # warm the shapes cache
    start = time.perf_counter()
    validate_graph(graph(), extra_shapes=[dcat_ap])
    assert time.perf_counter() - start < 2.0


def test_hash_named_official_shapes_get_component_codes(shared_data):
    """The DCAT-AP 'full' file names shapes by SHA-1; range checks need typed nodes (foaf:Agent ...)."""
    full = shared_data / "shacl" / "dcat-ap_3.0.1_shacl_full.ttl"
    issues = validate_graph(graph(), shapes=(), extra_shapes=[full])
    assert ("SHACL-Class", "error", "dct:creator") in found(issues)
    assert all(i.code in ("SHACL-Class",) for i in issues)
