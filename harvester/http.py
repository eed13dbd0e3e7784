"""One HTTP policy for everything that talks to the network (sources, targets, link checks).

``HttpClient`` wraps a ``requests.Session`` whose adapter enforces, for every request — including
the ones ckanapi, OWSLib and Sickle make through ``client.session``:

* connect/read timeouts;
* retries with exponential backoff (capped) on connection errors, timeouts, 429 and 5xx, honouring
  ``Retry-After`` (seconds or HTTP date). Non-idempotent methods are retried only on 429 and on
  connection failures, where the server cannot have acted on the request;
* a per-host rate limit (minimum interval between requests) and a per-host concurrency cap;
* a maximum response size (``ResponseTooLarge``), read as a stream so a huge body is never buffered;
  bodies are accumulated without a second full-size copy (a 100 MB page costs ~100 MB, not 200);
* a User-Agent, default headers and auth (basic, bearer, API-key header) — secrets are never logged;
* ``file://`` URLs for local files (bundled examples, tests).

``get()`` adds conditional GET: pass the stored validators of a URL and a 304 comes back as
``HttpResponse(not_modified=True)``; the validators dict is updated in place on a 200.
``get(..., into=file)`` writes the body into a binary file object instead of memory (same size
cap; ``HttpResponse.content`` then stays empty): for catalogue dumps of 100 MB and more that a
parser can read from disk. Internally such a request is sent with requests' ``stream=True``: the
adapter then checks only the declared Content-Length and the caller reads the body under the cap
(any other ``stream=True`` user of ``client.session`` takes on that duty too).
Errors: ``HttpUnavailable`` (retries exhausted, connection failed, 5xx/429) and ``HttpStatusError``
(4xx other than 429) carry url and status; callers translate them into Source/Target errors.
"""

from __future__ import annotations

import email.utils
import io
import logging
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, Mapping, Optional, Protocol
from urllib.parse import unquote, urlsplit

import requests
from pydantic import BaseModel, ConfigDict, Field, SecretStr
from requests.adapters import HTTPAdapter

from harvester import __version__

logger = logging.getLogger(__name__)

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
IDEMPOTENT = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})


class AuthConfig(BaseModel):
    """Credentials for a host. Secret values come from env vars or files (see settings)."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    type: Literal["basic", "bearer", "header"]
    username: Optional[str] = None
    password: Optional[SecretStr] = None
    token: Optional[SecretStr] = None
    header: str = "Authorization"  # for type=header, e.g. 'X-API-Key'


class HttpPolicy(BaseModel):
    """Network behaviour; a daemon-wide default that each source or target may override."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    connect_timeout: float = Field(10.0, gt=0)
    read_timeout: float = Field(60.0, gt=0)
    retries: int = Field(3, ge=0, le=10)
    backoff: float = Field(1.0, ge=0, description="first retry delay in seconds; doubles each retry")
    max_backoff: float = Field(60.0, ge=0, description="cap on one retry delay, also on Retry-After")
    rate_limit: Optional[float] = Field(None, gt=0, description="max requests per second per host")
    max_concurrency: int = Field(4, ge=1, description="parallel requests per host")
    max_bytes: int = Field(200 * 1024 * 1024, gt=0, description="largest response body accepted")
    user_agent: str = f"satudata-harvester/{__version__} (+https://github.com/satudata-harvester)"
    headers: dict[str, str] = Field(default_factory=dict)
    verify_tls: bool = True
    auth: Optional[AuthConfig] = None


class HttpError(Exception):
    """Base of HTTP failures; carries the URL and (when there was a response) the status."""

    def __init__(self, message: str, *, url: str, status: int | None = None) -> None:
        super().__init__(f"{message} ({url})")
        self.reason, self.url, self.status = message, url, status


class HttpUnavailable(HttpError):
    """Could not get a usable answer after retries: network error, timeout, 429 or 5xx."""


class HttpStatusError(HttpError):
    """The server answered with a non-retriable error status (4xx other than 429)."""


