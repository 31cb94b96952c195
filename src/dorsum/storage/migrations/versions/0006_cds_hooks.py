"""CDS Hooks (issue 11): the cards the service issued (by uuid, patient-less), the feedback the
EHR sent about them, and the JWT ids already seen (replay protection shared by every worker).

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-30 02:05:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from dorsum.storage.types import UtcDateTime

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "cds_cards",
        sa.Column("uuid", sa.String(length=36), nullable=False),
        sa.Column("service", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("treatment", sa.String(length=64), server_default="", nullable=False),
        sa.Column("indicator", sa.String(length=10), nullable=False),
        sa.Column("issued_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("uuid", name=op.f("pk_cds_cards")),
    )
    with op.batch_alter_table("cds_cards", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_cds_cards_service"), ["service"], unique=False)

    op.create_table(
        "cds_feedback",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("card_uuid", sa.String(length=36), nullable=False),
        sa.Column("outcome", sa.String(length=20), nullable=False),
        sa.Column("reason_system", sa.String(length=200), server_default="", nullable=False),
        sa.Column("reason_code", sa.String(length=100), server_default="", nullable=False),
        sa.Column("reason_display", sa.String(length=200), server_default="", nullable=False),
        sa.Column("user_comment", sa.String(length=500), server_default="", nullable=False),
        sa.Column("outcome_at", UtcDateTime(), nullable=False),
        sa.Column("received_at", UtcDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["card_uuid"],
            ["cds_cards.uuid"],
            name=op.f("fk_cds_feedback_card_uuid_cds_cards"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cds_feedback")),
        sqlite_autoincrement=True,
    )
    with op.batch_alter_table("cds_feedback", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_cds_feedback_card_uuid"), ["card_uuid"], unique=False)

    op.create_table(
        "cds_jtis",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("issuer", sa.String(length=255), nullable=False),
        sa.Column("jti", sa.String(length=255), nullable=False),
        sa.Column("expires_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cds_jtis")),
        sa.UniqueConstraint("issuer", "jti", name=op.f("uq_cds_jtis_issuer")),
        sqlite_autoincrement=True,
    )
    with op.batch_alter_table("cds_jtis", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_cds_jtis_expires_at"), ["expires_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("cds_jtis", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_cds_jtis_expires_at"))
    op.drop_table("cds_jtis")
    with op.batch_alter_table("cds_feedback", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_cds_feedback_card_uuid"))
    op.drop_table("cds_feedback")
    with op.batch_alter_table("cds_cards", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_cds_cards_service"))
    op.drop_table("cds_cards")
