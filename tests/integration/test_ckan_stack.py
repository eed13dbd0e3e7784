"""Integration tests of the real CKAN 2.12 test stack (city, province, national).

Every call goes through ``ckanapi.RemoteCKAN`` with the sysadmin token over real HTTP to real
CKAN (PostgreSQL, Redis real; search by the test-only Solr stand-in). Names carry a random
suffix so the tests also pass on a reused stack that already holds data.
"""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
import time
import uuid
from typing import Any

import ckanapi
import pytest

from tests.ckan_stack import NAMES
from tests.ckan_stack.paths import REPO_ROOT

pytestmark = [pytest.mark.ckan, pytest.mark.integration]

SDI_FIELDS = {
    "sdi_konsep": "Penduduk",
    "sdi_definisi": "Orang yang berdomisili di wilayah Kota Blitar.",
    "sdi_klasifikasi": "Kecamatan; Jenis Kelamin",
    "sdi_ukuran": "Jumlah",
    "sdi_satuan": "Jiwa",
    "sdi_produsen_data": "Dinas Kependudukan dan Pencatatan Sipil Kota Blitar",
    "sdi_walidata": "Diskominfotik Kota Blitar",
    "sdi_kode_pemda": "35.72",
    "sdi_akses": "TERBUKA",
    "sdi_frekuensi": "TAHUNAN",
    "sdi_jadwal_rilis": "2025-03-31",
    "sdi_tingkat_penyajian": "KECAMATAN",
    "sdi_cakupan": "35.72",
    "sdi_variabel": json.dumps([{"nama": "jumlah", "satuan": "Jiwa"}]),
    "sdi_harvest_uri": "https://data.example.go.id/dataset/src/abc",
}
REQUIRED_SDI = ("sdi_konsep", "sdi_definisi", "sdi_klasifikasi", "sdi_ukuran", "sdi_satuan",
                "sdi_produsen_data", "sdi_walidata", "sdi_kode_pemda", "sdi_akses", "sdi_frekuensi")


def _suffix() -> str:
    return uuid.uuid4().hex[:8]


def _resources(tag: str) -> list[dict[str, Any]]:
    return [
        {"url": f"http://files.example.go.id/{tag}.csv", "name": f"{tag} CSV", "format": "CSV"},
        {"url": f"http://files.example.go.id/{tag}.json", "name": f"{tag} JSON", "format": "JSON"},
    ]


def _dataset(instance: str, name: str, org: str, title: str) -> dict[str, Any]:
    data: dict[str, Any] = {"name": name, "title": title, "notes": f"Catatan {title}",
                            "owner_org": org, "resources": _resources(name),
                            "tags": [{"name": "statistik"}]}
    if instance == "national":
        data.update(SDI_FIELDS)
    else:
        data["extras"] = [{"key": "sdi_konsep", "value": "Penduduk"},
                          {"key": "sdi_kode_pemda", "value": "35.72"}]
    return data


def _parse(stamp: str) -> dt.datetime:
    return dt.datetime.fromisoformat(stamp.rstrip("Z"))


