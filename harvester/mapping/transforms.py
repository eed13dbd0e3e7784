"""The fixed vocabulary of named, pure transforms that mapping files may apply to values.

A rule's ``transforms:`` list is applied in order to the list of values a path produced. A step is
written either as a bare name (``strip``), as ``{name: value}`` for the transform's main parameter
(``{split: ","}``) or as ``{name: {param: value, ...}}``. Most transforms work value by value;
``first``, ``unique``, ``join`` and ``default_if_empty`` work on the whole list.

Every transform is pure (no I/O, no clock, no randomness). A value a transform cannot handle
(an unparseable date, a float-coerced region code) is dropped and reported as a ``MAP-TRANSFORM``
issue by the engine; transforms never raise anything but ``TransformError``/``ValueError`` at run
time. Bad parameters raise ``ConfigError`` when the mapping is loaded. Running a whole chain is
``harvester.mapping.steps``. The costlier transforms (dates, numbers, region codes, code-list labels)
keep a bounded cache of recent values: harvested values repeat across records.

Built-ins register themselves in ``harvester.registry.transforms`` under their names; plugins may
register more ``TransformDef`` objects through the ``satudata_harvester.transforms`` entry points.
"""

from __future__ import annotations

import html
import json
import re
from dataclasses import dataclass, field
from functools import lru_cache, partial
from typing import Any, Callable, Mapping, Sequence

from harvester import registry
from harvester.errors import ConfigError
from harvester.mapping.dates import parse_date
from harvester.mapping.numbers import FloatCoercedCode, parse_number, region_code
from harvester.readers.json_doc import compile_json_path, evaluate_json_path, scalars

REQUIRED = object()

ValueFn = Callable[[Any], Any]  # value -> value | list of values | None (dropped)
ListFn = Callable[[list[Any]], list[Any]]


class TransformError(ValueError):
    """A value could not be transformed (becomes a MAP-TRANSFORM issue; the value is dropped)."""


@dataclass(frozen=True)
class Param:
    """One parameter of a transform: accepted Python types, default (or REQUIRED), allowed values."""

    name: str
    types: tuple[type, ...]
    default: Any = REQUIRED
    choices: tuple[Any, ...] = ()
    doc: str = ""


@dataclass(frozen=True)
class TransformDef:
    """A named transform. ``build(args, codelists)`` returns the run-time function."""

    name: str
    doc: str
    build: Callable[[dict[str, Any], Any], Callable[..., Any]]
    params: tuple[Param, ...] = ()
    main: str | None = None  # parameter set by the short form {name: value}
    listwise: bool = False


@dataclass(frozen=True)
class CompiledStep:
    """A transform with its arguments bound, ready to run."""

    name: str
    fn: Callable[..., Any]
    listwise: bool
    args: Mapping[str, Any] = field(default_factory=dict)


def as_text(value: Any) -> str:
    """Text of a scalar as mapping rules see it: a spreadsheet's ``2019.0`` is ``2019``; booleans are
    ``true``/``false``. Used by the text transforms and by the engine's coercion to text."""
    if type(value) is str:  # the usual case, first
        return value.strip()
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _text_only(fn: Callable[[str], Any]) -> ValueFn:
    return lambda v: fn(v) if isinstance(v, str) else v


# --- builders -------------------------------------------------------------------------------------

def _split(args: dict[str, Any], _: Any) -> ValueFn:
    sep = args["sep"]
    return lambda v: [p.strip() for p in v.split(sep) if p.strip()] if isinstance(v, str) else v


def _join(args: dict[str, Any], _: Any) -> ListFn:
    sep = args["sep"]
    return lambda vs: [sep.join(str(v) for v in vs)] if vs else []


def _compile_regex(pattern: str) -> re.Pattern[str]:
    try:
        return re.compile(pattern)
    except re.error as exc:
        raise ConfigError(f"bad regular expression {pattern!r}: {exc}") from None


def _regex_extract(args: dict[str, Any], _: Any) -> ValueFn:
    rx = _compile_regex(args["pattern"])
    group = args["group"] if args["group"] is not None else (1 if rx.groups else 0)
    if group > rx.groups:
        raise ConfigError(f"regex_extract: pattern {rx.pattern!r} has no group {group}")

    def run(v: Any) -> Any:
        m = rx.search(as_text(v))
        return m.group(group) if m else None

    return run


def _regex_replace(args: dict[str, Any], _: Any) -> ValueFn:
    rx, repl = _compile_regex(args["pattern"]), args["replace"]
    try:
        rx.sub(repl, "")
    except (re.error, IndexError) as exc:
        raise ConfigError(f"regex_replace: bad replacement {repl!r}: {exc}") from None
    return lambda v: rx.sub(repl, as_text(v))


