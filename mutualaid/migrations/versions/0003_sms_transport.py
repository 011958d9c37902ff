"""SMS outbox, webhooks, compliance (issue 6)

Outbound rows gain their kind, the provider's raw status, the claim time used to reconcile
after a crash, and inbound media counts; every signed status callback is kept in
sms_status_events.

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

import mutualaid.models.base

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "sms_status_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("provider_sid", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("error_code", sa.Integer(), nullable=True),
        sa.Column("message_id", sa.Integer(), nullable=True),
        sa.Column("created_at", mutualaid.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["message_id"],
            ["sms_messages.id"],
            name=op.f("fk_sms_status_events_message_id_sms_messages"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sms_status_events")),
    )
    with op.batch_alter_table("sms_status_events", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_sms_status_events_message_id"), ["message_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_sms_status_events_provider_sid"), ["provider_sid"], unique=False
        )

    with op.batch_alter_table("sms_messages", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("kind", sa.String(length=20), nullable=False, server_default="notice")
        )
        batch_op.add_column(
            sa.Column("provider_status", sa.String(length=20), nullable=False, server_default="")
        )
        batch_op.add_column(
            sa.Column("claimed_at", mutualaid.models.base.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(
            sa.Column("num_media", sa.Integer(), nullable=False, server_default="0")
        )
        batch_op.create_index(
            "ix_sms_messages_to_created", ["to_number", "created_at"], unique=False
        )


def downgrade():
    with op.batch_alter_table("sms_messages", schema=None) as batch_op:
        batch_op.drop_index("ix_sms_messages_to_created")
        batch_op.drop_column("num_media")
        batch_op.drop_column("claimed_at")
        batch_op.drop_column("provider_status")
        batch_op.drop_column("kind")

    with op.batch_alter_table("sms_status_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sms_status_events_provider_sid"))
        batch_op.drop_index(batch_op.f("ix_sms_status_events_message_id"))

    op.drop_table("sms_status_events")
