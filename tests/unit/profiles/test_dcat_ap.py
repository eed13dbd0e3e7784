"""DcatAp3Profile: canonical Dataset → DCAT-AP 3 triples, checked on the parsed Turtle output."""

from __future__ import annotations

import dataclasses
import io
import json

import pytest
import rdflib
from rdflib import BNode, Literal, URIRef
from rdflib.compare import isomorphic

from harvester.errors import UnknownPlugin
from harvester.model.dataset import Agent, Dataset, Distribution, Location, PeriodOfTime
from harvester.profiles.base import create_profile
from harvester.profiles.dcat_ap import CatalogInfo, DcatAp3Profile
from harvester.profiles.dcat_ap_terms import date_literal, decimal_literal, iri, literal
from harvester.profiles.namespaces import (
    ADMS, DCAT, DCATAP, DCT, FOAF, LOCN, OWL, PROV, RDF, RDFS, SDI, SKOS, SPDX, VCARD, XSD,
)
from tests.unit.profiles.records import AWKWARD, MEMBER, MINIMAL, RICH, SERIES, WALIDATA

FMT = DCT["format"]
EU = "http://publications.europa.eu/resource/authority/"
DEF = "https://w3id.org/satudata/def/"


def graph(profile: DcatAp3Profile, *datasets: Dataset, **kw) -> rdflib.Graph:
    return rdflib.Graph().parse(data=profile.serialize(list(datasets), "turtle", **kw), format="turtle")


def one(g: rdflib.Graph, s, p):
    values = list(g.objects(s, p))
    assert len(values) == 1, (s, p, values)
    return values[0]


@pytest.fixture(scope="module")
def rich(dcat) -> rdflib.Graph:
    return graph(dcat, RICH)


NODE = URIRef(RICH.uri)


# ---------------------------------------------------------------- dataset core

def test_core_text_is_tagged_with_the_single_declared_language(rich) -> None:
    assert one(rich, NODE, RDF.type) == DCAT.Dataset
    assert one(rich, NODE, DCT.title) == Literal(RICH.title, lang="id")
    assert one(rich, NODE, DCT.description) == Literal(RICH.description, lang="id")
    assert set(rich.objects(NODE, DCAT.keyword)) == {Literal(k, lang="id") for k in RICH.keywords}
    assert one(rich, NODE, DCT.identifier) == Literal(RICH.identifier)


def test_text_untagged_when_language_unknown_or_several(dcat) -> None:
    g = graph(dcat, MINIMAL)
    node = URIRef("https://w3id.org/satudata/dataset/min-1")
    assert one(g, node, DCT.title) == Literal("Dataset minimal")
    two = dataclasses.replace(MINIMAL, language=("id", "en"))
    assert one(graph(dcat, two), node, DCT.title) == Literal("Dataset minimal")
    tagged = DcatAp3Profile(dcat.codes.codelists, default_language="id")
    assert one(graph(tagged, MINIMAL), node, DCT.title) == Literal("Dataset minimal", lang="id")


def test_dataset_iri_minted_from_identifier_when_uri_missing(dcat) -> None:
    ds = Dataset(identifier="a/b c", title="t")
    assert dcat.dataset_uri(ds) == URIRef("https://w3id.org/satudata/dataset/a%2Fb%20c")
    other = DcatAp3Profile(dcat.codes.codelists, base_uri="https://data.example.go.id")
    assert other.dataset_uri(ds) == URIRef("https://data.example.go.id/dataset/a%2Fb%20c")


def test_dates_typed_by_shape(rich) -> None:
    assert one(rich, NODE, DCT.issued) == Literal("2024-01-15", datatype=XSD.date)
    assert one(rich, NODE, DCT.modified) == Literal("2024-06-30T10:20:30+07:00", datatype=XSD.dateTime)
    periods = {(one(rich, p, DCAT.startDate), one(rich, p, DCAT.endDate)) for p in rich.objects(NODE, DCT.temporal)}
    assert periods == {
        (Literal("2019", datatype=XSD.gYear), Literal("2024", datatype=XSD.gYear)),
        (Literal("2024-01-01", datatype=XSD.date), Literal("2024-12-31", datatype=XSD.date)),
    }
    assert all(one(rich, p, RDF.type) == DCT.PeriodOfTime for p in rich.objects(NODE, DCT.temporal))


