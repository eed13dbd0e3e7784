"""Quality score history, aggregates and link-check cache (metadata quality reports).

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels = None
depends_on = None

_TS = sa.DateTime(timezone=True)
_JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    # harvester.quality.history may already have created these (create_all on first use) on a
    # database that ran the quality module before this migration existed.
    have = set(sa.inspect(op.get_bind()).get_table_names())
    if "quality_score" not in have:
        op.create_table(
            "quality_score",
            sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
            sa.Column("source_id", sa.Text(), nullable=False),
            sa.Column("remote_id", sa.Text(), nullable=False),
            sa.Column("job_id", sa.Integer()),
            sa.Column("computed_at", _TS, nullable=False),
            sa.Column("score", sa.Float(), nullable=False),
            sa.Column("points", sa.Float(), nullable=False),
            sa.Column("max_score", sa.Integer(), nullable=False),
            sa.Column("band", sa.String(30), nullable=False),
            sa.Column("version", sa.String(20), nullable=False),
            sa.Column("dimensions", _JSON, nullable=False),
            sa.Column("failed_checks", _JSON, nullable=False),
            sa.PrimaryKeyConstraint("id", name="pk_quality_score"),
        )
        op.create_index("ix_quality_score_record", "quality_score", ["source_id", "remote_id", "id"])
        op.create_index("ix_quality_score_computed_at", "quality_score", ["computed_at"])
    if "quality_aggregate" not in have:
        op.create_table(
            "quality_aggregate",
            sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
            sa.Column("scope_kind", sa.String(30), nullable=False),
            sa.Column("scope_id", sa.Text(), nullable=False),
            sa.Column("computed_at", _TS, nullable=False),
            sa.Column("score", sa.Float()),
            sa.Column("band", sa.String(30)),
            sa.Column("datasets", sa.Integer(), nullable=False),
            sa.PrimaryKeyConstraint("id", name="pk_quality_aggregate"),
        )
        op.create_index("ix_quality_aggregate_scope", "quality_aggregate", ["scope_kind", "scope_id", "computed_at"])
    if "quality_link" not in have:
        op.create_table(
            "quality_link",
            sa.Column("url", sa.Text(), nullable=False),
            sa.Column("checked_at", _TS, nullable=False),
            sa.Column("ok", sa.Boolean(), nullable=False),
            sa.Column("status", sa.Integer()),
            sa.Column("reason", sa.Text(), nullable=False),
            sa.PrimaryKeyConstraint("url", name="pk_quality_link"),
        )


def downgrade() -> None:
    for table in ("quality_link", "quality_aggregate", "quality_score"):
        op.drop_table(table)
