"""systemd integration without a dependency: ``sd_notify`` datagrams (READY, STOPPING, WATCHDOG).

With ``Type=notify`` systemd considers the service started only once the web server is bound and
the scheduler runs (``READY=1``); with ``WatchdogSec=`` the scheduler's own thread pings
(``WATCHDOG=1``) and systemd restarts a daemon whose scheduler hangs. Outside systemd
(``NOTIFY_SOCKET`` unset) every call is a no-op.

Failure behaviour: never raises and never blocks; a send error (no listener, its queue full) is
logged at debug level and reported as False.
"""

from __future__ import annotations

import logging
import os
import socket
from typing import Optional

logger = logging.getLogger(__name__)


def notify(state: str) -> bool:
    """Send ``state`` (e.g. ``"READY=1"``) to systemd. True when it was sent."""
    address = os.environ.get("NOTIFY_SOCKET")
    if not address:
        return False
    if address.startswith("@"):  # abstract namespace socket
        address = "\0" + address[1:]
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sock:
            # Never block: a listener that does not read (its queue holds only a few datagrams)
            # must not freeze the watchdog thread or the shutdown that sends STOPPING=1.
            sock.setblocking(False)
            sock.connect(address)
            sock.send(state.encode("utf-8"))
        return True
    except OSError as exc:
        logger.debug("sd_notify %r failed: %s", state, exc)
        return False


def watchdog_period() -> Optional[float]:
    """Seconds between watchdog pings (half of ``WatchdogSec``), or None when no watchdog is asked for."""
    usec = os.environ.get("WATCHDOG_USEC")
    pid = os.environ.get("WATCHDOG_PID")
    if not usec or (pid and pid != str(os.getpid())):
        return None
    try:
        return max(1.0, int(usec) / 1_000_000 / 2)
    except ValueError:
        return None
