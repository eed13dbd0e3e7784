"""Shared fixtures: a real local HTTP server, the shared reference data, and the CKAN stack plugin."""

from __future__ import annotations

from pathlib import Path
from typing import Iterator

import pytest

from tests.support.httpserver import RecordedServer

pytest_plugins = ["tests.ckan_stack.pytest_plugin"]

REPO = Path(__file__).resolve().parent.parent
SHARED_DATA = REPO.parent / "shared" / "data"


@pytest.fixture
def http_server() -> Iterator[RecordedServer]:
    """A real HTTP server on 127.0.0.1 serving scripted responses (see tests/support/httpserver.py)."""
    server = RecordedServer().start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """``../shared/data`` (real-world samples). Skips with a reason only when the folder is absent,
    as in a clone outside this workplace; CI always has it."""
    if not SHARED_DATA.is_dir():
        pytest.skip(f"reference data not found at {SHARED_DATA} (clone outside the workplace)")
    return SHARED_DATA
