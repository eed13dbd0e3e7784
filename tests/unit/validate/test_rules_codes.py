"""SDI rules on reference codes: V06 kode pemda, V07 cakupan, V08 urusan, V09 SDS, V16, V17, V21."""

from __future__ import annotations

import pytest

from harvester.model.dataset import Location
from tests.unit.validate.conftest import blitar_policy, codes


def spatial(*region_codes):
    return tuple(Location(code=c) for c in region_codes)


# --------------------------------------------------------------------------------------- V06
def test_v06_missing(check):
    assert codes(check(kode_pemda=None, kode_pemda_bps=None)) == [("SDI-V06", "error", "kode_pemda")]


def test_v06_national_level_needs_no_kode_pemda(check):
    issues = check(kode_pemda=None, kode_pemda_bps=None, level_instansi="NASIONAL",
                   policy=blitar_policy(kode_pemda=None))
    assert codes(issues, "SDI-V06") == []


def test_v06_bps_form_is_rejected_and_named(check):
    issues = check(kode_pemda="3572")
    assert codes(issues, "SDI-V06") == [("SDI-V06", "error", "kode_pemda")]
    assert "35.72 Kota Blitar" in issues[0].message


def test_v06_kecamatan_code_is_not_a_pemda(check):
    assert codes(check(kode_pemda="35.72.01"), "SDI-V06") == [("SDI-V06", "error", "kode_pemda")]


def test_v06_province_code_for_city_level(check):
    assert codes(check(kode_pemda="35", kode_pemda_bps=None), "SDI-V06") == [("SDI-V06", "error", "kode_pemda")]


def test_v06_province_pemda(check):
    issues = check(kode_pemda="35", kode_pemda_bps="35", level_instansi="PROVINSI",
                   policy=blitar_policy(kode_pemda="35"), spatial=spatial("35"), tingkat_penyajian=("KABUPATEN_KOTA",),
                   variabel=())
    assert issues == []


def test_v06_other_pemda_than_configured(check):
    issues = check(kode_pemda="35.71", kode_pemda_bps="3571", spatial=spatial("35.71"))
    assert codes(issues, "SDI-V06") == [("SDI-V06", "error", "kode_pemda")]
    assert "35.71" in issues[0].message and "35.72" in issues[0].hint_id


def test_v06_wrong_bps_code_warns(check):
    issues = check(kode_pemda_bps="3571")
    assert codes(issues) == [("SDI-V06", "warning", "kode_pemda_bps")]
    assert "3572" in issues[0].hint_id


def test_v06_bps_differs_from_kemendagri_elsewhere(check):
    # Kutai Timur: Kemendagri 64.08, BPS 6404.
    policy = blitar_policy(kode_pemda="64.08", walidata=None, organisations=())
    issues = check(policy=policy, kode_pemda="64.08", kode_pemda_bps="6404", spatial=spatial("64.08"),
                   tingkat_penyajian=("KABUPATEN_KOTA",), variabel=())
    assert issues == []


# --------------------------------------------------------------------------------------- V07
def test_v07_kelurahan_within_pemda_is_fine(check):
    assert check(spatial=spatial("35.72", "35.72.01.1001", "35.72.03.1007"), tingkat_penyajian=("DESA_KELURAHAN",)) == []


def test_v07_enclosing_province_is_wider_by_design(check):
    assert codes(check(spatial=spatial("35.72", "35")), "SDI-V07") == []


def test_v07_kelurahan_outside_pemda(check):
    issues = check(spatial=spatial("35.72", "35.71.01.1001"), tingkat_penyajian=("DESA_KELURAHAN",))
    assert codes(issues) == [("SDI-V07", "warning", "spatial")]
    assert issues[0].location == "spatial[1]" and "35.71.01.1001" in issues[0].message


def test_v07_unknown_code(check):
    issues = check(spatial=spatial("35.72", "35.72.09"))
    assert codes(issues) == [("SDI-V07", "warning", "spatial")]


def test_v07_bps_form_in_cakupan_names_kemendagri_code(check):
    issues = check(spatial=spatial("3572"))
    assert codes(issues) == [("SDI-V07", "warning", "spatial")]
    assert "35.72 Kota Blitar" in issues[0].message


def test_v07_uses_policy_pemda_when_dataset_has_none(check):
    issues = check(kode_pemda=None, kode_pemda_bps=None, spatial=spatial("35.73"),
                   tingkat_penyajian=("KABUPATEN_KOTA",), variabel=())
    assert ("SDI-V07", "warning", "spatial") in codes(issues)


# --------------------------------------------------------------------------------------- V08
def test_v08_unknown_urusan_is_error(check):
    issues = check(bidang_urusan=("2.12", "2.99"))
    assert codes(issues) == [("SDI-V08", "error", "bidang_urusan")]
    assert issues[0].location == "bidang_urusan[1]"


