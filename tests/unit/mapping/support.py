"""Helpers shared by the mapping tests: the real code lists, a Kota Blitar context, and a way to
build an engine from YAML text written to a temporary directory."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path
from typing import Any

from harvester.mapping.codelists import CodeLists
from harvester.mapping.engine import MappingContext, MappingEngine, MappingResult
from harvester.mapping.spec import load_mapping
from harvester.model.record import TABLE_ROW_MEDIA_TYPE, SourceRecord

VARIABLES: dict[str, Any] = {
    "pemda": {"kode": "35.72", "kode_bps": "3572", "nama": "Kota Blitar", "level": "KABUPATEN_KOTA"},
    "walidata": {"name": "Dinas Komunikasi, Informatika dan Statistik Kota Blitar",
                 "uri": "https://data.blitarkota.go.id/organization/diskominfotik",
                 "email": "diskominfotik@blitarkota.go.id"},
    "source": {"id": "test-source", "title": "Test source", "url": "https://portal.example.go.id",
               "organisation": "Dinas Contoh Kota Blitar", "organisation_id": "dinas-contoh"},
}


def codelists() -> CodeLists:
    return CodeLists.load()


def context(remote_id: str = "rec-1", variables: dict[str, Any] | None = None) -> MappingContext:
    return MappingContext("test-source", remote_id, VARIABLES if variables is None else variables)


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def engine_from_yaml(tmp_path: Path, text: str, name: str = "m.yaml") -> MappingEngine:
    return MappingEngine(load_mapping(write(tmp_path, name, text)), codelists())


def json_record(value: Any, remote_id: str = "rec-1", media_type: str = "application/json") -> SourceRecord:
    return SourceRecord("test-source", remote_id, media_type, json.dumps(value).encode("utf-8"))


def row_record(row: dict[str, Any], remote_id: str = "row-1") -> SourceRecord:
    return SourceRecord("test-source", remote_id, TABLE_ROW_MEDIA_TYPE, json.dumps(row).encode("utf-8"))


def codes(result: MappingResult) -> list[str]:
    return [i.code for i in result.issues]
