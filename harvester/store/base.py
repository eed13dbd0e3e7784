"""Connection and transaction plumbing shared by the ``Store`` parts (jobs, records, feed ...).

Thread safety: a ``Store`` may be shared by any number of threads. Every public method checks a
connection out of the Engine's pool for the duration of one short transaction, except inside
``batch()``, which binds one transaction to the calling thread only. Iterators (``iter_*``) hold
their own connection until they are exhausted or closed, and must be consumed by the thread that
created them.
"""

from __future__ import annotations

import contextlib

import logging
import threading
from collections.abc import Callable, Generator, Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from functools import lru_cache
from typing import Any, Self, TypeVar

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql as pg_dialect
from sqlalchemy.dialects import sqlite as sqlite_dialect
from sqlalchemy.engine import Connection, Engine

from harvester.store.engine import (
    SQLITE_BEGIN,
    make_engine,
    normalise_url,
    upgrade_schema,
)
from harvester.store.rows import UnknownSource, now_utc
from harvester.store.tables import source

logger = logging.getLogger(__name__)

#: Rows per IN (...) list or executemany batch; far below SQLite's and PostgreSQL's bind limits.
CHUNK = 500
#: Rows fetched per round trip by streaming iterators.
STREAM_BATCH = 500

T = TypeVar("T")


def chunked(items: Iterable[T], size: int = CHUNK) -> Iterator[list[T]]:
    """Split ``items`` into lists of at most ``size`` (consumes generators lazily)."""
    buf: list[T] = []
    for item in items:
        buf.append(item)
        if len(buf) >= size:
            yield buf
            buf = []
    if buf:
        yield buf


@lru_cache(maxsize=64)
def _upsert_statement(dialect: str, table: sa.Table, keep: tuple[str, ...]) -> sa.Executable:
    """Built once per table: constructing an ON CONFLICT statement costs milliseconds, more than
    executing it. Statements are immutable, so sharing them between threads is safe."""
    insert = sqlite_dialect.insert if dialect == "sqlite" else pg_dialect.insert
    stmt = insert(table)
    pk = [c.name for c in table.primary_key.columns]
    updates = {c.name: stmt.excluded[c.name] for c in table.columns if c.name not in pk and c.name not in keep}
    return stmt.on_conflict_do_update(index_elements=pk, set_=updates)


@contextmanager
def _bind_errors() -> Iterator[None]:
    """Surface the ValueError/TypeError of a bad parameter (e.g. a naive datetime) as itself,
    not wrapped in SQLAlchemy's StatementError, so callers can catch what they passed wrong."""
    try:
        yield
    except sa.exc.StatementError as exc:
        if isinstance(exc.orig, (ValueError, TypeError)) and not isinstance(exc, sa.exc.DBAPIError):
            raise exc.orig from exc
        raise


