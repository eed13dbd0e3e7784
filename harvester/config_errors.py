"""Turn pydantic validation errors of a config file into one ``ConfigError`` with file, key and line.

``validate_model(cls, data, doc)`` validates ``data`` (read from ``doc``) and, on failure, raises a
ConfigError whose ``file``, ``key`` and ``line`` are those of the first problem and whose message
lists every problem on its own line, e.g.::

    config/sources/dinkes.yaml:7 [schedule.intervall]: unknown key 'intervall'; did you mean
    'interval'? (allowed: cron, interval, window, jitter_seconds, timezone)

Values of secret-looking keys (token, password, secret) are never echoed in messages.
"""

from __future__ import annotations

import difflib
import types
import typing
from typing import Any, Optional, TypeVar

from pydantic import BaseModel, ValidationError

from harvester.config_yaml import KeyPath, YamlDoc, format_key_path
from harvester.errors import ConfigError

M = TypeVar("M", bound=BaseModel)
_SECRET_WORDS = ("token", "password", "secret", "api_key", "apikey")


def validate_model(cls: type[M], data: Any, doc: YamlDoc, *, prefix: KeyPath = (),
                   context: Optional[dict[str, Any]] = None) -> M:
    """``cls.model_validate(data)``; a ValidationError becomes a ConfigError (see module doc).

    ``prefix`` is prepended to error locations, for models validated from a part of the file
    (a source type's ``options``).
    """
    try:
        return cls.model_validate(data, context=context)
    except ValidationError as exc:
        raise config_error_from(exc, cls, doc, prefix=prefix) from None


def config_error_from(exc: ValidationError, cls: type[BaseModel], doc: YamlDoc, *,
                      prefix: KeyPath = ()) -> ConfigError:
    """Build the ConfigError for ``exc`` (raised by ``cls``) located in ``doc``."""
    problems: list[tuple[KeyPath, str]] = []
    for err in exc.errors(include_url=False):
        loc = tuple(err["loc"])
        problems.append((prefix + loc, _reason(err, cls, loc)))
    key_path, reason = problems[0]
    if len(problems) > 1:
        extra = "\n".join(
            f"  {doc.path}:{doc.line_of(p)} [{format_key_path(p) or '(top level)'}]: {r}" for p, r in problems[1:]
        )
        reason = f"{reason}\n  ... and {len(problems) - 1} more problem(s):\n{extra}"
    return ConfigError(reason, file=str(doc.path), key=format_key_path(key_path) or None,
                       line=doc.line_of(key_path), problems=[(format_key_path(p), r) for p, r in problems])


def _reason(err: dict[str, Any], cls: type[BaseModel], loc: KeyPath) -> str:
    kind = err["type"]
    if kind == "extra_forbidden":
        key = str(loc[-1]) if loc else "?"
        allowed = allowed_keys(cls, loc[:-1])
        text = f"unknown key {key!r}"
        if allowed:
            close = difflib.get_close_matches(key, allowed, n=1)
            if close:
                text += f"; did you mean {close[0]!r}?"
            text += f" (allowed: {', '.join(allowed)})"
        return text
    if kind == "missing":
        return "required key is missing"
    msg = str(err["msg"])
    for lead in ("Value error, ", "Assertion failed, "):
        if msg.startswith(lead):
            msg = msg[len(lead):]
    value = err.get("input")
    secret = any(w in str(part).lower() for part in loc for w in _SECRET_WORDS)
    if not secret and isinstance(value, (str, int, float, bool)) and kind != "value_error":
        shown = repr(value) if len(repr(value)) <= 80 else repr(value)[:77] + "..."
        msg += f" (got {shown})"
    return msg


def allowed_keys(cls: type[BaseModel], loc: KeyPath) -> list[str]:
    """Keys accepted by the model found at ``loc`` under ``cls`` ([] when it is not a model)."""
    target = _type_at(cls, loc)
    if isinstance(target, type) and issubclass(target, BaseModel):
        return [f.alias or name for name, f in target.model_fields.items()]
    return []


def _unwrap(tp: Any) -> Any:
    """Strip Annotated/Optional; for a union containing a model, return that model."""
    while True:
        origin = typing.get_origin(tp)
        if origin is typing.Annotated:
            tp = typing.get_args(tp)[0]
            continue
        if origin is typing.Union or origin is types.UnionType:
            args = [a for a in typing.get_args(tp) if a is not type(None)]
            models = [a for a in args if isinstance(a, type) and issubclass(a, BaseModel)]
            if models:
                tp = models[0]
                continue
            if len(args) == 1:
                tp = args[0]
                continue
        return tp


def _type_at(cls: Any, loc: KeyPath) -> Any:
    current: Any = cls
    for part in loc:
        current = _unwrap(current)
        if isinstance(current, type) and issubclass(current, BaseModel):
            field = next((f for n, f in current.model_fields.items() if part in (n, f.alias)), None)
            if field is None:
                return None
            current = field.annotation
            continue
        origin = typing.get_origin(current)
        args = typing.get_args(current)
        if origin in (list, tuple, set) and args:
            current = args[0]
        elif origin is dict and len(args) == 2:
            current = args[1]
        else:
            return None
    return _unwrap(current)