class ResponseTooLarge(HttpError):
    """The body exceeded ``max_bytes``."""


@dataclass
class HttpResponse:
    """A fully read response."""

    url: str
    status: int
    headers: Mapping[str, str]
    content: bytes = b""
    not_modified: bool = False

    @property
    def content_type(self) -> str:
        return self.headers.get("Content-Type", "").split(";")[0].strip().lower()

    @property
    def charset(self) -> Optional[str]:
        for part in self.headers.get("Content-Type", "").split(";")[1:]:
            key, _, value = part.strip().partition("=")
            if key.lower() == "charset" and value:
                return value.strip("\"'")
        return None


def retry_after_seconds(value: str | None) -> Optional[float]:
    """Parse a Retry-After header (delta seconds or HTTP date); None if absent or unparsable."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


@dataclass
class _HostGate:
    """Per-host rate limit and concurrency cap."""

    interval: float
    semaphore: threading.BoundedSemaphore
    lock: threading.Lock = field(default_factory=threading.Lock)
    next_at: float = 0.0

    def wait_turn(self) -> None:
        if self.interval <= 0:
            return
        with self.lock:
            now = time.monotonic()
            delay = self.next_at - now
            self.next_at = max(now, self.next_at) + self.interval
        if delay > 0:
            time.sleep(delay)


class PolicyAdapter(HTTPAdapter):
    """requests adapter applying retries, rate limit, concurrency and size cap of an HttpPolicy."""

    def __init__(self, policy: HttpPolicy, sleep=time.sleep) -> None:  # type: ignore[no-untyped-def]
        super().__init__(pool_maxsize=max(10, policy.max_concurrency))
        self.policy = policy
        self._sleep = sleep
        self._gates: dict[str, _HostGate] = {}
        self._gates_lock = threading.Lock()

    def _gate(self, url: str) -> _HostGate:
        host = urlsplit(url).netloc.lower()
        with self._gates_lock:
            gate = self._gates.get(host)
            if gate is None:
                interval = 1.0 / self.policy.rate_limit if self.policy.rate_limit else 0.0
                gate = _HostGate(interval, threading.BoundedSemaphore(self.policy.max_concurrency))
                self._gates[host] = gate
            return gate

    def _delay(self, attempt: int, response: requests.Response | None) -> float:
        hinted = retry_after_seconds(response.headers.get("Retry-After")) if response is not None else None
        base = hinted if hinted is not None else self.policy.backoff * (2 ** attempt)
        return min(base, self.policy.max_backoff)

    def send(self, request, **kwargs):  # type: ignore[no-untyped-def,override]
        kwargs["timeout"] = kwargs.get("timeout") or (self.policy.connect_timeout, self.policy.read_timeout)
        # stream=True from the caller: it reads the body itself (HttpClient.get(into=...)), under the cap.
        caller_reads = kwargs.get("stream") is True
        kwargs["stream"] = True
        gate = self._gate(request.url)
        idempotent = request.method.upper() in IDEMPOTENT
        attempt = 0
        while True:
            gate.wait_turn()
            response = None
            failure: str | None = None
            with gate.semaphore:
                try:
                    response = super().send(request, **kwargs)
                    if response.status_code not in RETRY_STATUSES:
                        self._finish(response, caller_reads)
                        return response
                    failure = f"HTTP {response.status_code}"
                    retriable = idempotent or response.status_code == 429
                except requests.ConnectionError as exc:
                    failure = f"connection failed: {exc.__class__.__name__}"
                    # A refused connection never reached the server, so retrying a POST is safe.
                    retriable = idempotent or isinstance(exc, requests.ConnectTimeout) or "refused" in str(exc).lower()
                except requests.Timeout as exc:
                    failure = f"timed out: {exc.__class__.__name__}"
                    retriable = idempotent
            if not retriable or attempt >= self.policy.retries:
                if response is not None:
                    self._finish(response, caller_reads)
                    return response  # caller sees the final 429/5xx status
                raise HttpUnavailable(f"{failure} after {attempt + 1} attempt(s)", url=request.url)
            delay = self._delay(attempt, response)
            logger.info("%s %s: %s; retry %d/%d in %.1fs", request.method, _safe(request.url), failure,
                        attempt + 1, self.policy.retries, delay)
            if response is not None:
                response.close()
            self._sleep(delay)
            attempt += 1

    def _finish(self, response: requests.Response, caller_reads: bool) -> None:
        """Read the body under the cap, or (caller reads it) only check the declared length.

        A redirect's body is always read here: requests consumes it itself, outside any cap.
        """
        if caller_reads and not response.is_redirect:
            _check_declared(response, self.policy.max_bytes)
        else:
            _read_capped(response, self.policy.max_bytes)


class BodySink(Protocol):
    """Where ``HttpClient.get(into=...)`` writes a body: a binary file, or anything with ``write``."""

    def write(self, data: bytes, /) -> Any: ...


def _check_declared(response: requests.Response, max_bytes: int) -> None:
    """Raise ResponseTooLarge (closing the response) when Content-Length exceeds ``max_bytes``."""
    declared = response.headers.get("Content-Length")
    if declared and declared.isdigit() and int(declared) > max_bytes:
        response.close()
        raise ResponseTooLarge(f"response of {declared} bytes exceeds the {max_bytes}-byte limit",
                               url=response.url, status=response.status_code)


def _copy_capped(response: requests.Response, sink: BodySink, max_bytes: int) -> int:
    """Copy the streamed body into ``sink``; return its size.

    Raises ResponseTooLarge beyond ``max_bytes`` and HttpUnavailable when the body is cut short.
    """
    _check_declared(response, max_bytes)
    size = 0
    try:
        for chunk in response.iter_content(64 * 1024):
            size += len(chunk)
            if size > max_bytes:
                response.close()
                raise ResponseTooLarge(f"response exceeds the {max_bytes}-byte limit",
                                       url=response.url, status=response.status_code)
            sink.write(chunk)
    except (requests.exceptions.ChunkedEncodingError, requests.exceptions.ConnectionError) as exc:
        raise HttpUnavailable(f"body truncated: {exc.__class__.__name__}", url=response.url,
                              status=response.status_code) from exc
    return size


def _read_capped(response: requests.Response, max_bytes: int) -> None:
    """Read the streamed body into ``response._content`` unless it exceeds ``max_bytes``."""
    # BytesIO hands its buffer over without copying: joining a list of chunks would hold the body
    # twice at the end, which is what dominates peak memory on big pages. With a Content-Length
    # (and no content coding, which changes the size) the buffer is sized once, up front.
    buffer = io.BytesIO()
    declared = response.headers.get("Content-Length") or ""
    if declared.isdigit() and 0 < int(declared) <= max_bytes and not response.headers.get("Content-Encoding"):
        buffer.seek(int(declared) - 1)
        buffer.write(b"\0")
        buffer.seek(0)
    size = _copy_capped(response, buffer, max_bytes)
    buffer.truncate(size)
    response._content = buffer.getvalue()  # noqa: SLF001 - requests' documented caching slot
    response._content_consumed = True  # noqa: SLF001


class FileAdapter(HTTPAdapter):
    """Serves ``file://`` URLs from the local disk (200, or 404 when missing)."""

    def send(self, request, **kwargs):  # type: ignore[no-untyped-def,override]
        path = Path(unquote(urlsplit(request.url).path))
        response = requests.Response()
        response.url = request.url
        response.request = request
        if path.is_file():
            response.status_code = 200
            response.headers["Content-Length"] = str(path.stat().st_size)
            if kwargs.get("stream"):  # the caller reads the body (see HttpClient.get(into=...))
                response.raw = path.open("rb")
            else:
                response._content = path.read_bytes()  # noqa: SLF001
        else:
            response.status_code = 404
            response._content = b""  # noqa: SLF001
            response.raw = io.BytesIO(b"")  # a streaming caller reads and closes raw: give it an empty body
        return response


