"""inbound texts are processed by the worker (issue 6): sms_messages.processed_at

The webhook only stores the text; the worker applies it and sets ``processed_at`` in the
same transaction. Texts stored before this migration were applied in their request, so they
are marked processed (the sweep must not apply them again). A partial index finds the few
unprocessed texts (the sweep, and the per-number ordering).

Revision ID: 0010
Revises: 0009
"""

import sqlalchemy as sa
from alembic import op

import mutualaid.models.base

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

_UNPROCESSED = "direction = 'in' AND processed_at IS NULL"


def upgrade():
    with op.batch_alter_table("sms_messages", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "processed_at", mutualaid.models.base.UTCDateTime(timezone=True), nullable=True
            )
        )
    op.execute("UPDATE sms_messages SET processed_at = created_at WHERE direction = 'in'")
    op.create_index(
        "ix_sms_messages_unprocessed",
        "sms_messages",
        ["from_number", "id"],
        unique=False,
        postgresql_where=sa.text(_UNPROCESSED),
        sqlite_where=sa.text(_UNPROCESSED),
    )


def downgrade():
    op.drop_index("ix_sms_messages_unprocessed", table_name="sms_messages")
    with op.batch_alter_table("sms_messages", schema=None) as batch_op:
        batch_op.drop_column("processed_at")
