"""CkanPackageProfile: plain CKAN (core + extras) and scheming (config/ckan/sdi_dataset.yaml) flavours."""

from __future__ import annotations

import dataclasses
import json
import re
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings

from harvester.model.dataset import Agent, Dataset
from harvester.profiles.ckan_package import CORE_KEYS, SCHEMING_FIELDS, package_name, sanitize_tags
from tests.unit.profiles.records import AWKWARD, MINIMAL, RICH
from tests.unit.profiles.strategies import datasets

SCHEMA = yaml.safe_load((Path(__file__).resolve().parents[3] / "config" / "ckan" / "sdi_dataset.yaml").read_text())
SCHEMA_FIELDS = {f["field_name"] for f in SCHEMA["dataset_fields"]}
REQUIRED = {f["field_name"] for f in SCHEMA["dataset_fields"] if f.get("required")}
#: top-level keys CKAN's default package schema accepts besides the scheming fields
CKAN_DEFAULT_KEYS = {"private", "extras", "resources", "tags", "groups", "type", "state", "id"}
TAG_OK = re.compile(r"[\w \-.]{2,100}\Z", re.UNICODE)
EU = "http://publications.europa.eu/resource/authority/"


def extras(pkg: dict) -> dict[str, str]:
    keys = [e["key"] for e in pkg.get("extras", [])]
    assert len(keys) == len(set(keys)), "duplicate extras key"
    return {e["key"]: e["value"] for e in pkg.get("extras", [])}


def assert_no_empty_values(value, where="package") -> None:
    if isinstance(value, dict):
        for k, v in value.items():
            assert v not in ("", None, [], {}), f"empty {where}.{k}"
            assert_no_empty_values(v, f"{where}.{k}")
    elif isinstance(value, list):
        for i, v in enumerate(value):
            assert_no_empty_values(v, f"{where}[{i}]")


def test_schema_contract_matches_the_shipped_scheming_file() -> None:
    assert SCHEMING_FIELDS == SCHEMA_FIELDS


# ---------------------------------------------------------------- plain

def test_plain_core_keys(ckan) -> None:
    pkg = ckan.render(RICH, flavour="plain", owner_org="dispendukcapil")
    assert pkg["name"] == "jumlah-penduduk-kecamatan-2024" and pkg["title"] == RICH.title
    assert pkg["notes"] == RICH.description and pkg["url"] == RICH.landing_page and pkg["version"] == "2024.1"
    assert pkg["license_id"] == "cc-by" and pkg["owner_org"] == "dispendukcapil" and pkg["private"] is False
    assert pkg["tags"] == [{"name": "penduduk"}, {"name": "kecamatan"}, {"name": "demografi"}]
    assert "tag_string" not in pkg


def test_plain_extras_use_ckanext_dcat_legacy_names_and_sdi_keys(ckan) -> None:
    ex = extras(ckan.render(RICH, flavour="plain"))
    assert all(isinstance(v, str) for v in ex.values())
    assert not set(ex) & CORE_KEYS
    assert ex["uri"] == RICH.uri and ex["identifier"] == RICH.identifier
    assert ex["issued"] == "2024-01-15" and ex["modified"] == "2024-06-30T10:20:30+07:00"
    assert ex["frequency"] == EU + "frequency/ANNUAL" and ex["access_rights"] == EU + "access-right/PUBLIC"
    assert (ex["temporal_start"], ex["temporal_end"]) == ("2019", "2024")
    assert json.loads(ex["temporal_coverage"])[1] == {"start": "2024-01-01", "end": "2024-12-31"}
    assert ex["spatial_uri"] == "https://w3id.org/satudata/def/wilayah/35.72" and ex["spatial_text"] == "Kota Blitar"
    assert ex["publisher_name"] == RICH.publisher.name and ex["publisher_identifier"] == "diskominfotik"
    assert ex["publisher_type"] == "http://purl.org/adms/publishertype/LocalAuthority"
    assert ex["creator_name"] == RICH.creator.name and ex["contact_email"] == "statistik@blitarkota.go.id"
    assert json.loads(ex["language"]) == [EU + "language/IND"]
    assert "https://w3id.org/satudata/def/urusan/2.12" in json.loads(ex["theme"])
    assert json.loads(ex["alternate_identifier"]) == ["DSSD-3572-001", "DSSD-3572-002"]
    assert (ex["sdi_konsep"], ex["sdi_satuan"], ex["sdi_kode_pemda"], ex["sdi_akses"]) == (
        "Penduduk", "Jiwa", "35.72", "TERBUKA")
    assert json.loads(ex["sdi_tingkat_penyajian"]) == ["KECAMATAN"] and json.loads(ex["sdi_cakupan"]) == ["35.72"]
    assert ex["sdi_data_prioritas"] == "true" and ex["sdi_data_induk"] == "false"
    assert json.loads(ex["sdi_variabel"])[0]["nama"] == "kecamatan"
    assert json.loads(ex["sdi_kontak"])[0]["phone"] == "(0342) 801144"
    assert ex["custom_field"] == "x"  # the source's unmapped extra is kept


