"""``/healthz``: is this process able to do its job? For load balancers, systemd and monitoring.

200 with a small JSON body when the state store answers (``SELECT 1``) and, in the daemon, the
scheduler thread is alive; 503 with the same body naming what is wrong otherwise. ``harvester
serve`` (feed only) has no scheduler, so only the store counts there. This is the one health check
of the project: the web dispatcher routes ``/healthz`` here in both commands.

Failure behaviour: never raises; a check that raises counts as failed.
"""

from __future__ import annotations

import json
import logging
from typing import Any, Callable, Optional

logger = logging.getLogger(__name__)


def _safe(check: Callable[[], bool]) -> bool:
    try:
        return bool(check())
    except Exception:  # noqa: BLE001 - a broken check means unhealthy, not a crashed request
        logger.exception("health check failed")
        return False


class HealthApp:
    """WSGI app: ``store_ok()`` and, when given, ``scheduler_ok()`` must both hold."""

    def __init__(self, store_ok: Callable[[], bool], scheduler_ok: Optional[Callable[[], bool]] = None) -> None:
        self.store_ok, self.scheduler_ok = store_ok, scheduler_ok

    def check(self) -> tuple[bool, dict[str, str]]:
        """(healthy, details) — details are short words, safe to show to anyone."""
        details = {"store": "ok" if _safe(self.store_ok) else "unreachable"}
        if self.scheduler_ok is not None:
            details["scheduler"] = "running" if _safe(self.scheduler_ok) else "stopped"
        healthy = details["store"] == "ok" and details.get("scheduler", "running") == "running"
        details["status"] = "ok" if healthy else "unhealthy"
        return healthy, details

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
        healthy, details = self.check()
        body = (json.dumps(details, sort_keys=True) + "\n").encode("utf-8")
        start_response("200 OK" if healthy else "503 Service Unavailable",
                       [("Content-Type", "application/json"), ("Content-Length", str(len(body))),
                        ("Cache-Control", "no-store")])
        return [b""] if environ.get("REQUEST_METHOD") == "HEAD" else [body]