@pytest.mark.parametrize("value,lexical,datatype", [
    ("2024", "2024", XSD.gYear), ("2024-05", "2024-05", XSD.gYearMonth), ("2024-05-01", "2024-05-01", XSD.date),
    ("2024-05-01T01:02:03Z", "2024-05-01T01:02:03+00:00", XSD.dateTime),
    ("2024-05-01 01:02", "2024-05-01T01:02:00", XSD.dateTime),
    ("2024-05-01T01:02:03.5+0700", "2024-05-01T01:02:03.500000+07:00", XSD.dateTime),
    ("2024-13", None, None), ("2024-02-30", None, None), ("23/09/2024", None, None), ("", None, None),
])
def test_date_literal(value, lexical, datatype) -> None:
    lit = date_literal(value)
    if lexical is None:
        assert lit is None
    else:
        assert (str(lit), lit.datatype) == (lexical, datatype)
        # what a normalising parser reads back is the same term
        assert Literal(lexical, datatype=datatype) == lit


def test_xml_illegal_characters_replaced_in_text(dcat) -> None:
    g = graph(dcat, AWKWARD)
    title = str(one(g, dcat.dataset_uri(AWKWARD), DCT.title))
    assert "\x01" not in title and "\ufffd kontrol" in title and "\t" in title and "📊" in title


def test_fast_terms_equal_rdflib_terms() -> None:
    assert literal("Jiwa", "id") == Literal("Jiwa", lang="id") and hash(literal("x")) == hash(Literal("x"))
    assert decimal_literal(1.5) == Literal("1.5", datatype=XSD.decimal)
    assert decimal_literal(float("nan")) is None
    assert iri("https://h/a b.csv") == URIRef("https://h/a%20b.csv")
    assert iri("bukan url") is None and iri(None) is None


# ---------------------------------------------------------------- themes, codes, SDI

def test_themes_from_iris_urusan_topik_sektor_with_labels(rich) -> None:
    themes = set(rich.objects(NODE, DCAT.theme))
    assert themes == {URIRef(EU + "data-theme/SOCI"), URIRef(DEF + "urusan/2.12"), URIRef(DEF + "topik/KEPENDUDUKAN"),
                      URIRef(DEF + "sektor_kegiatan/DEMOGRAFI_DAN_KEPENDUDUKAN")}
    assert one(rich, URIRef(DEF + "urusan/2.12"), SKOS.prefLabel) == Literal(
        "Administrasi Kependudukan dan Pencatatan Sipil")
    assert one(rich, URIRef(DEF + "urusan/2.12"), RDF.type) == SKOS.Concept


def test_eu_vocabularies_for_access_frequency_language(rich) -> None:
    access = one(rich, NODE, DCT.accessRights)
    assert access == URIRef(EU + "access-right/PUBLIC") and one(rich, access, RDF.type) == DCT.RightsStatement
    assert one(rich, NODE, DCT.accrualPeriodicity) == URIRef(EU + "frequency/ANNUAL")
    assert one(rich, NODE, DCT.language) == URIRef(EU + "language/IND")
    assert one(rich, NODE, SDI.akses) == Literal("TERBUKA")
    assert one(rich, NODE, SDI.frekuensi) == Literal("TAHUNAN")