def test_v08_label_instead_of_code(check):
    issues = check(bidang_urusan=("Statistik",))
    assert codes(issues) == [("SDI-V08", "error", "bidang_urusan")]
    assert "2.20" in issues[0].message


def test_v08_missing_and_top_level(check):
    assert codes(check(bidang_urusan=())) == [("SDI-V08", "warning", "bidang_urusan")]
    assert codes(check(bidang_urusan=("2",))) == [("SDI-V08", "warning", "bidang_urusan")]


# --------------------------------------------------------------------------------------- V09
@pytest.mark.parametrize("value", ["SP00125.1.00", "sp00125.01.00", "SP125.01.00", "SPX00125.01.00"])
def test_v09_bad_pattern(check, value):
    assert codes(check(kode_sds=value)) == [("SDI-V09", "error", "kode_sds")]


def test_v09_statistics_without_sds_warns(check):
    assert codes(check(kode_sds=None)) == [("SDI-V09", "warning", "kode_sds")]
    assert check(kode_sds=None, kategori_data="lainnya") == []


# --------------------------------------------------------------------------------------- V16
def test_v16_missing_and_invalid(check):
    assert codes(check(tingkat_penyajian=())) == [("SDI-V16", "warning", "tingkat_penyajian")]
    assert codes(check(tingkat_penyajian=("Kecamatan",))) == [("SDI-V16", "warning", "tingkat_penyajian")]


def test_v16_finer_codes_than_declared(check):
    issues = check(spatial=spatial("35.72", "35.72.01.1001"), tingkat_penyajian=("KECAMATAN",))
    assert codes(issues) == [("SDI-V16", "warning", "tingkat_penyajian")]
    assert "desa/kelurahan" in issues[0].message


def test_v16_variable_names_reveal_granularity(check):
    issues = check(tingkat_penyajian=("KABUPATEN_KOTA",))  # good dataset has variable kode_kecamatan
    assert codes(issues) == [("SDI-V16", "warning", "tingkat_penyajian")]


def test_v16_presentation_coarser_than_coverage(check):
    issues = check(spatial=spatial("35.72"), tingkat_penyajian=("PROVINSI",), variabel=())
    assert codes(issues) == [("SDI-V16", "warning", "tingkat_penyajian")]


def test_v16_multi_level_ok(check):
    assert check(spatial=spatial("35.72", "35.72.01.1001"), tingkat_penyajian=("KECAMATAN", "DESA_KELURAHAN")) == []


# --------------------------------------------------------------------------------------- V17
@pytest.mark.parametrize("value", ["35.1", 35.1, "3572.0", 3572, "3.572e3"])
def test_v17_float_damaged_kode_pemda(check, value):
    issues = check(kode_pemda=value)
    assert codes(issues) == [("SDI-V17", "error", "kode_pemda")]  # reported once, not again by V06


def test_v17_cakupan_35_1_is_reported_once(check):
    issues = check(spatial=spatial("35.72", "35.1"), tingkat_penyajian=("KECAMATAN",))
    assert codes(issues) == [("SDI-V17", "error", "spatial")]
    assert issues[0].location == "spatial[1]"


def test_v17_string_35_10_is_fine(check):
    issues = check(kode_pemda="35.10", kode_pemda_bps="3510", spatial=spatial("35.10"),
                   policy=blitar_policy(kode_pemda="35.10"), tingkat_penyajian=("KABUPATEN_KOTA",), variabel=())
    assert issues == []


def test_v17_urusan_float(check):
    assert codes(check(bidang_urusan=("2.1",))) == [("SDI-V17", "error", "bidang_urusan")]


# --------------------------------------------------------------------------------------- V21
GEO = {"kategori_data": "geospasial", "kode_sds": "SP00125.01.00",
       "conforms_to": ("http://www.opengis.net/def/crs/EPSG/0/4326", "SNI 8843-1:2019")}


def test_v21_geospatial_ok(check):
    box = "POLYGON((112.13 -8.13, 112.20 -8.13, 112.20 -8.05, 112.13 -8.05, 112.13 -8.13))"
    assert check(spatial=(Location(code="35.72", bbox=box),), tingkat_penyajian=("KABUPATEN_KOTA",),
                 variabel=(), **GEO) == []


def test_v21_swapped_coordinates_and_missing_crs(check):
    box = '{"type": "Polygon", "coordinates": [[[-8.13, 112.13], [-8.05, 112.13], [-8.05, 112.2], [-8.13, 112.13]]]}'
    issues = check(spatial=(Location(code="35.72", bbox=box),), tingkat_penyajian=("KABUPATEN_KOTA",),
                   variabel=(), kategori_data="geospasial", conforms_to=())
    assert codes(issues) == [("SDI-V21", "warning", "spatial"), ("SDI-V21", "warning", "conforms_to"),
                             ("SDI-V21", "warning", "conforms_to")]


def test_v21_no_extent(check):
    issues = check(tingkat_penyajian=("KECAMATAN",), **GEO)
    assert codes(issues) == [("SDI-V21", "warning", "spatial")]
