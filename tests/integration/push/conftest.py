"""Fixture of the push integration tests in this folder."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.integration.push.example import Example


@pytest.fixture
def example(tmp_path: Path, ckan_stack: Any) -> Example:
    """A fresh, uniquely tagged copy of the Kota Blitar example for one test."""
    return Example(tmp_path, ckan_stack)
