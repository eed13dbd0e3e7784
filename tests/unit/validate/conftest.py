"""Fixtures for the SDI validation tests: one fully valid Kota Blitar dataset and its pemda policy."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import date
from typing import Any

import pytest

from harvester.mapping.codelists import CodeLists
from harvester.model.dataset import (
    Agent,
    ContactPoint,
    Dataset,
    Distribution,
    Location,
    PeriodOfTime,
    Variable,
)
from harvester.model.issues import Issue
from harvester.validate import SdiPolicy, validate_sdi

WALIDATA = "Dinas Komunikasi, Informatika dan Statistik Kota Blitar"


def good_dataset() -> Dataset:
    """A Kota Blitar dataset that satisfies every SDI rule (on 2025-06-01)."""
    return Dataset(
        identifier="penduduk-kecamatan-2024",
        title="Jumlah Penduduk Menurut Kecamatan di Kota Blitar",
        description="Jumlah penduduk hasil registrasi Disdukcapil per kecamatan.",
        issued="2024-01-15", modified="2025-02-01",
        publisher=Agent(name=WALIDATA, type="LocalAuthority"),
        creator=Agent(name="Dinas Kependudukan dan Pencatatan Sipil Kota Blitar", identifier="dispendukcapil"),
        contact_points=(ContactPoint(name="Bidang Statistik", email="statistik@blitarkota.go.id",
                                     phone="+62 342 801144"),),
        access_rights="TERBUKA", accrual_periodicity="TAHUNAN",
        temporal=(PeriodOfTime(start="2019", end="2024"),),
        spatial=(Location(code="35.72", label="Kota Blitar"), Location(code="35.72.01"),
                 Location(code="35.72.02"), Location(code="35.72.03")),
        license="http://publications.europa.eu/resource/authority/licence/CC_BY_4_0",
        distributions=(Distribution(download_url="https://data.blitarkota.go.id/penduduk.csv", format="CSV",
                                    media_type="text/csv"),),
        konsep="Penduduk", definisi="Orang yang berdomisili di wilayah Kota Blitar.",
        klasifikasi="Kecamatan; Jenis Kelamin", ukuran="Jumlah", satuan="Orang",
        level_instansi="KABUPATEN_KOTA", kode_pemda="35.72", kode_pemda_bps="3572",
        kategori_data="statistik", jenis_statistik="STATISTIK_SEKTORAL", bidang_urusan=("2.12",),
        jadwal_rilis=("2026-03-31",), tingkat_penyajian=("KECAMATAN",), kode_sds="SP00125.01.00",
        cara_pengumpulan="KOMPILASI_PRODUK_ADMINISTRASI",
        variabel=(Variable(nama="kode_kecamatan", konsep="Kecamatan", definisi="Kode Kemendagri kecamatan",
                           tipe_data="CHARACTER"),),
    )


def blitar_policy(**changes: Any) -> SdiPolicy:
    base = SdiPolicy(kode_pemda="35.72", walidata=WALIDATA, walidata_aliases=("Diskominfotik Kota Blitar",),
                     organisations=("Dinas Kependudukan dan Pencatatan Sipil Kota Blitar", "Dinas Kesehatan Kota Blitar",
                                    "Diskominfotik Kota Blitar"),
                     today=date(2025, 6, 1))
    return replace(base, **changes)


@pytest.fixture(scope="session")
def codelists() -> CodeLists:
    return CodeLists.load()


@pytest.fixture
def check(codelists: CodeLists) -> Callable[..., list[Issue]]:
    """check(dataset_changes..., policy=...) -> issues of a modified good dataset."""

    def run(policy: SdiPolicy | None = None, **changes: Any) -> list[Issue]:
        return validate_sdi(replace(good_dataset(), **changes), policy or blitar_policy(), codelists)

    return run


def codes(issues: list[Issue], code: str | None = None) -> list[tuple[str, str, str | None]]:
    """(code, severity, field) of the issues, optionally only one code."""
    return [(i.code, i.severity.value, i.field) for i in issues if code is None or i.code == code]
