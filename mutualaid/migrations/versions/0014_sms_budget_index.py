"""SMS budgets (issue 16): an index for the global daily count of outbound texts

Every queued text counts the outbound rows of the last 24 hours (SMS_GLOBAL_DAILY_CAP);
without an index that count scans the whole table.

Revision ID: 0014
Revises: 0013
"""

from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index(
        "ix_sms_messages_direction_created", "sms_messages", ["direction", "created_at"]
    )


def downgrade():
    op.drop_index("ix_sms_messages_direction_created", table_name="sms_messages")
