"""The committed config/schema/*.schema.json files are generated from the models and up to date."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

from harvester.config_yaml import load_yaml
from harvester.settings import SCHEMA_FILES, config_schemas, export_config_schemas

REPO = Path(__file__).resolve().parents[3]
SCHEMA_DIR = REPO / "config" / "schema"


def test_committed_schemas_are_up_to_date() -> None:
    for name, text in config_schemas().items():
        committed = SCHEMA_DIR / name
        assert committed.is_file(), f"{committed} missing: run python tools/export_config_schema.py"
        assert committed.read_text(encoding="utf-8") == text, (
            f"{committed} is out of date: run python tools/export_config_schema.py")


def test_export_writes_three_valid_schemas(tmp_path: Path) -> None:
    written = export_config_schemas(tmp_path / "out")
    assert sorted(p.name for p in written) == sorted(SCHEMA_FILES) == [
        "settings.schema.json", "source.schema.json", "target.schema.json"]
    for path in written:
        jsonschema.Draft202012Validator.check_schema(json.loads(path.read_text(encoding="utf-8")))


def _schema(name: str) -> dict:  # type: ignore[type-arg]
    return json.loads((SCHEMA_DIR / name).read_text(encoding="utf-8"))


@pytest.mark.parametrize("kind,files", [
    ("settings.schema.json", ["config/harvester.yaml", "config/example/harvester.yaml"]),
    ("source.schema.json", sorted(str(p.relative_to(REPO)) for p in (REPO / "config/example/sources").glob("*.yaml"))),
    ("target.schema.json", sorted(str(p.relative_to(REPO)) for p in (REPO / "config/example/targets").glob("*.yaml"))),
])
def test_shipped_files_validate_against_the_schemas(kind: str, files: list[str]) -> None:
    """Editors validate raw files (placeholders included) with these schemas: shipped files must pass."""
    assert files
    validator = jsonschema.Draft202012Validator(_schema(kind))
    for rel in files:
        errors = [e.message for e in validator.iter_errors(load_yaml(REPO / rel).data)]
        assert errors == [], f"{rel}: {errors}"


def test_schema_rejects_unknown_keys_and_accepts_placeholders() -> None:
    validator = jsonschema.Draft202012Validator(_schema("target.schema.json"))
    assert list(validator.iter_errors({"level": "city", "url": "${CKAN_CITY_URL:-}", "concurrency": "${N:-2}"})) == []
    assert list(validator.iter_errors({"level": "city", "filters": {"acess": ["TERBUKA"]}}))
    assert list(validator.iter_errors({"level": "county"}))
