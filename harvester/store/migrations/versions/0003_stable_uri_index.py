"""Index on record.stable_uri: the feed's single-dataset pages look records up by the dataset IRI a
source gave them (``/dataset?uri=...``, DCAT IRIs kept as is), which was a full scan of the table.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_record_stable_uri", "record", ["stable_uri"])


def downgrade() -> None:
    op.drop_index("ix_record_stable_uri", table_name="record")
