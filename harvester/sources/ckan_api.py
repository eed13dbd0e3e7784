"""CKAN Action API source: ``package_search`` paging, incremental by ``metadata_modified``.

Listing: ``package_search`` sorted ``metadata_modified asc, id asc`` with ``start``/``rows``; each
package dict of a page becomes one ``RemoteRef`` carrying the dict as UTF-8 JSON. Sorting by
modification time means a package edited while we page moves to the end (it is listed again, and
dropped as a duplicate) instead of shifting the others; a catalogue that *shrinks* while we page
may make us skip a package, so that marks the listing incomplete (no deletions this run).

Incremental: with a checkpoint ``{"since": ISO}`` (and not ``ctx.full``) only packages modified
since ``since - lag_minutes`` are listed (``fq=metadata_modified:[... TO *]``);
``checkpoint()`` returns the time this gather started. With ``include_deleted`` (CKAN >= 2.9, and a
portal that keeps deleted packages in its index: ``ckan.search.remove_deleted_packages = false``)
deleted packages are listed as ``RemoteRef(deleted=True)``, so deletions propagate between full runs;
otherwise deletions are found by the periodic full listing.

Fallback: when ``package_search`` does not exist (HTTP 404, "Action name not known", the Spring
Boot 404 body of the data.go.id proxy) the source lists names with ``package_list`` and
``fetch()`` calls ``package_show`` per name (remote id = name in that mode). Organisation, group
and tag filters are then applied in ``fetch()`` (``RecordSkipped``); ``q``/``fq`` cannot be.

Envelopes (``ckan_envelope``): standard ``{success, result}``, the data.go.id proxy
``{status: "200 OK", message: "Sucess", result}``, DKAN's ``result`` list for ``package_show``.
``success: false`` raises SourceProtocolError naming the action and CKAN's message.

``transport: data-go-id-proxy`` sends every action as the POST envelope of data.go.id's
``/api/proxy`` (``{"endpoint": "/api/3/action/...", "method": "GET", ...}``); that proxy ignores
``fq``, so the filters then go into ``q``. Being POSTs, its 5xx answers are not retried.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta, timezone
from typing import Any, Callable, Iterator, Literal, Optional

from pydantic import Field

from harvester.errors import (RecordInvalid, RecordSkipped, SourceError, SourceProtocolError,
                              SourceUnavailable)
from harvester.http import HttpClient, HttpError, HttpResponse, HttpUnavailable
from harvester.model.record import RemoteRef, SourceRecord
from harvester.sources.base import GatherContext, PageGuard, Source, SourceOptions, fetch_page
from harvester.sources.gather_rules import (gather_issue, max_pages_reached, page_failed, page_url,
                                            repeated_page, stop_at_limit)
from harvester.sources.ckan_envelope import ActionUnavailable, PackageNotFound, unwrap
from harvester.sources.json_body import json_payload
from harvester.sources.paging_support import UNKNOWN, recall_next, remember_next, warn

logger = logging.getLogger(__name__)

ACTION_PATH = "/api/3/action/"
_API_SUFFIXES = ("/api/3/action", "/api/action", "/api/3", "/api")


class CkanOptions(SourceOptions):
    """Options of a ``ckan`` source (see the module docstring for the semantics)."""

    url: str = Field(description="portal base URL, e.g. https://data.example.go.id")
    organizations: list[str] = Field(default_factory=list)
    groups: list[str] = Field(default_factory=list)
    tags: list[str] = Field(default_factory=list)
    q: Optional[str] = None
    fq: Optional[str] = None
    include_private: bool = False
    include_deleted: bool = Field(False, description="also list deleted packages (CKAN >= 2.9 keeping them "
                                  "indexed); older CKANs reject the parameter")
    rows: int = Field(100, ge=1, le=1000, description="page size of package_search")
    lag_minutes: int = Field(60, ge=0, description="safety lag subtracted from the incremental watermark")
    max_pages: Optional[int] = Field(None, ge=1)
    use_package_list: Optional[bool] = Field(None, description="True: always; False: never; None: on 404")
    transport: Literal["action", "data-go-id-proxy"] = "action"
    proxy_path: str = "/api/proxy"


#: ``_page`` result of a page that answered 304 and whose successor is remembered.
_UNCHANGED = object()


def _utc_iso(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")


def _parse_iso(value: str) -> datetime:
    """ISO 8601 (``Z``, offset or naive = UTC, as CKAN stores it). Raises ValueError."""
    moment = datetime.fromisoformat(value.strip().replace("Z", "+00:00").replace("z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def _quote(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


class CkanSource(Source):
    """Lists the packages of a CKAN (or CKAN-compatible) portal."""

    name = "ckan"
    options_model = CkanOptions
    options: CkanOptions

    def __init__(self, source_id: str, options: SourceOptions, http: HttpClient) -> None:
        super().__init__(source_id, options, http)
        self._started: Optional[str] = None
        base = self.options.url.rstrip("/")
        for suffix in _API_SUFFIXES:
            if base.endswith(suffix):
                base = base[: -len(suffix)]
                break
        self._base = base

    # -- listing -------------------------------------------------------------------------------
    def gather(self, ctx: GatherContext) -> Iterator[RemoteRef]:
        """Yield one ref per package (see module docstring). Raises SourceUnavailable /
        SourceProtocolError when the first page fails; later page failures mark ctx incomplete."""
        self._started = _utc_iso(datetime.now(timezone.utc))
        resume = ctx.resume or {}
        since = resume["since"] if "since" in resume else self._since(ctx)
        start = int(resume.get("start", 0))
        mode = resume.get("mode") or ("list" if self.options.use_package_list else "search")
        seen: set[str] = set()
        if mode == "search":
            try:
                yield from self._search(ctx, since, start, seen)
                return
            except ActionUnavailable as exc:
                if self.options.use_package_list is False:
                    raise SourceProtocolError(f"package_search is not available: {exc}", source_id=self.source_id,
                                              url=exc.url) from None
                warn(self, ctx, "CKAN-FALLBACK-PACKAGE-LIST", f"package_search is not available ({exc}); "
                     "listing with package_list and fetching each package with package_show", url=exc.url)
                start = 0
        yield from self._list(ctx, since, start, seen)

    def checkpoint(self) -> Optional[dict[str, Any]]:
        return {"since": self._started} if self._started else None

    def _since(self, ctx: GatherContext) -> Optional[str]:
        """Lower bound of an incremental listing (watermark minus lag), or None for a full one."""
        if ctx.full or not ctx.checkpoint or not ctx.checkpoint.get("since"):
            return None
        try:
            moment = _parse_iso(str(ctx.checkpoint["since"]))
        except ValueError:
            warn(self, ctx, "CKAN-BAD-CHECKPOINT", f"checkpoint 'since' {ctx.checkpoint['since']!r} is not "
                 "an ISO date; listing everything")
            return None
        return _utc_iso(moment - timedelta(minutes=self.options.lag_minutes))

    def _filter_clauses(self, since: Optional[str]) -> list[str]:
        opts = self.options
        clauses = []
        for field, values in (("organization", opts.organizations), ("groups", opts.groups), ("tags", opts.tags)):
            if values:
                clauses.append(f"{field}:({' OR '.join(_quote(v) for v in values)})")
        if since:
            clauses.append(f"metadata_modified:[{since} TO *]")
        return clauses

    def _search_params(self, since: Optional[str]) -> dict[str, str]:
        opts = self.options
        clauses = self._filter_clauses(since)
        params = {"sort": "metadata_modified asc,id asc"}
        if opts.transport == "data-go-id-proxy":  # that proxy ignores fq: everything goes into q
            parts = [f"({p})" for p in (opts.q, opts.fq) if p] + clauses
            params["q"] = " AND ".join(parts) or "*:*"
        else:
            params["q"] = opts.q or "*:*"
            fq = [opts.fq if opts.fq.startswith("{!") else f"+({opts.fq})"] if opts.fq else []
            fq += [f"+{c}" for c in clauses]
            if fq:
                params["fq"] = " ".join(fq)
        if opts.include_private:
            params["include_private"] = "true"
        if opts.include_deleted:
            params["include_deleted"] = "true"
        return params

    def _search(self, ctx: GatherContext, since: Optional[str], start: int, seen: set[str]) -> Iterator[RemoteRef]:
        base = self._search_params(since)
        counts: list[int] = []

        def read(result: Any, key: str, offset: int) -> tuple[list[RemoteRef], int, bool]:
            results = result.get("results") if isinstance(result, dict) else None
            if not isinstance(results, list):
                raise SourceProtocolError("package_search result has no 'results' list",
                                          source_id=self.source_id, url=key)
            count = result["count"] if isinstance(result.get("count"), int) else None
            if count is not None:
                if counts and count < counts[-1]:
                    ctx.incomplete(gather_issue(
                        self, "CKAN-LISTING-SHRANK", f"the catalogue shrank from {counts[-1]} to {count} "
                        "packages while paging; packages may have been skipped, so no deletions this run", url=key))
                counts.append(count)
            refs = [ref for ref in (self._package_ref(pkg, key, ctx) for pkg in results)
                    if ref is not None and not self._duplicate(ref.remote_id, seen)]
            done = not results or (count is not None and offset + len(results) >= count)
            return refs, len(results), done

        rows = str(self.options.rows)
        yield from self._walk(ctx, "package_search", lambda at: {**base, "start": str(at), "rows": rows},
                              read, start, since)

    def _list(self, ctx: GatherContext, since: Optional[str], start: int, seen: set[str]) -> Iterator[RemoteRef]:
        opts = self.options
        if since:
            warn(self, ctx, "CKAN-NO-INCREMENTAL", "package_list cannot filter by modification date; "
                 "listing everything")
        if opts.q or opts.fq:
            warn(self, ctx, "CKAN-FILTERS-IGNORED", "q/fq cannot be applied with package_list and are ignored")

        def read(result: Any, key: str, offset: int) -> tuple[list[RemoteRef], int, bool]:
            if not isinstance(result, list):
                raise SourceProtocolError("package_list result is not a list", source_id=self.source_id, url=key)
            names = [n.strip() for n in result if isinstance(n, str) and n.strip()]
            if len(names) != len(result):
                warn(self, ctx, "GATHER-NO-ID", f"{len(result) - len(names)} package_list entries are not "
                     "names; skipped", url=key)
            refs = [RemoteRef(remote_id=n, url=key, meta=(("listed_by", "package_list"),))
                    for n in names if not self._duplicate(n, seen)]
            # Fewer than asked: last page. More than asked: the server ignores limit and sent everything.
            return refs, len(result), len(result) != opts.rows

        yield from self._walk(ctx, "package_list", lambda at: {"limit": str(opts.rows), "offset": str(at)},
                              read, start, since)

    def _walk(self, ctx: GatherContext, action: str, make_params: Callable[[int], dict[str, str]],
              read: Callable[[Any, str, int], tuple[list[RemoteRef], int, bool]], start: int,
              since: Optional[str]) -> Iterator[RemoteRef]:
        """Offset paging shared by both listing actions.

        ``read(result, key, offset)`` returns (refs, entries consumed, last page?) or raises
        SourceProtocolError. The first page's failure is raised (a missing ``package_search`` as
        ActionUnavailable, for the fallback); a later page's failure marks ctx incomplete.
        """
        guard = PageGuard(self.options.max_pages)
        mode = "search" if action == "package_search" else "list"
        while not stop_at_limit(ctx):
            params = make_params(start)
            key = page_url(self._action_url(action), params)
            if not guard.next_page_allowed():
                max_pages_reached(self, ctx, key, self.options.max_pages)
                return
            first = guard.pages == 1
            try:
                result, raw = self._page(action, params, ctx)
                if result is _UNCHANGED:
                    nxt = recall_next(ctx, key)
                    if nxt is None:
                        return
                    start = int(nxt["start"])
                    continue
                if guard.seen(raw):
                    repeated_page(self, ctx, key)
                    return
                refs, consumed, done = read(result, key, start)
            except ActionUnavailable as exc:
                if first and mode == "search":
                    raise
                page_failed(self, ctx, SourceProtocolError(f"{action} is not available: {exc}",
                                                           source_id=self.source_id, url=exc.url), key, first=first)
                return
            except SourceError as exc:
                page_failed(self, ctx, exc, key, first=first)
                return
            yield from ctx.take(iter(refs))
            if not done and stop_at_limit(ctx):
                return
            start += consumed
            ctx.page_done({"mode": mode, "start": start, "since": since})
            remember_next(ctx, key, None if done else {"start": start})
            if done:
                return

    @staticmethod
    def _duplicate(remote_id: str, seen: set[str]) -> bool:
        if remote_id in seen:
            logger.debug("package %s listed twice (moved between pages); kept once", remote_id)
            return True
        seen.add(remote_id)
        return False

    def _package_ref(self, pkg: Any, key: str, ctx: GatherContext) -> Optional[RemoteRef]:
        """A package dict -> ref; a package without id and name becomes a warning, not a crash."""
        if not isinstance(pkg, dict):
            warn(self, ctx, "GATHER-NOT-OBJECT", f"package_search entry is a JSON {type(pkg).__name__}, "
                 "not an object; skipped", url=key)
            return None
        remote_id = pkg.get("id") or pkg.get("name")
        if not isinstance(remote_id, str) or not remote_id.strip():
            warn(self, ctx, "GATHER-NO-ID", f"package without 'id' and 'name' (title {pkg.get('title')!r}) "
                 "skipped", url=key)
            return None
        modified = pkg.get("metadata_modified")
        return RemoteRef(
            remote_id=remote_id.strip(),
            modified=modified if isinstance(modified, str) else None,
            url=key,
            payload=json_payload(pkg),
            media_type="application/json",
            deleted=str(pkg.get("state") or "").strip().lower() == "deleted",
        )

    # -- fetch (package_list mode) ---------------------------------------------------------------
    def fetch(self, ref: RemoteRef) -> SourceRecord:
        """Listing payload when there is one; else ``package_show``.

        Raises RecordInvalid (gone, unusable answer), RecordSkipped (outside the configured
        organisations/groups/tags) and lets SourceUnavailable through (the portal is down).
        """
        if ref.payload is not None:
            return super().fetch(ref)
        try:
            result, _ = self._page("package_show", {"id": ref.remote_id}, None)
        except (ActionUnavailable, PackageNotFound) as exc:
            raise RecordInvalid(f"package_show {ref.remote_id!r}: not found ({exc})", remote_id=ref.remote_id,
                                code="CKAN-NOT-FOUND") from None
        except SourceProtocolError as exc:
            raise RecordInvalid(str(exc), remote_id=ref.remote_id, code="CKAN-SHOW-FAILED") from exc
        if isinstance(result, list):  # DKAN wraps the package in a list
            result = result[0] if len(result) == 1 else None
        if not isinstance(result, dict):
            raise RecordInvalid(f"package_show {ref.remote_id!r}: result is not one package object",
                                remote_id=ref.remote_id, code="CKAN-SHOW-FAILED")
        self._check_filters(ref.remote_id, result)
        return SourceRecord(source_id=self.source_id, remote_id=ref.remote_id, media_type="application/json",
                            content=json_payload(result), url=page_url(self._action_url("package_show"),
                                                                       {"id": ref.remote_id}), meta=ref.meta)

    def _check_filters(self, remote_id: str, pkg: dict[str, Any]) -> None:
        opts = self.options
        org = pkg.get("organization") if isinstance(pkg.get("organization"), dict) else {}
        if opts.organizations and not {org.get("name"), org.get("id"), pkg.get("owner_org")} & set(opts.organizations):
            raise RecordSkipped(f"organization {org.get('name')!r} not in {opts.organizations}", remote_id=remote_id)
        groups = {g.get("name") for g in pkg.get("groups") or [] if isinstance(g, dict)}
        if opts.groups and not groups & set(opts.groups):
            raise RecordSkipped(f"groups {sorted(groups)} not in {opts.groups}", remote_id=remote_id)
        tags = {t.get("name") for t in pkg.get("tags") or [] if isinstance(t, dict)}
        if opts.tags and not tags & set(opts.tags):
            raise RecordSkipped(f"tags {sorted(tags)} not in {opts.tags}", remote_id=remote_id)

    # -- one action call -------------------------------------------------------------------------
    def _page(self, action: str, params: dict[str, str], ctx: Optional[GatherContext]) -> tuple[Any, bytes]:
        """Call ``action``; returns (result or ``_UNCHANGED`` after a 304, raw body).

        A 304 whose successor was never remembered is fetched again unconditionally.
        """
        url = self._action_url(action)
        key = page_url(url, params)
        if self.options.transport == "data-go-id-proxy":
            resp = self._post_proxy(key[len(self._base):])
            return unwrap(self.source_id, action, resp), resp.content
        resp = fetch_page(self, url, ctx, params=params, raise_for_status=False)
        if resp.not_modified and ctx is not None:
            if recall_next(ctx, key) is not UNKNOWN:
                ctx.page_unchanged(key)
                return _UNCHANGED, b""
            resp = fetch_page(self, url, None, params=params, raise_for_status=False)
        return unwrap(self.source_id, action, resp), resp.content

    def _action_url(self, action: str) -> str:
        """The action's URL (with the proxy transport: a virtual URL naming the proxied endpoint)."""
        return self._base + ACTION_PATH + action

    def _post_proxy(self, endpoint: str) -> HttpResponse:
        envelope = {"endpoint": endpoint, "method": "GET", "body": {}, "token": ""}
        url = self._base + self.options.proxy_path
        try:
            return self.http.request("POST", url, json=envelope, raise_for_status=False)
        except HttpUnavailable as exc:
            raise SourceUnavailable(exc.reason, source_id=self.source_id, url=url, status=exc.status) from exc
        except HttpError as exc:  # size cap, or a status error despite raise_for_status=False
            raise SourceProtocolError(exc.reason, source_id=self.source_id, url=url) from exc
