"""Fixtures shared by the source tests."""

from __future__ import annotations

import subprocess
from typing import Any

import pytest


@pytest.fixture
def children(monkeypatch: pytest.MonkeyPatch) -> list[subprocess.Popen]:
    """Every process started through ``subprocess.Popen`` while the test runs (``rdf_pipe`` and
    ``rdf_page_child`` look it up when they start one; the processes those children start are theirs)."""
    started: list[subprocess.Popen] = []

    class Recording(subprocess.Popen):  # type: ignore[type-arg]
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            started.append(self)

    monkeypatch.setattr(subprocess, "Popen", Recording)
    return started
