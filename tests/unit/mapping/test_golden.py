"""Golden tests: a record -> the default mapping of its source type -> canonical JSON (plus issues).

Inputs are either hand-written fixtures in ``tests/golden/<type>/<case>.in.*`` or real samples read from
``../shared/data`` through the ``shared_data`` fixture (never copied into the repository). Expected
outputs are ``tests/golden/<type>/<case>.canonical.json``. To regenerate them after an intended change::

    UPDATE_GOLDEN=1 .venv/bin/python -m pytest tests/unit/mapping/test_golden.py

and review the diff by eye before committing: a golden file is a claim that the mapping is right.
"""

from __future__ import annotations

import csv
import difflib
import json
import os
from dataclasses import dataclass
from pathlib import Path

import pytest
from lxml import etree

from harvester.mapping.engine import MappingEngine
from harvester.mapping.spec import default_mapping_path, load_mapping
from harvester.model.canonical import to_dict
from harvester.model.record import TABLE_ROW_MEDIA_TYPE, SourceRecord
from harvester.readers.json_doc import evaluate_json_path
from harvester.readers.xml_doc import WELL_KNOWN_NAMESPACES

from tests.unit.mapping.support import codelists, context

GOLDEN = Path(__file__).resolve().parents[2] / "golden"
UPDATE = os.environ.get("UPDATE_GOLDEN") == "1"
MEDIA = {".json": "application/json", ".jsonld": "application/ld+json", ".xml": "application/xml",
         ".nt": "application/n-triples", ".ttl": "text/turtle", ".rdf": "application/rdf+xml"}


@dataclass(frozen=True)
class Shared:
    """A real sample in ../shared/data: ``select`` is a JSON path (JSON), an XPath (XML), a focus IRI
    (RDF, '' = the only dataset) or a 0-based row number (CSV)."""

    path: str
    select: str = ""


CASES: dict[tuple[str, str], Shared | None] = {
    # hand-written fixtures (None: tests/golden/<type>/<case>.in.*)
    ("ckan", "blitar_sdi_extras"): None,
    ("ckan", "scheming_sdi_fields"): None,
    ("ckan", "datagoid_csw_harvested"): Shared("ckan_api/data-go-id_proxy_package_search_rows2.json", "result.results[1]"),
    ("ckan", "datagoid_kampar"): Shared("ckan_api/data-go-id_proxy_package_show.json", "result"),
    ("ckan", "scheming_dcat_ap_full"): Shared("ckan_api/ckanext-dcat_ckan_package_scheming_dcat_ap_full.json"),
    ("ckan", "legacy_extras"): Shared("ckan_api/ckanext-dcat_ckan_package_minimal_extras.json"),
    ("ckan", "envidat_json_text_fields"): Shared("ckan_api/envidat-ch_package_show_avalanche-accidents.json", "result"),
    ("ckan", "dkan_french_dates"): Shared("ckan_api/udata_dkan_hautsdefrance_package_show_french_dates.json", "result[0]"),
    ("dcat-rdf", "sdi_dataset_ntriples"): None,
    ("dcat-rdf", "afs_minimal_turtle"): Shared("dcat_rdf/ckanext-dcat_afs_minimal_dataset.ttl"),
    ("dcat-rdf", "semic_example1_ntriples"): Shared("dcat_rdf/semic_dcat-ap-2.1.1_example1.nt"),
    ("dcat-rdf", "datos_gob_es_madrid"): Shared("dcat_rdf/ckanext-dcat_datos-gob-es_madrid_dataset.ttl"),
    ("datajson", "kota_dcat_us_1_1"): None,
    ("datajson", "acehprov"): Shared("datajson/satudata-acehprov_data.json_excerpt-12-datasets.json", "dataset[0]"),
    ("datajson", "dcat_us_3_complete"): Shared("datajson/datagov-harvester_dcatus3.0_complete_dataset_example.json"),
    ("csw", "sni_geoportal_iso19139"): None,
    ("csw", "marine_ie_anchor_keywords"): Shared("csw_iso19139/owslib_marine-ie_keywords_anchor_iso19139.xml"),
    ("csw", "noaa_gmi_19115_2"): Shared("csw_iso19139/datagov-harvester_noaa_gmi_iso19115-2_valid.xml"),
    ("csw", "csw_record_dc"): Shared("csw_iso19139/owslib_citizenscience-ca_allspecies_csw-record_dc_latin1.xml"),
    ("oai-pmh", "sickle_getrecord"): Shared("oai_pmh/sickle_GetRecord.xml", "//oai:record"),
    ("oai-pmh", "pycsw_getrecord"): Shared("oai_pmh/pycsw_oaipmh_GetRecord_oai_dc.xml", "//oai:record"),
    ("oai-pmh", "kata_no_title"): Shared("oai_pmh/kata_csc-ida_getrecord_oai_dc_extended.xml", "//oai:record"),
    ("schemaorg", "satudata_landing_page"): None,
    ("schemaorg", "pangaea_geoshape"): Shared("schemaorg_html/bolognese_schema_org_geoshape.jsonld"),
    ("schemaorg", "ssczo_geocoordinates"): Shared("schemaorg_html/bolognese_schema_org_geolocation.jsonld"),
    ("spreadsheet", "daftar_data_row"): None,
    ("spreadsheet", "daftar_data_float_code"): None,
    ("spreadsheet", "dc_inventory_row"): Shared("inventory_tables/dc-gov_enterprise_dataset_inventory_2018-03-09_fy19-schema.csv", "1"),
    ("json-api", "jatim_style_record"): None,
    ("json-api", "sipd_style_record"): None,
}


