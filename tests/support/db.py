"""Database fixtures for store tests: a fresh SQLite file, and fresh PostgreSQL databases.

PostgreSQL: the server on ``HARVESTER_TEST_PG_HOST``:``HARVESTER_TEST_PG_PORT`` (default
127.0.0.1:5432, user postgres, trust auth). If it does not answer and a Debian cluster is installed,
the fixture starts it with ``pg_ctlcluster``; if it still does not answer the tests FAIL with the
reason (PostgreSQL is a required part of the suite, never silently skipped). Each session gets its
own ``harvester_test_<random>`` databases, created through the ``postgres`` maintenance database
and dropped at the end.

Use from a conftest with ``from tests.support.db import *  # noqa: F401,F403`` or by importing the
fixtures by name.
"""

from __future__ import annotations

import os
import secrets
import shutil
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

PG_HOST = os.environ.get("HARVESTER_TEST_PG_HOST", "127.0.0.1")
PG_PORT = int(os.environ.get("HARVESTER_TEST_PG_PORT", "5432"))
PG_USER = os.environ.get("HARVESTER_TEST_PG_USER", "postgres")

__all__ = ["fresh_postgres_url", "make_postgres_db", "pg_url", "postgres_server", "sqlite_url"]


def pg_url(dbname: str) -> str:
    """SQLAlchemy URL of database ``dbname`` on the test server."""
    return f"postgresql+psycopg://{PG_USER}@{PG_HOST}:{PG_PORT}/{dbname}"


def _admin_connect():  # type: ignore[no-untyped-def]
    import psycopg

    return psycopg.connect(
        host=PG_HOST, port=PG_PORT, user=PG_USER, dbname="postgres", autocommit=True, connect_timeout=3
    )


def _reachable() -> str | None:
    """None when the server answers, else the connection error text."""
    import psycopg

    try:
        with _admin_connect() as conn:
            conn.execute("SELECT 1")
        return None
    except psycopg.Error as exc:
        return str(exc).strip() or type(exc).__name__


def _start_local_clusters() -> str:
    """Try ``pg_ctlcluster <version> main start`` for each installed version; return a log."""
    conf = Path("/etc/postgresql")
    tool = shutil.which("pg_ctlcluster")
    if tool is None or not conf.is_dir():
        return "no local PostgreSQL cluster installed (no pg_ctlcluster or /etc/postgresql)"
    log = []
    for version in sorted(p.name for p in conf.iterdir() if p.is_dir()):
        cmd = [tool, "--skip-systemctl-redirect", version, "main", "start"]
        proc = subprocess.run(cmd, check=False, capture_output=True, text=True, timeout=120)
        output = " ".join(part.strip() for part in (proc.stdout, proc.stderr) if part.strip())
        log.append(f"{' '.join(cmd)} -> exit {proc.returncode} {output}".rstrip())
    return "; ".join(log)


@pytest.fixture(scope="session")
def postgres_server() -> str:
    """Make sure the test PostgreSQL server answers (starting a local cluster if needed).

    Fails the requesting tests with a clear message when it cannot be reached.
    """
    error = _reachable()
    if error is None:
        return f"{PG_HOST}:{PG_PORT}"
    started = _start_local_clusters()
    deadline = time.monotonic() + 30
    while error is not None and time.monotonic() < deadline:
        time.sleep(0.5)
        error = _reachable()
    if error is not None:
        pytest.fail(
            f"PostgreSQL is required by the store tests (marker 'postgres') but {PG_HOST}:{PG_PORT} "
            f"is not reachable as user {PG_USER!r}: {error}. Start attempt: {started}. Start it with "
            "`pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start` or point "
            "HARVESTER_TEST_PG_HOST/PORT/USER at a server.",
            pytrace=False,
        )
    return f"{PG_HOST}:{PG_PORT}"


@pytest.fixture(scope="session")
def make_postgres_db(postgres_server: str) -> Iterator[Callable[[], str]]:
    """Factory: create an empty ``harvester_test_<random>`` database, return its URL.

    Every database made this session is dropped at the end (connections are terminated first).
    """
    made: list[str] = []

    def create() -> str:
        name = f"harvester_test_{secrets.token_hex(6)}"
        with _admin_connect() as conn:
            conn.execute(f'CREATE DATABASE "{name}" ENCODING \'UTF8\' TEMPLATE template0')
        made.append(name)
        return pg_url(name)

    yield create
    with _admin_connect() as conn:
        for name in made:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def fresh_postgres_url(make_postgres_db: Callable[[], str]) -> str:
    """One empty PostgreSQL database for the whole session (tests clean tables themselves)."""
    return make_postgres_db()


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    """URL of a SQLite file that does not exist yet, in a directory that does not exist yet
    (the store must create both, as on a fresh install)."""
    return f"sqlite:///{tmp_path / 'var' / 'harvester.db'}"
