"""Optional link check of distribution URLs (off by default): HEAD, then a one-byte GET.

All requests go through ``harvester.http.HttpClient`` (timeouts, retries, per-host rate limit and
concurrency, size cap). A URL counts as working when it answers < 400 (redirects are followed);
a HEAD answered 403/405/501 (servers that refuse HEAD) is retried as ``GET`` with ``Range:
bytes=0-0`` so no file is downloaded in full (a body above the policy's size cap still proves the
link works). Results are cached — in memory, and in the ``quality_link`` table when a store cache
is given — for ``ttl``; each ``LinkChecker`` also has a ``budget`` of fresh requests so one harvest
job cannot spend hours on a slow portal. A URL neither cached nor checkable within the budget gives
``None`` ("not checked"), which the scorer treats as not applicable.

Failure behaviour: network errors never raise out of ``check``; they become a failed result with
the reason ("connection failed ...", "HTTP 404").
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Callable, Optional, Protocol

from harvester.http import HttpClient, HttpError, HttpPolicy, ResponseTooLarge

log = logging.getLogger(__name__)

#: Requests per second per host when the shared policy sets no rate limit.
DEFAULT_RATE_LIMIT = 2.0
_HEAD_REFUSED = frozenset({403, 405, 501})


@dataclass(frozen=True)
class LinkResult:
    url: str
    ok: bool
    status: Optional[int]
    reason: str
    checked_at: datetime


class LinkCache(Protocol):
    def get(self, url: str) -> Optional[LinkResult]: ...

    def put(self, result: LinkResult) -> None: ...


class MemoryLinkCache:
    """A dict-backed cache (tests, one-off runs)."""

    def __init__(self) -> None:
        self._items: dict[str, LinkResult] = {}

    def get(self, url: str) -> Optional[LinkResult]:
        return self._items.get(url)

    def put(self, result: LinkResult) -> None:
        self._items[result.url] = result


def link_policy(policy: Optional[HttpPolicy]) -> HttpPolicy:
    """The shared policy with a default rate limit and fewer retries (a link check is a probe)."""
    base = policy or HttpPolicy()
    updates: dict[str, object] = {"retries": min(base.retries, 1)}
    if base.rate_limit is None:
        updates["rate_limit"] = DEFAULT_RATE_LIMIT
    return base.model_copy(update=updates)


class LinkChecker:
    """Checks URLs with caching and a request budget. Thread-safe."""

    def __init__(self, client: HttpClient, *, cache: Optional[LinkCache] = None, ttl: timedelta = timedelta(days=7),
                 budget: int = 500, clock: Callable[[], datetime] | None = None) -> None:
        self.client = client
        self.cache: LinkCache = cache or MemoryLinkCache()
        self.ttl, self.budget = ttl, budget
        self._clock = clock or (lambda: datetime.now(timezone.utc))
        self._lock = threading.Lock()
        self._fresh: dict[str, LinkResult] = {}
        self.requests = 0  # fresh checks made (for logs and tests)

    @classmethod
    def from_policy(cls, policy: Optional[HttpPolicy], **kw: object) -> LinkChecker:
        """A checker with its own client under ``link_policy(policy)``."""
        return cls(HttpClient(link_policy(policy)), **kw)  # type: ignore[arg-type]

    def check(self, url: str) -> Optional[LinkResult]:
        """The (possibly cached) result for ``url``; None when not cached and the budget is spent."""
        now = self._clock()
        with self._lock:
            seen = self._fresh.get(url)
            if seen is not None:
                return seen
            cached = self.cache.get(url)
            if cached is not None and now - cached.checked_at < self.ttl:
                self._fresh[url] = cached
                return cached
            if self.requests >= self.budget:
                return None
            self.requests += 1
        result = self._probe(url, now)
        with self._lock:
            self._fresh[url] = result
        try:
            self.cache.put(result)
        except Exception:  # a cache write failure only costs a re-check next time
            log.warning("link cache: could not store the result for %s", url, exc_info=True)
        return result

    def _probe(self, url: str, now: datetime) -> LinkResult:
        try:
            resp = self.client.request("HEAD", url, raise_for_status=False, allow_redirects=True)
            if resp.status in _HEAD_REFUSED:
                resp = self.client.request("GET", url, raise_for_status=False, allow_redirects=True,
                                           headers={"Range": "bytes=0-0"})
        except ResponseTooLarge:
            return LinkResult(url, True, None, "OK (large body)", now)
        except HttpError as exc:
            return LinkResult(url, False, exc.status, exc.reason, now)
        ok = resp.status < 400
        return LinkResult(url, ok, resp.status, f"HTTP {resp.status}", now)

    def close(self) -> None:
        self.client.close()