class StoreBase:
    """Engine, clock, lazy schema upgrade, and the transaction helpers used by every part."""

    def __init__(
        self,
        url: str,
        *,
        echo: bool = False,
        durable: bool = False,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        """Create the engine (no connection yet). Raises ValueError for an unusable URL.

        ``durable`` flushes every commit to disk (see ``engine.make_engine``; default off).
        ``clock`` replaces the wall clock for every timestamp the store writes itself (tests).
        """
        self.url = normalise_url(url)
        self._engine: Engine = make_engine(self.url, echo=echo, durable=durable)
        self._clock = clock or now_utc
        self._local = threading.local()
        self._schema_lock = threading.Lock()
        self._schema_ready = False

    @property
    def engine(self) -> Engine:
        """The SQLAlchemy engine, for read-only queries of other packages (feed, quality history) that
        the Store API does not cover; writes go through the Store's methods."""
        return self._engine

    @property
    def dialect(self) -> str:
        """'sqlite' or 'postgresql'."""
        return self._engine.dialect.name

    def _now(self) -> datetime:
        return self._clock()

    # --- schema --------------------------------------------------------------------------------
    def ensure_schema(self) -> None:
        """Bring the database to the newest schema (``alembic upgrade head``); idempotent.

        Called automatically before the first query. Raises the database error when the server is
        unreachable or a migration fails (nothing is half-applied: it runs in one transaction).
        """
        with self._schema_lock:
            if self._schema_ready:
                return
            upgrade_schema(self._engine)
            self._schema_ready = True

    # --- connections ---------------------------------------------------------------------------
    @contextmanager
    def batch(self) -> Iterator[None]:
        """Run the calling thread's store writes in ONE transaction (committed on exit).

        Makes loops of ``save_record`` / ``touch_records`` / ``add_issues`` much faster. On SQLite it
        holds the database write lock for its whole duration, so keep batches short (a few hundred
        records): other writers wait up to the busy timeout, readers are not blocked. An exception
        rolls the whole batch back. Nested ``batch()`` calls join the outer one. Streaming
        iterators do not see the batch's uncommitted writes (they use their own connection).
        """
        if getattr(self._local, "conn", None) is not None:
            yield
            return
        self.ensure_schema()
        with _bind_errors(), self._engine.connect() as conn:
            conn.execution_options(**{SQLITE_BEGIN: "IMMEDIATE"})
            with conn.begin():
                self._local.conn = conn
                try:
                    yield
                finally:
                    self._local.conn = None

    @contextmanager
    def _connection(self, *, immediate: bool) -> Iterator[Connection]:
        """The calling thread's ``batch()`` connection, else a new one in its own transaction
        (``BEGIN IMMEDIATE`` on SQLite when ``immediate``, so writers queue instead of failing)."""
        joined = getattr(self._local, "conn", None)
        if joined is not None:
            with _bind_errors():
                yield joined
            return
        self.ensure_schema()
        with _bind_errors(), self._engine.connect() as conn:
            if immediate:
                conn.execution_options(**{SQLITE_BEGIN: "IMMEDIATE"})
            with conn.begin():
                yield conn

    def _write(self) -> "contextlib.AbstractContextManager[Connection]":
        """A connection in a write transaction (``BEGIN IMMEDIATE`` on SQLite), or the batch's."""
        return self._connection(immediate=True)

    def _read(self) -> "contextlib.AbstractContextManager[Connection]":
        """A connection in a read transaction (consistent snapshot), or the batch's."""
        return self._connection(immediate=False)

    def _stream(
        self, stmt: sa.Executable, convert: Callable[[sa.Row[Any]], T], batch: int = STREAM_BATCH
    ) -> Generator[T, None, None]:
        """Yield converted rows of ``stmt`` with flat memory (server-side cursor on PostgreSQL).

        Uses its own connection even inside ``batch()``: a batch commit must not close the cursor.
        """
        self.ensure_schema()
        with _bind_errors(), self._engine.connect() as conn, conn.begin():
            result = conn.execution_options(yield_per=batch).execute(stmt)
            try:
                for row in result:
                    yield convert(row)
            finally:
                result.close()

    def _upsert(
        self,
        conn: Connection,
        table: sa.Table,
        rows: Sequence[dict[str, Any]],
        *,
        keep: tuple[str, ...] = (),
    ) -> None:
        """INSERT ... ON CONFLICT (primary key) DO UPDATE every non-key column except ``keep``."""
        if rows:
            conn.execute(_upsert_statement(conn.dialect.name, table, keep), list(rows))

    def _raise_unknown_source(self, source_ids: Iterable[str], exc: Exception) -> None:
        """After an IntegrityError: raise UnknownSource if one of ``source_ids`` is not registered.

        Returns quietly (the caller re-raises ``exc``) inside ``batch()``, whose transaction is
        no longer usable, or when every source exists.
        """
        if getattr(self._local, "conn", None) is not None:
            return
        with self._read() as conn:
            known = set(conn.execute(sa.select(source.c.id).where(source.c.id.in_(list(source_ids)))).scalars())
        for source_id in sorted(set(source_ids) - known):
            raise UnknownSource(source_id) from exc

    # --- lifecycle -----------------------------------------------------------------------------
    def ping(self) -> bool:
        """True when the database answers ``SELECT 1`` (for /healthz). Never raises."""
        try:
            with self._engine.connect() as conn:
                conn.execute(sa.text("SELECT 1")).scalar_one()
            return True
        except sa.exc.SQLAlchemyError as exc:
            logger.warning("state store ping failed: %s", exc)
            return False

    def close(self) -> None:
        """Release every pooled connection. The store reconnects if used again."""
        self._engine.dispose()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
