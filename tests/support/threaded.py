"""Run a socketserver-style server (``http.server``, ``wsgiref``) on a thread for one test."""

from __future__ import annotations

import threading
from contextlib import contextmanager
from typing import Any, Iterator


@contextmanager
def serving(server: Any) -> Iterator[str]:
    """Serve ``server`` (bound to 127.0.0.1) in a daemon thread; yields its base URL, shuts it down after."""
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
