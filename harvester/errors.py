"""Exception taxonomy, classified by what the runner must do (ARCHITECTURE.md §9).

* ``ConfigError`` — bad configuration or mapping: fail at load time, exit code 2.
* ``SourceUnavailable`` — the listing could not be completed (network, 5xx after retries):
  retriable; the runner keeps the old checkpoint and computes no deletions. Exit code 3.
* ``SourceProtocolError`` — the source answered, but not in a way we can use
  (e.g. OAI ``badResumptionToken``, HTML where RDF was expected): job-level, not retried at once.
* ``RecordSkipped`` / ``RecordInvalid`` — record-level; the job goes on.
* ``TargetUnavailable`` — a portal is down: the push stays pending and is retried later.
* ``TargetRejected`` — a portal refused one dataset (CKAN ``ValidationError``): record-level,
  the portal's error text is kept verbatim.

Exceptions carry data and do no I/O: the runner decides what to persist.
"""

from __future__ import annotations

from typing import Any


class HarvesterError(Exception):
    """Base class of every error this package raises on purpose."""

    exit_code: int = 1

    def __init__(self, message: str, **data: Any) -> None:
        super().__init__(message)
        self.message = message
        self.data: dict[str, Any] = data

    def __str__(self) -> str:
        return self.message


class ConfigError(HarvesterError):
    """A configuration or mapping file is wrong. Names the file, the key path and, if known, the line."""

    exit_code = 2

    def __init__(
        self,
        message: str,
        *,
        file: str | None = None,
        key: str | None = None,
        line: int | None = None,
        **data: Any,
    ) -> None:
        where = file or ""
        if line is not None:
            where = f"{where}:{line}" if where else f"line {line}"
        if key:
            where = f"{where} [{key}]" if where else f"[{key}]"
        super().__init__(f"{where}: {message}" if where else message, **data)
        self.file, self.key, self.line, self.reason = file, key, line, message


class UnknownPlugin(ConfigError):
    """A source, target, profile, reader or transform name that is not registered."""


class SourceError(HarvesterError):
    """Something went wrong talking to a source. Always names the source and, where known, the URL."""

    exit_code = 3

    def __init__(self, message: str, *, source_id: str | None = None, url: str | None = None, **data: Any) -> None:
        prefix = f"source {source_id!r}: " if source_id else ""
        suffix = f" ({url})" if url else ""
        super().__init__(f"{prefix}{message}{suffix}", **data)
        self.source_id, self.url, self.reason = source_id, url, message


class SourceUnavailable(SourceError):
    """The source cannot be read now (connection, timeout, 5xx/429 after retries). Retriable."""


class SourceProtocolError(SourceError):
    """The source answered with something we cannot use (bad format, protocol error code)."""


class RecordError(HarvesterError):
    """A single record cannot be processed; the job continues with the next one."""

    def __init__(
        self,
        message: str,
        *,
        remote_id: str | None = None,
        code: str | None = None,
        field: str | None = None,
        **data: Any,
    ) -> None:
        super().__init__(message, **data)
        self.remote_id, self.code, self.field = remote_id, code, field


class RecordSkipped(RecordError):
    """The record is intentionally not harvested (filtered out, unsupported type)."""


class RecordInvalid(RecordError):
    """The record mapped with error-level issues (or could not be parsed at all)."""


class TargetError(HarvesterError):
    """Something went wrong writing to a target portal."""

    exit_code = 3

    def __init__(self, message: str, *, target: str | None = None, **data: Any) -> None:
        prefix = f"target {target!r}: " if target else ""
        super().__init__(f"{prefix}{message}", **data)
        self.target, self.reason = target, message


class TargetUnavailable(TargetError):
    """The portal cannot be reached or is overloaded; retry in a later run."""


class TargetRejected(TargetError):
    """The portal refused this dataset; ``details`` keeps the portal's error verbatim."""

    exit_code = 1

    def __init__(self, message: str, *, target: str | None = None, details: Any = None, **data: Any) -> None:
        super().__init__(message, target=target, **data)
        self.details = details
