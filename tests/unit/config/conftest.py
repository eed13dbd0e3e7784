"""A throw-away configuration tree (harvester.yaml + sources/ + targets/) per test, and a test source type."""

from __future__ import annotations

import logging
import textwrap
from pathlib import Path
from typing import ClassVar, Iterator, Optional

import pytest
from pydantic import Field

from harvester import registry
from harvester.sources.base import GatherContext, Source, SourceOptions

MINIMAL_SETTINGS = """\
base_uri: https://data.example.go.id/
catalog:
  title: Katalog Uji
pemda:
  level: KABUPATEN_KOTA
  kode: "35.72"
  nama: Kota Blitar
  walidata:
    name: Dinas Komunikasi, Informatika dan Statistik Kota Blitar
  organisations:
    - id: dinkes
      name: Dinas Kesehatan Kota Blitar
      aliases: [Dinkes]
    - id: dindik
      name: Dinas Pendidikan Kota Blitar
"""


class ConfigTree:
    """Writes config files under ``root``; ``path`` is harvester.yaml."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.path = root / "harvester.yaml"
        (root / "sources").mkdir(parents=True)
        (root / "targets").mkdir()
        self.write("harvester.yaml", MINIMAL_SETTINGS)

    def write(self, rel: str, text: str) -> Path:
        target = self.root / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(textwrap.dedent(text), encoding="utf-8")
        return target

    def settings(self, extra: str) -> Path:
        """harvester.yaml = the minimal settings followed by ``extra`` (dedented)."""
        return self.write("harvester.yaml", MINIMAL_SETTINGS + textwrap.dedent(extra))


@pytest.fixture
def tree(tmp_path: Path) -> ConfigTree:
    return ConfigTree(tmp_path / "cfg")


class ProbeOptions(SourceOptions):
    url: str
    page_size: int = Field(50, ge=1)
    query: Optional[str] = None


class ProbeSource(Source):
    """A source type known only to these tests (registered under 'probe')."""

    name: ClassVar[str] = "probe"
    options_model: ClassVar[type[SourceOptions]] = ProbeOptions

    def gather(self, ctx: GatherContext) -> Iterator:  # pragma: no cover - never run
        return iter(())


@pytest.fixture
def probe_type(monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setitem(registry.sources._loaded, "probe", ProbeSource)  # noqa: SLF001 - test-only plugin
    return "probe"


@pytest.fixture
def restore_logging() -> Iterator[None]:
    """Undo setup_logging(): root handlers and level as they were (pytest's own handlers included)."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    try:
        yield
    finally:
        for handler in list(root.handlers):
            if handler not in handlers:
                root.removeHandler(handler)
                handler.close()
        for handler in handlers:
            if handler not in root.handlers:
                root.addHandler(handler)
        root.setLevel(level)
