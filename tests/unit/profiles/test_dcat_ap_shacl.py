"""Conformance of the DCAT-AP output: zero violations of the official DCAT-AP 3.0.1 SHACL shapes for
every record that has a title (hand-made, golden canonical files of all source types, random ones),
and the project's SDI shapes finding exactly what a record lacks."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
import rdflib
from hypothesis import HealthCheck, given, settings
from pyshacl import validate

from harvester.model.canonical import from_dict
from harvester.profiles.namespaces import SDI
from tests.unit.profiles.records import AWKWARD, MEMBER, MINIMAL, RICH, SERIES, WALIDATA
from tests.unit.profiles.strategies import datasets
from tests.unit.profiles.test_dcat_ap import CATALOG

REPO = Path(__file__).resolve().parents[3]
GOLDEN_FILES = sorted((REPO / "tests" / "golden").glob("*/*.canonical.json"))


def golden_record(path: Path):
    """The canonical Dataset of a golden file ({"dataset": ..., "issues": [...]}), or None when the
    mapping produced no record (e.g. a source record without a title)."""
    data = json.loads(path.read_text(encoding="utf-8"))
    data = data.get("dataset", data) if isinstance(data, dict) and "issues" in data else data
    return from_dict(data) if data else None


GOLDEN = [p for p in GOLDEN_FILES if golden_record(p) is not None]
SDI_SHAPES = REPO / "harvester" / "validate" / "shapes" / "sdi-shapes.ttl"
SH = rdflib.Namespace("http://www.w3.org/ns/shacl#")
#: random records per run (pyshacl is slow); raise it for a deeper run: SHACL_EXAMPLES=500
EXAMPLES = int(os.environ.get("SHACL_EXAMPLES", "20"))
DCT = rdflib.Namespace("http://purl.org/dc/terms/")
DCAT = rdflib.Namespace("http://www.w3.org/ns/dcat#")


@pytest.fixture(scope="session")
def dcat_ap_shapes(shared_data: Path) -> rdflib.Graph:
    return rdflib.Graph().parse(shared_data / "shacl" / "dcat-ap_3.0.1_shacl_shapes.ttl")


@pytest.fixture(scope="session")
def sdi_shapes() -> rdflib.Graph:
    return rdflib.Graph().parse(SDI_SHAPES)


def results(data: rdflib.Graph, shapes: rdflib.Graph, severity=SH.Violation) -> list[tuple]:
    """(focus node, path, message) of every result of ``severity``."""
    _, report, _ = validate(data, shacl_graph=shapes, inference="none", allow_warnings=True)
    out = []
    for result in report.subjects(rdflib.RDF.type, SH.ValidationResult):
        if report.value(result, SH.resultSeverity) == severity:
            out.append((report.value(result, SH.focusNode), report.value(result, SH.resultPath),
                        str(report.value(result, SH.resultMessage))))
    return out


def turtle_graph(dcat, datasets_, **kw) -> rdflib.Graph:
    return rdflib.Graph().parse(data=dcat.serialize(datasets_, "turtle", **kw), format="turtle")


@pytest.mark.parametrize("name,records", [
    ("rich", [RICH]), ("minimal", [MINIMAL]), ("awkward", [AWKWARD]), ("series+member", [SERIES, MEMBER]),
    ("series alone", [SERIES]),
])
def test_hand_made_records_have_no_dcat_ap_violations(dcat, dcat_ap_shapes, name, records) -> None:
    assert results(turtle_graph(dcat, records), dcat_ap_shapes) == []


def test_catalog_document_has_no_dcat_ap_violations(dcat, dcat_ap_shapes) -> None:
    g = turtle_graph(dcat, [RICH, MINIMAL, AWKWARD], catalog=CATALOG)
    assert results(g, dcat_ap_shapes) == []


def test_a_dataset_without_description_is_described_by_its_title(dcat, dcat_ap_shapes) -> None:
    from harvester.model.dataset import Dataset

    g = turtle_graph(dcat, [Dataset(identifier="x", title="Tanpa deskripsi", description="  ")])
    assert results(g, dcat_ap_shapes) == []
    assert {str(o) for o in g.objects(None, DCT.description)} >= {"Tanpa deskripsi"}
    # the shapes do run: the same graph without its dct:description violates DCAT-AP (min 1)
    g.remove((None, DCT.description, None))
    assert [str(path) for _, path, _ in results(g, dcat_ap_shapes)] == [str(DCT.description)]


def test_nodes_a_source_gave_one_iri_stay_separate(dcat, dcat_ap_shapes) -> None:
    from harvester.model.dataset import Agent, Distribution, Location

    dist = dict(uri="https://h/dist/1", download_url="https://h/a.csv")
    ds = MINIMAL.__class__(
        identifier="dup", title="t", description="d", uri="https://h/ds",
        distributions=(Distribution(format="CSV", license="cc-by", **dist),
                       Distribution(format="XLSX", license="odc-by", rights="r", **dist),
                       Distribution(uri="https://h/ds", title="same IRI as the dataset")),
        spatial=(Location(code="35.72", bbox="POINT (1 2)"), Location(code="35.72", bbox="POINT (3 4)")),
        publisher=Agent(name="A", uri="https://h/org", type="LocalAuthority"),
        creator=Agent(name="B", uri="https://h/org", type="RegionalAuthority"))
    g = turtle_graph(dcat, [ds])
    assert results(g, dcat_ap_shapes) == []
    assert len(list(g.objects(rdflib.URIRef("https://h/ds"), DCAT.distribution))) == 3
    assert len(list(g.objects(rdflib.URIRef("https://h/ds"), DCT.spatial))) == 2


def test_golden_canonical_files_exist() -> None:
    assert len(GOLDEN) >= 8, "the mapping engine's golden canonical files are expected under tests/golden/"


@pytest.mark.parametrize("path", GOLDEN, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_golden_canonical_records_have_no_dcat_ap_violations(dcat, dcat_ap_shapes, path: Path) -> None:
    record = golden_record(path)
    found = results(turtle_graph(dcat, [record]), dcat_ap_shapes)
    if not record.description:  # DCAT-AP requires a description; the mapping may leave it empty
        found = [f for f in found if f[1] != DCT.description]
    assert found == []


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(datasets)
def test_random_records_with_description_have_no_dcat_ap_violations(dcat, dcat_ap_shapes, record) -> None:
    if not (record.description and record.description.strip()):
        record = record.__class__(**{**{f: getattr(record, f) for f in record.__dataclass_fields__},
                                     "description": "deskripsi"})
    records = [record]
    if record.type == "series":  # give a series a member, as a catalogue would (else: a DCAT-AP warning)
        records.append(MEMBER.__class__(identifier="member", title="m", description="d",
                                        in_series=(str(dcat.dataset_uri(record)),)))
    assert results(turtle_graph(dcat, records), dcat_ap_shapes) == []


# ---------------------------------------------------------------- SDI shapes (names shared with the profile)

def test_rich_sdi_record_conforms_to_sdi_shapes(dcat, sdi_shapes) -> None:
    g = turtle_graph(dcat, [RICH])
    assert results(g, sdi_shapes) == []
    assert results(g, sdi_shapes, SH.Warning) == []


def test_sdi_shapes_name_what_a_minimal_record_lacks(dcat, sdi_shapes) -> None:
    violations = {str(path) for _, path, _ in results(turtle_graph(dcat, [MINIMAL]), sdi_shapes)}
    expected = {str(SDI[p]) for p in ("konsep", "definisi", "klasifikasi", "ukuran", "satuan", "kodePemda")}
    expected |= {str(DCT.creator), str(DCT.publisher), str(DCT.accrualPeriodicity), str(DCT.accessRights)}
    assert violations == expected
    warnings = {str(path) for _, path, _ in results(turtle_graph(dcat, [MINIMAL]), sdi_shapes, SH.Warning)}
    assert {str(SDI.jadwalRilis), str(DCT.spatial), str(SDI.tingkatPenyajian), str(DCAT.distribution),
            str(DCAT.theme)} <= warnings


def test_sdi_shapes_catch_unknown_codes_kept_as_literals(dcat, sdi_shapes) -> None:
    violations = {str(path) for _, path, _ in results(turtle_graph(dcat, [AWKWARD]), sdi_shapes)}
    assert {str(SDI.levelInstansi), str(SDI.tingkatPenyajian), str(SDI.frekuensi), str(SDI.kodeSds)} <= violations


def test_walidata_publisher_type_comes_from_level_instansi(dcat, sdi_shapes) -> None:
    g = turtle_graph(dcat, [RICH])
    publisher = rdflib.URIRef(WALIDATA.uri)
    assert g.value(publisher, DCT.type) == rdflib.URIRef("http://purl.org/adms/publishertype/LocalAuthority")
