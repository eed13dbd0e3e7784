"""Canonical JSON form of the model, with a stable hash.

``to_dict`` drops ``None`` and empty values, so adding an optional field to the model does not change
the hash of records that do not use it. ``canonical_json`` sorts keys and uses fixed separators;
``stable_hash`` is the SHA-256 of that text. ``from_dict`` is the inverse and rejects unknown keys
(a stored record written by a newer version fails loudly instead of silently losing fields).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import fields, is_dataclass
from functools import lru_cache
from operator import attrgetter
from typing import Any, TypeVar

from harvester.model.dataset import NESTED_TYPES, Dataset, Distribution

T = TypeVar("T")



@lru_cache(maxsize=None)
def _field_names(cls: type) -> tuple[str, ...]:
    return tuple(f.name for f in fields(cls))


def to_dict(obj: Any) -> Any:
    """Plain JSON-able structure of a model object (dataclasses, tuples, scalars); empties dropped."""
    shape = _SHAPES.get(type(obj))
    if shape is None:
        if is_dataclass(obj) and not isinstance(obj, type):
            names = _field_names(type(obj))
            shape = _SHAPES[type(obj)] = (names, attrgetter(*names) if len(names) > 1 else None)
        elif isinstance(obj, (tuple, list)):
            return [to_dict(v) for v in obj]
        else:
            return obj
    names, getter = shape
    out: dict[str, Any] = {}
    for name, value in zip(names, getter(obj) if getter else (getattr(obj, names[0]),)):
        # "not value" first: most values are set and truthy; of the falsy ones 0 and False are kept.
        if not value and (value is None or type(value) in _DROPPED_EMPTY):
            continue
        if name == "extras":
            out[name] = [list(pair) for pair in value]
            continue
        out[name] = value if type(value) is str else to_dict(value)
    return out


#: (field names, attrgetter of them) per model class, filled on first use.
_SHAPES: dict[type, tuple[tuple[str, ...], Any]] = {}
_DROPPED_EMPTY = (str, tuple, list, dict)


def _build(cls: type[T], data: dict[str, Any]) -> T:
    known = _field_names(cls)
    unknown = set(data) - set(known)
    if unknown:
        raise ValueError(f"unknown {cls.__name__} field(s): {', '.join(sorted(unknown))}")
    kwargs: dict[str, Any] = {}
    for name, value in data.items():
        nested = NESTED_TYPES.get(name) if cls in (Dataset, Distribution) or name in NESTED_TYPES else None
        if name == "extras":
            kwargs[name] = tuple((str(k), str(v)) for k, v in value)
        elif nested is not None and isinstance(value, dict):
            kwargs[name] = _build(nested, value)
        elif nested is not None and isinstance(value, list):
            kwargs[name] = tuple(_build(nested, v) for v in value)
        elif isinstance(value, list):
            kwargs[name] = tuple(value)
        else:
            kwargs[name] = value
    return cls(**kwargs)


def from_dict(data: dict[str, Any]) -> Dataset:
    """Rebuild a ``Dataset`` from ``to_dict`` output. Raises ValueError on unknown keys."""
    return _build(Dataset, data)


def canonical_json(obj: Any) -> str:
    """Deterministic JSON text of a model object or plain structure."""
    data = to_dict(obj)
    return json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def json_and_hash(obj: Any) -> tuple[str, str]:
    """``(canonical_json(obj), stable_hash(obj))`` with the JSON built once."""
    text = canonical_json(obj)
    return text, hashlib.sha256(text.encode("utf-8")).hexdigest()


def stable_hash(obj: Any) -> str:
    """SHA-256 hex digest of ``canonical_json(obj)``; equal content gives an equal hash across runs."""
    return hashlib.sha256(canonical_json(obj).encode("utf-8")).hexdigest()
