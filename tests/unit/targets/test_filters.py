"""Which datasets go to which target: sources, access levels, organisations, themes, validity."""

from __future__ import annotations

import pytest

from harvester.config_targets import TargetConfig
from harvester.mapping.codelists import CodeLists
from harvester.targets.filters import TargetFilter
from tests.unit.targets.support import POLICY, dataset, target


@pytest.fixture(scope="module")
def codelists() -> CodeLists:
    return CodeLists.load()


def check(cfg: TargetConfig, codelists: CodeLists, *, source: str = "katalog", opd: str | None = "dinkes", **ds):
    return TargetFilter(cfg, codelists, POLICY).check(source_id=source, dataset=dataset(**ds), opd=opd)


def test_valid_open_dataset_goes_everywhere(codelists: CodeLists) -> None:
    for level in ("city", "province", "national"):
        decision = check(target(level), codelists)
        assert decision.accepted and not decision.metadata_only, level


def test_tertutup_never_leaves_the_city_even_if_listed(codelists: CodeLists) -> None:
    city = target("city", filters={"access": ["TERBUKA", "TERBATAS", "TERTUTUP"]})
    assert check(city, codelists, access_rights="TERTUTUP").accepted
    # the config model refuses TERTUTUP above city level; a config that slipped past it still cannot leak
    province = target("province").model_copy(update={"filters": city.filters})
    decision = check(province, codelists, access_rights="TERTUTUP")
    assert not decision.accepted and "never leaves the city" in decision.reason
    # aliases of TERTUTUP are the same level
    assert not check(province, codelists, access_rights="DIKECUALIKAN").accepted


def test_terbatas_only_where_listed_and_metadata_only_beyond_city(codelists: CodeLists) -> None:
    assert not check(target("province"), codelists, access_rights="TERBATAS").accepted
    listed = target("province", filters={"access": ["TERBUKA", "TERBATAS"]})
    decision = check(listed, codelists, access_rights="TERBATAS")
    assert decision.accepted and decision.metadata_only
    city = target("city", filters={"access": ["TERBUKA", "TERBATAS"]})
    decision = check(city, codelists, access_rights="TERBATAS")
    assert decision.accepted and not decision.metadata_only


@pytest.mark.parametrize("akses", [None, "", "semi terbuka"])
def test_unknown_access_goes_nowhere(codelists: CodeLists, akses: str | None) -> None:
    decision = check(target("city"), codelists, access_rights=akses)
    assert not decision.accepted and "access level" in decision.reason


def test_access_aliases_are_recognised(codelists: CodeLists) -> None:
    relaxed = target("national", filters={"require_valid": False})  # V14 wants the canonical code
    assert check(relaxed, codelists, access_rights="Publik").accepted
    assert not check(target("national"), codelists, access_rights="Publik").accepted


def test_sources_and_organisations(codelists: CodeLists) -> None:
    cfg = target("province", filters={"sources": ["katalog"], "organisations": ["dinkes"]})
    assert check(cfg, codelists).accepted
    assert "filters.sources" in check(cfg, codelists, source="other").reason
    assert "filters.organisations" in check(cfg, codelists, opd="dindik").reason
    assert "filters.organisations" in check(cfg, codelists, opd=None).reason


def test_themes_match_theme_iris_urusan_or_topik(codelists: CodeLists) -> None:
    cfg = target("national", filters={"themes": ["2.12", "http://eu/theme/SOCI"]})
    assert check(cfg, codelists).accepted  # bidang_urusan 2.12
    assert check(cfg, codelists, bidang_urusan=(), themes=("http://eu/theme/SOCI",)).accepted
    assert not check(cfg, codelists, bidang_urusan=("1.02",)).accepted


def test_require_valid(codelists: CodeLists) -> None:
    invalid = {"konsep": None, "satuan": None}
    decision = check(target("national"), codelists, **invalid)
    assert not decision.accepted and "SDI-V02" in decision.reason
    relaxed = target("national", filters={"require_valid": False})
    assert check(relaxed, codelists, **invalid).accepted
