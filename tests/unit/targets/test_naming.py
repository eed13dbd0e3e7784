"""Dataset names from the target's naming pattern: CKAN-valid, bounded, stable, with alternatives."""

from __future__ import annotations

import re

import pytest

from harvester.targets.naming import NameMaker, hash8, slugify

CKAN_NAME = re.compile(r"^[a-z0-9_-]{2,100}$")


def test_slugify_folds_accents_and_punctuation() -> None:
    assert slugify("Jumlah Penduduk (Jiwa) — Kota Blitar, 2024") == "jumlah-penduduk-jiwa-kota-blitar-2024"
    assert slugify("Éducation àéîõü") == "education-aeiou"
    assert slugify("  ---  ") == ""


def test_pattern_placeholders() -> None:
    maker = NameMaker("{slug}-{kode_pemda}", kode_pemda="35.72")
    assert maker.preferred(title="Angka Kematian Bayi", uri="https://x/1", source_id="s", remote_id="r") \
        == "angka-kematian-bayi-3572"
    maker = NameMaker("{source}_{remote_id}")
    name = maker.preferred(title="T", uri=None, source_id="Katalog-A", remote_id="DD/2024/001")
    assert name == "katalog-a_dd-2024-001"


def test_empty_opd_leaves_no_double_dash() -> None:
    maker = NameMaker("{opd}-{slug}")
    assert maker.preferred(title="Data Sekolah", uri=None, source_id="s", remote_id="r", opd=None) == "data-sekolah"
    assert maker.preferred(title="Data Sekolah", uri=None, source_id="s", remote_id="r", opd="dindik") \
        == "dindik-data-sekolah"


def test_long_titles_shorten_the_slug_only() -> None:
    maker = NameMaker("{slug}-{kode_pemda}", 40, kode_pemda="35.72")
    title = "Jumlah Keluarga Penerima Manfaat Program Keluarga Harapan Menurut Kelurahan"
    name = maker.preferred(title=title, uri="u", source_id="s", remote_id="r")
    assert len(name) <= 40 and name.endswith("-3572") and CKAN_NAME.match(name)
    assert name.startswith("jumlah-keluarga-penerima")


def test_name_too_long_without_slug_ends_in_hash() -> None:
    maker = NameMaker("{source}-{remote_id}-{hash8}", 20)
    name = maker.preferred(title="x", uri="https://a/b", source_id="a-very-long-source-id", remote_id="rrrrrrrrrrrr")
    assert len(name) <= 20 and name.endswith(hash8("https://a/b"))


def test_titles_without_letters_fall_back() -> None:
    maker = NameMaker("{slug}")
    assert maker.preferred(title="???", uri=None, source_id="s", remote_id="DD-7") == "dd-7"


@pytest.mark.parametrize("max_length", [20, 100])
def test_candidates_are_distinct_valid_and_bounded(max_length: int) -> None:
    maker = NameMaker("{slug}", max_length)
    preferred = maker.preferred(title="Jumlah Penduduk Menurut Kecamatan Kota Blitar", uri="u", source_id="s",
                                remote_id="r")
    names = list(maker.candidates(preferred, "https://x/1"))
    assert names[0] == preferred
    assert len(set(names)) == len(names) == 10
    assert all(len(n) <= max_length and CKAN_NAME.match(n) for n in names)
    assert names[1].endswith("-2") and names[-1].endswith(hash8("https://x/1"))


def test_same_input_same_name() -> None:
    a = NameMaker("{slug}-{hash8}").preferred(title="T T", uri="https://u", source_id="s", remote_id="r")
    b = NameMaker("{slug}-{hash8}").preferred(title="T T", uri="https://u", source_id="s", remote_id="r")
    assert a == b == f"t-t-{hash8('https://u')}"