@pytest.mark.parametrize("instance", NAMES)
def test_dataset_lifecycle(ckan_stack, instance: str) -> None:
    ckan = ckan_stack.client(instance)
    sfx = _suffix()
    org_x = ckan.action.organization_create(name=f"org-x-{sfx}", title="Dinas X")["name"]
    org_y = ckan.action.organization_create(name=f"org-y-{sfx}", title="Dinas Y")["name"]

    old = ckan.action.package_create(**_dataset(instance, f"old-{sfx}", org_x, "Data Lama"))
    time.sleep(1.1)
    since = (_parse(old["metadata_modified"]) + dt.timedelta(milliseconds=500)).isoformat() + "Z"
    new_x = ckan.action.package_create(**_dataset(instance, f"new-x-{sfx}", org_x, "Jumlah Penduduk Sananwetan"))
    new_y = ckan.action.package_create(**_dataset(instance, f"new-y-{sfx}", org_y, "Jumlah Sekolah"))

    shown = ckan.action.package_show(id=new_x["name"])
    assert shown["title"] == "Jumlah Penduduk Sananwetan"
    assert [r["format"] for r in shown["resources"]] == ["CSV", "JSON"]
    if instance == "national":
        assert shown["sdi_konsep"] == "Penduduk"
    else:
        assert {e["key"]: e["value"] for e in shown["extras"]}["sdi_kode_pemda"] == "35.72"

    patched = ckan.action.package_patch(id=new_x["id"], title="Jumlah Penduduk 2024")
    assert patched["title"] == "Jumlah Penduduk 2024"
    assert len(patched["resources"]) == 2, "package_patch must keep the resources"
    assert ckan.action.package_show(id=new_x["id"])["title"] == "Jumlah Penduduk 2024"

    by_org = ckan.action.package_search(fq=f"organization:{org_x}", rows=100)
    assert sorted(r["name"] for r in by_org["results"]) == sorted([old["name"], new_x["name"]])
    assert by_org["count"] == 2

    recent = ckan.action.package_search(
        fq=f"organization:{org_x} AND metadata_modified:[{since} TO *]", rows=100)
    assert [r["name"] for r in recent["results"]] == [new_x["name"]]

    recent_all = ckan.action.package_search(
        q=f"name:*-{sfx}", fq=f"metadata_modified:[{since} TO *]", rows=100,
        sort="metadata_modified asc, name asc")
    # new_x was patched after new_y was created, so it is the most recently modified
    assert [r["name"] for r in recent_all["results"]] == [new_y["name"], new_x["name"]]

    text = ckan.action.package_search(q="sananwetan", fq=f"organization:{org_x}")
    assert {r["name"] for r in text["results"]} == {new_x["name"]}

    ckan.action.package_delete(id=new_x["id"])
    after = ckan.action.package_search(fq=f"organization:{org_x}", rows=100)
    assert [r["name"] for r in after["results"]] == [old["name"]]
    assert ckan.action.package_show(id=new_x["id"])["state"] == "deleted"


@pytest.mark.parametrize("instance", NAMES)
def test_facets_and_extras_search(ckan_stack, instance: str) -> None:
    ckan = ckan_stack.client(instance)
    sfx = _suffix()
    org = ckan.action.organization_create(name=f"org-f-{sfx}")["name"]
    for i in range(3):
        ckan.action.package_create(**_dataset(instance, f"facet-{i}-{sfx}", org, f"Data {i}"))
    res = ckan.action.package_search(fq=f"organization:{org}", **{"facet.field": '["res_format", "organization"]'})
    assert res["count"] == 3
    assert res["facets"]["res_format"] == {"CSV": 3, "JSON": 3}
    assert res["facets"]["organization"] == {org: 3}
    hit = ckan.action.package_search(fq=f"organization:{org} +sdi_kode_pemda:\"35.72\"")
    assert hit["count"] == 3


def test_national_sdi_fields_are_first_class(ckan_stack) -> None:
    ckan = ckan_stack.client("national")
    sfx = _suffix()
    org = ckan.action.organization_create(name=f"org-sdi-{sfx}")["name"]
    data = _dataset("national", f"sdi-{sfx}", org, "Jumlah Penduduk Menurut Kecamatan")
    data.update({
        "contact": [{"name": "Bidang Statistik", "email": "statistik@blitarkota.go.id"}],
        "publisher": [{"name": "Diskominfotik Kota Blitar",
                       "type": "http://purl.org/adms/publishertype/LocalAuthority"}],
        "temporal_coverage": [{"start": "2019-01-01", "end": "2024-12-31"}],
        "spatial_coverage": [{"uri": "https://example.go.id/id/wilayah/35.72", "text": "Kota Blitar"}],
        "theme": ["https://example.go.id/def/urusan/2.12"],
        "frequency": "http://publications.europa.eu/resource/authority/frequency/ANNUAL",
    })
    data["resources"][0].update({"mimetype": "text/csv", "size": 1234, "issued": "2024-01-31",
                                 "download_url": "http://files.example.go.id/a.csv"})
    ckan.action.package_create(**data)
    shown = ckan.action.package_show(id=data["name"])
    for key, value in SDI_FIELDS.items():
        assert shown[key] == value, key
    assert not any(e["key"].startswith("sdi_") for e in shown.get("extras", []))
    assert shown["contact"] == [{"name": "Bidang Statistik", "email": "statistik@blitarkota.go.id"}]
    assert shown["temporal_coverage"][0]["start"] == "2019-01-01"
    assert shown["theme"] == ["https://example.go.id/def/urusan/2.12"]
    assert shown["resources"][0]["size"] == 1234
    assert shown["resources"][0]["download_url"] == "http://files.example.go.id/a.csv"
    found = ckan.action.package_search(fq=f'organization:{org} +sdi_akses:"TERBUKA"')
    assert found["results"][0]["sdi_walidata"] == "Diskominfotik Kota Blitar"


