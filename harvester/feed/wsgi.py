"""Minimal WSGI plumbing for the feed: request view, response value, router, and the final write.

Why not a framework: the feed has a handful of read-only routes, must stream bodies with flat
memory, and other parts of the daemon (metrics, status page) need to add routes or mount whole WSGI
apps next to it. ``Router.add`` / ``Router.mount`` give exactly that.

Paths are matched on the *raw* (still percent-encoded) path, taken from ``REQUEST_URI`` (waitress)
or ``RAW_URI`` (gunicorn) when the server provides it, so an encoded slash inside a dataset id
(``/dataset/kota/a%2Fb``) stays part of the id. Handlers decode their parameters with ``decode``.

Links in responses are built from the *root URL*: ``public_url`` from config when set (the right
choice behind a reverse proxy), else the request's scheme and ``Host`` plus ``SCRIPT_NAME`` and the
configured ``base_path``; ``X-Forwarded-Proto/Host/Prefix`` are honoured only when configured.

Failure behaviour: handlers raise ``HttpError`` for client errors; ``finish`` turns it into an
``application/problem+json`` body (RFC 9457). Other exceptions are the app's business (500).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import datetime
from http import HTTPStatus
from typing import Any, Callable, Iterable, Iterator, Optional, Union
from urllib.parse import parse_qs, quote, unquote, unquote_to_bytes, urlencode

from harvester.feed.compress import (
    MIN_SIZE,
    accepts_gzip,
    gunzip_chunks,
    gzip_bytes,
    gzip_stream,
)
from harvester.feed.conditional import http_date

StartResponse = Callable[..., Any]
WsgiApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]
Body = Union[bytes, Iterable[bytes]]


class HttpError(Exception):
    """A client-visible error: status code and a human-readable detail."""

    def __init__(self, status: int, detail: str, headers: tuple[tuple[str, str], ...] = ()) -> None:
        super().__init__(detail)
        self.status, self.detail, self.headers = status, detail, headers


def decode(raw: str, what: str = "path") -> str:
    """Percent-decode ``raw`` as UTF-8; HttpError 400 naming ``what`` when it is not valid UTF-8."""
    try:
        return unquote(raw, encoding="utf-8", errors="strict")
    except UnicodeDecodeError as exc:
        raise HttpError(400, f"{what} is not valid percent-encoded UTF-8: {raw[:200]!r}") from exc


@dataclass
class Response:
    """What a handler returns. ``body`` is bytes or an iterable of chunks (streamed, no length).

    ``gzipped``: ``body`` (bytes) is already gzip-compressed and ``size`` is its inflated length.
    ``compressible``: gzip may be applied for clients that accept it.
    """

    status: int = 200
    body: Body = b""
    media_type: str = "text/plain; charset=utf-8"
    headers: list[tuple[str, str]] = field(default_factory=list)
    etag: Optional[str] = None
    last_modified: Optional[datetime] = None
    vary: tuple[str, ...] = ()
    gzipped: bool = False
    size: Optional[int] = None
    compressible: bool = True
    cache_control: Optional[str] = "public, no-cache"


def problem(status: int, detail: str, headers: Iterable[tuple[str, str]] = ()) -> Response:
    """An RFC 9457 problem document."""
    title = HTTPStatus(status).phrase
    body = json.dumps({"type": "about:blank", "title": title, "status": status, "detail": detail},
                      ensure_ascii=False).encode("utf-8")
    return Response(status, body, "application/problem+json", list(headers), compressible=False,
                    cache_control="no-store")


class Request:
    """Read-only view of one WSGI request."""

    __slots__ = ("environ", "method", "path", "prefix", "query", "root_url")

    def __init__(self, environ: dict[str, Any], path: str, root_url: str, prefix: str = "") -> None:
        self.environ = environ
        self.method: str = environ.get("REQUEST_METHOD", "GET").upper()
        self.path = path  # raw (percent-encoded) path below the root, starting with "/"
        self.root_url = root_url  # scheme://host[:port][/prefix], no trailing slash
        self.prefix = prefix  # the configured base_path when the request carried it
        self.query: dict[str, list[str]] = parse_qs(environ.get("QUERY_STRING", ""), keep_blank_values=True)

    def arg(self, name: str) -> Optional[str]:
        """First value of query parameter ``name`` (None when absent)."""
        values = self.query.get(name)
        return values[0] if values else None

    def header(self, name: str) -> Optional[str]:
        key = name.upper().replace("-", "_")
        if key not in ("CONTENT_TYPE", "CONTENT_LENGTH"):
            key = "HTTP_" + key
        return self.environ.get(key)

    def url(self, path: str, params: Iterable[tuple[str, str]] = ()) -> str:
        """Absolute URL of ``path`` (already percent-encoded) below the root, with query ``params``."""
        query = urlencode(list(params))
        return f"{self.root_url}{path}" + (f"?{query}" if query else "")


def _raw_path(environ: dict[str, Any]) -> str:
    """The request path below SCRIPT_NAME, still percent-encoded."""
    script = environ.get("SCRIPT_NAME", "")
    raw = environ.get("REQUEST_URI") or environ.get("RAW_URI")
    if raw:
        raw = raw.split("?", 1)[0].split("#", 1)[0]
        if "://" in raw[:10]:  # absolute-form request target
            raw = "/" + raw.split("://", 1)[1].partition("/")[2]
        quoted_script = quote(script.encode("latin-1"), safe="/")
        if raw.startswith(quoted_script):
            return raw[len(quoted_script):] or "/"
    # No raw URI: re-encode PATH_INFO (bytes carried as latin-1 per PEP 3333); %2F is lost here.
    return quote(environ.get("PATH_INFO", "").encode("latin-1"), safe="/;=,:@!$&'()*+~") or "/"


def make_request(environ: dict[str, Any], *, public_url: Optional[str], base_path: str,
                 forwarded: bool) -> Request:
    """Build the ``Request`` (path below the feed root, root URL for links)."""
    path = "/" + _raw_path(environ).lstrip("/")
    prefix = base_path.rstrip("/")
    if prefix and (path == prefix or path.startswith(prefix + "/")):
        path = path[len(prefix):] or "/"
    else:
        prefix = ""
    if len(path) > 1:
        path = path.rstrip("/") or "/"
    if public_url:
        return Request(environ, path, public_url.rstrip("/"), prefix)
    scheme = environ.get("wsgi.url_scheme", "http")
    host = environ.get("HTTP_HOST") or f"{environ.get('SERVER_NAME', 'localhost')}:{environ.get('SERVER_PORT', '80')}"
    script = quote(environ.get("SCRIPT_NAME", "").encode("latin-1"), safe="/")
    if forwarded:
        scheme = (environ.get("HTTP_X_FORWARDED_PROTO") or scheme).split(",")[0].strip()
        host = (environ.get("HTTP_X_FORWARDED_HOST") or host).split(",")[0].strip()
        script = (environ.get("HTTP_X_FORWARDED_PREFIX") or "").rstrip("/") + script
    return Request(environ, path, f"{scheme}://{host}{script}{prefix}", prefix)


Handler = Callable[..., Response]


class Router:
    """Routes ``pattern`` -> handler, and prefixes -> whole WSGI apps.

    Patterns are raw paths with ``{name}`` (one segment) and ``{name:path}`` (the rest, slashes
    included) placeholders; the handler is called as ``handler(request, **params)`` with the raw
    (still encoded) parameter values. The first matching route wins.
    """

    def __init__(self) -> None:
        self._routes: list[tuple[re.Pattern[str], tuple[str, ...], Handler]] = []
        self._mounts: list[tuple[str, WsgiApp]] = []

    def add(self, pattern: str, handler: Handler, methods: tuple[str, ...] = ("GET", "HEAD")) -> None:
        regex = ""
        for part in re.split(r"(\{[a-z_]+(?::path)?\})", pattern):
            if part.startswith("{"):
                name, _, kind = part[1:-1].partition(":")
                regex += f"(?P<{name}>.+)" if kind == "path" else f"(?P<{name}>[^/]+)"
            else:
                regex += re.escape(part)
        self._routes.append((re.compile(regex + r"\Z"), methods, handler))

    def mount(self, prefix: str, app: WsgiApp) -> None:
        """Hand every request under ``prefix`` (e.g. ``/metrics``) to another WSGI app."""
        self._mounts.append(("/" + prefix.strip("/"), app))

    def mounted(self, path: str) -> Optional[tuple[str, WsgiApp]]:
        for prefix, app in self._mounts:
            if path == prefix or path.startswith(prefix + "/"):
                return prefix, app
        return None

    def resolve(self, method: str, path: str) -> tuple[Optional[Handler], dict[str, str], set[str]]:
        """(handler, params, allowed methods); handler is None when nothing matches ``method``."""
        allowed: set[str] = set()
        for regex, methods, handler in self._routes:
            match = regex.match(path)
            if match is None:
                continue
            if method in methods:
                return handler, match.groupdict(), set(methods)
            allowed.update(methods)
        return None, {}, allowed


def call_mounted(app: WsgiApp, mount: str, req: Request, start_response: StartResponse) -> Iterable[bytes]:
    """Call an app mounted at ``mount``: ``SCRIPT_NAME`` extended by the base path and the mount
    point, ``PATH_INFO`` the (decoded) rest, as PEP 3333 describes a mount."""
    env = dict(req.environ)
    env["SCRIPT_NAME"] = env.get("SCRIPT_NAME", "") + unquote_to_bytes(req.prefix + mount).decode("latin-1")
    env["PATH_INFO"] = unquote_to_bytes(req.path[len(mount):]).decode("latin-1")
    return app(env, start_response)


def _close(body: Body) -> None:
    close = getattr(body, "close", None)
    if close is not None and not isinstance(body, bytes):
        close()


def finish(request: Request, resp: Response, start_response: StartResponse) -> Iterable[bytes]:
    """Apply content coding, validators and HEAD semantics, then call ``start_response``."""
    headers = [("Content-Type", resp.media_type), *resp.headers]
    if resp.etag:
        headers.append(("ETag", resp.etag))
    if resp.last_modified is not None:
        headers.append(("Last-Modified", http_date(resp.last_modified)))
    if resp.cache_control:
        headers.append(("Cache-Control", resp.cache_control))
    headers.append(("Access-Control-Allow-Origin", "*"))
    vary = list(resp.vary)
    body: Body = resp.body
    length: Optional[int] = None
    if resp.status == 304:
        headers = [h for h in headers if h[0] != "Content-Type"]
        body, length = b"", None
    elif resp.compressible or resp.gzipped:
        vary.append("Accept-Encoding")
        gzip_ok = accepts_gzip(request.header("Accept-Encoding"))
        body, length, coded = _encode(body, resp, gzip_ok)
        if coded:
            headers.append(("Content-Encoding", "gzip"))
    elif isinstance(body, bytes):
        length = len(body)
    if vary:
        headers.append(("Vary", ", ".join(dict.fromkeys(vary))))
    if length is not None:
        headers.append(("Content-Length", str(length)))
    status = resp.status
    start_response(f"{status} {HTTPStatus(status).phrase}", headers)
    if request.method == "HEAD":
        _close(body)
        return [b""]
    return [body] if isinstance(body, bytes) else body


def _encode(body: Body, resp: Response, gzip_ok: bool) -> tuple[Body, Optional[int], bool]:
    """(body, content length or None, gzip applied?) for the client's Accept-Encoding."""
    if isinstance(body, bytes):
        if resp.gzipped:
            if gzip_ok:
                return body, len(body), True
            return _Inflating(body), resp.size, False
        if gzip_ok and len(body) >= MIN_SIZE:
            packed = gzip_bytes(body)
            return packed, len(packed), True
        return body, len(body), False
    if gzip_ok:
        return gzip_stream(body), None, True
    return body, None, False


class _Inflating:
    """Iterable inflating cached gzip bytes for a client that does not accept gzip."""

    def __init__(self, data: bytes) -> None:
        self._data = data

    def __iter__(self) -> Iterator[bytes]:
        return gunzip_chunks(self._data)
