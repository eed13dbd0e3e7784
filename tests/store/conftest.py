"""Fixtures of the store suite: every test using ``store`` runs on SQLite AND on PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from harvester.store import Store
from harvester.store.tables import ALL_TABLES
from tests.support.db import (  # noqa: F401
    fresh_postgres_url,
    make_postgres_db,
    postgres_server,
    sqlite_url,
)

BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]

T0 = datetime(2024, 5, 1, 8, 0, tzinfo=UTC)


class FakeClock:
    """Deterministic clock handed to the store: time moves only when a test says so."""

    def __init__(self, start: datetime = T0) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **kw: float) -> datetime:
        self.now += timedelta(**kw)
        return self.now


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def empty_db_url(backend: str, request: pytest.FixtureRequest) -> str:
    """URL of a database that has no tables at all (a new PostgreSQL database per call)."""
    if backend == "sqlite":
        return str(request.getfixturevalue("sqlite_url"))
    factory: Callable[[], str] = request.getfixturevalue("make_postgres_db")
    return factory()


@pytest.fixture(scope="session")
def migrated_postgres(fresh_postgres_url: str) -> Iterator[tuple[str, sa.Engine]]:  # noqa: F811
    """The session's PostgreSQL database, migrated once, with an engine for cleaning it."""
    Store(fresh_postgres_url).ensure_schema()
    engine = sa.create_engine(fresh_postgres_url)
    yield fresh_postgres_url, engine
    engine.dispose()


@pytest.fixture
def db_url(backend: str, request: pytest.FixtureRequest) -> str:
    """URL of a migrated, EMPTY store database (PostgreSQL: the session database, emptied)."""
    if backend == "sqlite":
        return str(request.getfixturevalue("sqlite_url"))
    url, engine = request.getfixturevalue("migrated_postgres")
    with engine.begin() as conn:
        # DELETE beats TRUNCATE on tiny tables; children first, then restart the id sequences.
        for table in reversed(ALL_TABLES):
            conn.execute(table.delete())
        conn.execute(sa.text("ALTER SEQUENCE job_id_seq RESTART; ALTER SEQUENCE issue_id_seq RESTART"))
    return str(url)


@pytest.fixture
def store(db_url: str, clock: FakeClock) -> Iterator[Store]:
    """A store on a clean database with a fake clock and one registered source, ``kota``."""
    s = Store(db_url, clock=clock)
    s.upsert_source("kota", "ckan-api", title="Kota Blitar", config_hash="cfg1", enabled=True)
    try:
        yield s
    finally:
        s.close()