@pytest.mark.parametrize("missing", ["sdi_konsep", "sdi_kode_pemda", "sdi_frekuensi"])
def test_national_rejects_missing_required_field(ckan_stack, missing: str) -> None:
    ckan = ckan_stack.client("national")
    sfx = _suffix()
    org = ckan.action.organization_create(name=f"org-req-{sfx}")["name"]
    data = _dataset("national", f"req-{sfx}", org, "Tanpa Konsep")
    del data[missing]
    with pytest.raises(ckanapi.ValidationError) as err:
        ckan.action.package_create(**data)
    assert missing in err.value.error_dict


def test_national_reports_every_missing_required_field(ckan_stack) -> None:
    ckan = ckan_stack.client("national")
    org = ckan.action.organization_create(name=f"org-all-{_suffix()}")["name"]
    with pytest.raises(ckanapi.ValidationError) as err:
        ckan.action.package_create(name=f"bare-{_suffix()}", title="Bare", notes="n", owner_org=org)
    assert set(REQUIRED_SDI) <= set(err.value.error_dict)


@pytest.mark.parametrize("field,value", [("sdi_akses", "PUBLIK"), ("sdi_frekuensi", "ANNUAL"),
                                         ("sdi_frekuensi", "tahunan")])
def test_national_rejects_values_outside_choices(ckan_stack, field: str, value: str) -> None:
    ckan = ckan_stack.client("national")
    sfx = _suffix()
    org = ckan.action.organization_create(name=f"org-ch-{sfx}")["name"]
    data = _dataset("national", f"ch-{sfx}", org, "Pilihan Salah")
    data[field] = value
    with pytest.raises(ckanapi.ValidationError) as err:
        ckan.action.package_create(**data)
    assert field in err.value.error_dict


def test_plain_instances_keep_sdi_keys_as_extras(ckan_stack) -> None:
    for instance in ("city", "province"):
        ckan = ckan_stack.client(instance)
        org = ckan.action.organization_create(name=f"org-ex-{_suffix()}")["name"]
        pkg = ckan.action.package_create(**_dataset(instance, f"ex-{_suffix()}", org, "Extras"))
        assert "sdi_konsep" not in pkg
        assert {"key": "sdi_konsep", "value": "Penduduk"} in pkg["extras"]


def test_up_again_reuses_the_running_stack(ckan_stack) -> None:
    started = time.monotonic()
    out = subprocess.run([sys.executable, "-m", "tests.ckan_stack", "up"], cwd=REPO_ROOT,
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout) == dict(ckan_stack)
    assert time.monotonic() - started < 10
    status = json.loads(subprocess.run([sys.executable, "-m", "tests.ckan_stack", "status"],
                                       cwd=REPO_ROOT, capture_output=True, text=True,
                                       timeout=60).stdout)
    assert status["running"] is True
    assert {n: i["ckan_version"] for n, i in status["instances"].items()} == dict.fromkeys(NAMES, "2.12.0")
    assert status["instances"]["national"]["extensions"] == ["scheming_datasets", "dcat"]