def test_sdi_properties(rich) -> None:
    expected_literals = {
        SDI.konsep: Literal("Penduduk", lang="id"), SDI.satuan: Literal("Jiwa", lang="id"),
        SDI.ukuran: Literal("Jumlah", lang="id"), SDI.kodePemda: Literal("35.72"),
        SDI.kodePemdaBps: Literal("3572"), SDI.kodeSds: Literal("SP00125.01.00"),
        SDI.kodeIndikator: Literal("DSSD-3572-002"), SDI.rekomendasiBps: Literal("V-23.1600.004"),
        SDI.jadwalRilis: Literal("2025-03-31", datatype=XSD.date),
        SDI.dataPrioritas: Literal(True), SDI.dataInduk: Literal(False),
    }
    for pred, value in expected_literals.items():
        assert one(rich, NODE, pred) == value, pred
    expected_iris = {
        SDI.levelInstansi: DEF + "level_instansi/KABUPATEN_KOTA", SDI.kategoriData: DEF + "kategori_data/statistik",
        SDI.jenisStatistik: DEF + "jenis_statistik/STATISTIK_SEKTORAL",
        SDI.caraPengumpulan: DEF + "cara_pengumpulan/KOMPILASI_PRODUK_ADMINISTRASI",
        SDI.sektor: DEF + "sektor_kegiatan/DEMOGRAFI_DAN_KEPENDUDUKAN", SDI.statusData: DEF + "status_data/DITAYANGKAN",
        SDI.tingkatPenyajian: DEF + "tingkat_penyajian/KECAMATAN",
    }
    for pred, value in expected_iris.items():
        assert one(rich, NODE, pred) == URIRef(value), pred
    variables = {str(one(rich, v, SDI.nama)): v for v in rich.objects(NODE, SDI.variabel)}
    assert set(variables) == {"kecamatan", "jumlah"}
    assert one(rich, variables["jumlah"], RDF.type) == SDI.Variabel
    assert one(rich, variables["jumlah"], SDI.tipeData) == Literal("INTEGER")


def test_unknown_codes_kept_as_literals_on_sdi_properties_and_dropped_where_iri_required(dcat) -> None:
    g = graph(dcat, AWKWARD)
    node = dcat.dataset_uri(AWKWARD)
    assert one(g, node, SDI.levelInstansi) == Literal("DESA")
    assert one(g, node, SDI.tingkatPenyajian) == Literal("RT")
    assert one(g, node, SDI.jadwalRilis) == Literal("segera")
    assert one(g, node, SDI.frekuensi) == Literal("SETIAP ABAD")
    assert list(g.objects(node, DCT.accrualPeriodicity)) == []
    # unknown urusan 9.99 and the non-IRI theme give no dcat:theme; the IRI with a space is encoded
    assert set(g.objects(node, DCAT.theme)) == {URIRef("https://example.org/theme%20with%20space")}
    assert list(g.objects(node, DCT.issued)) == [] and list(g.objects(node, DCT.modified)) == []
    assert list(g.objects(node, DCATAP.applicableLegislation)) == []  # "Perpres 39/2019" is no IRI


def test_kode_pemda_bps_derived_when_absent(dcat, ckan) -> None:
    ds = dataclasses.replace(MINIMAL, kode_pemda="16.73")
    assert one(graph(dcat, ds), dcat.dataset_uri(ds), SDI.kodePemdaBps) == Literal("1674")
    assert ckan.render(ds, flavour="scheming")["sdi_kode_pemda_bps"] == "1674"


def test_alias_resolved_to_code_on_sdi_literal(dcat) -> None:
    ds = dataclasses.replace(MINIMAL, access_rights="publik", accrual_periodicity="annual")
    g = graph(dcat, ds)
    node = dcat.dataset_uri(ds)
    assert one(g, node, SDI.akses) == Literal("TERBUKA")
    assert one(g, node, DCT.accessRights) == URIRef(EU + "access-right/PUBLIC")
    assert one(g, node, SDI.frekuensi) == Literal("TAHUNAN")


def test_identifiers_and_standards(rich) -> None:
    notations = {str(one(rich, i, SKOS.notation)) for i in rich.objects(NODE, ADMS.identifier)}
    assert notations == {"DSSD-3572-001", "DSSD-3572-002"}
    assert all(one(rich, i, RDF.type) == ADMS.Identifier for i in rich.objects(NODE, ADMS.identifier))
    standards = set(rich.objects(NODE, DCT.conformsTo))
    sds = URIRef(DEF + "sds/SP00125.01.00")
    assert sds in standards and len(standards) == 2  # the SDS IRI given twice is written once
    (named,) = [s for s in standards if isinstance(s, BNode)]
    assert one(rich, named, DCT.title) == Literal("SNI 8843-1:2019")
    assert one(rich, sds, RDF.type) == DCT.Standard


# ---------------------------------------------------------------- agents and contacts

