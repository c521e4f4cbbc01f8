"""Catalog entries: frameworks, controls and mappings a workspace adds to the packaged library.

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "catalog_entry",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("key", sa.String(512), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("source", sa.String(32), nullable=False),
        sa.Column("origin", sa.String(512), nullable=False),
        sa.Column("created_at", sa.String(27), nullable=False),
        sa.Column("created_by", sa.String(256), nullable=False),
    )
    # One framework or control per id, one mapping per (control, requirement): entries are never replaced.
    op.create_index("ux_catalog_entry_kind_key", "catalog_entry", ["kind", "key"], unique=True)


def downgrade() -> None:
    op.drop_index("ux_catalog_entry_kind_key", table_name="catalog_entry")
    op.drop_table("catalog_entry")
