"""coordinator workspace: external ids for idempotent CSV imports (issue 8)

Plain ADD COLUMN plus a unique index (no table rebuild on SQLite, so the matching triggers
and partial indexes on these tables stay untouched).

Revision ID: 0007
Revises: 0006
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade():
    for table in ("needs", "offers"):
        op.add_column(table, sa.Column("external_id", sa.String(length=80), nullable=True))
        op.create_index(f"ix_{table}_external_id", table, ["external_id"], unique=True)


def downgrade():
    for table in ("offers", "needs"):
        op.drop_index(f"ix_{table}_external_id", table_name=table)
        with op.batch_alter_table(table) as batch_op:
            batch_op.drop_column("external_id")
