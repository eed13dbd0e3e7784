"""Query-string filters of the catalogue, the change list and the SDI API.

========================  =================================================================
parameter                 meaning
========================  =================================================================
``modified_since``        records that changed (in this harvester) at or after this time:
                          ISO 8601 date or date-time; without an offset it is UTC
``publisher`` /           the record's organisation key: the produsen data's identifier
``organisation``          (e.g. ``dinkes``), else its name, else the walidata's; exact match
``theme``                 one of the dataset's ``themes`` (IRIs), ``bidang_urusan`` or ``topik``
                          values, exact match
``kode_wilayah``          Kemendagri region code of the producing pemda (``35`` = the province
                          and everything in it, ``35.72`` = Kota Blitar); matched on whole codes
``source``                id of the harvest source the record came from
========================  =================================================================

The access filter is not a parameter: it comes from config (TERBUKA, plus TERBATAS when allowed;
TERTUTUP never). Unknown parameters are ignored (harvesters add their own).

Failure behaviour: a malformed value raises ``HttpError(400)`` naming the parameter and the value.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timezone
from typing import Optional

from harvester.feed.wsgi import HttpError, Request
from harvester.store import DatasetFilter

#: Kemendagri codes: province '35', regency/city '35.72', district '35.72.01', village '35.72.01.1001'.
_REGION = re.compile(r"\d{2}(\.\d{2}(\.\d{2}(\.\d{4})?)?)?\Z")
_SLUG = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,199}\Z")
_MAX_TEXT = 300


@dataclass(frozen=True)
class FeedQuery:
    """Parsed filters: the store filter plus the canonical parameters for links and cache keys."""

    filter: DatasetFilter
    params: tuple[tuple[str, str], ...] = ()

    @property
    def key(self) -> str:
        return "&".join(f"{k}={v}" for k, v in self.params)


def parse_datetime(value: str, name: str) -> datetime:
    """An aware UTC datetime from an ISO 8601 date or date-time; HttpError 400 otherwise."""
    text = value.strip()
    if "T" in text:
        text = text.replace(" ", "+")  # an unencoded "+07:00" arrives as " 07:00"
    try:
        if len(text) == 10:
            parsed = datetime.combine(date.fromisoformat(text), time(0), timezone.utc)
        else:
            parsed = datetime.fromisoformat(text.replace("z", "Z"))
    except ValueError as exc:
        raise HttpError(400, f"{name}: {value!r} is not an ISO 8601 date or date-time "
                             "(e.g. 2024-05-01 or 2024-05-01T08:00:00+07:00)") from exc
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=timezone.utc)
    return parsed.astimezone(timezone.utc)


def format_datetime(when: datetime) -> str:
    """Canonical UTC form used in links: ``2024-05-01T08:00:00Z`` (microseconds kept if any)."""
    return when.astimezone(timezone.utc).isoformat().replace("+00:00", "Z")


def _text(request: Request, name: str) -> Optional[str]:
    value = request.arg(name)
    if value is None:
        return None
    value = value.strip()
    if not value or len(value) > _MAX_TEXT:
        raise HttpError(400, f"{name} must be 1 to {_MAX_TEXT} characters, got {len(value)}")
    return value


def parse_filters(request: Request, access: tuple[str, ...]) -> FeedQuery:
    """The ``FeedQuery`` of a request's filter parameters (see the module docstring)."""
    flt = DatasetFilter(access_in=access)
    params: list[tuple[str, str]] = []
    since = request.arg("modified_since")
    if since is not None:
        when = parse_datetime(since, "modified_since")
        flt = replace(flt, modified_since=when)
        params.append(("modified_since", format_datetime(when)))
    publisher, organisation = _text(request, "publisher"), _text(request, "organisation")
    if publisher and organisation and publisher != organisation:
        raise HttpError(400, "publisher and organisation name the same filter; give one of them")
    org = publisher or organisation
    if org:
        flt = replace(flt, organisation=org)
        params.append(("publisher", org))
    theme = _text(request, "theme")
    if theme:
        flt = replace(flt, theme=theme)
        params.append(("theme", theme))
    region = _text(request, "kode_wilayah")
    if region:
        if not _REGION.match(region):
            raise HttpError(400, f"kode_wilayah: {region!r} is not a Kemendagri region code like '35' or '35.72'")
        flt = replace(flt, kode_pemda_prefix=region)
        params.append(("kode_wilayah", region))
    source = _text(request, "source")
    if source:
        if not _SLUG.match(source):
            raise HttpError(400, f"source: {source!r} is not a source id")
        flt = replace(flt, source_id=source)
        params.append(("source", source))
    return FeedQuery(flt, tuple(sorted(params)))

