"""A real HTTP server on 127.0.0.1 that serves recorded or scripted responses to the tests.

Routes are matched on the path and, optionally, on query parameters (a subset match). Several
responses registered for one route are served in order; the last one then repeats — enough to
script "503 with Retry-After, then 200" or page sequences. Each response may be delayed (to
provoke timeouts) or truncated (Content-Length larger than the body, then the socket closes).
Every request is logged in ``server.requests`` so tests can assert what was (not) fetched.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Callable, Optional
from urllib.parse import parse_qs, urlsplit


@dataclass
class Scripted:
    """One scripted response."""

    body: bytes = b""
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    truncate: bool = False
    handler: Optional[Callable[["Request"], "Scripted"]] = None  # dynamic response


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes


@dataclass
class _Route:
    path: str
    query: dict[str, str]
    responses: list[Scripted]
    served: int = 0

    def matches(self, path: str, query: dict[str, list[str]]) -> bool:
        if path != self.path:
            return False
        return all(query.get(k, [None])[0] == v for k, v in self.query.items())

    def next(self) -> Scripted:
        response = self.responses[min(self.served, len(self.responses) - 1)]
        self.served += 1
        return response


class RecordedServer:
    """Threaded HTTP server; start with ``start()``, stop with ``stop()`` (the fixture does both)."""

    def __init__(self) -> None:
        self.routes: list[_Route] = []
        self.requests: list[Request] = []
        self._lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: object) -> None:  # keep test output clean
                pass

            def _serve(self) -> None:
                parts = urlsplit(self.path)
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                req = Request(self.command, parts.path, parse_qs(parts.query, keep_blank_values=True),
                              {k: v for k, v in self.headers.items()}, body)
                with server._lock:
                    server.requests.append(req)
                    route = next((r for r in reversed(server.routes) if r.matches(parts.path, req.query)), None)
                    scripted = route.next() if route else Scripted(b"not found", 404)
                if scripted.handler is not None:
                    scripted = scripted.handler(req)
                if scripted.delay:
                    time.sleep(scripted.delay)
                self.send_response(scripted.status)
                headers = {"Content-Type": "application/octet-stream", **scripted.headers}
                declared = len(scripted.body) + (1000 if scripted.truncate else 0)
                for key, value in headers.items():
                    self.send_header(key, value)
                self.send_header("Content-Length", str(declared))
                if scripted.truncate:
                    self.send_header("Connection", "close")
                self.end_headers()
                if self.command != "HEAD":
                    try:
                        self.wfile.write(scripted.body)
                        self.wfile.flush()
                    except (BrokenPipeError, ConnectionResetError):
                        pass
                if scripted.truncate:
                    self.close_connection = True

            do_GET = do_POST = do_HEAD = do_PUT = do_DELETE = _serve

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
                                        daemon=True)

    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def url(self, path: str) -> str:
        return self.base_url + (path if path.startswith("/") else "/" + path)

    def add(self, path: str, body: bytes | str = b"", *, status: int = 200, content_type: str | None = None,
            headers: dict[str, str] | None = None, query: dict[str, str] | None = None, delay: float = 0.0,
            truncate: bool = False, handler: Callable[[Request], Scripted] | None = None) -> None:
        """Register one more response for ``path`` (+ ``query`` subset). Later registrations win on overlap."""
        data = body.encode("utf-8") if isinstance(body, str) else body
        hdrs = dict(headers or {})
        if content_type:
            hdrs["Content-Type"] = content_type
        scripted = Scripted(data, status, hdrs, delay, truncate, handler)
        with self._lock:
            for route in self.routes:
                if route.path == path and route.query == (query or {}):
                    route.responses.append(scripted)
                    return
            self.routes.append(_Route(path, dict(query or {}), [scripted]))

    def add_file(self, path: str, file: str | Path, content_type: str, **kw: object) -> None:
        """Serve the bytes of ``file`` at ``path``."""
        self.add(path, Path(file).read_bytes(), content_type=content_type, **kw)  # type: ignore[arg-type]

    def hits(self, path: str) -> int:
        """How many requests reached ``path``."""
        return sum(1 for r in self.requests if r.path == path)

    def start(self) -> "RecordedServer":
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
