"""Shared-responsibility exchange: packets issued and imported, the answers imported from responses, attestations.

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "exchange_packet",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("direction", sa.String(8), nullable=False),
        sa.Column("issuer_workspace_id", sa.String(36), nullable=False),
        sa.Column("issuer_organisation", sa.String(200), nullable=False),
        sa.Column("issuer_system", sa.String(200), nullable=False),
        sa.Column("in_response_to", sa.String(36), nullable=True),
        sa.Column("created_at", sa.String(27), nullable=False),
        sa.Column("recorded_at", sa.String(27), nullable=False),
        sa.Column("recorded_by", sa.String(256), nullable=False),
        sa.Column("body_sha256", sa.String(64), nullable=False),
        sa.Column("signer_fingerprint", sa.String(64), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
    )
    op.create_index("ix_exchange_packet_kind", "exchange_packet", ["kind", "direction"])
    op.create_table(
        "exchange_answer",
        sa.Column("response_id", sa.String(36), sa.ForeignKey("exchange_packet.id"), primary_key=True),
        sa.Column("control_id", sa.String(16), primary_key=True),
        sa.Column("customer_workspace_id", sa.String(36), nullable=False),
        sa.Column("evidence_id", sa.String(36), sa.ForeignKey("evidence.id"), nullable=False),
        sa.Column("answer_sha256", sa.String(64), nullable=False),
    )
    op.create_index("ix_exchange_answer_customer", "exchange_answer", ["customer_workspace_id", "control_id"])
    op.create_table(
        "attestation",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("control_id", sa.String(16), nullable=False),
        sa.Column("packet_id", sa.String(36), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("attested_at", sa.String(27), nullable=False),
        sa.Column("attested_by", sa.String(256), nullable=False),
    )
    op.create_index("ix_attestation_control", "attestation", ["control_id", "attested_at"])


def downgrade() -> None:
    op.drop_index("ix_attestation_control", table_name="attestation")
    op.drop_table("attestation")
    op.drop_index("ix_exchange_answer_customer", table_name="exchange_answer")
    op.drop_table("exchange_answer")
    op.drop_index("ix_exchange_packet_kind", table_name="exchange_packet")
    op.drop_table("exchange_packet")
