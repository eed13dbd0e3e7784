"""Where every key of a (merged) mapping came from: file and line, for admin-facing errors.

Mapping files are edited by hand, so an error must say *where*: ``mappings/x.yaml:12: unknown
canonical field 'tittle'``. ``load_mapping_yaml`` reads a file with the project's one YAML loader
(``harvester.config_yaml``: YAML-1.2-like scalars, duplicate keys refused; aliases and ``<<`` merge
keys refused for mapping files) and returns the data plus a ``Locations`` table from key path to
``(file, line)``. Key paths are tuples of mapping keys and list indexes, e.g.
``("fields", "title", "paths", 0)``. ``extends:`` merging (``harvester.mapping.spec``) grafts the
tables of several files into one, so each key keeps the file it was written in.

Failure behaviour: an unreadable file, a YAML syntax error, a duplicate key, a non-text key or an
alias/merge key raises ``ConfigError`` with file and line.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from harvester.config_yaml import YamlDoc, load_yaml, parse_yaml

KeyPath = tuple[Any, ...]


class Locations:
    """Key path -> (file, line). Lookups fall back to the nearest ancestor that has a location."""

    def __init__(self, table: dict[KeyPath, tuple[str, int]] | None = None) -> None:
        self.table: dict[KeyPath, tuple[str, int]] = dict(table or {})

    def get(self, path: KeyPath) -> tuple[str | None, int | None]:
        """Location of ``path`` or of its closest recorded ancestor; (None, None) if none."""
        probe = tuple(path)
        while True:
            hit = self.table.get(probe)
            if hit is not None:
                return hit
            if not probe:
                return None, None
            probe = probe[:-1]

    def subtree(self, prefix: KeyPath) -> dict[KeyPath, tuple[str, int]]:
        """Entries at or below ``prefix``, with paths relative to it."""
        n = len(prefix)
        return {p[n:]: loc for p, loc in self.table.items() if p[:n] == prefix}

    def replace_subtree(self, prefix: KeyPath, entries: dict[KeyPath, tuple[str, int]]) -> None:
        """Drop everything at or below ``prefix`` and graft ``entries`` (relative paths) there."""
        n = len(prefix)
        for p in [p for p in self.table if p[:n] == prefix]:
            del self.table[p]
        for rel, loc in entries.items():
            self.table[prefix + rel] = loc

    def copy(self) -> "Locations":
        return Locations(self.table)


def _located(doc: YamlDoc, file: str) -> tuple[Any, Locations]:
    table = {path: (file, line) for path, line in doc.lines.items()}
    table.setdefault((), (file, 1))
    return ({} if doc.data is None else doc.data), Locations(table)


def parse_mapping_yaml(text: str, file: str) -> tuple[Any, Locations]:
    """Parse mapping-file ``text`` (named ``file`` in errors) into data plus a ``Locations`` table."""
    return _located(parse_yaml(text, Path(file), require_mapping=False, aliases=False), file)


def load_mapping_yaml(path: Path, display: str | None = None) -> tuple[Any, Locations]:
    """Read and parse a mapping file; ``display`` is the name used in errors (defaults to the path)."""
    name = display or str(path)
    return _located(load_yaml(Path(path), require_mapping=False, aliases=False, display=name), name)
