"""Values the state store hands out and takes in: small frozen dataclasses, never ORM objects.

Every datetime crossing this boundary is timezone-aware UTC. Rows are plain values: reading one
holds no connection, so they can be passed between threads and kept after the store is closed.
Enum-like columns are validated against the ``str`` enums below (``JobStatus`` ...); the rows carry
the plain string value so callers may compare with either the enum or the literal.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import Enum
from typing import Any

from harvester.model.issues import Issue, Severity, Stage
from harvester.model.record import SourceRecord


def now_utc() -> datetime:
    """The current time as an aware UTC datetime (the store's default clock)."""
    return datetime.now(UTC)


class JobStatus(str, Enum):
    """Life cycle of a harvest job. Only ``running`` is not final."""

    RUNNING = "running"
    DONE = "done"
    DONE_WITH_ERRORS = "done_with_errors"
    FAILED = "failed"
    ABORTED = "aborted"  # set by the reaper: the process stopped heart-beating
    INTERRUPTED = "interrupted"  # clean stop (SIGTERM) before the job finished
    NEEDS_CONFIRMATION = "needs_confirmation"  # deletion circuit breaker tripped


#: Statuses that count as a successful job for ``last_complete_job``.
SUCCESS_STATUSES: tuple[str, ...] = (JobStatus.DONE.value, JobStatus.DONE_WITH_ERRORS.value)


class RecordStatus(str, Enum):
    CURRENT = "current"
    INVALID = "invalid"
    DELETED = "deleted"


class TargetStatus(str, Enum):
    PENDING = "pending"
    PUSHED = "pushed"
    FAILED = "failed"
    WITHDRAWN = "withdrawn"
    CONFLICT = "conflict"
    SKIPPED = "skipped"


class CheckpointKind(str, Enum):
    WATERMARK = "watermark"  # incremental gather position (e.g. max metadata_modified)
    RESUME = "resume"  # where an interrupted listing can continue
    HTTP_VALIDATORS = "http_validators"  # ETag / Last-Modified / body hash per page URL
    PENDING_DELETIONS = "pending_deletions"  # deletions held back by the circuit breaker


def check_enum(enum: type[Enum], value: object, what: str) -> str:
    """Return the string value of ``value`` or raise ValueError naming the allowed values."""
    raw = value.value if isinstance(value, Enum) else value
    allowed = [m.value for m in enum]
    if raw not in allowed:
        raise ValueError(f"invalid {what} {value!r}; expected one of {', '.join(allowed)}")
    return str(raw)


class UnknownSource(LookupError):
    """A job or record names a source that was never registered with ``Store.upsert_source``."""

    def __init__(self, source_id: str) -> None:
        super().__init__(f"unknown source {source_id!r}: register it with Store.upsert_source() first")
        self.source_id = source_id


class JobAlreadyRunning(RuntimeError):
    """``start_job`` found another running job for the same source (at most one may run)."""

    def __init__(self, running: JobRow) -> None:
        super().__init__(
            f"source {running.source_id!r} already has running job {running.id} "
            f"(started {running.started_at.isoformat()}, pid {running.pid})"
        )
        self.running = running


@dataclass(frozen=True, slots=True)
class SourceRow:
    id: str
    type: str
    title: str | None
    config_hash: str
    enabled: bool
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class JobRow:
    id: int
    source_id: str
    trigger: str
    status: str
    started_at: datetime
    gather_finished_at: datetime | None
    finished_at: datetime | None
    complete: bool
    full: bool
    mapping_hash: str | None
    stats: dict[str, Any]
    error: str | None
    heartbeat_at: datetime | None
    pid: int | None

    @property
    def running(self) -> bool:
        return self.status == JobStatus.RUNNING.value


@dataclass(frozen=True, slots=True)
class RecordRow:
    """State of one harvested record. ``dataset_json`` is the canonical JSON of the mapped Dataset.

    ``first_seen`` / ``last_seen`` / ``updated_at`` left as None are set to "now" by ``save_record``;
    ``first_seen`` of an existing row is never overwritten. ``updated_at`` is the time of the last
    visible change (content, mapping, status, deletion): the feed and ``changes_since`` order by it.
    """

    source_id: str
    remote_id: str
    status: str = RecordStatus.CURRENT.value
    remote_modified: str | None = None
    content_hash: str | None = None
    mapped_hash: str | None = None
    dataset_json: str | None = None
    stable_uri: str | None = None
    title: str | None = None
    access_rights: str | None = None
    organisation: str | None = None
    kode_pemda: str | None = None
    modified: str | None = None
    page_url: str | None = None
    first_seen: datetime | None = None
    last_seen: datetime | None = None
    updated_at: datetime | None = None
    deleted_at: datetime | None = None
    last_job_id: int | None = None
    id_is_fallback: bool = False

    @property
    def feed_key(self) -> tuple[datetime, str, str]:
        """Keyset position of this row: pass it as ``after=`` to get the next page."""
        if self.updated_at is None:
            raise ValueError(f"record {self.source_id}/{self.remote_id} has no updated_at (not saved yet)")
        return (self.updated_at, self.source_id, self.remote_id)


@dataclass(frozen=True, slots=True)
class RawRecord:
    """Raw bytes of a record as fetched, kept so mappings can be re-run without refetching.

    ``content_hash`` defaults to the SHA-256 of ``content`` (the same digest as
    ``SourceRecord.content_hash``) and ``fetched_at`` to now.
    """

    source_id: str
    remote_id: str
    media_type: str
    content: bytes
    content_hash: str = ""
    url: str | None = None
    fetched_at: datetime | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.content, (bytes, bytearray, memoryview)):
            raise TypeError(
                f"raw record {self.source_id}/{self.remote_id}: content must be bytes, "
                f"got {type(self.content).__name__}"
            )
        if not isinstance(self.content, bytes):
            object.__setattr__(self, "content", bytes(self.content))
        if not self.content_hash:
            object.__setattr__(self, "content_hash", hashlib.sha256(self.content).hexdigest())
        if self.fetched_at is None:
            object.__setattr__(self, "fetched_at", now_utc())

    @classmethod
    def from_source_record(cls, rec: SourceRecord) -> RawRecord:
        return cls(rec.source_id, rec.remote_id, rec.media_type, rec.content, rec.content_hash, rec.url, rec.fetched_at)

    def to_source_record(self) -> SourceRecord:
        """The record as a reader input again (for ``harvester remap``)."""
        return SourceRecord(
            source_id=self.source_id,
            remote_id=self.remote_id,
            media_type=self.media_type,
            content=self.content,
            url=self.url,
            fetched_at=self.fetched_at or now_utc(),
        )