def test_publisher_creator_and_qualified_attributions(rich) -> None:
    pub = one(rich, NODE, DCT.publisher)
    assert pub == URIRef(WALIDATA.uri)
    assert set(rich.objects(pub, RDF.type)) == {FOAF.Agent, FOAF.Organization}
    assert one(rich, pub, FOAF.name) == Literal(WALIDATA.name)
    assert one(rich, pub, FOAF.mbox) == URIRef("mailto:diskominfotik@blitarkota.go.id")
    assert one(rich, pub, DCT.type) == URIRef("http://purl.org/adms/publishertype/LocalAuthority")
    creator = one(rich, NODE, DCT.creator)
    assert one(rich, creator, FOAF.name) == Literal("Dinas Kependudukan dan Pencatatan Sipil Kota Blitar")
    roles = {}
    for attribution in rich.objects(NODE, PROV.qualifiedAttribution):
        agent = one(rich, attribution, PROV.agent)
        roles[one(rich, attribution, DCAT.hadRole)] = str(one(rich, agent, FOAF.name))
    assert roles == {SDI.Walidata: WALIDATA.name, SDI.ProdusenData: "Dinas Kependudukan dan Pencatatan Sipil Kota Blitar",
                     SDI.PembinaData: "BPS Kota Blitar", SDI.WalidataPendukung: "Bagian Organisasi Setda Kota Blitar"}


def test_same_agent_as_publisher_and_creator_is_one_node(dcat) -> None:
    ds = dataclasses.replace(MINIMAL, publisher=Agent(name="Diskominfo"), creator=Agent(name="Diskominfo"))
    g = graph(dcat, ds)
    node = dcat.dataset_uri(ds)
    assert one(g, node, DCT.publisher) == one(g, node, DCT.creator)


def test_contact_point_vcard(rich) -> None:
    cp = one(rich, NODE, DCAT.contactPoint)
    assert set(rich.objects(cp, RDF.type)) == {VCARD.Kind, VCARD.Organization}
    assert one(rich, cp, VCARD.fn) == Literal("Bidang Statistik")
    assert one(rich, cp, VCARD.hasEmail) == URIRef("mailto:statistik@blitarkota.go.id")
    assert one(rich, cp, VCARD.hasTelephone) == URIRef("tel:0342801144")
    assert one(rich, cp, VCARD.hasURL) == URIRef("https://blitarkota.go.id/kontak")


def test_several_phone_numbers_and_junk(dcat) -> None:
    g = graph(dcat, AWKWARD)
    cp = one(g, dcat.dataset_uri(AWKWARD), DCAT.contactPoint)
    assert set(g.objects(cp, VCARD.hasTelephone)) == {URIRef("tel:0342-801144"), URIRef("tel:081234567890")}


# ---------------------------------------------------------------- spatial

def test_region_code_becomes_minted_location_with_name(rich) -> None:
    places = set(rich.objects(NODE, DCT.spatial))
    blitar = URIRef(DEF + "wilayah/35.72")
    assert blitar in places
    assert one(rich, blitar, SKOS.prefLabel) == Literal("Kota Blitar")
    assert one(rich, blitar, RDF.type) == DCT.Location
    (box,) = [p for p in places if p != blitar]
    wkt = URIRef("http://www.opengis.net/ont/geosparql#wktLiteral")
    assert one(rich, box, DCAT.bbox).datatype == wkt
    assert one(rich, box, DCAT.centroid) == Literal("POINT (112.17 -8.1)", datatype=wkt)  # from GeoJSON
    assert one(rich, NODE, DCAT.spatialResolutionInMeters) == Literal("1.5", datatype=XSD.decimal)


def test_geometry_kinds(dcat) -> None:
    ds = dataclasses.replace(MINIMAL, spatial=(
        Location(uri="https://sws.geonames.org/6361390/", label="Tarragona",
                 geometry='{"type": "MultiPolygon", "coordinates": [[[[1, 2], [3, 4], [5, 6], [1, 2]]]]}'),
        Location(geometry='{"type": "GeometryCollection", "geometries": []}'),
        Location(bbox="not wkt")))
    g = graph(dcat, ds)
    place = URIRef("https://sws.geonames.org/6361390/")
    assert str(one(g, place, LOCN.geometry)) == "MULTIPOLYGON (((1 2, 3 4, 5 6, 1 2)))"
    geojson = [o for o in g.objects(None, LOCN.geometry) if o.datatype != one(g, place, LOCN.geometry).datatype]
    assert [json.loads(str(o))["type"] for o in geojson] == ["GeometryCollection"]
    assert len(list(g.objects(None, DCAT.bbox))) == 0


