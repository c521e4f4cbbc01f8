"""Evidence, control links, blobs, exceptions, ownership changes and the ledger.

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

# Instants are fixed-width ISO 8601 text (see workbench.store.models.UTCDateTime).
INSTANT = sa.String(27)


def upgrade() -> None:
    op.create_table(
        "evidence",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("check_id", sa.String(128), nullable=True),
        sa.Column("check_version", sa.String(32), nullable=True),
        sa.Column("account", sa.String(64), nullable=False),
        sa.Column("region", sa.String(32), nullable=False),
        sa.Column("resource", sa.String(2048), nullable=False),
        sa.Column("result", sa.String(8), nullable=False),
        sa.Column("error_code", sa.String(128), nullable=True),
        sa.Column("observed_at", INSTANT, nullable=False),
        sa.Column("collected_at", INSTANT, nullable=False),
        sa.Column("valid_until", INSTANT, nullable=True),
        sa.Column("collected_by", sa.String(256), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("supersedes_id", sa.String(36), sa.ForeignKey("evidence.id"), nullable=True),
        sa.Column("run_id", sa.String(36), nullable=True),
    )
    op.create_table(
        "evidence_control",
        sa.Column("evidence_id", sa.String(36), sa.ForeignKey("evidence.id"), primary_key=True),
        sa.Column("control_id", sa.String(16), primary_key=True),
    )
    op.create_table(
        "evidence_blob",
        sa.Column("evidence_id", sa.String(36), sa.ForeignKey("evidence.id"), primary_key=True),
        sa.Column("position", sa.Integer(), primary_key=True),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("name", sa.String(255), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("media_type", sa.String(127), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
    )
    op.create_table(
        "control_exception",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("control_id", sa.String(16), nullable=False),
        sa.Column("rationale", sa.Text(), nullable=False),
        sa.Column("approver", sa.String(256), nullable=False),
        sa.Column("expires_at", INSTANT, nullable=False),
        sa.Column("created_at", INSTANT, nullable=False),
        sa.Column("created_by", sa.String(256), nullable=False),
    )
    op.create_table(
        "ownership_change",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("control_id", sa.String(16), nullable=False),
        sa.Column("owner", sa.String(32), nullable=False),
        sa.Column("vendor_part", sa.Text(), nullable=False),
        sa.Column("customer_part", sa.Text(), nullable=False),
        sa.Column("changed_at", INSTANT, nullable=False),
        sa.Column("changed_by", sa.String(256), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
    )
    op.create_table(
        "ledger",
        sa.Column("seq", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("recorded_at", INSTANT, nullable=False),
        sa.Column("actor", sa.String(256), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("entity_id", sa.String(64), nullable=False),
        sa.Column("digest", sa.String(64), nullable=False),
        sa.Column("prev_hash", sa.String(64), nullable=False),
        sa.Column("entry_hash", sa.String(64), nullable=False),
    )


def downgrade() -> None:
    for table in ("ledger", "ownership_change", "control_exception", "evidence_blob", "evidence_control", "evidence"):
        op.drop_table(table)
