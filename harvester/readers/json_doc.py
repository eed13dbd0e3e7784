"""JSON reader: a record object (CKAN package, data.json dataset, JSON API record, schema.org JSON-LD).

Path syntax ("JSONPath-lite"), relative to the document's value:

* ``a.b.c``           keys; a leading ``$`` or ``$.`` is allowed and ignored; ``.`` alone is the value itself
* ``a[0]`` / ``a[-1]`` list index; ``a[*]`` every element
* ``a['odd key']``    quoted key (keys with dots, spaces or brackets)
* ``extras[key=dcat_issued].value``  filter: elements of a list (or the object itself) whose ``key``
  equals the text after ``=`` (quotes optional); this is how CKAN-style extras are looked up
  (compared ignoring case and repeated spaces, so ``[key=Satuan]`` also finds ``satuan``)
* Lists are flattened implicitly: ``tags.name`` is the same as ``tags[*].name``, so a path keeps
  working when a source sends one object where another sends a list (schema.org ``creator``).
* Text holding JSON (CKAN extras such as ``[{"name": ...}]``) is decoded when a path goes on into it
  (``extras[key=responsible-party].value[0].name``) and when ``each`` reaches it.
* A trailing ``|json`` gives the selected objects/lists as JSON text (a GeoJSON ``bbox`` object).

``select`` returns scalars only (str, int, float, bool); nulls, objects and lists at the end of a
path are skipped. ``each`` returns sub-documents for objects (and for scalars, so a string such as a
data.json ``temporal`` interval can be taken apart by sub-field rules using the path ``.``).

Each path is compiled once into a function (leading keys walked inline, one specialised function per
further step); the mapping engine binds its paths through ``JsonReader.compile_select`` /
``compile_each``, which give exactly what ``select`` / ``each`` give.

Failure behaviour: bytes that are not valid JSON raise ``RecordInvalid`` naming the record and the
parser's message; a syntactically bad path raises ``ConfigError`` (the mapping is wrong).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Callable, ClassVar, Iterable, Mapping

from harvester.errors import ConfigError, RecordInvalid
from harvester.model.record import SourceRecord
from harvester.readers.base import Document, Scalar


@dataclass(frozen=True, slots=True)
class _Key:
    name: str


@dataclass(frozen=True, slots=True)
class _Index:
    index: int


@dataclass(frozen=True, slots=True)
class _All:
    pass


@dataclass(frozen=True, slots=True)
class _Filter:
    key: str
    value: str


Step = _Key | _Index | _All | _Filter

_NAME = re.compile(r"[^.\[\]\s]+")
_FILTER = re.compile(r"^\s*([^=\s]+)\s*=\s*(.*?)\s*$")


def _unquote(text: str) -> str:
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "'\"":
        return text[1:-1]
    return text


@dataclass(frozen=True, slots=True)
class _AsJson:
    pass


def _norm(text: str) -> str:
    return " ".join(text.casefold().split())


def _decode(node: Any) -> Any:
    """JSON text inside a value (CKAN extras) -> the decoded value; anything else unchanged."""
    if isinstance(node, str):
        head = node.lstrip()[:1]
        if head in ("[", "{"):
            try:
                return json.loads(node)
            except ValueError:
                return node
    return node


@lru_cache(maxsize=4096)
def compile_json_path(path: str) -> tuple[Step | _AsJson, ...]:
    """Parse a JSONPath-lite expression into steps. Raises ConfigError on bad syntax."""
    text = path.strip()
    if text.endswith("|json"):
        return compile_json_path(text[: -len("|json")]) + (_AsJson(),)
    if text in (".", "$", "@"):
        return ()
    if text.startswith("$"):
        text = text[1:]
    steps: list[Step] = []
    i, n = 0, len(text)
    expect_name = True
    while i < n:
        ch = text[i]
        if ch == ".":
            i += 1
            expect_name = True
            continue
        if ch == "[":
            end = _bracket_end(text, i, path)
            inner = text[i + 1 : end].strip()
            steps.append(_bracket_step(inner, path))
            i = end + 1
            expect_name = False
            continue
        if not expect_name:
            raise ConfigError(f"bad JSON path {path!r}: unexpected {ch!r} at position {i}", key=path)
        m = _NAME.match(text, i)
        if m is None:
            raise ConfigError(f"bad JSON path {path!r}: unexpected {ch!r} at position {i}", key=path)
        steps.append(_Key(m.group(0)))
        i = m.end()
        expect_name = False
    if not steps:
        raise ConfigError(f"bad JSON path {path!r}: empty", key=path)
    return tuple(steps)


def _bracket_end(text: str, start: int, path: str) -> int:
    quote = None
    for j in range(start + 1, len(text)):
        c = text[j]
        if quote:
            if c == quote:
                quote = None
        elif c in "'\"":
            quote = c
        elif c == "]":
            return j
    raise ConfigError(f"bad JSON path {path!r}: unclosed '['", key=path)


def _bracket_step(inner: str, path: str) -> Step:
    if inner == "*":
        return _All()
    if re.fullmatch(r"-?\d+", inner):
        return _Index(int(inner))
    if inner[:1] in "'\"" and _unquote(inner) != inner:
        return _Key(_unquote(inner))
    m = _FILTER.match(inner)
    if m:
        return _Filter(_unquote(m.group(1)), _norm(_unquote(m.group(2))))
    raise ConfigError(f"bad JSON path {path!r}: cannot read [{inner}]", key=path)


def _apply(step: Step, nodes: Iterable[Any], cache: dict | None = None) -> list[Any]:
    out: list[Any] = []
    for node in nodes:
        node = _decode(node)
        if isinstance(step, _Key):
            if isinstance(node, dict):
                if step.name in node:
                    out.append(node[step.name])
            elif isinstance(node, list):  # implicit projection over lists
                out.extend(item[step.name] for item in _flat(node) if isinstance(item, dict) and step.name in item)
        elif isinstance(step, _Index):
            if isinstance(node, list) and -len(node) <= step.index < len(node):
                out.append(node[step.index])
            elif not isinstance(node, list) and step.index in (0, -1) and node is not None:
                out.append(node)  # a single object where a list was expected: treat as a 1-list
        elif isinstance(step, _All):
            if isinstance(node, list):
                out.extend(node)
            elif node is not None:
                out.append(node)
        elif isinstance(node, list) and cache is not None:  # _Filter over a list: index it once
            out.extend(_filter_index(node, step.key, cache).get(step.value, ()))
        else:  # _Filter
            candidates = node if isinstance(node, list) else [node]
            for item in _flat(candidates):
                if isinstance(item, dict) and _norm(_text(item.get(step.key)) or "") == step.value:
                    out.append(item)
    return out


def _filter_index(items: list[Any], key: str, cache: dict) -> dict[str, list[Any]]:
    """{normalised value of ``key``: [objects]} for a list, built once per record (kept in ``cache``)."""
    index = cache.get((id(items), key))
    if index is None:
        index = cache[(id(items), key)] = {}
        for item in _flat(items):
            if isinstance(item, dict):
                index.setdefault(_norm(_text(item.get(key)) or ""), []).append(item)
    return index


def _flat(items: list[Any]) -> Iterable[Any]:
    for item in items:
        if isinstance(item, list):
            yield from _flat(item)
        else:
            yield item


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _apply_one(step: Step) -> Callable[[list[Any], dict | None], list[Any]]:
    """``_apply`` for one step, specialised: plain dicts and lists are handled inline, anything else
    (a JSON text to decode, a scalar, a mapping that is not a dict) goes through ``_apply``."""
    if isinstance(step, _Key):
        name = step.name

        def key(nodes: list[Any], cache: dict | None) -> list[Any]:
            out: list[Any] = []
            for node in nodes:
                if type(node) is dict:
                    if name in node:
                        out.append(node[name])
                else:
                    out.extend(_apply(step, (node,), cache))
            return out

        return key
    if isinstance(step, _Filter):
        field, wanted = step.key, step.value

        def where(nodes: list[Any], cache: dict | None) -> list[Any]:
            out: list[Any] = []
            for node in nodes:
                if type(node) is list and cache is not None:
                    hits = _filter_index(node, field, cache).get(wanted)
                    if hits:
                        out.extend(hits)
                else:
                    out.extend(_apply(step, (node,), cache))
            return out

        return where
    if isinstance(step, _All):
        def every(nodes: list[Any], cache: dict | None) -> list[Any]:
            out: list[Any] = []
            for node in nodes:
                kind = type(node)
                if kind is list:
                    out.extend(node)
                elif kind is dict:
                    out.append(node)
                else:
                    out.extend(_apply(step, (node,), cache))
            return out

        return every
    return lambda nodes, cache: _apply(step, nodes, cache)


@lru_cache(maxsize=4096)
def _evaluator(path: str) -> Callable[[Any, dict | None], list[Any]]:
    """``evaluate_json_path`` for one path, bound once: leading keys walked inline, then one
    specialised function per remaining step. Raises ConfigError on bad syntax."""
    steps = compile_json_path(path)
    as_json = bool(steps) and isinstance(steps[-1], _AsJson)
    body = steps[:-1] if as_json else steps
    lead: list[str] = []
    for step in body:
        if not isinstance(step, _Key):
            break
        lead.append(step.name)
    names = tuple(lead)
    rest = tuple(_apply_one(step) for step in body[len(names):])  # type: ignore[arg-type]
    all_rest = tuple(_apply_one(step) for step in body)  # type: ignore[arg-type]

    def evaluate(value: Any, cache: dict | None = None) -> list[Any]:
        node, todo = value, rest
        for i, name in enumerate(names):
            if type(node) is not dict:  # a list, JSON text ...: the general steps from here on
                todo = all_rest[i:]
                break
            if name not in node:
                return []
            node = node[name]
        nodes: list[Any] = [node]
        for fn in todo:
            nodes = fn(nodes, cache)
            if not nodes:
                return []
        if as_json:
            return [json.dumps(n, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
                    for n in nodes if isinstance(n, (dict, list))]
        if len(nodes) == 1 and type(nodes[0]) is not list:
            return nodes
        return list(_flat(nodes))

    if len(names) == 1 and not rest and not as_json:
        name = names[0]

        def evaluate_key(value: Any, cache: dict | None = None) -> list[Any]:
            if type(value) is not dict:
                return evaluate(value, cache)
            if name not in value:
                return []
            node = value[name]
            return list(_flat(node)) if type(node) is list else [node]

        return evaluate_key
    if len(names) == 1 and rest and isinstance(body[1], _Filter) and not as_json:
        # CKAN extras: ``extras[key=X].value`` - the list's index, then the remaining steps.
        list_key, field, wanted, after = names[0], body[1].key, body[1].value, rest[1:]  # type: ignore[union-attr]

        def evaluate_filter(value: Any, cache: dict | None = None) -> list[Any]:
            items = value.get(list_key) if type(value) is dict else None
            if type(items) is not list or cache is None:
                return evaluate(value, cache)
            index = cache.get((id(items), field))
            if index is None:
                index = _filter_index(items, field, cache)
            nodes = index.get(wanted)
            if not nodes:
                return []
            if not after:
                return list(_flat(nodes))  # a copy: the index's own list must not leak
            for fn in after:
                nodes = fn(nodes, cache)
                if not nodes:
                    return []
            if len(nodes) == 1 and type(nodes[0]) is not list:
                return nodes
            return list(_flat(nodes))

        return evaluate_filter
    return evaluate


def evaluate_json_path(value: Any, path: str, cache: dict | None = None) -> list[Any]:
    """All nodes (any JSON type) at ``path`` in ``value``, lists at the end flattened.

    ``cache`` (one dict per parsed record) keeps filter indexes, so the many
    ``extras[key=...]`` lookups of a CKAN mapping scan the extras list once, not once per path.
    """
    return _evaluator(path)(value, cache)


_SCALARS = (str, int, float, bool)


def scalars(nodes: Iterable[Any]) -> list[Scalar]:
    """Keep the scalar nodes (str, int, float, bool); drop nulls, objects and lists."""
    return [n for n in nodes if isinstance(n, _SCALARS)]


class JsonDocument:
    """A JSON value the mapping engine can query with JSONPath-lite paths."""

    __slots__ = ("value", "cache")

    def __init__(self, value: Any, cache: dict | None = None) -> None:
        self.value = value
        self.cache: dict = {} if cache is None else cache  # shared with sub-documents

    def select(self, path: str) -> list[Scalar]:
        return scalars(_evaluator(path)(self.value, self.cache))

    def each(self, path: str) -> list[Document]:
        return _sub_documents(_evaluator(path)(self.value, self.cache), self.cache)


def _sub_documents(nodes: list[Any], cache: dict) -> list[Document]:
    docs: list[Document] = []
    for node in nodes:
        node = _decode(node)
        for item in (node if isinstance(node, list) else [node]):
            if item is not None and item != "":
                docs.append(JsonDocument(item, cache))
    return docs


def _compiled_select(path: str) -> Callable[[Any], list[Scalar]]:
    evaluate = _evaluator(path)
    steps = compile_json_path(path)
    if len(steps) == 1 and isinstance(steps[0], _Key):  # a plain key: ``title``, ``notes``
        name = steps[0].name

        def select_key(doc: Any) -> list[Scalar]:
            if type(doc) is not JsonDocument:
                return doc.select(path)
            value = doc.value
            if type(value) is not dict:
                return scalars(evaluate(value, doc.cache))
            if name not in value:
                return []
            node = value[name]
            kind = type(node)
            if kind is str or kind is int or kind is float or kind is bool:
                return [node]
            if kind is list:
                return [n for n in _flat(node) if isinstance(n, _SCALARS)]
            return [node] if isinstance(node, _SCALARS) else []

        return select_key

    def select(doc: Any) -> list[Scalar]:
        if type(doc) is not JsonDocument:
            return doc.select(path)
        nodes = evaluate(doc.value, doc.cache)
        if len(nodes) == 1:  # the common cases: no value, one value
            kind = type(nodes[0])
            if kind is str or kind is int or kind is float or kind is bool:
                return nodes
        elif not nodes:
            return nodes
        return [n for n in nodes if isinstance(n, _SCALARS)]

    return select


def _compiled_each(path: str) -> Callable[[Any], list[Document]]:
    evaluate = _evaluator(path)

    def each(doc: Any) -> list[Document]:
        if type(doc) is not JsonDocument:
            return doc.each(path)
        return _sub_documents(evaluate(doc.value, doc.cache), doc.cache)

    return each


class JsonReader:
    """Reads ``application/json`` and ``application/ld+json`` records.

    Option ``root`` (list of paths): the first path that yields an object becomes the document
    (for envelopes such as ``{"result": {...}}``); without a match the whole value is used.
    """

    name: ClassVar[str] = "json"
    media_types: ClassVar[tuple[str, ...]] = ("application/json", "application/ld+json", "text/json")

    @staticmethod
    def check_path(path: str, options: Mapping[str, Any]) -> None:
        """Raise ConfigError if ``path`` is not valid JSONPath-lite."""
        compile_json_path(path)

    @staticmethod
    def compile_select(path: str, options: Mapping[str, Any]) -> Callable[[Any], list[Scalar]]:
        """``doc.select(path)`` as a function bound once; raises ConfigError like ``check_path``.
        A document of another reader gets ``doc.select(path)``."""
        return _compiled_select(path)

    @staticmethod
    def compile_each(path: str, options: Mapping[str, Any]) -> Callable[[Any], list[Document]]:
        """``doc.each(path)`` as a function bound once (see ``compile_select``)."""
        return _compiled_each(path)

    def read(self, record: SourceRecord, options: Mapping[str, Any]) -> Document:
        try:
            value = json.loads(record.content)
        except (ValueError, UnicodeDecodeError) as exc:
            raise RecordInvalid(
                f"record {record.remote_id!r} of source {record.source_id!r} is not valid JSON: {exc}",
                remote_id=record.remote_id, code="READ-JSON",
            ) from None
        for root in options.get("root") or ():
            hits = [n for n in evaluate_json_path(value, root) if isinstance(n, dict)]
            if hits:
                return JsonDocument(hits[0])
        return JsonDocument(value)
