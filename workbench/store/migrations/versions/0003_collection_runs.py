"""Collection runs: the summary each AWS collection records of itself.

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "collection_run",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("started_at", sa.String(27), nullable=False),
        sa.Column("finished_at", sa.String(27), nullable=False),
        sa.Column("accounts", sa.Text(), nullable=False),
        sa.Column("regions", sa.Text(), nullable=False),
        sa.Column("checks", sa.Text(), nullable=False),
        sa.Column("counts", sa.Text(), nullable=False),
        sa.Column("errors", sa.Text(), nullable=False),
        sa.Column("tasks", sa.Integer(), nullable=False),
        sa.Column("api_calls", sa.Integer(), nullable=False),
        sa.Column("duration_ms", sa.Integer(), nullable=False),
        sa.Column("actor", sa.String(256), nullable=False),
    )
    op.create_index("ix_collection_run_started_at", "collection_run", ["started_at"])
    op.create_index("ix_evidence_run_id", "evidence", ["run_id"])


def downgrade() -> None:
    op.drop_index("ix_evidence_run_id", table_name="evidence")
    op.drop_index("ix_collection_run_started_at", table_name="collection_run")
    op.drop_table("collection_run")
