"""What sources hand to the runner: references from a listing, and raw fetched records."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from functools import cached_property
from datetime import datetime, timezone
from typing import Any, Optional


@dataclass(frozen=True, slots=True)
class RemoteRef:
    """One entry of a source listing.

    ``remote_id`` is the source's own stable identifier (dataset URI, CKAN id, CSW fileIdentifier,
    OAI identifier, spreadsheet id column). ``payload`` holds the full record when the listing
    already returned it (most protocols), so ``Source.fetch`` needs no second request.
    ``deleted`` marks a deletion announced by the source (OAI ``status="deleted"``, CKAN state).
    ``id_is_fallback`` marks an identity derived from the title or position: the runner records a
    warning issue, because such ids are not stable across edits.
    """

    remote_id: str
    modified: Optional[str] = None  # ISO 8601 string as the source states it
    url: Optional[str] = None  # where the record came from (page URL or record URL)
    payload: Optional[bytes] = None
    media_type: Optional[str] = None
    deleted: bool = False
    id_is_fallback: bool = False
    meta: tuple[tuple[str, Any], ...] = ()  # source-specific extras (e.g. ('page', 3))
    #: The payload as the source already parsed it, handed on to the reader (see SourceRecord.parsed).
    parsed: Any = field(default=None, compare=False, repr=False)


@dataclass(frozen=True)
class SourceRecord:
    """The raw bytes of one record as harvested, ready for a reader.

    ``media_type`` tells the reader what the bytes are: ``application/json``,
    ``application/xml``, ``application/n-triples`` (a dataset's subgraph), ``text/turtle``,
    ``application/x-table-row+json`` (a spreadsheet row as a JSON object of column -> value).

    ``parsed`` optionally carries what the source already parsed, so that the reader need not parse
    the bytes again; it must say exactly what ``content`` says. Defined forms: for
    ``application/n-triples``, the triples as ``(subject, predicate, object)`` N-Triples terms in
    pyoxigraph's canonical form (``str()`` of its terms; blank node labels may differ from the
    bytes'), which the RDF reader indexes as they are. It is not stored: a record read back from the store (remap)
    is parsed from its bytes, with the same result (tests compare both ways on every sample).
    """

    source_id: str
    remote_id: str
    media_type: str
    content: bytes
    url: Optional[str] = None
    fetched_at: datetime = field(default_factory=lambda: datetime.now(timezone.utc))
    meta: tuple[tuple[str, Any], ...] = ()
    parsed: Any = field(default=None, compare=False, repr=False)

    @cached_property
    def content_hash(self) -> str:
        """SHA-256 of the raw bytes: an unchanged record is not mapped again. Computed once per record
        (the runner reads it for the change check, the record row and the raw row)."""
        return hashlib.sha256(self.content).hexdigest()


#: Media type used for a spreadsheet row serialised as a JSON object (column label -> cell text).
TABLE_ROW_MEDIA_TYPE = "application/x-table-row+json"
