"""Target files: enabling by URL, token rules, access and organisation rules, ids of other files."""

from __future__ import annotations

import logging

import pytest

from harvester.errors import ConfigError
from harvester.settings import load_settings
from tests.unit.config.conftest import ConfigTree

CITY = """\
type: ckan
level: city
url: ${CKAN_CITY_URL:-}
token: ${CKAN_CITY_TOKEN:-}
"""


def test_empty_url_disables_target_with_exactly_one_info_line(tree: ConfigTree,
                                                               caplog: pytest.LogCaptureFixture) -> None:
    tree.write("targets/kota.yaml", CITY)
    with caplog.at_level(logging.DEBUG, logger="harvester"):
        loaded = load_settings(tree.path, env={})
    target = loaded.targets["kota"]
    assert target.enabled is False and target.disabled_reason == "CKAN_CITY_URL is not set"
    assert loaded.enabled_targets() == {}
    infos = [r for r in caplog.records if r.levelno == logging.INFO]
    assert [r.getMessage() for r in infos] == ["target kota disabled: CKAN_CITY_URL is not set"]


def test_literal_empty_url_has_its_own_reason(tree: ConfigTree) -> None:
    tree.write("targets/kota.yaml", "type: ckan\nlevel: city\n")
    assert load_settings(tree.path, env={}).targets["kota"].disabled_reason == "url is empty"


def test_explicitly_disabled_target_logs_nothing(tree: ConfigTree, caplog: pytest.LogCaptureFixture) -> None:
    tree.write("targets/kota.yaml", CITY + "enabled: false\n")
    with caplog.at_level(logging.INFO, logger="harvester"):
        target = load_settings(tree.path, env={}).targets["kota"]
    assert target.enabled is False and target.disabled_reason == "enabled: false"
    assert not [r for r in caplog.records if r.levelno >= logging.INFO]


def test_url_and_token_enable_target(tree: ConfigTree) -> None:
    tree.write("targets/kota.yaml", CITY + "rate_limit: 3\nhttp: {read_timeout: 20}\n")
    env = {"CKAN_CITY_URL": "https://satudata.blitarkota.go.id/", "CKAN_CITY_TOKEN": "tok-1234567890"}
    target = load_settings(tree.path, env=env).targets["kota"]
    assert target.enabled and target.disabled_reason is None
    assert target.url == "https://satudata.blitarkota.go.id"
    assert target.token is not None and target.token.get_secret_value() == "tok-1234567890"
    assert target.http_policy is not None
    assert (target.http_policy.rate_limit, target.http_policy.read_timeout) == (3, 20)
    # code defaults
    assert target.filters.access == ["TERBUKA"] and target.filters.require_valid
    assert target.naming.pattern == "{slug}-{kode_pemda}" and target.naming.max_length == 100
    assert (target.deletion.mode, target.deletion.grace_days, target.deletion.purge) == ("private", 7, False)
    assert target.conflict.overwrite_manual_edits is False and target.profile == "plain"


def test_url_without_token_is_an_error(tree: ConfigTree) -> None:
    path = tree.write("targets/kota.yaml", CITY)
    with pytest.raises(ConfigError) as info:
        load_settings(tree.path, env={"CKAN_CITY_URL": "https://ckan.example"})
    assert (info.value.file, info.value.key, info.value.line) == (str(path), "token", 4)


def test_token_file(tree: ConfigTree) -> None:
    tree.write("targets/ckan-token", "from-a-file-0001\n")
    tree.write("targets/kota.yaml", "type: ckan\nlevel: city\nurl: https://ckan.example\ntoken_file: ckan-token\n")
    target = load_settings(tree.path, env={}).targets["kota"]
    assert target.token is not None and target.token.get_secret_value() == "from-a-file-0001"


def test_token_and_token_file_together_rejected(tree: ConfigTree) -> None:
    tree.write("targets/ckan-token", "x" * 12)
    tree.write("targets/kota.yaml", "type: ckan\nlevel: city\nurl: https://ckan.example\ntoken: abc\n"
                                    "token_file: ckan-token\n")
    with pytest.raises(ConfigError, match="either token or token_file") as info:
        load_settings(tree.path, env={})
    assert info.value.line == 5