def test_spatial_extra_is_geojson(ckan) -> None:
    ds = dataclasses.replace(MINIMAL, spatial=RICH.spatial[1:])
    ex = extras(ckan.render(ds, flavour="plain"))
    assert json.loads(ex["spatial"])["type"] == "Polygon"


def test_resources_have_no_ids_and_inherit_licence(ckan) -> None:
    res = ckan.render(RICH, flavour="plain")["resources"]
    assert all("id" not in r and "package_id" not in r for r in res)
    assert res[0] == {
        "url": "https://data.blitarkota.go.id/files/penduduk 2024.csv", "name": "Tabel penduduk 2024",
        "description": "CSV per kecamatan", "format": "CSV", "mimetype": "text/csv", "size": 12323,
        "license": EU + "licence/CC_BY_4_0", "access_url": "https://data.blitarkota.go.id/dataset/jp/resource/1",
        "download_url": "https://data.blitarkota.go.id/files/penduduk 2024.csv", "issued": "2024-01-15",
        "modified": "2024-06-30", "hash": "4304cf2e751e6053c90b1804c89c0ebb758f395a",
        "hash_algorithm": "http://spdx.org/rdf/terms#checksumAlgorithm_sha1",
        "status": "http://purl.org/adms/status/Completed"}
    assert res[1]["license"] == EU + "licence/CC_BYSA_4_0"


@pytest.mark.parametrize("akses,private", [("TERBUKA", False), ("TERBATAS", False), ("TERTUTUP", True),
                                           ("dikecualikan", True), (None, None), ("???", None)])
def test_private_follows_akses(ckan, akses, private) -> None:
    pkg = ckan.render(dataclasses.replace(MINIMAL, access_rights=akses))
    assert pkg.get("private") is private


def test_source_extras_never_override_mapped_or_core_keys(ckan) -> None:
    ds = dataclasses.replace(RICH, extras=(("title", "x"), ("sdi_konsep", "lain"), ("issued", "1999"), ("note", "ok")))
    pkg, notes = ckan.render_with_notes(ds)
    ex = extras(pkg)
    assert ex["sdi_konsep"] == "Penduduk" and ex["issued"] == "2024-01-15" and ex["note"] == "ok"
    assert pkg["title"] == RICH.title and "title" not in ex
    assert sum("not copied" in n for n in notes) == 3


# ---------------------------------------------------------------- scheming

def test_scheming_keys_are_schema_fields(ckan) -> None:
    for record in (RICH, MINIMAL, AWKWARD):
        pkg = ckan.render(record, flavour="scheming")
        assert set(pkg) <= SCHEMA_FIELDS | CKAN_DEFAULT_KEYS, set(pkg) - SCHEMA_FIELDS - CKAN_DEFAULT_KEYS
        assert not set(extras(pkg)) & (SCHEMA_FIELDS | CORE_KEYS)


def test_scheming_rich_record(ckan) -> None:
    pkg = ckan.render(RICH, flavour="scheming", owner_org="dispendukcapil", name="penduduk-2024")
    assert pkg["name"] == "penduduk-2024" and pkg["tag_string"] == "penduduk,kecamatan,demografi"
    assert pkg["identifier"] == RICH.identifier and pkg["frequency"] == EU + "frequency/ANNUAL"
    assert pkg["language"] == [EU + "language/IND"] and pkg["access_rights"] == EU + "access-right/PUBLIC"
    assert pkg["publisher"] == [{"uri": RICH.publisher.uri, "name": RICH.publisher.name,
                                 "email": RICH.publisher.email, "url": RICH.publisher.url,
                                 "type": "http://purl.org/adms/publishertype/LocalAuthority"}]
    assert pkg["creator"] == [{"name": RICH.creator.name}]
    assert pkg["contact"] == [{"name": "Bidang Statistik", "email": "statistik@blitarkota.go.id",
                               "url": "https://blitarkota.go.id/kontak"}]
    assert pkg["temporal_coverage"][0] == {"start": "2019", "end": "2024"}
    assert pkg["spatial_coverage"][0] == {"uri": "https://w3id.org/satudata/def/wilayah/35.72", "text": "Kota Blitar"}
    assert json.loads(pkg["spatial_coverage"][1]["bbox"])["type"] == "Polygon"
    assert "https://w3id.org/satudata/def/sds/SP00125.01.00" in pkg["conforms_to"]
    assert pkg["alternate_identifier"] == ["DSSD-3572-001", "DSSD-3572-002"]
    assert pkg["sdi_tingkat_penyajian"] == "KECAMATAN" and pkg["sdi_cakupan"] == "35.72"
    assert pkg["sdi_jadwal_rilis"] == "2025-03-31" and pkg["sdi_bidang_urusan"] == "2.12"
    assert pkg["sdi_produsen_data"] == RICH.creator.name and pkg["sdi_walidata"] == RICH.publisher.name
    assert pkg["sdi_harvest_uri"] == RICH.uri and pkg["sdi_harvest_source"] == RICH.source[0]
    assert pkg["sdi_data_prioritas"] == "true"
    ex = extras(pkg)
    assert ex["sdi_rekomendasi_bps"] == "V-23.1600.004" and json.loads(ex["is_referenced_by"])
    assert all(isinstance(pkg[k], str) for k in pkg if k.startswith("sdi_"))


