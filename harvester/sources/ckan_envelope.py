"""CKAN-like Action API envelopes: unwrap the ``result`` or raise an error that says what happened.

Tolerated shapes: the standard ``{"help", "success", "result"}``; the data.go.id proxy's
``{"status": "200 OK", "message": "Sucess", "result"}``; DKAN (``result`` of ``package_show`` is a
list - the caller unwraps it); ``help`` as prose instead of a URL. Errors:

* ``ActionUnavailable`` - the server has no such action: HTTP 404 (CKAN's or a plain web server's),
  CKAN's "Action name not known", or the Spring Boot 404 body of the data.go.id proxy
  (``{"timestamp", "status": 404, "error", "path"}``). The ckan source falls back to package_list.
* ``PackageNotFound`` - the action exists but the object does not (``package_show`` of a gone name).
* ``SourceUnavailable`` - 429/5xx after the HTTP policy's retries.
* ``SourceProtocolError`` - ``success: false`` (naming the action and CKAN's message and type), an
  HTML/invalid/non-JSON body, or a body without ``result``.
"""

from __future__ import annotations

import re
from typing import Any

from harvester.errors import SourceProtocolError, SourceUnavailable
from harvester.http import HttpResponse
from harvester.sources.json_body import decode_json, snippet

_ACTION_MISSING = re.compile(r"action name not known|action .{0,40}not found|unknown action", re.I)
_SPRING_KEYS = {"timestamp", "status", "error", "path"}


class ActionUnavailable(Exception):
    """The server does not offer the action (triggers the package_list fallback)."""

    def __init__(self, message: str, url: str) -> None:
        super().__init__(message)
        self.url = url


class PackageNotFound(SourceProtocolError):
    """The action answered "not found" for the requested object."""


def _error_message(error: Any) -> str:
    """CKAN's ``error`` member (a dict with ``message``/``__type`` or field errors) as one line."""
    if isinstance(error, dict):
        message = error.get("message")
        kind = error.get("__type")
        fields = {k: v for k, v in error.items() if k not in ("message", "__type")}
        parts = [str(p) for p in (kind, message) if p]
        if fields:
            parts.append("; ".join(f"{k}: {v}" for k, v in fields.items()))
        return " - ".join(parts) or "no message"
    return str(error) if error else "no message"


def unwrap(source_id: str, action: str, resp: HttpResponse) -> Any:
    """The ``result`` of an action's response.

    Raises ActionUnavailable, PackageNotFound, SourceUnavailable or SourceProtocolError (see the
    module docstring); every message names the source, the action and the URL.
    """
    status = resp.status
    if status == 429 or status >= 500:
        raise SourceUnavailable(f"{action}: HTTP {status} after retries", source_id=source_id, url=resp.url,
                                status=status)
    try:
        body = decode_json(source_id, resp, what=f"{action} response")
    except SourceProtocolError:
        if status == 404:
            raise ActionUnavailable(f"HTTP 404, body {snippet(resp.content)!r}", resp.url) from None
        if status >= 400:
            raise SourceProtocolError(f"{action}: HTTP {status}: {snippet(resp.content)!r}",
                                      source_id=source_id, url=resp.url, status=status) from None
        raise
    if not isinstance(body, dict):
        raise SourceProtocolError(f"{action}: expected a CKAN response object, got a JSON {type(body).__name__}",
                                  source_id=source_id, url=resp.url)
    if _SPRING_KEYS <= body.keys() and "result" not in body:  # Spring Boot error (data.go.id proxy)
        text = f"HTTP {body.get('status')} {body.get('error')} for {body.get('path')}"
        if status == 404 or body.get("status") == 404:
            raise ActionUnavailable(text, resp.url)
        raise SourceProtocolError(f"{action}: {text}", source_id=source_id, url=resp.url, status=status)
    proxy_status = body.get("status")
    failed = body.get("success") is False or status >= 400 or (
        isinstance(proxy_status, str) and not proxy_status.strip().startswith("2"))
    if failed:
        message = _error_message(body.get("error") or body.get("message"))
        if action != "package_show" and (status == 404 or _ACTION_MISSING.search(message)):
            raise ActionUnavailable(message, resp.url)
        error_type = PackageNotFound if status == 404 or "not found" in message.lower() else SourceProtocolError
        raise error_type(f"CKAN action {action} failed: {message} (HTTP {status})", source_id=source_id,
                         url=resp.url, status=status)
    if "result" not in body:
        raise SourceProtocolError(f"{action}: response has no 'result' (keys: {', '.join(sorted(body))[:200]})",
                                  source_id=source_id, url=resp.url)
    return body["result"]
