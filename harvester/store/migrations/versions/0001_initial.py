"""Initial state store: source, job, record, record_raw, record_target, issue, checkpoint.

Revision ID: 0001
Revises:
Create Date: 2025-01-01

Written out in full (not derived from ``harvester.store.tables``) so that later changes to the live
tables never alter what this revision creates. ``tests/store/test_schema.py`` checks that the
result matches the live tables.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Timestamps are timestamptz on PostgreSQL; the store converts SQLite values to aware UTC.
_TS = sa.DateTime(timezone=True)
_JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
_RUNNING = sa.text("status = 'running'")


def _record_key_fk() -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["source_id", "remote_id"], ["record.source_id", "record.remote_id"], ondelete="CASCADE"
    )


def upgrade() -> None:
    op.create_table(
        "source",
        sa.Column("id", sa.Text(), nullable=False),
        sa.Column("type", sa.Text(), nullable=False),
        sa.Column("title", sa.Text()),
        sa.Column("config_hash", sa.String(128), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("created_at", _TS, nullable=False),
        sa.Column("updated_at", _TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_source"),
    )
    op.create_table(
        "job",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("source_id", sa.Text(), nullable=False),
        sa.Column("trigger", sa.Text(), nullable=False),
        sa.Column("status", sa.String(30), nullable=False),
        sa.Column("started_at", _TS, nullable=False),
        sa.Column("gather_finished_at", _TS),
        sa.Column("finished_at", _TS),
        sa.Column("complete", sa.Boolean(), nullable=False),
        sa.Column("full", sa.Boolean(), nullable=False),
        sa.Column("mapping_hash", sa.String(128)),
        sa.Column("stats", _JSON, nullable=False),
        sa.Column("error", sa.Text()),
        sa.Column("heartbeat_at", _TS),
        sa.Column("pid", sa.Integer()),
        sa.ForeignKeyConstraint(["source_id"], ["source.id"], name="fk_job_source_id_source", ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name="pk_job"),
    )
    op.create_index("ix_job_source_id_id", "job", ["source_id", "id"])
    op.create_index("ix_job_status", "job", ["status"])
    op.create_index(
        "uq_job_one_running", "job", ["source_id"], unique=True, sqlite_where=_RUNNING, postgresql_where=_RUNNING
    )

    op.create_table(
        "record",
        sa.Column("source_id", sa.Text(), nullable=False),
        sa.Column("remote_id", sa.Text(), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("remote_modified", sa.Text()),
        sa.Column("content_hash", sa.String(128)),
        sa.Column("mapped_hash", sa.String(128)),
        sa.Column("dataset", sa.Text()),
        sa.Column("stable_uri", sa.Text()),
        sa.Column("title", sa.Text()),
        sa.Column("access_rights", sa.Text()),
        sa.Column("organisation", sa.Text()),
        sa.Column("kode_pemda", sa.Text()),
        sa.Column("modified", sa.Text()),
        sa.Column("page_url", sa.Text()),
        sa.Column("first_seen", _TS, nullable=False),
        sa.Column("last_seen", _TS, nullable=False),
        sa.Column("updated_at", _TS, nullable=False),
        sa.Column("deleted_at", _TS),
        sa.Column("last_job_id", sa.Integer()),
        sa.Column("id_is_fallback", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(["source_id"], ["source.id"], name="fk_record_source_id_source", ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("source_id", "remote_id", name="pk_record"),
    )
    op.create_index("ix_record_feed", "record", ["status", "updated_at", "source_id", "remote_id"])
    op.create_index("ix_record_updated_at", "record", ["updated_at", "source_id", "remote_id"])
    op.create_index("ix_record_organisation", "record", ["organisation"])
    op.create_index("ix_record_access_rights", "record", ["access_rights"])
    op.create_index("ix_record_kode_pemda", "record", ["kode_pemda"])
    op.create_index("ix_record_source_status", "record", ["source_id", "status"])
    op.create_index("ix_record_source_page", "record", ["source_id", "page_url"])

    op.create_table(
        "record_raw",
        sa.Column("source_id", sa.Text(), nullable=False),
        sa.Column("remote_id", sa.Text(), nullable=False),
        sa.Column("media_type", sa.Text(), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.Column("content_hash", sa.String(128), nullable=False),
        sa.Column("url", sa.Text()),
        sa.Column("fetched_at", _TS, nullable=False),
        sa.ForeignKeyConstraint(
            ["source_id", "remote_id"],
            ["record.source_id", "record.remote_id"],
            name="fk_record_raw_source_id_record",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("source_id", "remote_id", name="pk_record_raw"),
    )

    op.create_table(
        "record_target",
        sa.Column("source_id", sa.Text(), nullable=False),
        sa.Column("remote_id", sa.Text(), nullable=False),
        sa.Column("target", sa.Text(), nullable=False),
        sa.Column("target_dataset_id", sa.Text()),
        sa.Column("target_name", sa.Text()),
        sa.Column("pushed_hash", sa.String(128)),
        sa.Column("pushed_at", _TS),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", _TS),
        sa.Column("last_error", sa.Text()),
        sa.Column("last_error_at", _TS),
        sa.Column("target_modified", sa.Text()),
        sa.ForeignKeyConstraint(
            ["source_id", "remote_id"],
            ["record.source_id", "record.remote_id"],
            name="fk_record_target_source_id_record",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("source_id", "remote_id", "target", name="pk_record_target"),
    )
    op.create_index("ix_record_target_target_status", "record_target", ["target", "status"])
    op.create_index("ix_record_target_target_dataset", "record_target", ["target", "target_dataset_id"])

    op.create_table(
        "issue",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("job_id", sa.Integer()),
        sa.Column("source_id", sa.Text(), nullable=False),
        sa.Column("remote_id", sa.Text()),
        sa.Column("stage", sa.String(20)),
        sa.Column("severity", sa.String(20), nullable=False),
        sa.Column("code", sa.Text(), nullable=False),
        sa.Column("field", sa.Text()),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("location", sa.Text()),
        sa.Column("hint_id", sa.Text()),
        sa.Column("hint_en", sa.Text()),
        sa.Column("created_at", _TS, nullable=False),
        sa.ForeignKeyConstraint(["job_id"], ["job.id"], name="fk_issue_job_id_job", ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name="pk_issue"),
    )
    op.create_index("ix_issue_job_id", "issue", ["job_id"])
    op.create_index("ix_issue_source_record", "issue", ["source_id", "remote_id"])
    op.create_index("ix_issue_created_at", "issue", ["created_at"])

    op.create_table(
        "checkpoint",
        sa.Column("source_id", sa.Text(), nullable=False),
        sa.Column("kind", sa.String(30), nullable=False),
        sa.Column("value", _JSON, nullable=False),
        sa.Column("job_id", sa.Integer()),
        sa.Column("saved_at", _TS, nullable=False),
        sa.ForeignKeyConstraint(["job_id"], ["job.id"], name="fk_checkpoint_job_id_job", ondelete="SET NULL"),
        sa.ForeignKeyConstraint(
            ["source_id"], ["source.id"], name="fk_checkpoint_source_id_source", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("source_id", "kind", name="pk_checkpoint"),
    )


def downgrade() -> None:
    for name in ("checkpoint", "issue", "record_target", "record_raw", "record", "job", "source"):
        op.drop_table(name)
