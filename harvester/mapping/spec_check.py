"""Validation of a resolved mapping (raw YAML data + locations) into a ``MappingSpec``.

Collects every problem instead of stopping at the first, each as a ``ConfigError`` with the file
and line where the offending key was written (after ``extends`` merging, the line in the file the
key came from) and a dotted key path (``fields.distributions.fields.format.codelist``).

Checks: known top-level keys; the reader exists and gets only its own options; every field name is
a canonical field (with a did-you-mean suggestion and the list of valid names); rule keys are known;
each rule can give a value; paths compile for the chosen reader (XPath prefixes, RDF prefixes,
JSON path syntax); transforms exist and have valid parameters; ``var:`` names are known variables;
template placeholders name a field, a ``let`` value or a variable; code lists exist (when the code
lists are given); constants fit the field type.
"""

from __future__ import annotations

import difflib
import re
from typing import Any, Iterable

from pydantic import BaseModel, ValidationError

from harvester import registry
from harvester.errors import ConfigError
from harvester.mapping.spec import (
    DATASET_KINDS, NESTED_KINDS, SOURCE_VARS, TOP_KEYS, VARIABLES, BlockRule, Kind, MappingSpec, ReaderSpec, ValueRule,
)
from harvester.mapping.transforms import compile_steps
from harvester.mapping.locations import KeyPath, Locations

PLACEHOLDER = re.compile(r"\{([^{}]*)\}")
_READER_OPTIONS = {
    "json": {"root"},
    "xml": {"namespaces", "root"},
    "rdf": {"prefixes", "languages", "focus_types"},
    "table": set(),
}


def _key(path: KeyPath) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def suggest(kind: str, name: Any, valid: Iterable[str]) -> str:
    """'unknown <kind> 'x'; did you mean 'y'? valid: ...' (the hint only when something is close)."""
    valid = list(valid)
    close = difflib.get_close_matches(str(name), valid, n=1, cutoff=0.6)
    hint = f"; did you mean {close[0]!r}?" if close else ";"
    return f"unknown {kind} {name!r}{hint} valid: {', '.join(valid)}"


