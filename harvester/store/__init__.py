"""State store: jobs, records, raw bytes, per-target push state, issues and checkpoints.

``Store(url)`` is the only entry point; see ``harvester.store.repository`` for the thread-safety
contract and ``harvester.store.rows`` for the values it returns.
"""

from harvester.store.engine import DEFAULT_DATABASE_URL, normalise_url
from harvester.store.repository import Store
from harvester.store.rows import (
    SUCCESS_STATUSES,
    CheckpointKind,
    DatasetFilter,
    IssueRow,
    JobAlreadyRunning,
    JobRow,
    JobStatus,
    RawRecord,
    RecordRow,
    RecordStatus,
    RecordTargetRow,
    SourceRow,
    TargetStatus,
    UnknownSource,
    decode_key,
    encode_key,
)

__all__ = [
    "DEFAULT_DATABASE_URL",
    "SUCCESS_STATUSES",
    "CheckpointKind",
    "DatasetFilter",
    "IssueRow",
    "JobAlreadyRunning",
    "JobRow",
    "JobStatus",
    "RawRecord",
    "RecordRow",
    "RecordStatus",
    "RecordTargetRow",
    "SourceRow",
    "Store",
    "TargetStatus",
    "UnknownSource",
    "decode_key",
    "encode_key",
    "normalise_url",
]
