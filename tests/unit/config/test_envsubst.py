"""${VAR} interpolation (harvester.envsubst)."""

from __future__ import annotations

from pathlib import Path

import pytest

from harvester.config_yaml import parse_yaml
from harvester.envsubst import interpolate
from harvester.errors import ConfigError


def run(text: str, env: dict[str, str]):  # type: ignore[no-untyped-def]
    return interpolate(parse_yaml(text, Path("t.yaml")), env)


def test_variable_default_and_escape() -> None:
    data, refs = run(
        "a: ${A}\nb: x-${B:-dflt}-y\nc: ${C:-}\nd: $${NOT_A_VAR}\ne: ${E:-fallback}\nn: 5\n",
        {"A": "alpha", "E": ""},
    )
    assert data == {"a": "alpha", "b": "x-dflt-y", "c": "", "d": "${NOT_A_VAR}", "e": "fallback", "n": 5}
    assert refs[("a",)] == ["A"] and refs[("b",)] == ["B"] and refs[("e",)] == ["E"]


def test_set_value_wins_over_default() -> None:
    data, _ = run("url: ${CKAN_URL:-http://default}\n", {"CKAN_URL": "https://ckan.example"})
    assert data["url"] == "https://ckan.example"


def test_default_may_contain_colons_and_slashes() -> None:
    data, _ = run("db: ${DB:-sqlite:///../var/x.db}\n", {})
    assert data["db"] == "sqlite:///../var/x.db"


def test_missing_variable_names_file_key_and_line() -> None:
    with pytest.raises(ConfigError) as info:
        run("targets:\n  city:\n    token: ${CKAN_CITY_TOKEN}\n", {})
    err = info.value
    assert (err.file, err.key, err.line) == ("t.yaml", "targets.city.token", 3)
    assert "CKAN_CITY_TOKEN" in err.reason


def test_missing_variable_in_list_item() -> None:
    with pytest.raises(ConfigError) as info:
        run("notify:\n  - a@b.id\n  - ${MAIL}\n", {})
    assert info.value.key == "notify[1]" and info.value.line == 3


def test_malformed_placeholder_is_an_error() -> None:
    with pytest.raises(ConfigError, match="malformed"):
        run("a: ${1BAD}\n", {})
    with pytest.raises(ConfigError, match="malformed"):
        run("a: ${OPEN\n", {})


def test_keys_are_not_interpolated() -> None:
    data, _ = run("'${K}': v\n", {"K": "x"})
    assert data == {"${K}": "v"}


def test_value_is_not_reinterpolated() -> None:
    data, _ = run("a: ${A}\n", {"A": "${B}"})
    assert data["a"] == "${B}"
