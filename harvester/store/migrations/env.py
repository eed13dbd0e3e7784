"""Alembic environment of the state store.

Two ways in:

* ``Store.ensure_schema()`` passes an open connection (already inside a locked transaction) in
  ``config.attributes["connection"]``; we run on it and never touch logging.
* ``alembic upgrade head`` by hand (repo-root ``alembic.ini``): the URL comes from ``-x url=...``,
  else ``HARVESTER_DATABASE_URL``, else ``sqlalchemy.url`` of the ini file. The engine is built by
  ``harvester.store.engine.make_engine`` so SQLite gets its directory, WAL and foreign keys exactly
  as the daemon does.

SQLite cannot ALTER most things in place, so migrations run in batch mode there.
"""

from __future__ import annotations

import os
from logging.config import fileConfig

from alembic import context
from sqlalchemy.engine import Connection

from harvester.store.engine import SQLITE_BEGIN, make_engine
from harvester.store.tables import metadata

config = context.config
target_metadata = metadata


def _url() -> str:
    url = context.get_x_argument(as_dictionary=True).get("url") or os.environ.get("HARVESTER_DATABASE_URL")
    return url or config.get_main_option("sqlalchemy.url") or ""


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_offline() -> None:
    """``alembic upgrade head --sql``: print the DDL instead of running it."""
    context.configure(url=_url(), target_metadata=target_metadata, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    given = config.attributes.get("connection")
    if given is not None:
        _run(given)
        return
    if config.config_file_name is not None and config.get_section("loggers") is not None:
        fileConfig(config.config_file_name, disable_existing_loggers=False)
    url = _url()
    if not url:
        raise SystemExit("no database URL: pass -x url=..., set HARVESTER_DATABASE_URL or sqlalchemy.url")
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            connection.execution_options(**{SQLITE_BEGIN: "IMMEDIATE"})
            with connection.begin():
                _run(connection)
    finally:
        engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
