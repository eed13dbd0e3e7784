"""A private, editable copy of ``config/example`` for the daemon tests and the soak benchmark."""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from typing import Optional

REPO = Path(__file__).resolve().parents[3]


def copy_example(root: Path, *, jitter: Optional[int] = None) -> Path:
    """Copy config/example to ``root`` (mappings_dir made absolute); return its harvester.yaml.

    ``jitter`` replaces the default ``jitter_seconds`` of the example (60).
    """
    shutil.copytree(REPO / "config" / "example", root)
    main = root / "harvester.yaml"
    text = re.sub(r"(?m)^mappings_dir:.*$", f"mappings_dir: {REPO / 'mappings'}", main.read_text(encoding="utf-8"))
    if jitter is not None:
        text = text.replace("jitter_seconds: 60", f"jitter_seconds: {jitter}")
    main.write_text(text, encoding="utf-8")
    return main


def set_schedules(main: Path, default: str, **per_source: str) -> None:
    """Give every source of the copy the schedule ``default`` (YAML lines under ``schedule:``), no
    jitter and no window; ``per_source`` overrides it (keys use '_' for '-')."""
    for file in (main.parent / "sources").glob("*.yaml"):
        text = re.sub(r"(?m)^schedule:\n(?:[ \t]+.*\n?)*", "", file.read_text(encoding="utf-8"))
        schedule = per_source.get(file.stem.replace("-", "_"), default)
        file.write_text(text.rstrip("\n") + f"\nschedule:\n  {schedule}\n  jitter_seconds: 0\n", encoding="utf-8")


def set_source_url(main: Path, source_id: str, url: str) -> None:
    file = main.parent / "sources" / f"{source_id}.yaml"
    file.write_text(re.sub(r"(?m)^url:.*$", f"url: {url}", file.read_text(encoding="utf-8")), encoding="utf-8")