def _replace(args: dict[str, Any], _: Any) -> ValueFn:
    old, new = args["old"], args["new"]
    return _text_only(lambda v: v.replace(old, new))


def _remove_prefix(args: dict[str, Any], _: Any) -> ValueFn:
    prefix = args["prefix"]
    low = prefix.casefold()
    return _text_only(lambda v: v[len(prefix):] if v.casefold().startswith(low) else v)


def _format(args: dict[str, Any], _: Any) -> ValueFn:
    template = args["template"]
    if "{value}" not in template:
        raise ConfigError(f"format: template {template!r} must contain {{value}}")
    return lambda v: template.replace("{value}", as_text(v))


#: Values a memoised transform caches (hashable scalars; anything else is computed every time).
_MEMO_TYPES = frozenset({str, int, float, bool})
MEMO_SIZE = 4096


_MEMO_CHECK_EVERY = 1024  # a cache hit by fewer than one value in four by then is switched off


def _memo(fn: ValueFn) -> ValueFn:
    """``fn`` behind a bounded LRU cache, for pure transforms that cost more than a lookup (dates,
    numbers, code-list lookups): harvested values repeat a lot across records. Failures (exceptions)
    are not cached and raise again. A cache whose values hardly repeat (byte sizes, unique
    identifiers) switches itself off: a miss costs more than the transform it would spare."""
    cached = lru_cache(maxsize=MEMO_SIZE, typed=True)(fn)
    calls, enabled = 0, True

    def run(v: Any) -> Any:
        nonlocal calls, enabled
        if not enabled or type(v) not in _MEMO_TYPES:
            return fn(v)
        calls += 1
        if calls % _MEMO_CHECK_EVERY == 0:
            info = cached.cache_info()
            if info.hits * 4 < info.hits + info.misses:
                enabled = False
                cached.cache_clear()
                return fn(v)
        return cached(v)

    return run


def _wrap_value_error(fn: Callable[..., Any], **kw: Any) -> ValueFn:
    call = partial(fn, **kw) if kw else fn  # bound once: no keyword dict unpacked per value

    def run(v: Any) -> Any:
        try:
            return call(v)
        except ValueError as exc:
            raise TransformError(str(exc)) from None

    return run


def _parse_date(args: dict[str, Any], _: Any) -> ValueFn:
    return _memo(_wrap_value_error(parse_date, dayfirst=args["dayfirst"]))


def _parse_number(args: dict[str, Any], _: Any) -> ValueFn:
    return _memo(_wrap_value_error(parse_number, decimal=args["decimal"]))


def _region_code(args: dict[str, Any], codelists: Any) -> ValueFn:
    to, name = args["to"], args["codelist"]
    if name is None or codelists is None:
        return _wrap_value_error(region_code, to=to)
    codelist = codelists[name]

    def run(v: Any) -> Any:
        # The code list bridges BPS and Kemendagri *numbers* (they differ in places); the notation
        # check still runs first so that float-coerced codes are reported, not looked up.
        raw = str(v).strip()
        try:
            digits = region_code(v, to="bps")  # the notation check also catches float-coerced codes
            key = raw if "." in raw else digits
        except FloatCoercedCode as exc:
            raise TransformError(str(exc)) from None
        except ValueError:
            key = raw  # not a code: a region name ("Kota Blitar") is looked up by label
        code = codelist.lookup(key)
        if code is None:
            raise TransformError(f"{v!r} is not a region in code list {name!r}")
        if to == "kemendagri":
            return code.code
        bps = code.attrs.get("bps")
        if not bps:
            raise TransformError(f"{code.code} has no BPS code in code list {name!r}")
        return str(bps)

    return _memo(run)


def _label_key(text: str) -> str:
    return " ".join(str(text).casefold().split())


def _map_label(args: dict[str, Any], codelists: Any) -> ValueFn:
    values, name, output = args["values"], args["codelist"], args["output"]
    if (values is None) == (name is None):
        raise ConfigError("map_label needs exactly one of 'codelist' or 'values'")
    if values is not None:
        table = {_label_key(k): v for k, v in values.items()}
        return lambda v: table.get(_label_key(v), v)
    if codelists is None:  # structural check only (no code lists at hand)
        return lambda v: v
    codelist = codelists[name]  # ConfigError listing the known names if unknown

    def run(v: Any) -> Any:
        text = str(v).strip()
        if re.fullmatch(r"[\d.\s]+", text):
            return v  # a number: numbering differs between sources, so never map by number
        code = codelist.lookup(text)
        if code is None:
            return v
        return getattr(code, output) or code.code

    return _memo(run)


