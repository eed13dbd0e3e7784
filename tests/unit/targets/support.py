"""Builders shared by the push unit tests: a valid Kota Blitar dataset, pemda and target configs."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import Any

from harvester.config_models import PemdaConfig
from harvester.config_targets import TargetConfig
from harvester.model.dataset import Agent, Dataset, Distribution, Location, PeriodOfTime
from harvester.validate.sdi_rules import SdiPolicy

WALIDATA = "Dinas Komunikasi, Informatika dan Statistik Kota Blitar"

PEMDA = PemdaConfig.model_validate({
    "level": "KABUPATEN_KOTA", "kode": "35.72", "nama": "Kota Blitar",
    "walidata": {"name": WALIDATA},
    "organisations": [
        {"id": "dinkes", "name": "Dinas Kesehatan Kota Blitar", "aliases": ["Dinkes"]},
        {"id": "dispendukcapil", "name": "Dinas Kependudukan dan Pencatatan Sipil Kota Blitar",
         "aliases": ["Disdukcapil"], "uri": "https://data.example.go.id/org/capil"},
        {"id": "diskominfotik", "name": WALIDATA, "aliases": ["Diskominfotik"]},
    ],
})

POLICY = SdiPolicy(kode_pemda="35.72", walidata=WALIDATA, walidata_aliases=("Diskominfotik",),
                   organisations=("Dinas Kesehatan Kota Blitar", "Dinas Kependudukan dan Pencatatan Sipil Kota Blitar",
                                  WALIDATA),
                   today=date(2025, 6, 1))


def dataset(**changes: Any) -> Dataset:
    """A dataset with no error-level SDI issue under ``POLICY``."""
    base = Dataset(
        identifier="penduduk-kecamatan-2024",
        uri="https://data.example.go.id/dataset/penduduk-kecamatan-2024",
        title="Jumlah Penduduk Menurut Kecamatan di Kota Blitar",
        description="Jumlah penduduk hasil registrasi per kecamatan.",
        issued="2024-01-15", modified="2025-02-01",
        publisher=Agent(name=WALIDATA, type="LocalAuthority"),
        creator=Agent(name="Dinas Kependudukan dan Pencatatan Sipil Kota Blitar"),
        access_rights="TERBUKA", accrual_periodicity="TAHUNAN",
        temporal=(PeriodOfTime(start="2019", end="2024"),),
        spatial=(Location(code="35.72", label="Kota Blitar"),),
        license="http://publications.europa.eu/resource/authority/licence/CC_BY_4_0",
        distributions=(Distribution(download_url="https://data.example.go.id/penduduk.csv", format="CSV",
                                    media_type="text/csv"),),
        konsep="Penduduk", definisi="Orang yang berdomisili di wilayah Kota Blitar.",
        klasifikasi="Kecamatan", ukuran="Jumlah", satuan="Orang",
        level_instansi="KABUPATEN_KOTA", kode_pemda="35.72", kode_pemda_bps="3572",
        bidang_urusan=("2.12",), jadwal_rilis=("2026-03-31",), tingkat_penyajian=("KECAMATAN",),
    )
    return replace(base, **changes)


def target(level: str = "city", **data: Any) -> TargetConfig:
    """A target config as the loader would build it (URL and token set)."""
    payload: dict[str, Any] = {"type": "ckan", "level": level, "url": "http://127.0.0.1:9", "token": "t0ken"}
    payload.update(data)
    return TargetConfig.model_validate(payload)
