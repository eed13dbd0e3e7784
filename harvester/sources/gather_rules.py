"""Gather rules shared by the page-based sources (CSW, OAI-PMH, schema.org, spreadsheet).

They implement the gather contract of ``harvester.sources.base`` once:

* ``page_url`` builds the exact URL of a page (query included), used as ``RemoteRef.url``, as the
  conditional-GET key and in issues, so the three always agree.
* ``get_listing_page`` does a conditional GET for a page whose body also carries the *continuation*
  (CSW ``nextRecord``, OAI ``resumptionToken``, a WAF or sitemap's links). On 304 it reports the page
  unchanged and fetches it once more without validators, only to learn how to continue: the
  caller must not yield the page's records again (the runner counts them as seen).
* ``page_failed`` applies the completeness rule: a failure on the first page raises (the listing is
  unusable), a later failure is recorded with ``ctx.incomplete`` so no deletion or checkpoint follows.
* ``stop_at_limit`` stops before another page is requested once ``ctx.max_items`` is reached, and
  marks the listing incomplete (it was cut short).
"""

from __future__ import annotations

import logging
from typing import Any, Mapping, Optional

import requests

from harvester.errors import SourceError
from harvester.http import HttpResponse
from harvester.model.issues import Issue, Severity, Stage
from harvester.sources.base import GatherContext, Source, fetch_page

logger = logging.getLogger(__name__)


def page_url(url: str, params: Optional[Mapping[str, Any]] = None) -> str:
    """``url`` with ``params`` encoded into its query string exactly as requests would send it."""
    if not params:
        return url
    return requests.Request("GET", url, params=dict(params)).prepare().url or url


def gather_issue(
    source: Source,
    code: str,
    message: str,
    *,
    url: Optional[str] = None,
    remote_id: Optional[str] = None,
    severity: Severity = Severity.ERROR,
) -> Issue:
    """A gather-stage issue whose message names the source (and the URL / record when known)."""
    return Issue(
        severity,
        code,
        f"source {source.source_id!r}: {message}",
        stage=Stage.GATHER,
        remote_id=remote_id,
        location=url,
    )


def get_listing_page(source: Source, url: str, ctx: GatherContext) -> tuple[HttpResponse, bool]:
    """GET a listing page conditionally; return ``(response, unchanged)``.

    When the server answers 304 the page is reported with ``ctx.page_unchanged(url)`` and fetched
    again unconditionally so that the caller can still read the continuation from its body;
    ``unchanged`` is then True and the caller must skip the page's records. Raises what
    ``fetch_page`` raises.
    """
    resp = fetch_page(source, url, ctx)
    if not resp.not_modified:
        return resp, False
    ctx.page_unchanged(url)
    logger.debug("%s: %s not modified; refetching for its continuation only", source.source_id, url)
    return fetch_page(source, url, None), True


def page_failed(source: Source, ctx: GatherContext, exc: SourceError, url: str, *, first: bool) -> None:
    """Apply the completeness rule to a failed page: re-raise on the first page, else record it.

    A later page's failure becomes an error issue through ``ctx.incomplete`` (the listing is then
    not complete: no deletions, no checkpoint); the caller stops paging afterwards.
    """
    if first:
        raise exc
    ctx.incomplete(gather_issue(source, "GATHER-PAGE-FAILED",
                                f"listing stopped, page could not be used: {exc.reason}", url=url))


def stop_at_limit(ctx: GatherContext) -> bool:
    """True when ``ctx.max_items`` is reached: the caller must not request another page.

    The listing is marked incomplete because it was cut short.
    """
    if ctx.limit_reached:
        ctx.complete = False
        return True
    return False


def max_pages_reached(source: Source, ctx: GatherContext, url: str, max_pages: Optional[int]) -> None:
    """Record that paging stopped at the configured ``max_pages`` (the listing is incomplete)."""
    ctx.incomplete(gather_issue(source, "GATHER-MAX-PAGES",
                                f"stopped after max_pages={max_pages}; the listing is not complete", url=url))


def repeated_page(source: Source, ctx: GatherContext, url: str) -> None:
    """Record that the server served the same page again (paging loop); paging stops there."""
    ctx.warn("GATHER-REPEATED-PAGE",
             f"source {source.source_id!r}: page repeats an earlier page byte for byte; paging stopped",
             location=url)
