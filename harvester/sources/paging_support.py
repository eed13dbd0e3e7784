"""Helpers of the paged sources (ckan, dcat-rdf, datajson, json-api) not covered by gather_rules.

``warn`` records a non-blocking gather issue naming the source (the listing stays complete).

Remembering where a listing goes on after a page, so a 304 page need not be parsed:

After a page is read, the source stores the cursor of the *following* page beside the page's HTTP
validators (``ctx.validators[page_url]["next"]``, a JSON string; ``null`` = last page). When the
page later answers 304 Not Modified, ``recall_next`` returns that cursor and the source reports the
page unchanged and continues from it without downloading or parsing the page again. When nothing
was remembered (first run after an upgrade, validators from elsewhere) ``recall_next`` returns
``UNKNOWN`` and the source re-fetches the page unconditionally: one extra request rather than an
incomplete listing. The runner must persist ``ctx.validators`` entries verbatim (all keys).
"""

from __future__ import annotations

import json
from typing import Any, Optional

from harvester.model.issues import Severity
from harvester.sources.base import GatherContext, Source
from harvester.sources.gather_rules import gather_issue

#: Key under which the next-page cursor of a page is kept in ``ctx.validators[url]``.
NEXT_KEY = "next"
#: ``recall_next`` result when nothing was remembered for a page.
UNKNOWN: Any = object()


def remember_next(ctx: GatherContext, key: str, cursor: Optional[dict[str, Any]]) -> None:
    """Store the cursor of the page after ``key`` (None = ``key`` is the last page)."""
    entry = ctx.validators.setdefault(key, {})
    entry[NEXT_KEY] = json.dumps(cursor, sort_keys=True)


def recall_next(ctx: GatherContext, key: str) -> Any:
    """The cursor remembered for the page after ``key``: a dict, None (last page) or ``UNKNOWN``."""
    raw = (ctx.validators.get(key) or {}).get(NEXT_KEY)
    if raw is None:
        return UNKNOWN
    try:
        value = json.loads(raw)
    except ValueError:
        return UNKNOWN
    return value if value is None or isinstance(value, dict) else UNKNOWN


def warn(source: Source, ctx: GatherContext, code: str, message: str, *, url: Optional[str] = None,
         remote_id: Optional[str] = None) -> None:
    """Record a warning of the gather stage naming ``source`` (does not make the listing incomplete)."""
    ctx.issues.append(gather_issue(source, code, message, url=url, remote_id=remote_id, severity=Severity.WARNING))
