"""Mapping files: the pydantic models, loading with ``extends:``, validation with file:line errors,
and the JSON Schema export used by editors.

A mapping file (see ``mappings/README.md`` for the admin's guide)::

    version: 1
    extends: ckan/default            # optional: <type>/<name> in mappings/, or a path relative to this file
    reader: {name: json}             # json | xml (namespaces, root) | rdf (prefixes, languages, focus_types) | table
    let: {west: {paths: [...]}}      # helper values usable in templates
    fields:
      title: {paths: [title, name], transforms: [strip], required: error}
      creator: {fields: {name: {paths: [organization.title]}}}
      distributions: {each: "resources[*]", fields: {access_url: {paths: [url]}}}
    extras: {bureau_code: {paths: ["bureauCode[*]"]}}   # kept as CKAN extras
    remove: [version]                # only with extends: drop fields of the base mapping

Loading resolves ``extends`` (per-field merge: an override replaces a field's whole rule; a dotted
key ``creator.name`` replaces one sub-field of the base's block), then validates everything and
reports *all* problems, each as a ``ConfigError`` with file, line and key path. ``load_mapping``
raises the first; ``validate_mapping_files`` returns them all.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import fields as dc_fields
from pathlib import Path
from typing import Any, Iterable, Literal, Union, get_args, get_origin, get_type_hints

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr

import harvester
from harvester import registry
from harvester.errors import ConfigError
from harvester.mapping.locations import Locations, load_mapping_yaml
from harvester.model.dataset import NESTED_TYPES, Dataset

# --- canonical field kinds -------------------------------------------------------------------------

Kind = Literal["text", "texts", "int", "float", "bool", "one", "many"]


def _kind(hint: Any) -> Kind:
    origin = get_origin(hint)
    if origin is Union:
        inner = [a for a in get_args(hint) if a is not type(None)]
        return _kind(inner[0])
    if origin is tuple:
        return "many" if get_args(hint)[0] in NESTED_TYPES.values() else "texts"
    if hint in NESTED_TYPES.values():
        return "one"
    return {str: "text", int: "int", float: "float", bool: "bool"}[hint]


def field_kinds(cls: type) -> dict[str, Kind]:
    """Canonical field name -> kind, in declaration order (``extras`` is bookkeeping, not mappable)."""
    hints = get_type_hints(cls)
    return {f.name: _kind(hints[f.name]) for f in dc_fields(cls) if f.name != "extras"}


DATASET_KINDS: dict[str, Kind] = field_kinds(Dataset)
NESTED_KINDS: dict[str, dict[str, Kind]] = {name: field_kinds(cls) for name, cls in NESTED_TYPES.items()}

#: Context variables a rule may read with ``var:`` (the runner fills them from config).
#: Prefix of the free-form ``variables:`` of a source file (``vars.sumber`` for ``variables: {sumber: ...}``).
SOURCE_VARS = "vars."

VARIABLES: dict[str, str] = {
    "pemda.kode": "Kemendagri code of the pemda, e.g. 35.72",
    "pemda.kode_bps": "BPS code of the pemda, e.g. 3572",
    "pemda.nama": "name of the pemda, e.g. Kota Blitar",
    "pemda.level": "NASIONAL / PROVINSI / KABUPATEN_KOTA",
    "walidata.name": "name of the walidata (publisher)",
    "walidata.uri": "URI of the walidata",
    "walidata.email": "contact e-mail of the walidata",
    "source.id": "id of the harvest source",
    "source.title": "title of the harvest source",
    "source.url": "base URL of the harvest source",
    "source.organisation": "name of the organisation (OPD) that owns the source",
    "source.organisation_id": "code/slug of that organisation",
    "record.remote_id": "the record's id in the source listing (set by the engine)",
}

Severity = Literal["error", "warning"]


# --- models ----------------------------------------------------------------------------------------

class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ValueRule(_Strict):
    """How one value field is filled. Sources in order: ``const``; else ``paths`` (first path that
    yields a value after transforms wins); else ``template``; else ``var``; else ``default``.
    Transforms and the code list apply to values from paths, template and var; ``const`` and
    ``default`` are used as written."""

    paths: list[str] = Field(default_factory=list, description="Ordered fallback paths (alias: path).")
    collect: Literal["first", "all"] = Field("first", description="'all': gather values from every path.")
    template: str | None = Field(None, description="Text with {field}, {let-name} or {pemda.kode} placeholders.")
    var: str | None = Field(None, description="Context variable, e.g. pemda.kode.")
    const: Any = Field(None, description="Fixed value (used as written).")
    default: Any = Field(None, description="Value when nothing else gave one (used as written).")
    transforms: list[Union[str, dict[str, Any]]] = Field(default_factory=list)
    codelist: str | None = Field(None, description="Code list the value must match (code, label or alias).")
    unknown: Literal["keep", "warn", "drop", "ignore", "error"] = Field(
        "warn", description="Value not in the code list: keep silently, keep + warning, drop + warning, "
                            "drop silently (ignore), error.")
    output: Literal["code", "label", "uri"] = Field("code", description="What a code-list match gives.")
    required: Severity | None = Field(None, description="Issue severity when no value is found.")
    description: str | None = None


class BlockRule(_Strict):
    """How a structured field (publisher, creator, contact_points, temporal, spatial, distributions,
    variabel) is filled: one object per block found by ``each`` (or the current document)."""

    each: list[str] = Field(default_factory=list, description="Paths to the repeated blocks (first that matches).")
    let: dict[str, ValueRule] = Field(default_factory=dict)
    fields: dict[str, ValueRule] = Field(default_factory=dict)
    const: Union[dict[str, Any], list[dict[str, Any]], None] = None
    required: Severity | None = None
    description: str | None = None


class ReaderSpec(_Strict):
    """Which reader parses the records, and its options."""

    name: str = Field(description="json | xml | rdf | table")
    namespaces: dict[str, str] = Field(default_factory=dict, description="xml: prefix -> namespace URI.")
    prefixes: dict[str, str] = Field(default_factory=dict, description="rdf: prefix -> IRI base.")
    root: list[str] = Field(default_factory=list, description="json/xml: paths to the record inside an envelope.")
    languages: list[str] = Field(default_factory=list, description="rdf: preferred literal languages ('' = none).")
    focus_types: list[str] = Field(default_factory=list, description="rdf: dataset classes, when no focus is given.")

    def options(self) -> dict[str, Any]:
        return self.model_dump(exclude={"name"})


FieldRule = Union[ValueRule, BlockRule, list[BlockRule]]


class MappingSpec(_Strict):
    """A resolved mapping (``extends`` applied). ``files`` lists the chain, most specific first."""

    version: Literal[1] = 1
    id: str | None = None
    description: str | None = None
    reader: ReaderSpec
    let: dict[str, ValueRule] = Field(default_factory=dict)
    fields: dict[str, FieldRule] = Field(default_factory=dict)
    extras: dict[str, ValueRule] = Field(default_factory=dict, description="CKAN extras: key -> rule.")
    _files: tuple[str, ...] = PrivateAttr(default=())

    @property
    def files(self) -> tuple[str, ...]:
        return self._files

    def content_hash(self) -> str:
        """SHA-256 of the resolved content: equal mappings give equal hashes whatever the file layout."""
        text = json.dumps(self.model_dump(mode="json"), sort_keys=True, ensure_ascii=False, separators=(",", ":"))
        return hashlib.sha256(text.encode("utf-8")).hexdigest()


TOP_KEYS = ("version", "id", "description", "extends", "reader", "let", "fields", "extras", "remove")
MAPPINGS_DIR = Path(harvester.__file__).resolve().parent.parent / "mappings"

# --- loading and extends ---------------------------------------------------------------------------


def _mappings_dir(mappings_dir: Path | None) -> Path:
    return Path(mappings_dir) if mappings_dir is not None else MAPPINGS_DIR


def _display(path: Path, mappings_dir: Path) -> str:
    try:
        return "mappings/" + path.resolve().relative_to(mappings_dir.resolve()).as_posix()
    except ValueError:
        return str(path)


def default_mapping_path(source_type: str, mappings_dir: Path | None = None) -> Path:
    """``mappings/<type>/default.yaml``. Raises ConfigError listing the known types if absent."""
    base = _mappings_dir(mappings_dir)
    path = base / source_type / "default.yaml"
    if not path.is_file():
        known = sorted(p.parent.name for p in base.glob("*/default.yaml"))
        raise ConfigError(f"no default mapping for source type {source_type!r}; known: {', '.join(known)}",
                          file=str(path))
    return path


def _extends_path(value: Any, current: Path, mappings_dir: Path, locs: Locations) -> Path:
    file, line = locs.get(("extends",))
    if not isinstance(value, str) or not value.strip():
        raise ConfigError("extends must be '<type>/<name>' or a relative file path", file=file, line=line,
                          key="extends")
    text = value.strip()
    if text.endswith((".yaml", ".yml")) or text.startswith((".", "/")):
        path = (current.parent / text).resolve()
    else:
        path = mappings_dir / f"{text}.yaml"
    if not path.is_file():
        raise ConfigError(f"extends: mapping {text!r} not found ({path})", file=file, line=line, key="extends")
    return path


def _resolve(path: Path, mappings_dir: Path, chain: tuple[Path, ...]) -> tuple[dict, Locations, list[str]]:
    """Load ``path`` and everything it extends; returns merged raw data, locations and the file chain."""
    resolved = path.resolve()
    if resolved in chain:
        names = " -> ".join(_display(p, mappings_dir) for p in chain + (resolved,))
        raise ConfigError(f"extends loop: {names}", file=_display(path, mappings_dir), key="extends")
    display = _display(path, mappings_dir)
    raw, locs = load_mapping_yaml(path, display)
    if not isinstance(raw, dict):
        raise ConfigError("a mapping file must be a YAML mapping (key: value)", file=display, line=1)
    if raw.get("extends") is None:
        base, base_locs, files = {}, Locations({(): (display, 1)}), []
    else:
        base_path = _extends_path(raw["extends"], path, mappings_dir, locs)
        base, base_locs, files = _resolve(base_path, mappings_dir, chain + (resolved,))
    merged, merged_locs = _merge(base, base_locs, raw, locs)
    return merged, merged_locs, [display] + files


def _merge(base: dict, base_locs: Locations, over: dict, over_locs: Locations) -> tuple[dict, Locations]:
    """Apply an overriding file onto its (already resolved) base, per field."""
    out = {k: v for k, v in base.items()}
    locs = base_locs.copy()
    for key, value in over.items():
        if key in ("extends", "remove", "fields", "reader", "let", "extras"):
            continue
        out[key] = value
        locs.replace_subtree((key,), over_locs.subtree((key,)))
    reader = over.get("reader")
    base_reader = out.get("reader")
    if isinstance(reader, dict) and isinstance(base_reader, dict) \
            and reader.get("name", base_reader.get("name")) == base_reader.get("name"):
        # Same reader: option maps (namespaces, prefixes) merge key by key, other options are replaced.
        merged_reader = dict(base_reader)
        for k, v in reader.items():
            sub = over_locs.subtree(("reader", k))
            if isinstance(v, dict) and isinstance(merged_reader.get(k), dict):
                merged_reader[k] = {**merged_reader[k], **v}
                locs.table.update({("reader", k) + rel: loc for rel, loc in sub.items()})
            else:
                merged_reader[k] = v
                locs.replace_subtree(("reader", k), sub)
        out["reader"] = merged_reader
    elif "reader" in over:
        out["reader"] = reader
        locs.replace_subtree(("reader",), over_locs.subtree(("reader",)))
    for section in ("let", "fields", "extras"):
        if section in over:
            _merge_section(out, locs, over, over_locs, section)
    if "remove" in over:
        _apply_remove(out, locs, over["remove"], over_locs)
    return out, locs


def _merge_section(out: dict, locs: Locations, over: dict, over_locs: Locations, section: str) -> None:
    items = over[section]
    if not isinstance(items, dict):
        file, line = over_locs.get((section,))
        raise ConfigError(f"'{section}' must be a mapping of name -> rule", file=file, line=line, key=section)
    target = dict(out.get(section) or {}) if isinstance(out.get(section), dict) else {}
    if (section,) not in locs.table:
        locs.table[(section,)] = over_locs.get((section,))  # type: ignore[assignment]
    for name, rule in items.items():
        src = over_locs.subtree((section, name))
        if section == "fields" and isinstance(name, str) and "." in name:
            parent, _, sub = name.partition(".")
            block = target.get(parent)
            if block is None:
                block = {"fields": {}}
            if not isinstance(block, dict) or not isinstance(block.get("fields", {}), dict):
                file, line = over_locs.get((section, name))
                raise ConfigError(f"cannot override {name!r}: the base rule of {parent!r} is not a single block "
                                  f"with 'fields' (write the whole {parent!r} rule instead)",
                                  file=file, line=line, key=f"fields.{name}")
            block = {**block, "fields": {**block.get("fields", {}), sub: rule}}
            target[parent] = block
            locs.replace_subtree((section, parent, "fields", sub), src)
            locs.table.setdefault((section, parent), over_locs.get((section, name)))  # type: ignore[arg-type]
        else:
            target[name] = rule
            locs.replace_subtree((section, name), src)
    out[section] = target


def _apply_remove(out: dict, locs: Locations, remove: Any, over_locs: Locations) -> None:
    file, line = over_locs.get(("remove",))
    if not isinstance(remove, list) or not all(isinstance(x, str) for x in remove):
        raise ConfigError("'remove' must be a list of field names", file=file, line=line, key="remove")
    fields = out.get("fields") or {}
    for i, name in enumerate(remove):
        f, ln = over_locs.get(("remove", i))
        parent, _, sub = name.partition(".")
        if sub and isinstance(fields.get(parent), dict) and sub in (fields[parent].get("fields") or {}):
            block = dict(fields[parent])
            block["fields"] = {k: v for k, v in block["fields"].items() if k != sub}
            fields[parent] = block
        elif not sub and name in fields:
            del fields[name]
        else:
            raise ConfigError(f"remove: field {name!r} is not in the base mapping", file=f, line=ln,
                              key=f"remove[{i}]")
    out["fields"] = fields


# --- public API ------------------------------------------------------------------------------------


def _load(path: str | Path, mappings_dir: Path, codelists: Any) -> tuple[MappingSpec | None, list[ConfigError]]:
    # Imported here: spec_check builds on the models above (a module-level import would be circular).
    from harvester.mapping.spec_check import check_mapping

    try:
        raw, locs, files = _resolve(Path(path), mappings_dir, ())
    except ConfigError as exc:
        return None, [exc]
    spec, errors = check_mapping(raw, locs, codelists)
    if spec is not None:
        spec._files = tuple(files)
    return spec, errors


def load_mapping(path: str | Path, *, mappings_dir: Path | None = None) -> MappingSpec:
    """Load, resolve ``extends`` and validate a mapping file.

    Raises ``ConfigError`` (file, key, line) for the first problem; the message says how many more
    there are and ``error.data['errors']`` holds them all. Code-list names are checked when the
    engine is built (it has the code lists), or by ``validate_mapping_files``.
    """
    spec, errors = _load(path, _mappings_dir(mappings_dir), None)
    if errors:
        first = errors[0]
        more = f" (and {len(errors) - 1} more problem(s); see 'harvester validate-mappings')" if len(errors) > 1 else ""
        raise ConfigError(first.reason + more, file=first.file, line=first.line, key=first.key, errors=errors)
    assert spec is not None
    return spec


def _load_codelists(mappings_dir: Path) -> tuple[Any, list[ConfigError]]:
    try:
        from harvester.mapping.codelists import CodeLists
    except ImportError:  # code lists not installed: names are then checked when an engine is built
        return None, []
    directory = mappings_dir / "codelists"
    try:
        return CodeLists.load(directory if directory.is_dir() else None), []
    except ConfigError as exc:
        return None, [exc]


def validate_mapping_files(paths: Iterable[Path], *, mappings_dir: Path | None = None) -> list[ConfigError]:
    """Every problem in every file (syntax, unknown keys, paths, transforms, variables, code lists)."""
    base = _mappings_dir(mappings_dir)
    codelists, errors = _load_codelists(base)
    for path in paths:
        errors.extend(_load(path, base, codelists)[1])
    return errors


def _schema_rule() -> dict[str, Any]:
    return {"anyOf": [{"type": "string", "description": "a single path / column"},
                      {"type": "array", "items": {"type": "string"}, "description": "fallback paths"},
                      {"$ref": "#/$defs/ValueRule"}]}


def mapping_json_schema() -> dict[str, Any]:
    """JSON Schema (2020-12) of a mapping file, with every canonical field spelled out for autocompletion."""
    defs: dict[str, Any] = {"ValueRule": ValueRule.model_json_schema()}
    rule = _schema_rule()
    block_keys = {
        "each": {"anyOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}}]},
        "let": {"type": "object", "additionalProperties": rule},
        "required": {"enum": ["error", "warning"]},
        "description": {"type": "string"},
    }
    for name, kinds in NESTED_KINDS.items():
        subs = {k: rule for k, v in kinds.items() if v not in ("one", "many")}
        obj = {"type": "object", "additionalProperties": False, "properties": {k: {} for k in kinds}}
        defs[f"{name}_block"] = {
            "type": "object", "additionalProperties": False,
            "properties": {**block_keys,
                           "fields": {"type": "object", "additionalProperties": False, "properties": subs},
                           "const": {"anyOf": [obj, {"type": "array", "items": obj}]}},
        }
    fields_props: dict[str, Any] = {}
    patterns: dict[str, Any] = {}
    for name, kind in DATASET_KINDS.items():
        if kind in ("one", "many"):
            ref = {"$ref": f"#/$defs/{name}_block"}
            fields_props[name] = {"anyOf": [ref, {"type": "array", "items": ref}], "description": f"{kind} object(s)"}
            subs = "|".join(k for k, v in NESTED_KINDS[name].items() if v not in ("one", "many"))
            patterns[rf"^{name}\.({subs})$"] = rule
        else:
            fields_props[name] = {**rule, "description": f"{kind} field"}
    reader = ReaderSpec.model_json_schema()
    reader["properties"]["name"]["enum"] = registry.readers.names()
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "https://w3id.org/satudata/harvester/mapping.schema.json",
        "title": "satudata-harvester mapping file",
        "type": "object",
        "additionalProperties": False,
        "properties": {
            "version": {"const": 1},
            "id": {"type": "string"},
            "description": {"type": "string"},
            "extends": {"type": "string", "description": "<type>/<name> in mappings/, or a relative file path"},
            "reader": {"anyOf": [{"type": "string"}, {"$ref": "#/$defs/ReaderSpec"}]},
            "let": {"type": "object", "additionalProperties": rule},
            "fields": {"type": "object", "additionalProperties": False, "properties": fields_props,
                       "patternProperties": patterns},
            "extras": {"type": "object", "additionalProperties": rule,
                       "description": "extra key/values kept for CKAN (key -> rule)"},
            "remove": {"type": "array", "items": {"type": "string"}},
        },
        "$defs": {**defs, "ReaderSpec": reader},
        "x-variables": VARIABLES,
    }


def export_mapping_schema(out: Path) -> None:
    """Write ``mapping_json_schema()`` to ``out`` (sorted keys, so regenerating gives the same bytes)."""
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(mapping_json_schema(), indent=2, sort_keys=True, ensure_ascii=False) + "\n",
                   encoding="utf-8")
