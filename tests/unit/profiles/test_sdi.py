"""SdiProfile: spec §4 field_id names, codes as codes, validated by mappings/schema/sdi-record.schema.json."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import jsonschema
import pytest
from hypothesis import HealthCheck, given, settings

from harvester.model.dataset import Distribution
from tests.unit.profiles.records import AWKWARD, MEMBER, MINIMAL, RICH, SERIES
from tests.unit.profiles.strategies import datasets
from tests.unit.profiles.test_golden_turtle import CASES, _load

SCHEMA_PATH = Path(__file__).resolve().parents[3] / "mappings" / "schema" / "sdi-record.schema.json"


@pytest.fixture(scope="module")
def validator() -> jsonschema.Draft202012Validator:
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def test_rich_record_fields(sdi) -> None:
    r = sdi.render(RICH)
    assert r["id_dataset"] == "jumlah-penduduk-kecamatan-2024" and r["judul"] == RICH.title
    assert r["kata_kunci"] == ["penduduk", "kecamatan", "demografi"]
    assert (r["konsep"], r["definisi"], r["klasifikasi"], r["ukuran"], r["satuan"]) == (
        "Penduduk", "Orang yang berdomisili di wilayah Kota Blitar.", "Kecamatan; Jenis Kelamin", "Jumlah", "Jiwa")
    assert r["produsen_data"] == {"nama": "Dinas Kependudukan dan Pencatatan Sipil Kota Blitar", "kode": "dispendukcapil"}
    assert r["walidata"]["uri"] == "https://data.blitarkota.go.id/organization/diskominfotik"
    assert r["pembina_data"] == {"nama": "BPS Kota Blitar"}
    assert r["kontak_produsen"] == [{"nama": "Bidang Statistik", "email": "statistik@blitarkota.go.id",
                                     "telepon": "(0342) 801144", "url": "https://blitarkota.go.id/kontak"}]
    assert (r["akses"], r["frekuensi"], r["level_instansi"]) == ("TERBUKA", "TAHUNAN", "KABUPATEN_KOTA")
    assert r["cakupan"] == ["35.72"] and r["bidang_urusan"] == ["2.12"] and r["tingkat_penyajian"] == ["KECAMATAN"]
    assert r["periode"] == [{"awal": "2019", "akhir": "2024"}, {"awal": "2024-01-01", "akhir": "2024-12-31"}]
    assert r["jadwal_rilis"] == ["2025-03-31"] and r["metode_pengumpulan"] == "KOMPILASI_PRODUK_ADMINISTRASI"
    assert r["data_prioritas"] is True and r["data_induk"] is False
    assert r["label_pembangunan"] == {"sdgs": ["11"], "pn_rkp": ["PN1"], "pp_rkp": ["PP1.2"]}
    assert r["variabel"][1] == {"nama": "jumlah", "konsep": "Penduduk", "definisi": "Jumlah penduduk terdaftar",
                                "tipe_data": "INTEGER", "satuan": "Jiwa"}
    assert r["distribusi"][0] == {
        "nama": "Tabel penduduk 2024", "deskripsi": "CSV per kecamatan",
        "url": "https://data.blitarkota.go.id/files/penduduk 2024.csv", "format": "CSV", "media_type": "text/csv",
        "ukuran_berkas": 12323, "tanggal_dibuat": "2024-01-15", "tanggal_diperbarui": "2024-06-30",
        "lisensi": "http://publications.europa.eu/resource/authority/licence/CC_BY_4_0"}
    assert r["distribusi"][1]["lisensi"] == "cc-by-sa" and r["distribusi"][1]["url"].endswith("penduduk.xlsx")


def test_empty_values_left_out(sdi) -> None:
    assert sdi.render(MINIMAL) == {"id_dataset": "min-1", "judul": "Dataset minimal",
                                   "deskripsi": "Hanya judul dan deskripsi."}
    r = sdi.render(dataclasses.replace(MINIMAL, keywords=("", "a"), distributions=(Distribution(byte_size=-1),)))
    assert r["kata_kunci"] == ["a"] and r["distribusi"] == [{}]


def test_kode_pemda_bps_derived_from_wilayah_when_absent(sdi) -> None:
    ds = dataclasses.replace(MINIMAL, kode_pemda="16.73")  # Lubuklinggau: BPS 1674, not 1673
    assert sdi.render(ds)["kode_pemda_bps"] == "1674"
    assert sdi.render(dataclasses.replace(ds, kode_pemda_bps="9999"))["kode_pemda_bps"] == "9999"
    from harvester.profiles.sdi import SdiProfile
    assert "kode_pemda_bps" not in SdiProfile().render(ds)  # without code lists nothing is derived


def test_deterministic(sdi) -> None:
    assert json.dumps(sdi.render(RICH)) == json.dumps(sdi.render(RICH))


@pytest.mark.parametrize("record", [RICH, MINIMAL, AWKWARD, SERIES, MEMBER], ids=lambda r: r.identifier)
def test_hand_made_records_validate(sdi, validator, record) -> None:
    assert list(validator.iter_errors(sdi.render(record))) == []


@pytest.mark.parametrize("canonical", [c for c, _ in CASES], ids=lambda p: f"{p.parent.name}/{p.name}")
def test_golden_records_validate(sdi, validator, canonical) -> None:
    assert list(validator.iter_errors(sdi.render(_load(canonical)))) == []


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(datasets)
def test_random_records_validate(sdi, validator, record) -> None:
    assert [e.message for e in validator.iter_errors(sdi.render(record))] == []


def test_schema_rejects_what_the_profile_never_writes(validator) -> None:
    assert list(validator.iter_errors({"id_dataset": "x"}))  # judul missing
    assert list(validator.iter_errors({"id_dataset": "x", "judul": "y", "title": "z"}))  # unknown key
    assert list(validator.iter_errors({"id_dataset": "x", "judul": "y", "cakupan": [35.72]}))  # code as number
