"""YAML loading that remembers where every key came from (file and line), for admin-facing errors.

Mapping files are edited by hand, so an error must say *where*: ``mappings/x.yaml:12: unknown
canonical field 'tittle'``. PyYAML's composer keeps a start mark on every node; we build plain
Python data from the node tree and, alongside it, a ``Locations`` table from key path to
``(file, line)``. Key paths are tuples of mapping keys and list indexes, e.g.
``("fields", "title", "paths", 0)``.

Failure behaviour: a YAML syntax error, a duplicate key, or an anchor/alias (not allowed, because
merges through aliases hide what a field really does) raises ``ConfigError`` with file and line.
Only the YAML 1.1 safe scalar types are produced (strings, numbers, booleans, null).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from harvester.errors import ConfigError

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


def _build(node: yaml.Node, path: KeyPath, file: str, locs: dict[KeyPath, tuple[str, int]]) -> Any:
    locs.setdefault(path, (file, node.start_mark.line + 1))
    if isinstance(node, yaml.MappingNode):
        out: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                raise ConfigError("YAML merge keys ('<<') are not supported; use 'extends:'",
                                  file=file, line=key_node.start_mark.line + 1)
            key = _build(key_node, path + ("<key>",), file, {})
            if not isinstance(key, (str, int, float, bool)) or key is None:
                raise ConfigError("mapping keys must be plain text", file=file, line=key_node.start_mark.line + 1)
            if key in out:
                raise ConfigError(f"duplicate key {key!r}", file=file, key=str(key),
                                  line=key_node.start_mark.line + 1)
            locs[path + (key,)] = (file, key_node.start_mark.line + 1)
            out[key] = _build(value_node, path + (key,), file, locs)
        return out
    if isinstance(node, yaml.SequenceNode):
        return [_build(item, path + (i,), file, locs) for i, item in enumerate(node.value)]
    # Scalar: let the safe constructor resolve the tag (int, float, bool, null, str, timestamp).
    tag = node.tag
    if tag == "tag:yaml.org,2002:str":
        return node.value
    constructor = yaml.SafeLoader.yaml_constructors.get(tag)
    if constructor is None:
        raise ConfigError(f"unsupported YAML tag {tag}", file=file, line=node.start_mark.line + 1)
    result = constructor(_SCALAR_LOADER, node)
    # Dates written unquoted (2024-01-01) stay text: the mapping language deals in strings.
    if tag == "tag:yaml.org,2002:timestamp":
        return str(node.value)
    return result


class _NoAnchorComposer(yaml.SafeLoader):
    """SafeLoader that refuses aliases (anchors are harmless, aliases duplicate content silently)."""

    def compose_node(self, parent, index):  # type: ignore[no-untyped-def]
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            raise ConfigError("YAML aliases ('*name') are not supported in mapping files",
                              file=getattr(self, "_file", None), line=event.start_mark.line + 1)
        return super().compose_node(parent, index)


_SCALAR_LOADER = yaml.SafeLoader("")


def load_yaml_text(text: str, file: str) -> tuple[Any, Locations]:
    """Parse ``text`` (named ``file`` in errors) into data plus a ``Locations`` table."""
    loader = _NoAnchorComposer(text)
    loader._file = file  # type: ignore[attr-defined]
    try:
        node = loader.get_single_node()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        raise ConfigError(f"YAML syntax error: {exc.problem or exc}", file=file, line=line) from None
    except yaml.YAMLError as exc:
        raise ConfigError(f"YAML error: {exc}", file=file) from None
    finally:
        loader.dispose()
    if node is None:
        return {}, Locations({(): (file, 1)})
    table: dict[KeyPath, tuple[str, int]] = {}
    data = _build(node, (), file, table)
    return data, Locations(table)


def load_yaml_file(path: Path, display: str | None = None) -> tuple[Any, Locations]:
    """Read and parse a YAML file; ``display`` is the name used in errors (defaults to the path)."""
    name = display or str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError("file not found", file=name) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read file: {exc}", file=name) from None
    return load_yaml_text(text, name)
