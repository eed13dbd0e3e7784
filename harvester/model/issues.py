"""Issues: findings about a record or a job, stored by the runner and shown to admins."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import Optional


class Severity(str, Enum):
    """How bad an issue is. ``error`` blocks publishing the record; the others do not."""

    ERROR = "error"
    WARNING = "warning"
    INFO = "info"


class Stage(str, Enum):
    """Where in the pipeline an issue arose."""

    CONFIG = "config"
    GATHER = "gather"
    FETCH = "fetch"
    READ = "read"
    MAP = "map"
    VALIDATE = "validate"
    PUSH = "push"
    DELETE = "delete"


@dataclass(frozen=True, slots=True)
class Issue:
    """One finding. ``code`` is stable (e.g. 'SDI-V02', 'MAP-REQUIRED', 'HTTP-429') so reports can group it.

    ``field`` names the canonical field (or source field / page URL for gather issues);
    ``hint_id`` / ``hint_en`` tell a data producer how to fix it (Indonesian and English).
    """

    severity: Severity
    code: str
    message: str
    field: Optional[str] = None
    stage: Optional[Stage] = None
    remote_id: Optional[str] = None
    location: Optional[str] = None  # URL, file:line, XPath ... where the problem was seen
    hint_id: Optional[str] = None
    hint_en: Optional[str] = None

    @property
    def blocking(self) -> bool:
        return self.severity is Severity.ERROR

    def as_dict(self) -> dict[str, str]:
        out = {
            "severity": self.severity.value,
            "code": self.code,
            "message": self.message,
        }
        for key in ("field", "remote_id", "location", "hint_id", "hint_en"):
            value = getattr(self, key)
            if value:
                out[key] = value
        if self.stage is not None:
            out["stage"] = self.stage.value
        return out


def error(code: str, message: str, **kw: object) -> Issue:
    """Shorthand for an error-level issue."""
    return Issue(Severity.ERROR, code, message, **kw)  # type: ignore[arg-type]


def warning(code: str, message: str, **kw: object) -> Issue:
    """Shorthand for a warning-level issue."""
    return Issue(Severity.WARNING, code, message, **kw)  # type: ignore[arg-type]