def test_scheming_lists_are_comma_separated(ckan) -> None:
    ds = dataclasses.replace(RICH, tingkat_penyajian=("KABUPATEN_KOTA", "KECAMATAN"), jadwal_rilis=("2025-03-31", "2025-09-30"))
    pkg = ckan.render(ds, flavour="scheming")
    assert pkg["sdi_tingkat_penyajian"] == "KABUPATEN_KOTA,KECAMATAN"
    assert pkg["sdi_jadwal_rilis"] == "2025-03-31,2025-09-30"


def test_missing_required_sdi_fields_are_absent(ckan) -> None:
    pkg = ckan.render(MINIMAL, flavour="scheming")
    missing = REQUIRED - set(pkg)
    assert missing == REQUIRED - {"title", "notes", "name"}  # owner_org too: none was given
    assert {"sdi_konsep", "sdi_kode_pemda", "sdi_akses", "sdi_frekuensi", "owner_org"} <= missing


def test_invalid_dates_dropped_with_notes(ckan) -> None:
    pkg, notes = ckan.render_with_notes(AWKWARD, flavour="scheming")
    assert "issued" not in pkg and "modified" not in pkg
    assert pkg["temporal_coverage"] == [{"end": "2020-02"}]
    assert any("2024-13-45" in n for n in notes)


def test_unknown_flavour_rejected(ckan) -> None:
    with pytest.raises(ValueError, match="flavour"):
        ckan.render(RICH, flavour="fancy")  # type: ignore[arg-type]


def test_both_flavours_deterministic(ckan) -> None:
    for flavour in ("plain", "scheming"):
        assert json.dumps(ckan.render(RICH, flavour=flavour)) == json.dumps(ckan.render(RICH, flavour=flavour))


# ---------------------------------------------------------------- helpers

def test_sanitize_tags() -> None:
    notes: list[str] = []
    tags = sanitize_tags(["Penduduk", "a", "Kota Blitar!", "x, y2, zz", "Penduduk", "Émile ✓", "b" * 150,
                          " ".join(["kata"] * 30)], notes)
    assert tags[:4] == ["Penduduk", "Kota Blitar", "y2", "zz"]
    assert "Émile" in tags and all(TAG_OK.match(t) for t in tags)
    assert len([t for t in tags if t.startswith("b")]) == 1 and max(map(len, tags)) <= 100
    assert tags[-1].endswith("kata") and len(tags[-1]) <= 100  # cut at a word boundary
    assert any("dropped" in n and "'a'" in n for n in notes)


@pytest.mark.parametrize("ds,name", [
    (Dataset(identifier="Jumlah Penduduk 2024", title="t"), "jumlah-penduduk-2024"),
    (Dataset(identifier="https://x.org/dataset/ABC_1", title="t"), "https-x-org-dataset-abc_1"),
    (Dataset(identifier="é", title="Données Éducation"), "donnees-education"),
    (Dataset(identifier="", title="!"), None),
])
def test_package_name(ds, name) -> None:
    got = package_name(ds)
    assert re.fullmatch(r"[a-z0-9_-]{2,100}", got)
    if name is not None:
        assert got == name


def test_mailto_prefix_removed_from_agent_email(ckan) -> None:
    ds = dataclasses.replace(MINIMAL, publisher=Agent(name="W", email="mailto:w@x.go.id"))
    assert ckan.render(ds, flavour="scheming")["publisher"][0]["email"] == "w@x.go.id"
    assert extras(ckan.render(ds))["publisher_email"] == "w@x.go.id"


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(datasets)
def test_random_records_keep_ckan_rules(ckan, record) -> None:
    for flavour in ("plain", "scheming"):
        pkg = ckan.render(record, flavour=flavour)
        json.dumps(pkg)
        assert_no_empty_values({k: v for k, v in pkg.items() if k != "resources"})
        ex = extras(pkg)
        assert all(isinstance(k, str) and k and isinstance(v, str) for k, v in ex.items())
        assert not set(ex) & CORE_KEYS
        assert re.fullmatch(r"[a-z0-9_-]{2,100}", pkg["name"])
        tags = [t["name"] for t in pkg.get("tags", [])] or (pkg.get("tag_string") or "").split(",")
        assert all(TAG_OK.match(t) for t in tags if t)
        if flavour == "scheming":
            assert set(pkg) <= SCHEMA_FIELDS | CKAN_DEFAULT_KEYS
            assert not set(ex) & SCHEMA_FIELDS
        assert all("id" not in r for r in pkg["resources"])
