"""Indexes for deriving control status and finding a record's ledger entry on large workspaces.

Revision ID: 0002
Revises: 0001
"""

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

INDEXES = (
    ("ix_evidence_control_control_id", "evidence_control", ["control_id"]),
    ("ix_evidence_supersedes_id", "evidence", ["supersedes_id"]),
    ("ix_evidence_observed_at", "evidence", ["observed_at"]),
    ("ix_evidence_blob_sha256", "evidence_blob", ["sha256"]),
    ("ix_control_exception_control_id", "control_exception", ["control_id"]),
    ("ix_ownership_change_control_id", "ownership_change", ["control_id"]),
    ("ix_ledger_entity_id", "ledger", ["entity_id"]),
)


def upgrade() -> None:
    for name, table, columns in INDEXES:
        op.create_index(name, table, columns)


def downgrade() -> None:
    for name, table, _columns in INDEXES:
        op.drop_index(name, table_name=table)