_TRUE = {"ya", "y", "yes", "true", "t", "1", "benar", "iya", "on"}
_FALSE = {"tidak", "tdk", "no", "n", "false", "f", "0", "salah", "bukan", "off"}


def _to_bool(args: dict[str, Any], _: Any) -> ValueFn:
    def run(v: Any) -> Any:
        if isinstance(v, bool):
            return v
        key = _label_key(v)
        if key in _TRUE:
            return True
        if key in _FALSE:
            return False
        raise TransformError(f"not a yes/no value: {str(v)[:40]!r}")

    return run


_BLOCK_TAGS = re.compile(r"<\s*(br|/p|/div|/li|/h\d|/tr)\b[^>]*>", re.IGNORECASE)
_TAGS = re.compile(r"<[^>]*>")
_SCRIPTS = re.compile(r"<(script|style)\b.*?</\1\s*>", re.IGNORECASE | re.DOTALL)


def _strip_html(args: dict[str, Any], _: Any) -> ValueFn:
    def run(v: Any) -> Any:
        if not isinstance(v, str) or "<" not in v and "&" not in v:
            return v
        text = _SCRIPTS.sub("", v)
        text = _BLOCK_TAGS.sub("\n", text)
        text = html.unescape(_TAGS.sub("", text))
        lines = [" ".join(line.split()) for line in text.splitlines()]
        return "\n".join(line for line in lines if line).strip()

    return run


def _json_parse(args: dict[str, Any], _: Any) -> ValueFn:
    path = args["path"]
    compile_json_path(path)

    def run(v: Any) -> Any:
        # Lenient: text that does not look like JSON passes unchanged, so one rule can read a CKAN
        # field that is JSON in one portal and plain text in another.
        if not isinstance(v, str) or v.lstrip()[:1] not in ("[", "{", '"'):
            return v
        try:
            parsed = json.loads(v)
        except ValueError as exc:
            raise TransformError(f"not valid JSON: {exc}") from None
        return scalars(evaluate_json_path(parsed, path))

    return run


def _interval(args: dict[str, Any], _: Any) -> ValueFn:
    index = 0 if args["part"] == "start" else 1

    def run(v: Any) -> Any:
        text = as_text(v)
        if text.count("/") != 1:
            return text  # a single date or year: both start and end of its own period
        part = text.split("/")[index].strip()
        return None if part in ("", "..") else part

    return run


def _first(args: dict[str, Any], _: Any) -> ListFn:
    return lambda vs: vs[:1]


def _unique(args: dict[str, Any], _: Any) -> ListFn:
    return lambda vs: list(dict.fromkeys(vs))


def _default_if_empty(args: dict[str, Any], _: Any) -> ListFn:
    value = args["value"]
    return lambda vs: vs if vs else [value]


