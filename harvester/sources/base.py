"""The Source interface and the gather context shared by all source types.

A source knows one protocol (CKAN API, CSW, OAI-PMH ...). It lists remote records
(``gather``) and returns their raw bytes (``fetch``). It never maps, stores or pushes: the runner
owns state and stage order (ARCHITECTURE.md §1, §3.3 of model-codebases.md).

Completeness contract: ``gather`` must either finish the whole listing, or raise
``SourceUnavailable`` / ``SourceProtocolError``, or call ``ctx.incomplete(issue)`` for a page it
had to skip and carry on. The runner advances the checkpoint and computes deletions only when
the listing was complete (no exception, no ``incomplete`` call, not cut short by ``max_items``).

Resumption: after each page, call ``ctx.page_done(cursor)`` with a JSON-able cursor (page
number, ``resumptionToken``, next URL ...). The runner persists it; if the job is interrupted,
the next run passes it back as ``ctx.resume`` and the source continues from there.
"""

from __future__ import annotations

import abc
import hashlib
import logging
from dataclasses import dataclass, field
from typing import Any, Callable, ClassVar, Iterator, Optional

from pydantic import BaseModel, ConfigDict

from harvester.errors import SourceProtocolError, SourceUnavailable
from harvester.http import HttpClient, HttpError, HttpResponse, HttpUnavailable, ResponseTooLarge
from harvester.model.issues import Issue, Severity, Stage
from harvester.model.record import RemoteRef, SourceRecord

logger = logging.getLogger(__name__)


class SourceOptions(BaseModel):
    """Base of every source type's options model: unknown keys are rejected."""

    model_config = ConfigDict(extra="forbid", frozen=True)


@dataclass
class GatherContext:
    """What the runner tells a source about this gather, and how the source reports back.

    * ``checkpoint``: the value ``Source.checkpoint()`` returned after the last *complete* listing
      (e.g. ``{"modified_since": "2024-05-01T00:00:00Z"}``), or None on a first/full run.
    * ``resume``: the last cursor passed to ``page_done`` by an interrupted job, or None.
    * ``full``: ignore ``checkpoint`` and list everything (needed to detect deletions).
    * ``max_items``: stop after this many refs, without requesting further pages (preview).
    * ``validators``: stored HTTP validators (ETag / Last-Modified) per URL for conditional GET;
      sources update it through ``HttpClient``.
    """

    source_id: str
    checkpoint: Optional[dict[str, Any]] = None
    resume: Optional[dict[str, Any]] = None
    full: bool = False
    max_items: Optional[int] = None
    validators: dict[str, dict[str, str]] = field(default_factory=dict)
    issues: list[Issue] = field(default_factory=list)
    complete: bool = True
    on_page: Optional[Callable[[dict[str, Any]], None]] = None
    yielded: int = 0
    unchanged_pages: list[str] = field(default_factory=list)

    def incomplete(self, issue: Issue) -> None:
        """Record a gather problem that makes the listing incomplete (no deletions, no checkpoint)."""
        self.complete = False
        self.issues.append(issue)

    def warn(self, code: str, message: str, **kw: Any) -> None:
        """Record a non-blocking gather issue (the listing stays complete)."""
        self.issues.append(Issue(Severity.WARNING, code, message, stage=Stage.GATHER, **kw))

    def page_unchanged(self, url: str) -> None:
        """Report that the page at ``url`` answered 304 Not Modified and was not parsed.

        The runner then counts every record last seen on that page (``RemoteRef.url == url``)
        as seen and unchanged, so skipping the page neither loses nor deletes anything.
        """
        self.unchanged_pages.append(url)

    def page_done(self, cursor: dict[str, Any]) -> None:
        """Report the cursor from which the listing would continue after the page just finished."""
        if self.on_page is not None:
            self.on_page(cursor)

    def take(self, refs: Iterator[RemoteRef]) -> Iterator[RemoteRef]:
        """Yield from ``refs`` while respecting ``max_items``; stop early (marks the listing incomplete)."""
        for ref in refs:
            if self.max_items is not None and self.yielded >= self.max_items:
                self.complete = False
                return
            self.yielded += 1
            yield ref

    @property
    def limit_reached(self) -> bool:
        return self.max_items is not None and self.yielded >= self.max_items


class Source(abc.ABC):
    """A harvestable catalogue of one protocol. Subclasses set ``name`` and ``options_model``."""

    name: ClassVar[str]
    options_model: ClassVar[type[SourceOptions]] = SourceOptions

    def __init__(self, source_id: str, options: SourceOptions, http: HttpClient) -> None:
        self.source_id = source_id
        self.options = options
        self.http = http

    @abc.abstractmethod
    def gather(self, ctx: GatherContext) -> Iterator[RemoteRef]:
        """Yield every remote record (or every change since ``ctx.checkpoint``).

        Raises SourceUnavailable when the listing cannot be completed (network, 5xx after
        retries) and SourceProtocolError when the source answers in an unusable way. Problems
        confined to one page or record go to ``ctx.incomplete`` / ``ctx.warn`` instead.
        """

    def fetch(self, ref: RemoteRef) -> SourceRecord:
        """Return the raw record. Default: the payload the listing already carried.

        Raises RecordInvalid when the record cannot be fetched but the job can go on.
        """
        if ref.payload is None:
            raise NotImplementedError(f"{type(self).__name__} must override fetch() for refs without payload")
        return SourceRecord(
            source_id=self.source_id,
            remote_id=ref.remote_id,
            media_type=ref.media_type or "application/octet-stream",
            content=ref.payload,
            url=ref.url,
            meta=ref.meta,
            parsed=ref.parsed,
        )

    def checkpoint(self) -> Optional[dict[str, Any]]:
        """Value to persist after a complete listing (e.g. the job's start time as a watermark)."""
        return None


class PageGuard:
    """Stops paging loops: a page whose bytes equal an earlier page's, or more than ``max_pages``.

    ``seen(content)`` returns True when the page repeats; the source then stops paging and
    records a warning (the listing is still complete: a repeated page adds nothing new).
    """

    def __init__(self, max_pages: int | None) -> None:
        self.max_pages = max_pages
        self.pages = 0
        self._hashes: set[str] = set()

    def seen(self, content: bytes) -> bool:
        digest = hashlib.sha256(content).hexdigest()
        if digest in self._hashes:
            return True
        self._hashes.add(digest)
        return False

    def next_page_allowed(self) -> bool:
        self.pages += 1
        return self.max_pages is None or self.pages <= self.max_pages


def fetch_page(source: Source, url: str, ctx: GatherContext | None = None, **kwargs: Any) -> HttpResponse:
    """GET ``url`` through the source's HttpClient, translating HTTP failures into source errors.

    Uses conditional GET when ``ctx`` is given (its ``validators``). Raises SourceUnavailable for
    network failures, timeouts, 429/5xx after retries and truncated bodies; SourceProtocolError for
    other 4xx statuses and bodies over the size cap. Both name the source and the URL.
    """
    validators = ctx.validators if ctx is not None else None
    try:
        return source.http.get(url, validators=validators, **kwargs)
    except HttpUnavailable as exc:
        raise SourceUnavailable(exc.reason, source_id=source.source_id, url=exc.url, status=exc.status) from exc
    except ResponseTooLarge as exc:
        raise SourceProtocolError(exc.reason, source_id=source.source_id, url=exc.url) from exc
    except HttpError as exc:
        raise SourceProtocolError(exc.reason, source_id=source.source_id, url=exc.url, status=exc.status) from exc
