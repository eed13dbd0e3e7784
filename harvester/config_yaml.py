"""YAML loading for configuration and mapping files, keeping the line of every key.

``load_yaml(path)`` returns a ``YamlDoc``: the plain data (dicts, lists, scalars) and ``lines``, a map
from key path (a tuple of mapping keys and list indexes, e.g. ``("pemda", "organisations", 2, "id")``)
to the 1-based line where that key or list item starts. ``line_of(path)`` falls back to the nearest
enclosing path, so an error about a *missing* key still points at its parent mapping.

The scalar rules are deliberately closer to YAML 1.2 than PyYAML's YAML 1.1 defaults, because the
1.1 rules silently corrupt typical config values:

* only ``true``/``false`` (any case) are booleans — ``yes``, ``no``, ``on``, ``off`` stay strings;
* no sexagesimal numbers — ``01:00`` (a time of day) stays the string ``"01:00"``, not ``60``;
* no timestamps — ``2024-09-23`` stays a string;
* numbers are decimal, ``0x``/``0o`` integers, or ordinary floats (``35.72`` is still a float: region
  codes must be quoted, and the models say so when they are not).

Failure behaviour: every problem raises ``ConfigError`` naming the file and, where known, the line —
unreadable file, YAML syntax error, duplicate key (both lines), non-string key, or a top level that is
not a mapping. Anchors, aliases and ``<<`` merge keys work as usual, unless the caller passes
``aliases=False`` (mapping files: there an alias or merge would hide what a field really does, and
``extends:`` is the way to reuse a mapping), which makes them a ``ConfigError`` too.

The mapping loader (``harvester.mapping.locations``) builds on this module; it is the one YAML
loader of the project.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Union

import yaml

from harvester.errors import ConfigError

KeyPath = tuple[Union[str, int], ...]


class _ConfigLoader(yaml.SafeLoader):
    """SafeLoader with YAML-1.2-like implicit scalar resolution (see module docstring)."""

    yaml_implicit_resolvers: dict[str, list[tuple[str, re.Pattern[str]]]] = {}


_ConfigLoader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)
_ConfigLoader.add_implicit_resolver(
    "tag:yaml.org,2002:int",
    re.compile(r"^(?:[-+]?(?:0|[1-9][0-9_]*)|0x[0-9a-fA-F_]+|0o[0-7_]+)$"),
    list("-+0123456789"),
)
_ConfigLoader.add_implicit_resolver(
    "tag:yaml.org,2002:float",
    re.compile(r"^(?:[-+]?(?:[0-9][0-9_]*)?\.[0-9_]+(?:[eE][-+]?[0-9]+)?|[-+]?[0-9][0-9_]*[eE][-+]?[0-9]+"
               r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$"),
    list("-+0123456789."),
)
_ConfigLoader.add_implicit_resolver(
    "tag:yaml.org,2002:null", re.compile(r"^(?:~|null|Null|NULL|)$"), ["~", "n", "N", ""]
)
_ConfigLoader.add_implicit_resolver("tag:yaml.org,2002:merge", re.compile(r"^(?:<<)$"), ["<"])


def _construct_int(loader: _ConfigLoader, node: yaml.ScalarNode) -> int:
    # SafeConstructor reads "0o17" as base-8 only in YAML 1.1 form ("017"); handle 1.2 forms here.
    text = str(loader.construct_scalar(node)).replace("_", "")
    sign = -1 if text.startswith("-") else 1
    text = text.lstrip("+-")
    if text.startswith("0x"):
        return sign * int(text[2:], 16)
    if text.startswith("0o"):
        return sign * int(text[2:], 8)
    return sign * int(text, 10)


_ConfigLoader.add_constructor("tag:yaml.org,2002:int", _construct_int)


class _NoAliasLoader(_ConfigLoader):
    """``_ConfigLoader`` that refuses aliases (anchors alone are harmless; an alias copies content
    silently)."""

    def __init__(self, text: str, file: str) -> None:
        super().__init__(text)
        self.yaml_path = file

    def compose_node(self, parent, index):  # type: ignore[no-untyped-def]
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            raise ConfigError("YAML aliases ('*name') are not supported in this file",
                              file=self.yaml_path, line=event.start_mark.line + 1)
        return super().compose_node(parent, index)


@dataclass
class YamlDoc:
    """Parsed data of one YAML file plus the line of every key path."""

    path: Path
    data: Any
    lines: dict[KeyPath, int] = field(default_factory=dict)

    def line_of(self, key_path: KeyPath) -> int | None:
        """Line of ``key_path`` or of its nearest recorded ancestor (None only for an empty file)."""
        parts = tuple(key_path)
        while True:
            if parts in self.lines:
                return self.lines[parts]
            if not parts:
                return None
            parts = parts[:-1]


def format_key_path(key_path: KeyPath) -> str:
    """``("pemda", "organisations", 2, "id")`` -> ``"pemda.organisations[2].id"``."""
    out = ""
    for part in key_path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


def load_yaml(path: Path, *, require_mapping: bool = True, aliases: bool = True,
              display: str | None = None) -> YamlDoc:
    """Read and parse ``path``. An empty file gives ``{}`` (or None when a mapping is not required).
    ``display`` names the file in messages (and in ``YamlDoc.path``) instead of ``path``.

    Raises ConfigError (file, line) for unreadable files, syntax errors, duplicate keys, non-string
    keys, — with ``require_mapping`` — a top level that is not a mapping and — without ``aliases`` —
    YAML aliases and merge keys.
    """
    name = Path(display) if display else path
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read file: {exc}", file=str(name)) from exc
    return parse_yaml(text, name, require_mapping=require_mapping, aliases=aliases)


def parse_yaml(text: str, path: Path, *, require_mapping: bool = True, aliases: bool = True) -> YamlDoc:
    """Parse YAML ``text`` that came from ``path`` (used in messages). See ``load_yaml``."""
    loader = _ConfigLoader(text) if aliases else _NoAliasLoader(text, str(path))
    try:
        node = loader.get_single_node()
        doc = YamlDoc(path=path, data=None)
        if node is not None:
            doc.lines[()] = node.start_mark.line + 1
            doc.data = _build(loader, node, (), doc)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        reason = " ".join(p for p in (exc.context, exc.problem) if p) or str(exc)
        raise ConfigError(f"YAML syntax error: {reason}", file=str(path), line=line) from exc
    except yaml.YAMLError as exc:
        raise ConfigError(f"YAML error: {exc}", file=str(path)) from exc
    finally:
        loader.dispose()
    if doc.data is None and require_mapping:
        doc.data = {}
    if require_mapping and not isinstance(doc.data, dict):
        raise ConfigError(
            f"the file must hold a mapping of keys, not a {type(doc.data).__name__}",
            file=str(path), line=doc.lines.get(()),
        )
    return doc


def _build(loader: _ConfigLoader, node: yaml.Node, key_path: KeyPath, doc: YamlDoc) -> Any:
    """Construct plain data from ``node``, recording the line of every key and list item."""
    if isinstance(node, yaml.MappingNode):
        # Duplicates are checked among the keys written in this mapping; keys brought in by a '<<'
        # merge may be overridden, as YAML specifies.
        written: dict[str, int] = {}
        for key_node, _ in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                if isinstance(loader, _NoAliasLoader):
                    raise ConfigError("YAML merge keys ('<<') are not supported in this file",
                                      file=str(doc.path), line=key_node.start_mark.line + 1)
                continue
            key = _key(loader, key_node, key_path, doc)
            line = key_node.start_mark.line + 1
            if key in written:
                raise ConfigError(
                    f"duplicate key {key!r} (first defined on line {written[key]})",
                    file=str(doc.path), key=format_key_path(key_path + (key,)), line=line,
                )
            written[key] = line
        loader.flatten_mapping(node)  # resolves '<<' merge keys in place: merged pairs come first
        pairs: dict[str, tuple[yaml.Node, yaml.Node]] = {}
        for key_node, value_node in node.value:
            pairs[_key(loader, key_node, key_path, doc)] = (key_node, value_node)
        out: dict[str, Any] = {}
        for key, (key_node, value_node) in pairs.items():
            child = key_path + (key,)
            doc.lines[child] = key_node.start_mark.line + 1
            out[key] = _build(loader, value_node, child, doc)
        return out
    if isinstance(node, yaml.SequenceNode):
        items = []
        for index, item_node in enumerate(node.value):
            child = key_path + (index,)
            doc.lines[child] = item_node.start_mark.line + 1
            items.append(_build(loader, item_node, child, doc))
        return items
    return loader.construct_object(node, deep=True)


def _key(loader: _ConfigLoader, key_node: yaml.Node, key_path: KeyPath, doc: YamlDoc) -> str:
    key = loader.construct_object(key_node, deep=True)
    if not isinstance(key, str):
        raise ConfigError(
            f"key {key!r} is read as a {type(key).__name__}; write keys as text (quote it)",
            file=str(doc.path), key=format_key_path(key_path) or None, line=key_node.start_mark.line + 1,
        )
    return key
