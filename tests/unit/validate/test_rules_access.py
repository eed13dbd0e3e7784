"""SDI rules on access: V10 machine-readable distributions, V14 access level, V15 licence."""

from __future__ import annotations

import pytest

from harvester.model.dataset import Distribution
from tests.unit.validate.conftest import codes


def dist(fmt=None, url=None, media=None, **kw):
    return Distribution(format=fmt, download_url=url, media_type=media, **kw)


# --------------------------------------------------------------------------------------- V10
def test_v10_pdf_only_is_error(check):
    issues = check(distributions=(dist("PDF"), dist(url="https://x.go.id/lampiran.pdf")))
    assert codes(issues) == [("SDI-V10", "error", "distributions")]
    assert "PDF" in issues[0].message


def test_v10_image_only_is_error(check):
    assert codes(check(distributions=(dist("JPEG"), dist(media="image/png")))) == [("SDI-V10", "error", "distributions")]


@pytest.mark.parametrize("fmt,url,media", [
    ("csv", None, None), ("Excel", None, None), (None, "https://x.go.id/data.xlsx?download=1", None),
    (None, None, "application/json"), ("JSON", None, None), ("ods", None, None), ("GeoJSON", None, None),
])
def test_v10_open_machine_readable_found_by_format_media_or_extension(check, fmt, url, media):
    assert check(distributions=(dist("PDF"), dist(fmt, url, media))) == []


def test_v10_proprietary_only_warns(check):
    assert codes(check(distributions=(dist("xls"),))) == [("SDI-V10", "warning", "distributions")]


def test_v10_zip_or_unknown_warns(check):
    assert codes(check(distributions=(dist("zip"), dist("PDF")))) == [("SDI-V10", "warning", "distributions")]
    assert codes(check(distributions=(dist(url="https://x.go.id/unduh?id=5"),))) == [
        ("SDI-V10", "warning", "distributions")]


def test_v10_no_distribution(check):
    assert codes(check(distributions=())) == [("SDI-V10", "warning", "distributions")]
    assert codes(check(distributions=(), access_rights="TERTUTUP", license=None), "SDI-V10") == []


# --------------------------------------------------------------------------------------- V14
def test_v14_missing(check):
    assert codes(check(access_rights=None)) == [("SDI-V14", "error", "access_rights")]


@pytest.mark.parametrize("value", ["Terbuka", "public", "DIBAGIKAN"])
def test_v14_label_or_alias_is_not_the_code(check, value):
    issues = check(access_rights=value)
    assert ("SDI-V14", "error", "access_rights") in codes(issues)
    assert "did the mapping mean" in issues[0].message


def test_v14_distribution_more_open_than_dataset(check):
    issues = check(access_rights="TERBATAS", license=None,
                   distributions=(dist("CSV", access_rights="TERBUKA"),))
    assert codes(issues) == [("SDI-V14", "warning", "distributions.access_rights")]


def test_v14_invalid_distribution_access(check):
    issues = check(distributions=(dist("CSV", access_rights="RAHASIA"),))
    assert codes(issues) == [("SDI-V14", "error", "distributions.access_rights")]


# --------------------------------------------------------------------------------------- V15
def test_v15_open_data_without_licence(check):
    assert codes(check(license=None)) == [("SDI-V15", "warning", "license")]
    assert codes(check(license="notspecified")) == [("SDI-V15", "warning", "license")]


def test_v15_licence_on_every_distribution_is_enough(check):
    assert check(license=None, distributions=(dist("CSV", license="cc-by"), dist("PDF", license="CC-BY-4.0"))) == []
    assert codes(check(license=None, distributions=(dist("CSV", license="cc-by"), dist("PDF")))) == [
        ("SDI-V15", "warning", "license")]


@pytest.mark.parametrize("value", ["cc-by", "CC BY 4.0", "https://creativecommons.org/licenses/by/4.0/",
                                   "Creative Commons Attribution", "odc-odbl"])
def test_v15_known_licence_spellings(check, value):
    assert check(license=value) == []


def test_v15_unknown_licence_id(check):
    assert codes(check(license="lisensi-pemkot")) == [("SDI-V15", "warning", "license")]
    assert check(license="https://blitarkota.go.id/lisensi") == []  # an IRI is accepted as is


def test_v15_tertutup_with_open_licence(check):
    issues = check(access_rights="TERTUTUP", distributions=())
    assert codes(issues) == [("SDI-V15", "warning", "license")]
    assert "CC_BY_4_0" in issues[0].message


def test_v15_tertutup_without_licence_is_fine(check):
    assert check(access_rights="TERTUTUP", license=None, distributions=()) == []
