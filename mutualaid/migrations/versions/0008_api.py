"""JSON API: tokens, rate limits (issue 9)

API tokens get a short display prefix and an index on their owner.

Revision ID: 0008
Revises: 0007
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("api_tokens", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("prefix", sa.String(length=12), server_default="", nullable=False)
        )
        batch_op.create_index(batch_op.f("ix_api_tokens_person_id"), ["person_id"], unique=False)


def downgrade():
    with op.batch_alter_table("api_tokens", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_api_tokens_person_id"))
        batch_op.drop_column("prefix")