# ---------------------------------------------------------------- distributions

def test_distribution_properties(rich) -> None:
    dists = {str(one(rich, d, DCAT.accessURL)): d for d in rich.objects(NODE, DCAT.distribution)}
    csv = dists["https://data.blitarkota.go.id/dataset/jp/resource/1"]
    assert one(rich, csv, RDF.type) == DCAT.Distribution
    assert one(rich, csv, DCAT.downloadURL) == URIRef("https://data.blitarkota.go.id/files/penduduk%202024.csv")
    assert one(rich, csv, FMT) == URIRef(EU + "file-type/CSV")
    assert one(rich, csv, DCAT.mediaType) == URIRef("https://www.iana.org/assignments/media-types/text/csv")
    assert one(rich, csv, DCAT.byteSize) == Literal("12323", datatype=XSD.nonNegativeInteger)
    assert one(rich, csv, DCT.license) == URIRef(EU + "licence/CC_BY_4_0")  # inherited from the dataset
    assert one(rich, csv, ADMS.status) == URIRef("http://purl.org/adms/status/Completed")
    checksum = one(rich, csv, SPDX.checksum)
    assert one(rich, checksum, SPDX.algorithm) == SPDX.checksumAlgorithm_sha1
    assert one(rich, checksum, SPDX.checksumValue) == Literal("4304cf2e751e6053c90b1804c89c0ebb758f395a",
                                                              datatype=XSD.hexBinary)
    xlsx = dists["https://data.blitarkota.go.id/files/penduduk.xlsx"]  # no access URL: download URL used
    assert one(rich, xlsx, DCT.license) == URIRef(EU + "licence/CC_BYSA_4_0")  # its own licence (CKAN id)
    assert one(rich, one(rich, xlsx, DCT.rights), RDFS.label) == Literal("Cantumkan sumber.", lang="id")
    service = one(rich, xlsx, DCAT.accessService)
    assert one(rich, service, DCAT.endpointURL) == URIRef("https://data.blitarkota.go.id/api/3/action/datastore_search")
    assert one(rich, service, RDF.type) == DCAT.DataService


def test_access_url_fallbacks(dcat) -> None:
    base = dataclasses.replace(MINIMAL, landing_page="https://portal/ds")
    cases = [(Distribution(access_service="https://portal/api"), "https://portal/api"),
             (Distribution(title="x"), "https://portal/ds")]
    for dist, expected in cases:
        ds = dataclasses.replace(base, distributions=(dist,))
        g = graph(dcat, ds)
        assert str(one(g, one(g, dcat.dataset_uri(ds), DCAT.distribution), DCAT.accessURL)) == expected
    ds = dataclasses.replace(MINIMAL, distributions=(Distribution(title="x"),))
    g = graph(dcat, ds)
    assert one(g, one(g, dcat.dataset_uri(ds), DCAT.distribution), DCAT.accessURL) == dcat.dataset_uri(ds)


def test_unknown_format_and_bad_values_in_distribution(dcat) -> None:
    g = graph(dcat, AWKWARD)
    dists = list(g.objects(dcat.dataset_uri(AWKWARD), DCAT.distribution))
    formats = [one(g, d, FMT) for d in dists if list(g.objects(d, FMT))]
    assert len(formats) == 1 and one(g, formats[0], RDFS.label) == Literal("FORMAT-ANEH")
    for pred in (DCAT.mediaType, DCAT.byteSize, SPDX.checksum, DCT.license):  # bad type, -5, crc32, notspecified
        assert list(g.subject_objects(pred)) == [], pred


# ---------------------------------------------------------------- series, catalogue, formats