_S, _N = (str,), (int, float)
BUILTINS: tuple[TransformDef, ...] = (
    TransformDef("strip", "Trim spaces around text.", lambda a, c: _text_only(str.strip)),
    TransformDef("normalize_space", "Trim and collapse runs of whitespace to one space.",
                 lambda a, c: _text_only(lambda v: " ".join(v.split()))),
    TransformDef("lower", "Lower-case text.", lambda a, c: _text_only(str.lower)),
    TransformDef("upper", "Upper-case text.", lambda a, c: _text_only(str.upper)),
    TransformDef("title_case", "Capitalise Each Word.", lambda a, c: _text_only(str.title)),
    TransformDef("split", "Split text into several values at a separator (parts trimmed, empty parts dropped).",
                 _split, (Param("sep", _S, ","),), main="sep"),
    TransformDef("join", "Join all values into one text.", _join, (Param("sep", _S, ", "),), main="sep",
                 listwise=True),
    TransformDef("regex_extract", "Keep the part of the text matched by a regular expression group "
                 "(no match: value dropped).", _regex_extract,
                 (Param("pattern", _S), Param("group", (int, type(None)), None)), main="pattern"),
    TransformDef("regex_replace", "Replace every match of a regular expression (\\1 refers to groups).",
                 _regex_replace, (Param("pattern", _S), Param("replace", _S, ""))),
    TransformDef("replace", "Replace literal text.", _replace, (Param("old", _S), Param("new", _S, ""))),
    TransformDef("remove_prefix", "Remove a leading text, ignoring case (e.g. 'mailto:').", _remove_prefix,
                 (Param("prefix", _S),), main="prefix"),
    TransformDef("format", "Put the value into a text: {format: 'https://example.go.id/wilayah/{value}'}.",
                 _format, (Param("template", _S),), main="template"),
    TransformDef("parse_date", "Read a date (ISO, 23/09/2024, 23 September 2024, Sep 2024, 2019, epoch ms, "
                 "Indonesian month names) and write ISO 8601.", _parse_date,
                 (Param("dayfirst", (bool,), True),), main="dayfirst"),
    TransformDef("parse_number", "Read a number written with Indonesian or English separators or as a "
                 "percentage.", _parse_number, (Param("decimal", _S, "auto", (",", ".", "auto")),), main="decimal"),
    TransformDef("region_code", "Normalise a region code (35.72 / 3572 / 35.72.01.1001); with 'codelist: "
                 "wilayah' BPS and Kemendagri numbers are translated, region names looked up and unknown "
                 "codes reported.",
                 _region_code, (Param("to", _S, "kemendagri", ("kemendagri", "bps")),
                                Param("codelist", (str, type(None)), None)), main="to"),
    TransformDef("map_label", "Map a label (never a number) to a code, via a code list or an inline "
                 "'values' table; unknown labels pass through unchanged.", _map_label,
                 (Param("codelist", (str, type(None)), None), Param("values", (dict, type(None)), None),
                  Param("output", _S, "code", ("code", "label", "uri"))), main="codelist"),
    TransformDef("to_bool", "Read ya/tidak, yes/no, true/false, 1/0 as a boolean.", _to_bool),
    TransformDef("strip_html", "Remove HTML tags and entities (CKAN notes written in HTML).", _strip_html),
    TransformDef("json_parse", "Parse text holding JSON and select values in it with a JSON path.",
                 _json_parse, (Param("path", _S, "."),), main="path"),
    TransformDef("interval", "Take the start or end of an ISO 8601 interval 'start/end' ('..' = open).",
                 _interval, (Param("part", _S, REQUIRED, ("start", "end")),), main="part"),
    TransformDef("first", "Keep only the first value.", _first, listwise=True),
    TransformDef("unique", "Drop repeated values.", _unique, listwise=True),
    TransformDef("default_if_empty", "Use this value when no value is left.", _default_if_empty,
                 (Param("value", (str, int, float, bool)),), main="value", listwise=True),
)

for _t in BUILTINS:
    registry.transforms.register(_t.name, _t)


def transform_names() -> list[str]:
    """Names of every registered transform."""
    return registry.transforms.names()


def compile_step(step: Any, codelists: Any = None) -> CompiledStep:
    """Bind one ``transforms:`` entry. Raises ConfigError (message names the transform and the problem)."""
    if isinstance(step, str):
        name, raw = step, {}
    elif isinstance(step, dict) and len(step) == 1:
        name, raw = next(iter(step.items()))
    else:
        raise ConfigError("a transform is a name or a one-key mapping {name: parameters}")
    if name not in registry.transforms:
        raise ConfigError(f"unknown transform {name!r}; valid: {', '.join(transform_names())}")
    tdef: TransformDef = registry.transforms.get(name)
    params = {p.name: p for p in tdef.params}
    if not isinstance(raw, dict):
        if tdef.main is None:
            raise ConfigError(f"transform {name!r} takes no parameters")
        raw = {tdef.main: raw}
    unknown = set(raw) - set(params)
    if unknown:
        raise ConfigError(f"transform {name!r}: unknown parameter(s) {', '.join(sorted(map(str, unknown)))}; "
                          f"valid: {', '.join(params) or '(none)'}")
    args: dict[str, Any] = {}
    for p in tdef.params:
        value = raw.get(p.name, p.default)
        if value is REQUIRED:
            raise ConfigError(f"transform {name!r}: parameter {p.name!r} is required")
        if not isinstance(value, p.types) or (p.choices and value not in p.choices):
            allowed = f"one of {', '.join(map(repr, p.choices))}" if p.choices else \
                " or ".join(t.__name__ for t in p.types)
            raise ConfigError(f"transform {name!r}: parameter {p.name!r} must be {allowed}, not {value!r}")
        args[p.name] = value
    return CompiledStep(name, tdef.build(args, codelists), tdef.listwise, args)


def compile_steps(steps: Sequence[Any], codelists: Any = None) -> list[CompiledStep]:
    """Bind a whole ``transforms:`` list (ConfigError.key is the index of the bad entry)."""
    out = []
    for i, step in enumerate(steps):
        try:
            out.append(compile_step(step, codelists))
        except ConfigError as exc:
            raise ConfigError(exc.reason, key=str(i)) from None
    return out