@dataclass(frozen=True, slots=True)
class RecordTargetRow:
    """Desired/achieved state of one record on one target portal (ARCHITECTURE §7)."""

    source_id: str
    remote_id: str
    target: str
    target_dataset_id: str | None = None
    target_name: str | None = None
    pushed_hash: str | None = None
    pushed_at: datetime | None = None
    status: str = TargetStatus.PENDING.value
    attempts: int = 0
    next_attempt_at: datetime | None = None
    last_error: str | None = None
    last_error_at: datetime | None = None
    target_modified: str | None = None  # portal metadata_modified seen after our last push


@dataclass(frozen=True, slots=True)
class IssueRow:
    id: int
    job_id: int | None
    source_id: str
    remote_id: str | None
    stage: str | None
    severity: str
    code: str
    field: str | None
    message: str
    location: str | None
    hint_id: str | None
    hint_en: str | None
    created_at: datetime

    def to_issue(self) -> Issue:
        """The model ``Issue`` again (unknown stage/severity strings raise ValueError)."""
        return Issue(
            severity=Severity(self.severity),
            code=self.code,
            message=self.message,
            field=self.field,
            stage=Stage(self.stage) if self.stage else None,
            remote_id=self.remote_id,
            location=self.location,
            hint_id=self.hint_id,
            hint_en=self.hint_en,
        )


@dataclass(frozen=True, slots=True)
class DatasetFilter:
    """Feed filters; all given conditions must hold (AND).

    ``modified_since`` compares with the record's ``updated_at`` (when we last saw it change).
    ``access_in`` matches ``access_rights`` exactly; ``kode_pemda_prefix`` is a plain string prefix
    ('35' matches '35' and '35.72'). ``theme`` matches a value of the dataset's ``themes``,
    ``bidang_urusan`` or ``topik`` exactly: it is pre-filtered in SQL by a substring test on the
    stored JSON and confirmed in Python, so it costs a JSON parse per candidate row.
    """

    modified_since: datetime | None = None
    organisation: str | None = None
    access_in: tuple[str, ...] | None = None
    kode_pemda_prefix: str | None = None
    source_id: str | None = None
    theme: str | None = None


#: Dataset JSON list fields that ``DatasetFilter.theme`` looks in.
THEME_FIELDS: tuple[str, ...] = ("themes", "bidang_urusan", "topik")


def encode_key(key: tuple[datetime, str, str]) -> str:
    """URL-safe opaque token for a keyset position (for feed ``?after=`` links)."""
    updated_at, source_id, remote_id = key
    text = json.dumps([updated_at.astimezone(UTC).isoformat(), source_id, remote_id], ensure_ascii=False)
    return base64.urlsafe_b64encode(text.encode("utf-8")).decode("ascii").rstrip("=")


def decode_key(token: str) -> tuple[datetime, str, str]:
    """Inverse of ``encode_key``; raises ValueError on a malformed or tampered token."""
    try:
        padded = token + "=" * (-len(token) % 4)
        stamp, source_id, remote_id = json.loads(base64.urlsafe_b64decode(padded.encode("ascii")))
        when = datetime.fromisoformat(stamp)
    except (binascii.Error, UnicodeError, ValueError, TypeError) as exc:
        raise ValueError(f"malformed page token {token!r}") from exc
    if when.tzinfo is None or not isinstance(source_id, str) or not isinstance(remote_id, str):
        raise ValueError(f"malformed page token {token!r}")
    return (when.astimezone(UTC), source_id, remote_id)
