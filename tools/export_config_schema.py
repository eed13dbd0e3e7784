#!/usr/bin/env python3
"""Regenerate the JSON Schemas of the configuration files from the pydantic models.

Usage::

    python tools/export_config_schema.py [OUT_DIR]      # default: config/schema

Writes settings.schema.json (harvester.yaml), source.schema.json and target.schema.json. Run it after
changing harvester/config_models.py or harvester/config_targets.py; tests/unit/config/test_schema.py
fails while the committed files are out of date.
"""

from __future__ import annotations

import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))  # runnable from a checkout without installing the package

from harvester.settings import export_config_schemas  # noqa: E402


def main(argv: list[str]) -> int:
    out_dir = Path(argv[0]) if argv else REPO / "config" / "schema"
    for path in export_config_schemas(out_dir):
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
