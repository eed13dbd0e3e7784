"""SQLAlchemy Core tables of the state store (ARCHITECTURE §4-§7).

This module is the live description of the schema; the Alembic revisions under ``migrations/``
create it. ``tests/store/test_schema.py`` compares the two on both backends, so a column added
here without a migration fails the suite.

Portability rules: timestamps use ``UTCDateTime`` (aware UTC in Python on both SQLite and
PostgreSQL); JSON documents are JSONB on PostgreSQL and JSON text on SQLite; raw bytes are
``BLOB``/``bytea``. Values that come from sources or config (ids, codes, dates as text) are
unbounded ``Text``: a ``VARCHAR(n)`` would reject an over-long value on PostgreSQL only. No
server-side defaults, so the two backends behave alike.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.engine import Dialect


class UTCDateTime(sa.types.TypeDecorator[datetime]):
    """Aware UTC datetimes in and out.

    SQLite has no time zone type, so values are stored as naive UTC text (whose lexical order is
    the time order, which keyset pagination relies on); PostgreSQL stores ``timestamptz``. A naive
    datetime is refused with ValueError instead of being guessed at.
    """

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if not isinstance(value, datetime):
            raise TypeError(f"expected a datetime, got {type(value).__name__}: {value!r}")
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError(f"naive datetime {value.isoformat()} given to the store; use an aware UTC datetime")
        value = value.astimezone(UTC)
        if dialect.name == "sqlite":
            return value.replace(tzinfo=None)
        return value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


#: JSON document column: JSONB on PostgreSQL (indexable, compact), JSON text elsewhere.
JSONDoc: sa.types.TypeEngine[Any] = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")

# Explicit constraint names so Alembic migrations (and SQLite batch mode) can address them.
metadata = sa.MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

source = sa.Table(
    "source",
    metadata,
    sa.Column("id", sa.Text, primary_key=True),
    sa.Column("type", sa.Text, nullable=False),
    sa.Column("title", sa.Text),
    sa.Column("config_hash", sa.String(128), nullable=False),
    sa.Column("enabled", sa.Boolean, nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("updated_at", UTCDateTime, nullable=False),
)

job = sa.Table(
    "job",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("source_id", sa.Text, sa.ForeignKey("source.id", ondelete="CASCADE"), nullable=False),
    sa.Column("trigger", sa.Text, nullable=False),
    sa.Column("status", sa.String(30), nullable=False),
    sa.Column("started_at", UTCDateTime, nullable=False),
    sa.Column("gather_finished_at", UTCDateTime),
    sa.Column("finished_at", UTCDateTime),
    sa.Column("complete", sa.Boolean, nullable=False),
    sa.Column("full", sa.Boolean, nullable=False),
    sa.Column("mapping_hash", sa.String(128)),
    sa.Column("stats", JSONDoc, nullable=False),
    sa.Column("error", sa.Text),
    sa.Column("heartbeat_at", UTCDateTime),
    sa.Column("pid", sa.Integer),
)
sa.Index("ix_job_source_id_id", job.c.source_id, job.c.id)
sa.Index("ix_job_status", job.c.status)
# At most one running job per source, enforced by the database even across processes.
sa.Index(
    "uq_job_one_running",
    job.c.source_id,
    unique=True,
    sqlite_where=sa.text("status = 'running'"),
    postgresql_where=sa.text("status = 'running'"),
)

record = sa.Table(
    "record",
    metadata,
    sa.Column("source_id", sa.Text, sa.ForeignKey("source.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("remote_id", sa.Text, primary_key=True),
    sa.Column("status", sa.String(20), nullable=False),
    sa.Column("remote_modified", sa.Text),
    sa.Column("content_hash", sa.String(128)),
    sa.Column("mapped_hash", sa.String(128)),
    sa.Column("dataset", sa.Text),  # canonical JSON of the mapped Dataset (text: hashed and served as-is)
    sa.Column("stable_uri", sa.Text),
    sa.Column("title", sa.Text),
    sa.Column("access_rights", sa.Text),
    sa.Column("organisation", sa.Text),
    sa.Column("kode_pemda", sa.Text),
    sa.Column("modified", sa.Text),
    sa.Column("page_url", sa.Text),
    sa.Column("first_seen", UTCDateTime, nullable=False),
    sa.Column("last_seen", UTCDateTime, nullable=False),
    sa.Column("updated_at", UTCDateTime, nullable=False),
    sa.Column("deleted_at", UTCDateTime),
    sa.Column("last_job_id", sa.Integer),  # no FK: old jobs are pruned, the record stays
    sa.Column("id_is_fallback", sa.Boolean, nullable=False),
)
# Feed: WHERE status='current' ORDER BY (updated_at, source_id, remote_id) with keyset seek.
sa.Index("ix_record_feed", record.c.status, record.c.updated_at, record.c.source_id, record.c.remote_id)
# changes_since: every status, same order.
sa.Index("ix_record_updated_at", record.c.updated_at, record.c.source_id, record.c.remote_id)
sa.Index("ix_record_organisation", record.c.organisation)
sa.Index("ix_record_stable_uri", record.c.stable_uri)
sa.Index("ix_record_access_rights", record.c.access_rights)
sa.Index("ix_record_kode_pemda", record.c.kode_pemda)
sa.Index("ix_record_source_status", record.c.source_id, record.c.status)
sa.Index("ix_record_source_page", record.c.source_id, record.c.page_url)

record_raw = sa.Table(
    "record_raw",
    metadata,
    sa.Column("source_id", sa.Text, primary_key=True),
    sa.Column("remote_id", sa.Text, primary_key=True),
    sa.Column("media_type", sa.Text, nullable=False),
    sa.Column("content", sa.LargeBinary, nullable=False),
    sa.Column("content_hash", sa.String(128), nullable=False),
    sa.Column("url", sa.Text),
    sa.Column("fetched_at", UTCDateTime, nullable=False),
    sa.ForeignKeyConstraint(
        ["source_id", "remote_id"], ["record.source_id", "record.remote_id"], ondelete="CASCADE"
    ),
)

record_target = sa.Table(
    "record_target",
    metadata,
    sa.Column("source_id", sa.Text, primary_key=True),
    sa.Column("remote_id", sa.Text, primary_key=True),
    sa.Column("target", sa.Text, primary_key=True),
    sa.Column("target_dataset_id", sa.Text),
    sa.Column("target_name", sa.Text),
    sa.Column("pushed_hash", sa.String(128)),
    sa.Column("pushed_at", UTCDateTime),
    sa.Column("status", sa.String(20), nullable=False),
    sa.Column("attempts", sa.Integer, nullable=False),
    sa.Column("next_attempt_at", UTCDateTime),
    sa.Column("last_error", sa.Text),
    sa.Column("last_error_at", UTCDateTime),
    sa.Column("target_modified", sa.Text),
    sa.ForeignKeyConstraint(
        ["source_id", "remote_id"], ["record.source_id", "record.remote_id"], ondelete="CASCADE"
    ),
)
sa.Index("ix_record_target_target_status", record_target.c.target, record_target.c.status)
sa.Index("ix_record_target_target_dataset", record_target.c.target, record_target.c.target_dataset_id)

issue = sa.Table(
    "issue",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("job_id", sa.Integer, sa.ForeignKey("job.id", ondelete="CASCADE")),
    sa.Column("source_id", sa.Text, nullable=False),  # no FK: config issues may name unknown sources
    sa.Column("remote_id", sa.Text),
    sa.Column("stage", sa.String(20)),
    sa.Column("severity", sa.String(20), nullable=False),
    sa.Column("code", sa.Text, nullable=False),
    sa.Column("field", sa.Text),
    sa.Column("message", sa.Text, nullable=False),
    sa.Column("location", sa.Text),
    sa.Column("hint_id", sa.Text),
    sa.Column("hint_en", sa.Text),
    sa.Column("created_at", UTCDateTime, nullable=False),
)
sa.Index("ix_issue_job_id", issue.c.job_id)
sa.Index("ix_issue_source_record", issue.c.source_id, issue.c.remote_id)
sa.Index("ix_issue_created_at", issue.c.created_at)

checkpoint = sa.Table(
    "checkpoint",
    metadata,
    sa.Column("source_id", sa.Text, sa.ForeignKey("source.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("kind", sa.String(30), primary_key=True),
    sa.Column("value", JSONDoc, nullable=False),
    sa.Column("job_id", sa.Integer, sa.ForeignKey("job.id", ondelete="SET NULL")),
    sa.Column("saved_at", UTCDateTime, nullable=False),
)

#: Tables in dependency order (parents first), e.g. for truncation in tests.
ALL_TABLES: tuple[sa.Table, ...] = tuple(metadata.sorted_tables)


# --- metadata quality history (harvester.quality; migration 0002) -------------------------------
quality_score = sa.Table(
    "quality_score", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("source_id", sa.Text, nullable=False),
    sa.Column("remote_id", sa.Text, nullable=False),
    sa.Column("job_id", sa.Integer),  # no FK: jobs are pruned, the history stays
    sa.Column("computed_at", UTCDateTime, nullable=False),
    sa.Column("score", sa.Float, nullable=False),  # 0..100
    sa.Column("points", sa.Float, nullable=False),
    sa.Column("max_score", sa.Integer, nullable=False),  # applicable points
    sa.Column("band", sa.String(30), nullable=False),
    sa.Column("version", sa.String(20), nullable=False),
    sa.Column("dimensions", JSONDoc, nullable=False),
    sa.Column("failed_checks", JSONDoc, nullable=False),
)
sa.Index("ix_quality_score_record", quality_score.c.source_id, quality_score.c.remote_id, quality_score.c.id)
sa.Index("ix_quality_score_computed_at", quality_score.c.computed_at)

quality_aggregate = sa.Table(
    "quality_aggregate", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("scope_kind", sa.String(30), nullable=False),  # city / organisation / kecamatan / kelurahan / source
    sa.Column("scope_id", sa.Text, nullable=False),
    sa.Column("computed_at", UTCDateTime, nullable=False),
    sa.Column("score", sa.Float),  # None: no dataset in scope
    sa.Column("band", sa.String(30)),
    sa.Column("datasets", sa.Integer, nullable=False),
)
sa.Index("ix_quality_aggregate_scope", quality_aggregate.c.scope_kind, quality_aggregate.c.scope_id,
         quality_aggregate.c.computed_at)

quality_link = sa.Table(
    "quality_link", metadata,
    sa.Column("url", sa.Text, primary_key=True),
    sa.Column("checked_at", UTCDateTime, nullable=False),
    sa.Column("ok", sa.Boolean, nullable=False),
    sa.Column("status", sa.Integer),
    sa.Column("reason", sa.Text, nullable=False),
)
