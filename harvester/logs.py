"""Logging set-up: plain or JSON lines, job context on every line, and secrets masked everywhere.

* ``setup_logging(level, json, secrets)`` installs one handler on the root logger (stderr, plus a
  file when asked). Calling it again (SIGHUP reload) replaces the handlers it installed earlier and
  leaves other handlers (pytest's, an embedding app's) alone.
* ``SecretMaskFilter`` rewrites each record before any handler formats it: every configured secret
  value, ``Authorization:`` / API-key header values, token-like query parameters (``?api_key=``,
  ``&token=`` ...) and URL passwords (``https://user:pw@host``) become ``***`` in the message, its
  arguments, the exception text and the context values. It is attached to the installed handlers,
  so it also covers records propagated from every ``harvester.*`` logger.
* ``context_logger(logger, source_id=..., job_id=..., remote_id=...)`` returns an adapter that adds
  those keys to every record; nesting adapters merges their context. The plain format shows them as
  ``[source=... job=... remote=...]``; the JSON format as top-level keys.

Failure behaviour: a log file that cannot be opened raises OSError from ``setup_logging`` (the CLI
reports it); formatting never raises for odd context values (they are rendered with ``str``).
"""

from __future__ import annotations

import json as _json
import logging
import logging.handlers
import re
import sys
from datetime import datetime, timezone
from typing import Any, Iterable, MutableMapping, Optional, TextIO, Union

#: Context keys recognised on records (``extra=`` or ``context_logger``), in display order.
CONTEXT_KEYS = ("source_id", "job_id", "target_id", "remote_id")
MASK = "***"
#: Secrets shorter than this are not masked by value: masking 'a' would garble every line.
MIN_SECRET_LENGTH = 4

_PATTERNS: list[tuple[re.Pattern[str], str]] = [
    # Authorization: Bearer xyz / 'Authorization': 'Token xyz' / authorization=xyz
    (re.compile(r"(?i)(authorization['\"]?\s*[:=]\s*['\"]?(?:bearer\s+|basic\s+|token\s+|apikey\s+)?)"
                r"[^\s'\",;}]+"), r"\1" + MASK),
    # X-API-Key: xyz, X-CKAN-API-Key: xyz, api-key: xyz
    (re.compile(r"(?i)((?:x-ckan-api-key|x-api-key|api-key|apikey)['\"]?\s*[:=]\s*['\"]?)[^\s'\",;}&]+"),
     r"\1" + MASK),
    # ?token=xyz&api_key=xyz ... in URLs
    (re.compile(r"(?i)([?&;](?:access_token|api_key|apikey|api-key|auth|key|token|password|passwd|pwd|secret"
                r"|client_secret|signature|sig)=)[^&#\s'\"]+"), r"\1" + MASK),
    # scheme://user:password@host
    (re.compile(r"([a-zA-Z][a-zA-Z0-9+.-]*://[^/\s:@]+:)[^@/\s]+@"), r"\1" + MASK + "@"),
]


class SecretMasker:
    """Replaces secret values and secret-looking fragments in text."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        values = {s for s in secrets if s and len(s) >= MIN_SECRET_LENGTH}
        self.secrets = sorted(values, key=len, reverse=True)  # longest first: no partial leftovers

    def mask(self, text: str) -> str:
        for secret in self.secrets:
            if secret in text:
                text = text.replace(secret, MASK)
        for pattern, repl in _PATTERNS:
            text = pattern.sub(repl, text)
        return text


class SecretMaskFilter(logging.Filter):
    """Masks secrets in a record's message, arguments, exception text and context values."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        super().__init__()
        self.masker = SecretMasker(secrets)

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception as exc:  # a bad %-format must not lose the line; show what we have
            message = f"{record.msg!r} % {record.args!r} (format error: {exc})"
        record.msg = self.masker.mask(message)
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self.masker.mask(record.exc_text)
        if record.stack_info:
            record.stack_info = self.masker.mask(record.stack_info)
        for key in CONTEXT_KEYS:
            value = record.__dict__.get(key)
            if isinstance(value, str):
                record.__dict__[key] = self.masker.mask(value)
        return True