def _safe(url: str) -> str:
    """URL without credentials or query string, for logs (tokens sometimes travel in queries)."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if parts.port:
        host = f"{host}:{parts.port}"
    return f"{parts.scheme}://{host}{parts.path}"


class HttpClient:
    """The session factory and request helper used everywhere in the package."""

    def __init__(self, policy: HttpPolicy | None = None, *, sleep=time.sleep) -> None:  # type: ignore[no-untyped-def]
        self.policy = policy or HttpPolicy()
        self.session = requests.Session()
        adapter = PolicyAdapter(self.policy, sleep=sleep)
        self.session.mount("http://", adapter)
        self.session.mount("https://", adapter)
        self.session.mount("file://", FileAdapter())
        self.session.verify = self.policy.verify_tls
        self.session.headers["User-Agent"] = self.policy.user_agent
        self.session.headers.update(self.policy.headers)
        self._apply_auth(self.policy.auth)

    def _apply_auth(self, auth: AuthConfig | None) -> None:
        if auth is None:
            return
        if auth.type == "basic":
            password = auth.password.get_secret_value() if auth.password else ""
            self.session.auth = (auth.username or "", password)
        elif auth.token is not None:
            value = auth.token.get_secret_value()
            self.session.headers[auth.header] = f"Bearer {value}" if auth.type == "bearer" else value

    def request(self, method: str, url: str, *, raise_for_status: bool = True, into: Optional[BodySink] = None,
                **kwargs: Any) -> HttpResponse:
        """Send a request under the policy. Raises HttpUnavailable / HttpStatusError / ResponseTooLarge.

        With ``into`` the body is written to that file object (under the size cap) and the
        returned ``content`` is empty.
        """
        try:
            resp = self.session.request(method, url, stream=into is not None, **kwargs)
            if into is not None:
                try:
                    _copy_capped(resp, into, self.policy.max_bytes)
                finally:
                    resp.close()
        except requests.RequestException as exc:
            raise HttpUnavailable(f"request failed: {exc.__class__.__name__}: {exc}", url=url) from exc
        content = resp.content if into is None else b""
        out = HttpResponse(url=resp.url or url, status=resp.status_code, headers=resp.headers, content=content)
        if raise_for_status:
            if resp.status_code == 429 or resp.status_code >= 500:
                raise HttpUnavailable(f"HTTP {resp.status_code}", url=out.url, status=resp.status_code)
            if resp.status_code >= 400:
                raise HttpStatusError(f"HTTP {resp.status_code}", url=out.url, status=resp.status_code)
        return out

    def get(
        self,
        url: str,
        *,
        params: Any = None,
        headers: Mapping[str, str] | None = None,
        validators: dict[str, dict[str, str]] | None = None,
        into: Optional[BodySink] = None,
        **kwargs: Any,
    ) -> HttpResponse:
        """GET with optional conditional request.

        ``validators`` maps a URL to ``{"etag": ..., "last_modified": ...}``; when given, stored
        validators are sent and the dict is updated from the response. A 304 returns
        ``not_modified=True`` with an empty body. ``into``: write the body to that binary file
        object instead of ``content`` (see the module docstring).
        """
        send_headers = dict(headers or {})
        key = url if params is None else requests.Request("GET", url, params=params).prepare().url or url
        stored = (validators or {}).get(key) if validators is not None else None
        if stored:
            if stored.get("etag"):
                send_headers["If-None-Match"] = stored["etag"]
            if stored.get("last_modified"):
                send_headers["If-Modified-Since"] = stored["last_modified"]
        resp = self.request("GET", url, params=params, headers=send_headers, into=into, **kwargs)
        if resp.status == 304:
            resp.not_modified = True
            return resp
        if validators is not None:
            fresh = {k: v for k, v in (("etag", resp.headers.get("ETag")),
                                       ("last_modified", resp.headers.get("Last-Modified"))) if v}
            if fresh:
                validators[key] = fresh
            else:
                validators.pop(key, None)
        return resp

    def close(self) -> None:
        self.session.close()
