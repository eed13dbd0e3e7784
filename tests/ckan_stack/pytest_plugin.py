"""pytest plugin: the session-scoped ``ckan_stack`` fixture (real CKAN 2.12 x3).

Load it with ``pytest_plugins = ["tests.ckan_stack.pytest_plugin"]`` (tests/conftest.py) or
``-p tests.ckan_stack.pytest_plugin``. Mark tests that use it with ``@pytest.mark.ckan``.

Duties: if the stack is already up (state file, live processes, ``status_show`` answering) reuse
it and leave it running; otherwise bring it up with the same code as
``python -m tests.ckan_stack up`` and take it down at the end of the session (set
``CKAN_STACK_KEEP=1`` to leave it running). The fixture value is a ``CkanStack``: a dict
``{"city": {"url", "token", ...}, "province": ..., "national": ...}`` with a ``client(name)``
factory returning an authenticated ``ckanapi.RemoteCKAN``.

Failure behaviour: when the stack cannot be started every test using the fixture errors with
the ``StackError`` message (including the relevant log tail). It never skips.
"""

from __future__ import annotations

import os
from typing import Iterator

import pytest

from .procs import StackError
from .stack import down, running_info, up


class CkanStack(dict):
    """``{name: {"url", "token", ...}}`` of the three instances, plus client helpers."""

    def client(self, name: str, authenticated: bool = True):  # -> ckanapi.RemoteCKAN
        """An ``ckanapi.RemoteCKAN`` for instance ``name`` (sysadmin token unless told not)."""
        import ckanapi

        inst = self[name]
        return ckanapi.RemoteCKAN(inst["url"], apikey=inst["token"] if authenticated else None,
                                  user_agent="satudata-harvester-tests/ckan-stack")


def pytest_configure(config: pytest.Config) -> None:
    """Register the ``ckan`` marker (harmless if setup.cfg declares it too)."""
    config.addinivalue_line("markers", "ckan: needs the real CKAN 2.12 test stack (tests/ckan_stack)")


@pytest.fixture(scope="session")
def ckan_stack() -> Iterator[CkanStack]:
    """The running CKAN test stack (reused if up, else started and stopped for this session)."""
    started_here = False
    try:
        info = running_info()
        if info is None:
            info = up()
            started_here = True
    except StackError as exc:
        pytest.fail(f"CKAN test stack unavailable: {exc}", pytrace=False)
    try:
        yield CkanStack(info)
    finally:
        if started_here and os.environ.get("CKAN_STACK_KEEP") != "1":
            down()
