"""YAML loading with key lines and YAML-1.2-like scalars (harvester.config_yaml)."""

from __future__ import annotations

from pathlib import Path

import pytest

from harvester.config_yaml import format_key_path, load_yaml, parse_yaml
from harvester.errors import ConfigError

TEXT = """\
# comment
feed:
  host: 127.0.0.1
  port: 8080
pemda:
  organisations:
    - id: dinkes
      name: Dinas Kesehatan
    - id: dindik
"""


def test_lines_of_keys_and_list_items() -> None:
    doc = parse_yaml(TEXT, Path("x.yaml"))
    assert doc.lines[("feed",)] == 2
    assert doc.lines[("feed", "port")] == 4
    assert doc.lines[("pemda", "organisations", 0)] == 7
    assert doc.lines[("pemda", "organisations", 0, "name")] == 8
    assert doc.lines[("pemda", "organisations", 1, "id")] == 9


def test_line_of_missing_key_falls_back_to_parent() -> None:
    doc = parse_yaml(TEXT, Path("x.yaml"))
    assert doc.line_of(("pemda", "organisations", 1, "name")) == 9
    assert doc.line_of(("feed", "nope", "deeper")) == 2


def test_format_key_path() -> None:
    assert format_key_path(("pemda", "organisations", 2, "id")) == "pemda.organisations[2].id"
    assert format_key_path(()) == ""


def test_scalars_follow_yaml_12_rules() -> None:
    doc = parse_yaml(
        "a: yes\nb: no\nc: on\nd: 01:00\ne: 2024-09-23\nf: 35.72\ng: true\nh: 0x10\ni: 0o17\nj: 017\nk: ~\nl: FALSE\n",
        Path("x.yaml"),
    )
    assert doc.data == {"a": "yes", "b": "no", "c": "on", "d": "01:00", "e": "2024-09-23", "f": 35.72,
                        "g": True, "h": 16, "i": 15, "j": "017", "k": None, "l": False}


def test_duplicate_key_names_both_lines() -> None:
    with pytest.raises(ConfigError) as info:
        parse_yaml("feed:\n  port: 1\n  host: x\n  port: 2\n", Path("dup.yaml"))
    err = info.value
    assert (err.file, err.key, err.line) == ("dup.yaml", "feed.port", 4)
    assert "line 2" in err.reason


def test_merge_key_values_may_be_overridden() -> None:
    doc = parse_yaml("base: &b {x: 1, y: 2}\nuse:\n  <<: *b\n  y: 3\n", Path("m.yaml"))
    assert doc.data["use"] == {"x": 1, "y": 3}
    assert doc.lines[("use", "y")] == 4


def test_non_string_key_is_rejected() -> None:
    with pytest.raises(ConfigError) as info:
        parse_yaml("map:\n  1.01: dinkes\n", Path("k.yaml"))
    assert info.value.line == 2 and "quote" in info.value.reason


def test_syntax_error_has_line() -> None:
    with pytest.raises(ConfigError) as info:
        parse_yaml("a: 1\nb: [1, 2\nc: 3\n", Path("s.yaml"))
    assert info.value.file == "s.yaml" and info.value.line is not None and info.value.line >= 2
    assert "YAML syntax error" in info.value.reason


def test_top_level_must_be_a_mapping() -> None:
    with pytest.raises(ConfigError, match="mapping"):
        parse_yaml("- a\n- b\n", Path("l.yaml"))


def test_empty_file_is_an_empty_mapping(tmp_path: Path) -> None:
    path = tmp_path / "e.yaml"
    path.write_text("# nothing\n", encoding="utf-8")
    assert load_yaml(path).data == {}


def test_unreadable_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as info:
        load_yaml(tmp_path / "missing.yaml")
    assert info.value.file.endswith("missing.yaml")
