"""Schema creation through Alembic, on empty SQLite files and empty PostgreSQL databases."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from argparse import Namespace
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from harvester.store import Store, normalise_url
from harvester.store.engine import alembic_config
from harvester.store.tables import metadata

REPO = Path(__file__).resolve().parents[2]
EXPECTED_TABLES = {"source", "job", "record", "record_raw", "record_target", "issue", "checkpoint"}


def _head() -> str:
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None
    return head


def _state(url: str) -> tuple[set[str], str | None]:
    """Tables and Alembic revision of a database, read without the store's own code."""
    parsed = normalise_url(url)
    if parsed.get_backend_name() == "sqlite" and not Path(parsed.database or "").exists():
        return set(), None
    engine = sa.create_engine(parsed)
    try:
        with engine.connect() as conn:
            tables = set(sa.inspect(conn).get_table_names())
            revision = MigrationContext.configure(conn).get_current_revision()
        return tables, revision
    finally:
        engine.dispose()


def test_store_creates_schema_on_first_use(empty_db_url: str) -> None:
    assert _state(empty_db_url) == (set(), None)
    store = Store(empty_db_url)
    try:
        assert store.list_sources() == []  # first use runs the migrations
    finally:
        store.close()
    tables, revision = _state(empty_db_url)
    assert EXPECTED_TABLES <= tables
    assert revision == _head()


def test_ensure_schema_is_idempotent_across_stores(empty_db_url: str) -> None:
    for _ in range(2):
        store = Store(empty_db_url)
        store.ensure_schema()
        store.ensure_schema()
        store.upsert_source("s", "ckan-api", title=None, config_hash="h", enabled=True)
        store.close()
    store = Store(empty_db_url)
    assert [s.id for s in store.list_sources()] == ["s"]
    store.close()


def test_concurrent_first_use_on_empty_database(empty_db_url: str) -> None:
    """Daemon and feed starting together on an empty database must not both create tables."""
    errors: list[BaseException] = []
    barrier = threading.Barrier(3)

    def start() -> None:
        store = Store(empty_db_url)
        try:
            barrier.wait()
            store.ensure_schema()
        except BaseException as exc:  # noqa: BLE001 - collected and asserted below
            errors.append(exc)
        finally:
            store.close()

    threads = [threading.Thread(target=start) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert errors == []
    assert _state(empty_db_url)[1] == _head()


def test_migrations_match_live_tables(empty_db_url: str) -> None:
    Store(empty_db_url).ensure_schema()
    engine = sa.create_engine(normalise_url(empty_db_url))
    try:
        with engine.connect() as conn:
            ctx = MigrationContext.configure(conn, opts={"compare_type": True})
            diff = compare_metadata(ctx, metadata)
    finally:
        engine.dispose()
    assert diff == []


def test_repo_root_alembic_ini_with_url_override(empty_db_url: str) -> None:
    cfg = Config(str(REPO / "alembic.ini"), cmd_opts=Namespace(x=[f"url={empty_db_url}"]))
    command.upgrade(cfg, "head")
    tables, revision = _state(empty_db_url)
    assert EXPECTED_TABLES <= tables and revision == _head()
    command.downgrade(cfg, "base")
    assert _state(empty_db_url) == ({"alembic_version"}, None)
    command.upgrade(cfg, "head")
    assert _state(empty_db_url)[1] == _head()


def test_alembic_command_line_from_repo_root(empty_db_url: str) -> None:
    env = {k: v for k, v in os.environ.items() if k != "HARVESTER_DATABASE_URL"}
    proc = subprocess.run(
        [sys.executable, "-m", "alembic", "-x", f"url={empty_db_url}", "upgrade", "head"],
        check=False, cwd=REPO, capture_output=True, text=True, timeout=120, env=env,
    )
    assert proc.returncode == 0, proc.stderr
    tables, revision = _state(empty_db_url)
    assert EXPECTED_TABLES <= tables and revision == _head()


def test_sqlite_file_directory_and_pragmas(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'deep' / 'er' / 'state.db'}"
    store = Store(url)
    try:
        store.ensure_schema()
        assert (tmp_path / "deep" / "er" / "state.db").is_file()
        with store._engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
            assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar_one() >= 1000
    finally:
        store.close()


@pytest.mark.parametrize("durable", [False, True])
def test_commit_durability_setting(db_url: str, backend: str, durable: bool) -> None:
    store = Store(db_url, durable=durable)
    try:
        with store._engine.connect() as conn:
            if backend == "sqlite":
                assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == (2 if durable else 1)  # FULL/NORMAL
            else:
                assert conn.exec_driver_sql("SHOW synchronous_commit").scalar() == ("on" if durable else "off")
                assert conn.exec_driver_sql("SHOW timezone").scalar() == "UTC"
    finally:
        store.close()


@pytest.mark.postgres
def test_postgres_url_options_win(fresh_postgres_url: str) -> None:
    store = Store(fresh_postgres_url + "?options=-c%20synchronous_commit%3Dlocal")
    try:
        with store._engine.connect() as conn:
            assert conn.exec_driver_sql("SHOW synchronous_commit").scalar() == "local"
    finally:
        store.close()


def test_url_normalisation() -> None:
    assert normalise_url("postgresql://u@h/db").drivername == "postgresql+psycopg"
    assert normalise_url("postgres://u@h/db").drivername == "postgresql+psycopg"
    assert normalise_url("postgresql+psycopg://u@h/db").drivername == "postgresql+psycopg"
    assert normalise_url("sqlite:///var/x.db").drivername == "sqlite"
    with pytest.raises(ValueError, match="unsupported database URL"):
        normalise_url("mysql://u:secret@h/db")
    with pytest.raises(ValueError, match="cannot parse"):
        normalise_url("not a url")


def test_unsupported_url_error_hides_password() -> None:
    with pytest.raises(ValueError) as info:
        Store("mysql://user:hunter2@h/db")
    assert "hunter2" not in str(info.value)


def test_ping(store: Store) -> None:
    assert store.ping() is True
    dead = Store("postgresql+psycopg://postgres@127.0.0.1:9/nowhere?connect_timeout=1")
    try:
        assert dead.ping() is False
    finally:
        dead.close()
