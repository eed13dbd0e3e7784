"""Calls a WSGI app in-process (no sockets) the way waitress would: REQUEST_URI carries the raw
path, PATH_INFO the decoded one. For fast unit tests of the feed's routing and HTTP semantics; the
integration tests use a real waitress server."""

from __future__ import annotations

import io
import sys
from dataclasses import dataclass
from typing import Any, Callable, Optional
from urllib.parse import unquote_to_bytes


@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    body: bytes

    def header(self, name: str) -> Optional[str]:
        return self.headers.get(name.lower())

    def json(self) -> Any:
        import json

        return json.loads(self.body)


def call(app: Callable[..., Any], target: str, *, method: str = "GET", headers: Optional[dict[str, str]] = None,
         host: str = "feed.test", script_name: str = "") -> Reply:
    """Request ``target`` (raw path + optional ?query) from ``app``."""
    path, _, query = target.partition("?")
    environ: dict[str, Any] = {
        "REQUEST_METHOD": method, "SCRIPT_NAME": script_name,
        "PATH_INFO": unquote_to_bytes(path[len(script_name):]).decode("latin-1"),
        "REQUEST_URI": target, "QUERY_STRING": query, "SERVER_NAME": "feed.test", "SERVER_PORT": "80",
        "SERVER_PROTOCOL": "HTTP/1.1", "wsgi.url_scheme": "http", "wsgi.input": io.BytesIO(b""),
        "wsgi.errors": sys.stderr, "wsgi.version": (1, 0), "wsgi.multithread": True,
        "wsgi.multiprocess": False, "wsgi.run_once": False, "HTTP_HOST": host,
    }
    for name, value in (headers or {}).items():
        environ["HTTP_" + name.upper().replace("-", "_")] = value
    seen: dict[str, Any] = {}

    def start_response(status: str, hdrs: list[tuple[str, str]], exc_info: Any = None) -> None:
        seen["status"] = int(status.split()[0])
        seen["headers"] = {k.lower(): v for k, v in hdrs}

    result = app(environ, start_response)
    try:
        body = b"".join(result)
    finally:
        close = getattr(result, "close", None)
        if close is not None:
            close()
    return Reply(seen["status"], seen["headers"], body)
