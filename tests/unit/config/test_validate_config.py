"""validate_config(): the summary of `harvester validate-config`."""

from __future__ import annotations

import pytest

from harvester.errors import ConfigError
from harvester.settings import describe_schedule, validate_config
from harvester.config_models import ScheduleConfig
from tests.unit.config.conftest import ConfigTree


@pytest.fixture
def ready(tree: ConfigTree, probe_type: str) -> ConfigTree:
    tree.settings("mappings_dir: maps\ndefaults:\n  schedule: {interval: 6h}\n")
    tree.write("maps/probe/default.yaml", "name: probe\n")
    tree.write("sources/dinkes.yaml", "type: probe\nurl: ../data/x.csv\norganisation: {id: dinkes}\n")
    tree.write("sources/off.yaml", "type: probe\nurl: https://x.id/\nenabled: false\nmapping: nowhere.yaml\n")
    tree.write("targets/kota.yaml", "type: ckan\nlevel: city\nurl: ${CKAN_CITY_URL:-}\n")
    return tree


def test_summary_lines(ready: ConfigTree) -> None:
    lines = validate_config(ready.path, env={})
    text = "\n".join(lines)
    assert lines[0] == f"config: {ready.path.resolve()}"
    assert "pemda: Kota Blitar (35.72, BPS 3572, KABUPATEN_KOTA)" in text
    assert "sources: 2 (1 enabled)" in text
    assert "  - dinkes [probe] enabled; every 6h (Asia/Jakarta);" in text
    assert "  - off [probe] disabled;" in text
    assert "  - kota [ckan, city, profile plain] disabled: CKAN_CITY_URL is not set" in text
    assert any(line.startswith("warning: source dinkes:") and "does not exist" in line for line in lines)


def test_missing_mapping_of_enabled_source_is_an_error(ready: ConfigTree) -> None:
    path = ready.write("sources/dinkes.yaml", "type: probe\nurl: ../data/x.csv\nmapping: ../maps/custom.yaml\n")
    with pytest.raises(ConfigError, match="custom.yaml does not exist") as info:
        validate_config(ready.path, env={})
    assert (info.value.file, info.value.key, info.value.line) == (str(path), "mapping", 3)


def test_describe_schedule() -> None:
    assert describe_schedule(ScheduleConfig(interval=5400, timezone="Asia/Jakarta")) == "every 1h30m (Asia/Jakarta)"
    assert describe_schedule(ScheduleConfig.model_validate(
        {"cron": "0 2 * * *", "timezone": "Asia/Makassar", "window": {"start": "22:00", "end": "04:00"}})
    ) == "cron '0 2 * * *' (Asia/Makassar 22:00-04:00)"
    assert describe_schedule(ScheduleConfig()) == "manual only"


def test_literal_secret_is_warned_and_never_printed(ready: ConfigTree) -> None:
    ready.write("targets/kota.yaml", "type: ckan\nlevel: city\nurl: https://ckan.example\ntoken: literal-token-123\n")
    ready.write("sources/dinkes.yaml", "type: probe\nurl: https://api.example/x?kodepemda=3572&api_key=KEY-998877\n")
    lines = validate_config(ready.path, env={})
    text = "\n".join(lines)
    assert "literal-token-123" not in text and "KEY-998877" not in text
    warning = [line for line in lines if "secret written literally" in line]
    assert len(warning) == 1 and "kota.yaml:4 [token]" in warning[0]
    assert "api_key=***" in text
