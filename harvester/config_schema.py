"""JSON Schemas of the configuration files, generated from the pydantic models.

``config_schemas()`` returns the text of ``settings.schema.json`` (harvester.yaml), ``source.schema.json``
and ``target.schema.json``; ``export_config_schemas(out_dir)`` writes them (``tools/export_config_schema.py``
and a test that keeps ``config/schema/`` up to date call it). The schemas describe files *before*
interpolation, so every scalar may also be a ``${VAR}`` placeholder. Output is deterministic.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from harvester.config_models import Settings, SourceConfig
from harvester.config_targets import TargetConfig

#: Schema file name -> model.
SCHEMA_FILES: dict[str, type[BaseModel]] = {
    "settings.schema.json": Settings,
    "source.schema.json": SourceConfig,
    "target.schema.json": TargetConfig,
}
_PLACEHOLDER_SCHEMA = {"type": "string", "pattern": r"\$\{[A-Za-z_][A-Za-z0-9_]*(:-[^}]*)?\}"}
_DOC_KEYS = ("title", "description", "default", "examples")


def _allow_placeholders(node: Any) -> Any:
    """Let every scalar property, list item and map value of a JSON Schema be a placeholder too."""
    if isinstance(node, list):
        return [_allow_placeholders(v) for v in node]
    if not isinstance(node, dict):
        return node
    out = {k: _allow_placeholders(v) for k, v in node.items()}
    for key in ("properties", "$defs"):
        if isinstance(out.get(key), dict):
            wrap = _placeholder_or if key == "properties" else (lambda x: x)
            out[key] = {name: wrap(sub) for name, sub in out[key].items()}
    for key in ("items", "additionalProperties"):
        if isinstance(out.get(key), dict):
            out[key] = _placeholder_or(out[key])
    return out


def _placeholder_or(sub: dict[str, Any]) -> dict[str, Any]:
    branches = sub.get("anyOf", [sub])
    if any("$ref" in b or b.get("type") in ("object", "array") for b in branches):
        return sub  # structures cannot come from one environment variable
    inner = {k: v for k, v in sub.items() if k not in _DOC_KEYS}
    return {**{k: sub[k] for k in _DOC_KEYS if k in sub}, "anyOf": [inner, _PLACEHOLDER_SCHEMA]}


def config_schemas() -> dict[str, str]:
    """JSON Schema text per schema file name (see ``SCHEMA_FILES``); deterministic."""
    out = {}
    for name, model in SCHEMA_FILES.items():
        schema = {"$schema": "https://json-schema.org/draft/2020-12/schema",
                  **_allow_placeholders(model.model_json_schema(by_alias=True, mode="validation"))}
        out[name] = json.dumps(schema, indent=2, ensure_ascii=False) + "\n"
    return out


def export_config_schemas(out_dir: str | os.PathLike[str]) -> list[Path]:
    """Write ``settings.schema.json``, ``source.schema.json`` and ``target.schema.json`` to ``out_dir``."""
    folder = Path(out_dir)
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, text in config_schemas().items():
        target = folder / name
        target.write_text(text, encoding="utf-8")
        written.append(target)
    return written