def test_unknown_key_in_target_file(tree: ConfigTree) -> None:
    path = tree.write("targets/kota.yaml", CITY + "filters:\n  acess: [TERBUKA]\n")
    with pytest.raises(ConfigError) as info:
        load_settings(tree.path, env={})
    err = info.value
    assert (err.file, err.key, err.line) == (str(path), "filters.acess", 6)
    assert "did you mean 'access'" in err.reason


def test_wrong_type_in_target_file(tree: ConfigTree) -> None:
    tree.write("targets/kota.yaml", CITY + "concurrency: many\n")
    with pytest.raises(ConfigError) as info:
        load_settings(tree.path, env={})
    assert (info.value.key, info.value.line) == ("concurrency", 5)


@pytest.mark.parametrize("level", ["province", "national"])
def test_tertutup_never_leaves_the_city(tree: ConfigTree, level: str) -> None:
    tree.write("targets/t.yaml", f"type: ckan\nlevel: {level}\nfilters:\n  access: [TERBUKA, TERTUTUP]\n")
    with pytest.raises(ConfigError, match="TERTUTUP") as info:
        load_settings(tree.path, env={})
    assert (info.value.key, info.value.line) == ("filters", 3)


def test_city_may_take_tertutup_and_terbatas(tree: ConfigTree) -> None:
    tree.write("targets/kota.yaml", CITY + "filters: {access: [TERBUKA, TERBATAS, TERTUTUP]}\n")
    assert load_settings(tree.path, env={}).targets["kota"].filters.access == ["TERBUKA", "TERBATAS", "TERTUTUP"]


def test_filter_ids_must_exist(tree: ConfigTree) -> None:
    tree.write("targets/kota.yaml", CITY + "filters:\n  sources: [dinkes-api]\n")
    with pytest.raises(ConfigError, match="unknown source 'dinkes-api'") as info:
        load_settings(tree.path, env={})
    assert (info.value.key, info.value.line) == ("filters.sources[0]", 6)
    tree.write("targets/kota.yaml", CITY + "filters:\n  organisations: [dinkes, dinsos]\n")
    with pytest.raises(ConfigError, match="unknown organisation 'dinsos'") as info:
        load_settings(tree.path, env={})
    assert info.value.key == "filters.organisations[1]"


def test_organisation_map_keys_must_be_registered(tree: ConfigTree) -> None:
    tree.write("targets/kota.yaml", CITY + "organisations:\n  map:\n    dinkes: dinkes-kota-blitar\n"
                                           "    dinsos: dinsos-kota-blitar\n")
    with pytest.raises(ConfigError, match="dinsos") as info:
        load_settings(tree.path, env={})
    assert (info.value.key, info.value.line) == ("organisations.map.dinsos", 8)


def test_single_mode_needs_single_and_refuses_per_opd_keys(tree: ConfigTree) -> None:
    tree.write("targets/t.yaml", "type: ckan\nlevel: national\norganisations: {mode: single}\n")
    with pytest.raises(ConfigError, match="single"):
        load_settings(tree.path, env={})
    tree.write("targets/t.yaml", "type: ckan\nlevel: national\norganisations:\n  mode: single\n"
                                 "  single: {name: kota-blitar, title: Kota Blitar}\n  prefix: kb-\n")
    with pytest.raises(ConfigError, match="per_opd"):
        load_settings(tree.path, env={})


@pytest.mark.parametrize("pattern,message", [
    ("{slug}-{kota}", "unknown placeholder"),
    ("{kode_pemda}-{source}", "tell datasets apart"),
    ("{slug", "bad pattern"),
])
def test_naming_pattern_rules(tree: ConfigTree, pattern: str, message: str) -> None:
    tree.write("targets/t.yaml", f"type: ckan\nlevel: city\nnaming:\n  pattern: '{pattern}'\n")
    with pytest.raises(ConfigError, match=message) as info:
        load_settings(tree.path, env={})
    assert info.value.key == "naming.pattern"


def test_unknown_target_type(tree: ConfigTree) -> None:
    tree.write("targets/t.yaml", "type: dkan\nlevel: city\n")
    with pytest.raises(ConfigError, match="known: ckan") as info:
        load_settings(tree.path, env={})
    assert info.value.key == "type"


def test_bad_target_url(tree: ConfigTree) -> None:
    tree.write("targets/t.yaml", "type: ckan\nlevel: city\nurl: ckan.blitarkota.go.id\ntoken: x\n")
    with pytest.raises(ConfigError, match="http") as info:
        load_settings(tree.path, env={})
    assert info.value.key == "url"