def _context(record: logging.LogRecord) -> dict[str, Any]:
    return {k: record.__dict__[k] for k in CONTEXT_KEYS if record.__dict__.get(k) is not None}


class PlainFormatter(logging.Formatter):
    """``2024-09-23 01:00:00,123 INFO harvester.runner [source=x job=3] message``."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s%(ctx)s %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        ctx = _context(record)
        short = {"source_id": "source", "job_id": "job", "target_id": "target", "remote_id": "remote"}
        record.ctx = " [" + " ".join(f"{short[k]}={v}" for k, v in ctx.items()) + "]" if ctx else ""
        return super().format(record)


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, context keys, exc (if any)."""

    def format(self, record: logging.LogRecord) -> str:
        out: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, tz=timezone.utc).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        out.update(_context(record))
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            out["exc"] = record.exc_text
        if record.stack_info:
            out["stack"] = record.stack_info
        return _json.dumps(out, ensure_ascii=False, default=str)


def setup_logging(
    level: Union[str, int] = "INFO",
    json: bool = False,
    secrets: Iterable[str] = (),
    *,
    file: Optional[str] = None,
    stream: Optional[TextIO] = None,
) -> SecretMaskFilter:
    """Configure the root logger; returns the mask filter (tests and reloads may reuse it).

    ``stream`` defaults to stderr; ``file`` adds a WatchedFileHandler (logrotate-friendly).
    Raises ValueError for an unknown level name and OSError when ``file`` cannot be opened.
    """
    if isinstance(level, str):
        resolved = logging.getLevelName(level.upper())
        if not isinstance(resolved, int):
            raise ValueError(f"unknown log level {level!r}")
        level = resolved
    mask = SecretMaskFilter(secrets)
    formatter: logging.Formatter = JsonFormatter() if json else PlainFormatter()
    handlers: list[logging.Handler] = [logging.StreamHandler(stream or sys.stderr)]
    if file:
        handlers.append(logging.handlers.WatchedFileHandler(file, encoding="utf-8"))
    root = logging.getLogger()
    for old in [h for h in root.handlers if getattr(h, "_satudata_handler", False)]:
        root.removeHandler(old)
        old.close()
    for handler in handlers:
        handler._satudata_handler = True  # type: ignore[attr-defined]
        handler.addFilter(mask)
        handler.setFormatter(formatter)
        root.addHandler(handler)
    root.setLevel(level)
    return mask


class ContextAdapter(logging.LoggerAdapter):  # type: ignore[type-arg]
    """LoggerAdapter that merges its context into ``extra`` (call-site ``extra`` wins)."""

    def process(self, msg: Any, kwargs: MutableMapping[str, Any]) -> tuple[Any, MutableMapping[str, Any]]:
        kwargs["extra"] = {**(self.extra or {}), **(kwargs.get("extra") or {})}
        return msg, kwargs


AnyLogger = Union[logging.Logger, logging.LoggerAdapter]  # type: ignore[type-arg]


def context_logger(logger: AnyLogger, **ctx: Any) -> ContextAdapter:
    """An adapter adding ``ctx`` (e.g. source_id, job_id, remote_id) to every record of ``logger``.

    Given an adapter, the contexts are merged (the new keys win), so a job logger can be narrowed to
    a record with ``context_logger(job_log, remote_id=rid)``. None values are dropped.
    """
    base: dict[str, Any] = {}
    while isinstance(logger, logging.LoggerAdapter):
        base = {**dict(logger.extra or {}), **base}
        logger = logger.logger
    base.update({k: v for k, v in ctx.items() if v is not None})
    return ContextAdapter(logger, base)
