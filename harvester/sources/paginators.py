"""Declarative paginators of the ``json-api`` source (a discriminated union on ``type``).

Each paginator turns the current request plus what the page said into the next request, or None
when the listing is over:

* ``none``        - one request.
* ``page_number`` - ``?page=1,2,...`` (``param``, ``start``, optional ``size_param``/``size``); stops
  at an empty page (``stop_when_empty``) or when ``total_path`` (total record count) is reached.
* ``offset``      - ``?offset=0&limit=100``, advancing by the records actually received (servers cap
  ``limit``); stops at an empty page or at ``total_path``.
* ``next_link``   - follows the URL at ``next_path`` in the body (relative URLs resolved).
* ``link_header`` - follows ``Link: <...>; rel="next"`` (RFC 8288).
* ``cursor``      - sends the value found at ``cursor_path`` as ``cursor_param``; stops when it is
  missing, empty or repeats.

Paths use the JSON reader's JSONPath-lite (``links.next``, ``meta.total``). Validation happens
when the options are loaded: a bad path or an unknown key is a configuration error.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Annotated, Any, Literal, Mapping, Optional, Union
from urllib.parse import urljoin

from pydantic import AfterValidator, BaseModel, ConfigDict, Field
from requests.utils import parse_header_links

from harvester.errors import ConfigError
from harvester.readers.json_doc import compile_json_path, evaluate_json_path


@dataclass(frozen=True)
class PageRequest:
    """One page to GET: URL plus query parameters (JSON-able, so it can be a resume cursor)."""

    url: str
    params: dict[str, str] = field(default_factory=dict)

    def as_cursor(self) -> dict[str, Any]:
        return {"url": self.url, "params": dict(self.params)}

    @classmethod
    def from_cursor(cls, cursor: Mapping[str, Any]) -> "PageRequest":
        return cls(str(cursor["url"]), {str(k): str(v) for k, v in (cursor.get("params") or {}).items()})


@dataclass(frozen=True)
class PageSeen:
    """What the source learnt from a page, as input to ``next``."""

    body: Any
    records: int  # records on this page
    total_seen: int  # records on all pages so far, this one included
    headers: Mapping[str, str]


def json_path(value: Optional[str]) -> Optional[str]:
    """Validate a JSONPath-lite expression (``''`` = the value itself). Raises ValueError."""
    if value is None:
        return None
    try:
        compile_json_path(value or ".")
    except ConfigError as exc:
        raise ValueError(exc.reason) from None
    return value


def first_scalar(value: Any, path: Optional[str]) -> Any:
    """The first non-null scalar at ``path`` in ``value`` (None when there is none)."""
    if not path:
        return None
    for node in evaluate_json_path(value, path):
        if node is not None and not isinstance(node, (dict, list)):
            return node
    return None


#: A configured JSONPath-lite expression, checked when the options are loaded.
JsonPath = Annotated[str, AfterValidator(json_path)]


class _Paginator(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    def first(self, url: str, params: Mapping[str, str]) -> PageRequest:
        return PageRequest(url, dict(params))

    def next(self, current: PageRequest, page: PageSeen) -> Optional[PageRequest]:
        raise NotImplementedError


class NoPaginator(_Paginator):
    type: Literal["none"] = "none"

    def next(self, current: PageRequest, page: PageSeen) -> Optional[PageRequest]:
        return None


class _Counted(_Paginator):
    total_path: Optional[JsonPath] = Field(None, description="path of the total record count in the body")

    def _total_reached(self, page: PageSeen, seen: int) -> bool:
        total = first_scalar(page.body, self.total_path)
        try:
            return total is not None and seen >= int(total)
        except (TypeError, ValueError):
            return False


class PageNumberPaginator(_Counted):
    type: Literal["page_number"]
    param: str = "page"
    start: int = Field(1, ge=0)
    size_param: Optional[str] = None
    size: Optional[int] = Field(None, ge=1)
    stop_when_empty: bool = True

    def first(self, url: str, params: Mapping[str, str]) -> PageRequest:
        extra = {self.size_param: str(self.size)} if self.size_param and self.size else {}
        return PageRequest(url, {**params, **extra, self.param: str(self.start)})

    def next(self, current: PageRequest, page: PageSeen) -> Optional[PageRequest]:
        if (self.stop_when_empty and page.records == 0) or self._total_reached(page, page.total_seen):
            return None
        number = int(current.params.get(self.param, self.start)) + 1
        return PageRequest(current.url, {**current.params, self.param: str(number)})


class OffsetPaginator(_Counted):
    type: Literal["offset"]
    offset_param: str = "offset"
    limit_param: str = "limit"
    limit: int = Field(100, ge=1)
    start: int = Field(0, ge=0)

    def first(self, url: str, params: Mapping[str, str]) -> PageRequest:
        return PageRequest(url, {**params, self.offset_param: str(self.start), self.limit_param: str(self.limit)})

    def next(self, current: PageRequest, page: PageSeen) -> Optional[PageRequest]:
        offset = int(current.params.get(self.offset_param, self.start)) + page.records
        if page.records == 0 or self._total_reached(page, offset):
            return None
        return PageRequest(current.url, {**current.params, self.offset_param: str(offset)})


class NextLinkPaginator(_Paginator):
    type: Literal["next_link"]
    next_path: JsonPath = "links.next"

    def next(self, current: PageRequest, page: PageSeen) -> Optional[PageRequest]:
        link = first_scalar(page.body, self.next_path)
        if not isinstance(link, str) or not link.strip():
            return None
        # The next link carries its own query: the configured params were for the first request.
        return PageRequest(urljoin(current.url, link.strip()), {})


class LinkHeaderPaginator(_Paginator):
    type: Literal["link_header"]

    def next(self, current: PageRequest, page: PageSeen) -> Optional[PageRequest]:
        header = page.headers.get("Link") or page.headers.get("link") or ""
        for link in parse_header_links(header) if header else []:
            if "next" in str(link.get("rel", "")).split() and link.get("url"):
                return PageRequest(urljoin(current.url, link["url"]), {})
        return None


class CursorPaginator(_Paginator):
    type: Literal["cursor"]
    cursor_param: str = "cursor"
    cursor_path: JsonPath = "next_cursor"

    def next(self, current: PageRequest, page: PageSeen) -> Optional[PageRequest]:
        cursor = first_scalar(page.body, self.cursor_path)
        if cursor is None or str(cursor).strip() == "" or str(cursor) == current.params.get(self.cursor_param):
            return None
        return PageRequest(current.url, {**current.params, self.cursor_param: str(cursor)})


Paginator = Annotated[
    Union[NoPaginator, PageNumberPaginator, OffsetPaginator, NextLinkPaginator, LinkHeaderPaginator,
          CursorPaginator],
    Field(discriminator="type"),
]
