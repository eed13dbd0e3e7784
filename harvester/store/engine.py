"""Engine construction and schema upgrade for the state store.

One Engine per ``Store``. SQLite (default) gets: its parent directory created, WAL journal (readers
never block the writer), ``synchronous=NORMAL`` (see ``make_engine``), foreign keys on, a busy timeout, and explicit
transaction control so that write transactions start with ``BEGIN IMMEDIATE`` (they queue on the
write lock up to the busy timeout instead of failing with "database is locked" when a read
snapshot would have to be upgraded). PostgreSQL uses psycopg 3 with the session time zone set to UTC.

``upgrade_schema`` runs ``alembic upgrade head`` on a connection of that engine, inside one
transaction guarded against a second process doing the same (advisory lock on PostgreSQL, the
write lock on SQLite), so the daemon and the feed may both start on an empty database.
"""

from __future__ import annotations

import logging
import sqlite3
import time
from functools import lru_cache
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from alembic import command
from alembic.config import Config as AlembicConfig
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import URL, Connection, Engine, make_url
from sqlalchemy.exc import ArgumentError
from sqlalchemy.pool import StaticPool

logger = logging.getLogger(__name__)

#: Where the daemon keeps its state when no database URL is configured (relative to the cwd).
DEFAULT_DATABASE_URL = "sqlite:///var/harvester.db"

#: How long a SQLite writer waits for the write lock before failing (seconds).
SQLITE_BUSY_TIMEOUT_S = 30.0

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"

# Arbitrary constant: key of the PostgreSQL advisory lock serialising schema upgrades.
_PG_MIGRATION_LOCK = 0x5D_4A_7E_57

#: Execution option read by the SQLite ``begin`` hook: "IMMEDIATE" for write transactions.
SQLITE_BEGIN = "harvester_sqlite_begin"


def normalise_url(url: str | URL) -> URL:
    """Parse a database URL; bare ``postgresql://`` / ``postgres://`` (and psycopg2) mean psycopg 3,
    the only PostgreSQL driver installed.

    Raises ValueError naming the URL (password masked) when it cannot be parsed or names a
    backend other than SQLite or PostgreSQL.
    """
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise ValueError(f"cannot parse database URL {str(url)!r}: {exc}") from exc
    backend = parsed.get_backend_name()
    if backend in ("postgresql", "postgres"):
        if "+" not in parsed.drivername or parsed.drivername.endswith("+psycopg2"):
            parsed = parsed.set(drivername="postgresql+psycopg")
    elif backend != "sqlite":
        raise ValueError(
            f"unsupported database URL {parsed.render_as_string(hide_password=True)!r}: "
            "use sqlite:///path/to/file.db or postgresql+psycopg://user@host/db"
        )
    return parsed


def _is_memory_sqlite(url: URL) -> bool:
    db = url.database or ""
    return db in ("", ":memory:") or "mode=memory" in db


def make_engine(url: str | URL, *, echo: bool = False, durable: bool = False) -> Engine:
    """Create the Engine for ``url`` with the settings described in the module docstring.

    ``durable=False`` (default) lets a commit return before its WAL record is flushed to disk
    (SQLite ``synchronous=NORMAL``, PostgreSQL ``synchronous_commit=off``): a power or OS crash
    may lose the last fraction of a second of commits, never consistency. Everything the store
    holds is re-derived by the next harvest (hashes, reaper, target lookup by identifier), and a
    commit then costs no fsync (on PostgreSQL ~6x faster per transaction on the reference
    machine). ``durable=True`` flushes at every commit.
    """
    parsed = normalise_url(url)
    if parsed.get_backend_name() == "sqlite":
        return _sqlite_engine(parsed, echo, durable)
    options = "-c timezone=UTC" + ("" if durable else " -c synchronous_commit=off")
    given = parsed.query.get("options")
    if given:  # the URL's own ?options= come last, so they win
        options = f"{options} {given if isinstance(given, str) else ' '.join(given)}"
    return sa.create_engine(
        parsed,
        echo=echo,
        pool_pre_ping=True,  # survive a PostgreSQL restart between jobs
        pool_size=8,
        max_overflow=8,
        connect_args={"options": options},
    )