def _record(kind: str, case: str, spec: Shared | None, shared_data: Path | None) -> SourceRecord:
    remote_id = f"{kind}:{case}"
    if spec is None:
        [path] = sorted((GOLDEN / kind).glob(f"{case}.in.*"))
        media = TABLE_ROW_MEDIA_TYPE if kind == "spreadsheet" else MEDIA[path.suffix]
        return SourceRecord("golden", remote_id, media, path.read_bytes())
    assert shared_data is not None
    path = shared_data / spec.path
    suffix = path.suffix
    if suffix in (".json", ".jsonld"):
        value = json.loads(path.read_bytes())
        if spec.select:
            value = evaluate_json_path(value, spec.select)[0]
        return SourceRecord("golden", remote_id, MEDIA[suffix], json.dumps(value).encode())
    if suffix == ".xml":
        data = path.read_bytes()
        if spec.select:
            element = etree.fromstring(data).xpath(spec.select, namespaces=WELL_KNOWN_NAMESPACES)[0]
            data = etree.tostring(element)
        return SourceRecord("golden", remote_id, "application/xml", data)
    if suffix == ".csv":
        with path.open(encoding="utf-8", newline="") as fh:
            row = list(csv.DictReader(fh))[int(spec.select)]
        return SourceRecord("golden", remote_id, TABLE_ROW_MEDIA_TYPE, json.dumps(row).encode())
    meta = (("focus", spec.select),) if spec.select else ()
    return SourceRecord("golden", remote_id, MEDIA[suffix], path.read_bytes(), meta=meta)


_ENGINES: dict[str, MappingEngine] = {}


def _engine(kind: str) -> MappingEngine:
    if kind not in _ENGINES:
        _ENGINES[kind] = MappingEngine(load_mapping(default_mapping_path(kind)), codelists())
    return _ENGINES[kind]


@pytest.mark.parametrize("kind, case", sorted(CASES), ids=[f"{k}/{c}" for k, c in sorted(CASES)])
def test_golden(kind: str, case: str, request: pytest.FixtureRequest) -> None:
    spec = CASES[(kind, case)]
    shared_data = request.getfixturevalue("shared_data") if spec is not None else None
    record = _record(kind, case, spec, shared_data)
    result = _engine(kind).map_record(record, context(record.remote_id))
    actual = {"dataset": to_dict(result.dataset) if result.dataset else None,
              "issues": [issue.as_dict() for issue in result.issues]}
    expected_path = GOLDEN / kind / f"{case}.canonical.json"
    text = json.dumps(actual, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    if UPDATE or not expected_path.exists():
        expected_path.parent.mkdir(parents=True, exist_ok=True)
        expected_path.write_text(text, encoding="utf-8")
        if not UPDATE:
            pytest.fail(f"golden file {expected_path} was missing and has been written: review it")
    expected = json.loads(expected_path.read_text(encoding="utf-8"))
    if actual != expected:
        want = json.dumps(expected, indent=2, sort_keys=True, ensure_ascii=False).splitlines()
        diff = "\n".join(difflib.unified_diff(want, text.splitlines(), "expected", "actual", lineterm=""))
        pytest.fail(f"{kind}/{case} differs from {expected_path.name}:\n{diff}")


def test_every_source_type_has_two_cases() -> None:
    kinds = [kind for kind, _ in CASES]
    for kind in ("ckan", "dcat-rdf", "datajson", "csw", "oai-pmh", "schemaorg", "spreadsheet", "json-api"):
        assert kinds.count(kind) >= 2, kind