def test_series_and_member(dcat) -> None:
    g = graph(dcat, SERIES, MEMBER)
    series = URIRef(SERIES.uri)
    assert one(g, series, RDF.type) == DCAT.DatasetSeries
    assert one(g, dcat.dataset_uri(MEMBER), DCAT.inSeries) == series


CATALOG = CatalogInfo(uri="https://data.blitarkota.go.id/catalog", title="Katalog Satu Data Kota Blitar",
                      description="Metadata dataset Kota Blitar", publisher=WALIDATA,
                      homepage="https://data.blitarkota.go.id", license="cc-by", modified="2024-07-01")


def test_catalog_node_lists_every_dataset(dcat) -> None:
    g = graph(dcat, RICH, MINIMAL, catalog=CATALOG)
    cat = URIRef(CATALOG.uri)
    assert one(g, cat, RDF.type) == DCAT.Catalog
    assert set(g.objects(cat, DCAT.dataset)) == {NODE, dcat.dataset_uri(MINIMAL)}
    assert one(g, cat, DCT.title) == Literal(CATALOG.title, lang="id")
    assert one(g, cat, DCT.publisher) == URIRef(WALIDATA.uri)
    assert one(g, cat, DCT.license) == URIRef(EU + "licence/CC_BY_4_0")
    assert one(g, cat, DCT.modified) == Literal("2024-07-01", datatype=XSD.date)
    with pytest.raises(ValueError, match="catalogue uri"):
        dcat.catalog_triples(dataclasses.replace(CATALOG, uri="katalog"), [])


def test_all_formats_carry_the_same_graph(dcat) -> None:
    extra = [(URIRef(CATALOG.uri), URIRef("http://www.w3.org/ns/hydra/core#totalItems"), Literal(2))]
    kw = {"catalog": CATALOG, "extra_triples": extra}
    reference = graph(dcat, RICH, AWKWARD, **kw)
    for fmt, rdflib_fmt in (("ntriples", "nt"), ("xml", "xml"), ("json-ld", "json-ld")):
        parsed = rdflib.Graph().parse(data=dcat.serialize([RICH, AWKWARD], fmt, **kw), format=rdflib_fmt)
        assert isomorphic(parsed, reference), fmt
    assert isomorphic(dcat.dataset_graph(RICH), graph(dcat, RICH))
    with pytest.raises(ValueError, match="unknown RDF format"):
        dcat.serialize([RICH], "yaml")


def test_output_is_deterministic_and_streamed(dcat) -> None:
    assert dcat.serialize([RICH, AWKWARD], "turtle") == dcat.serialize([RICH, AWKWARD], "turtle")
    out = io.BytesIO()
    assert dcat.write(out, iter([RICH, MINIMAL]), "turtle") == 2
    assert out.getvalue() == dcat.serialize([RICH, MINIMAL], "turtle")


def test_blank_nodes_never_shared_between_datasets(dcat) -> None:
    a = {t for triple in dcat.dataset_triples(RICH) for t in triple if isinstance(t, BNode)}
    b = {t for triple in dcat.dataset_triples(dataclasses.replace(RICH, uri=RICH.uri + "-2"))
         for t in triple if isinstance(t, BNode)}
    assert a and b and not (a & b)


def test_minimal_record(dcat) -> None:
    triples = dcat.dataset_triples(MINIMAL)
    preds = {p for _, p, _ in triples}
    assert preds == {RDF.type, DCT.title, DCT.description, DCT.identifier}


def test_registry_builds_profiles(codelists) -> None:
    assert isinstance(create_profile("dcat-ap-3", codelists), DcatAp3Profile)
    assert create_profile("sdi").name == "sdi"
    assert create_profile("ckan", codelists).name == "ckan"
    with pytest.raises(UnknownPlugin):
        create_profile("dcat-ap-9", codelists)


def test_version_written_both_ways(rich) -> None:
    assert one(rich, NODE, DCAT.version) == Literal("2024.1") and one(rich, NODE, OWL.versionInfo) == Literal("2024.1")


def test_temporal_with_only_invalid_bounds_left_out(dcat) -> None:
    ds = dataclasses.replace(MINIMAL, temporal=(PeriodOfTime(start="kemarin", end="besok"),))
    assert DCT.temporal not in {p for _, p, _ in dcat.dataset_triples(ds)}