def _sqlite_engine(url: URL, echo: bool, durable: bool) -> Engine:
    kwargs: dict[str, Any] = {
        "echo": echo,
        "connect_args": {"timeout": SQLITE_BUSY_TIMEOUT_S, "check_same_thread": False},
    }
    if _is_memory_sqlite(url):
        # One shared connection, or every checkout would see a different empty database.
        # Only for single-threaded tests: the connection is not safe to share between threads.
        kwargs["poolclass"] = StaticPool
    else:
        Path(url.database or "").expanduser().resolve().parent.mkdir(parents=True, exist_ok=True)
        kwargs.update(pool_size=8, max_overflow=8)
    engine = sa.create_engine(url, **kwargs)

    @sa.event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        # Take transaction control away from the sqlite3 module; the "begin" hook issues BEGIN.
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        try:
            cur.execute(f"PRAGMA busy_timeout={int(SQLITE_BUSY_TIMEOUT_S * 1000)}")
            if not _is_memory_sqlite(url):
                _enable_wal(cur)
            # NORMAL: safe across application crashes; WAL is fsynced at checkpoints only.
            cur.execute(f"PRAGMA synchronous={'FULL' if durable else 'NORMAL'}")
            cur.execute("PRAGMA foreign_keys=ON")
        finally:
            cur.close()

    @sa.event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        mode = conn.get_execution_options().get(SQLITE_BEGIN, "DEFERRED")
        conn.exec_driver_sql(f"BEGIN {mode}")

    return engine


def _enable_wal(cur: Any) -> None:
    """Switch the file to WAL (a persistent property of the file, so usually already done).

    SQLite does not apply the busy timeout to a journal-mode change, so two processes opening a
    new database at the same moment can get "database is locked" here: retry for a while.
    """
    deadline = time.monotonic() + SQLITE_BUSY_TIMEOUT_S
    while True:
        try:
            if str(cur.execute("PRAGMA journal_mode").fetchone()[0]).lower() != "wal":
                cur.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(0.02)


def alembic_config(url: str | URL | None = None) -> AlembicConfig:
    """Alembic configuration of the packaged migrations (``migrations/alembic.ini``)."""
    cfg = AlembicConfig(str(MIGRATIONS_DIR / "alembic.ini"))
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    if url is not None:
        # ConfigParser interpolation treats '%' specially (URL-encoded passwords).
        rendered = normalise_url(url).render_as_string(hide_password=False)
        cfg.set_main_option("sqlalchemy.url", rendered.replace("%", "%%"))
    return cfg


@lru_cache(maxsize=1)
def head_revision() -> str:
    """Newest revision of the packaged migrations."""
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    if head is None:
        raise RuntimeError(f"no Alembic revisions found in {MIGRATIONS_DIR}")
    return head


def current_revision(engine: Engine) -> str | None:
    """Revision the database is at (None when it has no schema yet)."""
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def upgrade_schema(engine: Engine, revision: str = "head") -> None:
    """Run ``alembic upgrade <revision>`` on ``engine`` in one locked transaction; idempotent.

    A database already at the head revision costs one query. Raises the underlying
    SQLAlchemy/Alembic error when a migration fails; the transaction is rolled back, so the
    database is left at its previous revision.
    """
    if revision == "head" and current_revision(engine) == head_revision():
        return
    cfg = alembic_config()
    with engine.connect() as conn:
        conn.execution_options(**{SQLITE_BEGIN: "IMMEDIATE"})
        with conn.begin():
            if conn.dialect.name == "postgresql":
                conn.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_MIGRATION_LOCK})
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, revision)
    logger.debug("schema of %s is at %s", engine.url.render_as_string(hide_password=True), revision)