class _Checker:
    def __init__(self, locs: Locations, codelists: Any) -> None:
        self.locs, self.codelists = locs, codelists
        self.errors: list[ConfigError] = []
        self.check_path = None
        self.reader_options: dict[str, Any] = {}
        self.dataset_lets: set[str] = set()

    def error(self, message: str, path: KeyPath) -> None:
        file, line = self.locs.get(path)
        self.errors.append(ConfigError(message, file=file, line=line, key=_key(path) or None))

    def pydantic(self, model: type[BaseModel], data: Any, path: KeyPath) -> BaseModel | None:
        try:
            return model.model_validate(data)
        except ValidationError as exc:
            for e in exc.errors():
                loc = tuple(e["loc"])
                if e["type"] == "extra_forbidden":
                    self.error(suggest("key", loc[-1], model.model_fields), path + loc)
                else:
                    self.error(f"{e['msg']} (got {e.get('input')!r})", path + loc)
            return None

    # --- top level -------------------------------------------------------------------------------

    def check(self, raw: dict) -> MappingSpec | None:
        for key in raw:
            if key not in TOP_KEYS:
                self.error(suggest("top-level key", key, TOP_KEYS), (key,))
        reader = self.check_reader(raw.get("reader"))
        lets = self.check_lets(raw.get("let") or {}, ("let",), set(DATASET_KINDS))
        fields: dict[str, Any] = {}
        raw_fields = raw.get("fields") or {}
        if not isinstance(raw_fields, dict):
            self.error("'fields' must be a mapping of canonical field -> rule", ("fields",))
            raw_fields = {}
        scope = set(DATASET_KINDS) | set(lets)
        self.dataset_lets = set(lets)
        for name, rule in raw_fields.items():
            kind = DATASET_KINDS.get(name)
            if kind is None:
                self.error(suggest("canonical field", name, DATASET_KINDS), ("fields", name))
            elif kind in ("one", "many"):
                fields[name] = self.check_block_field(rule, ("fields", name), name)
            else:
                fields[name] = self.check_value(rule, ("fields", name), kind, scope)
        extras: dict[str, ValueRule] = {}
        raw_extras = raw.get("extras") or {}
        if not isinstance(raw_extras, dict):
            self.error("'extras' must be a mapping of extra key -> rule", ("extras",))
            raw_extras = {}
        for key, rule in raw_extras.items():
            checked = self.check_value(rule, ("extras", key), "texts", scope)
            if checked is not None:
                extras[str(key)] = checked
        if self.errors or reader is None:
            return None
        return MappingSpec(version=raw.get("version", 1), id=raw.get("id"), description=raw.get("description"),
                           reader=reader, let=lets, fields=fields, extras=extras)

    def check_reader(self, raw: Any) -> ReaderSpec | None:
        if raw is None:
            self.error("missing 'reader' (e.g. reader: {name: json}); a file without it must use 'extends'", ())
            return None
        if isinstance(raw, str):
            raw = {"name": raw}
        if isinstance(raw, dict):
            raw = {k: ([v] if k in ("root", "languages", "focus_types") and isinstance(v, str) else v)
                   for k, v in raw.items()}
        spec = self.pydantic(ReaderSpec, raw, ("reader",))
        if not isinstance(spec, ReaderSpec):
            return None
        known = registry.readers.names()
        if spec.name not in known:
            self.error(suggest("reader", spec.name, known), ("reader", "name"))
            return None
        allowed = _READER_OPTIONS.get(spec.name, set(raw) - {"name"})
        for option in raw:
            if option != "name" and option not in allowed and raw[option]:
                self.error(f"reader {spec.name!r} has no option {option!r}; its options: "
                           f"{', '.join(sorted(allowed)) or '(none)'}", ("reader", option))
        reader_cls = registry.readers.get(spec.name)
        self.check_path = getattr(reader_cls, "check_path", None)
        self.reader_options = spec.options()
        for i, expr in enumerate(spec.root):
            self.path_ok(expr, ("reader", "root", i))
        if spec.name == "rdf":
            for i, t in enumerate(spec.focus_types):
                self.path_ok(t, ("reader", "focus_types", i))
        return spec

    def path_ok(self, path: str, where: KeyPath) -> None:
        if self.check_path is None:
            return
        try:
            self.check_path(path, self.reader_options)
        except ConfigError as exc:
            self.error(exc.reason, where)

    # --- rules -----------------------------------------------------------------------------------

    def check_lets(self, raw: Any, path: KeyPath, scope: set[str]) -> dict[str, ValueRule]:
        if not isinstance(raw, dict):
            self.error("'let' must be a mapping of name -> rule", path)
            return {}
        out: dict[str, ValueRule] = {}
        for name, rule in raw.items():
            if not re.fullmatch(r"[a-z_][a-z0-9_]*", str(name)):
                self.error(f"let name {name!r} must be lower-case letters, digits and '_'", path + (name,))
                continue
            checked = self.check_value(rule, path + (name,), "texts", scope | set(out) | {str(name)})
            if checked is not None:
                out[name] = checked
        return out

    def check_value(self, raw: Any, path: KeyPath, kind: Kind, scope: set[str]) -> ValueRule | None:
        data = normalise_value_rule(raw)
        if data is None:
            self.error("a rule is a column/path, a list of paths, or a mapping with paths/const/var/...", path)
            return None
        if "path" in data:
            self.error("use either 'path' or 'paths', not both", path + ("path",))
            return None
        rule = self.pydantic(ValueRule, data, path)
        if not isinstance(rule, ValueRule):
            return None
        if not (rule.paths or rule.const is not None or rule.var or rule.template or rule.default is not None):
            self.error("rule gives no value: add paths, const, var, template or default", path)
        for i, p in enumerate(rule.paths):
            self.path_ok(p, path + ("paths", i))
        if rule.var and rule.var not in VARIABLES and not rule.var.startswith(SOURCE_VARS):
            self.error(suggest("variable", rule.var, VARIABLES), path + ("var",))
        if rule.template is not None:
            for name in dict.fromkeys(PLACEHOLDER.findall(rule.template)):
                if name not in scope and name not in VARIABLES and not name.startswith(SOURCE_VARS):
                    self.error(suggest("template placeholder", name, sorted(scope) + list(VARIABLES)),
                               path + ("template",))
        try:
            compile_steps(rule.transforms, self.codelists)
        except ConfigError as exc:
            index = int(exc.key) if exc.key and exc.key.isdigit() else None
            self.error(exc.reason, path + ("transforms",) + ((index,) if index is not None else ()))
        if rule.codelist and self.codelists is not None:
            try:
                self.codelists[rule.codelist]
            except ConfigError as exc:
                self.error(exc.reason, path + ("codelist",))
        for key in ("const", "default"):
            value = getattr(rule, key)
            if value is not None and not _fits(value, kind):
                self.error(f"{key} {value!r} does not fit a {_KIND_TEXT[kind]} field", path + (key,))
        return rule

    def check_block_field(self, raw: Any, path: KeyPath, name: str) -> Any:
        if isinstance(raw, list):
            if not raw:
                self.error("an empty list of alternatives gives no value", path)
            return [self.check_block(alt, path + (i,), name) for i, alt in enumerate(raw)]
        return self.check_block(raw, path, name)

    def check_block(self, raw: Any, path: KeyPath, name: str) -> BlockRule | None:
        if not isinstance(raw, dict):
            self.error(f"{name!r} is a structured field: write a block with 'fields' (and 'each'), or 'const'",
                       path)
            return None
        for key in raw:
            if key not in BlockRule.model_fields:
                self.error(suggest("block key", key, BlockRule.model_fields), path + (key,))
        kinds = NESTED_KINDS[name]
        each = raw.get("each") or []
        each = [each] if isinstance(each, str) else each
        if not isinstance(each, list) or not all(isinstance(e, str) for e in each):
            self.error("'each' must be a path or a list of paths", path + ("each",))
            each = []
        for i, p in enumerate(each):
            if p.strip() not in (".", "$"):
                self.path_ok(p, path + ("each", i))
        # Templates in a block see its own lets and fields, then the dataset-level lets.
        lets = self.check_lets(raw.get("let") or {}, path + ("let",), set(kinds) | self.dataset_lets)
        fields: dict[str, ValueRule] = {}
        raw_fields = raw.get("fields") or {}
        if not isinstance(raw_fields, dict):
            self.error("'fields' must be a mapping of sub-field -> rule", path + ("fields",))
            raw_fields = {}
        scope = set(kinds) | set(lets) | self.dataset_lets
        for sub, rule in raw_fields.items():
            kind = kinds.get(sub)
            if kind is None or kind in ("one", "many"):
                self.error(suggest(f"{name} field", sub, [k for k, v in kinds.items() if v not in ("one", "many")]),
                           path + ("fields", sub))
                continue
            checked = self.check_value(rule, path + ("fields", sub), kind, scope)
            if checked is not None:
                fields[sub] = checked
        const = raw.get("const")
        for i, obj in enumerate(const if isinstance(const, list) else [const] if const is not None else []):
            if not isinstance(obj, dict):
                self.error(f"const of {name!r} must be a mapping of its fields (or a list of them)", path + ("const",))
                continue
            for key in obj:
                if key not in kinds:
                    self.error(suggest(f"{name} field", key, kinds), path + ("const", key))
        if not raw_fields and const is None:
            self.error(f"block for {name!r} gives no value: add 'fields' or 'const'", path)
        data = {k: v for k, v in raw.items() if k in BlockRule.model_fields and k not in ("fields", "let", "each")}
        try:
            return BlockRule(each=each, let=lets, fields=fields, **data)
        except ValidationError as exc:
            for e in exc.errors():
                self.error(e["msg"], path + tuple(e["loc"]))
            return None


_KIND_TEXT = {"text": "text", "texts": "list-of-text", "int": "whole-number", "float": "number",
              "bool": "yes/no", "one": "structured", "many": "structured"}


def _fits(value: Any, kind: Kind) -> bool:
    scalar = (str, int, float, bool)
    if kind == "texts":
        return isinstance(value, scalar) or (isinstance(value, list) and all(isinstance(v, scalar) for v in value))
    if kind == "bool":
        return isinstance(value, bool)
    if kind in ("int", "float"):
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    return isinstance(value, scalar)


def normalise_value_rule(raw: Any) -> dict[str, Any] | None:
    """Expand shorthands: ``"Judul"`` and ``[Judul, Nama Data]`` mean ``{paths: [...]}``;
    ``path:`` is an alias of ``paths:``. Returns None when ``raw`` has no rule shape at all."""
    if isinstance(raw, str):
        return {"paths": [raw]}
    if isinstance(raw, list):
        return {"paths": raw} if all(isinstance(x, str) for x in raw) else None
    if not isinstance(raw, dict):
        return None
    data = dict(raw)
    if "path" in data and "paths" not in data:
        value = data.pop("path")
        data["paths"] = [value] if isinstance(value, str) else value
    if isinstance(data.get("paths"), str):
        data["paths"] = [data["paths"]]
    if isinstance(data.get("transforms"), (str, dict)):
        data["transforms"] = [data["transforms"]]
    return data


def check_mapping(raw: dict, locs: Locations, codelists: Any = None) -> tuple[MappingSpec | None, list[ConfigError]]:
    """Validate resolved raw data. Returns (spec, []) or (None, every error found)."""
    checker = _Checker(locs, codelists)
    spec = checker.check(raw)
    return (spec if not checker.errors else None), checker.errors
