"""needs, offers, geocoding (issue 3)

Adds geocoding-retry bookkeeping to every located row (people, needs, offers), the time a
need expired, and an index for the open-needs board.

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

import mutualaid.models.base

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

LOCATED = ("needs", "offers", "people")


def upgrade():
    for table in LOCATED:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(
                sa.Column("location_attempts", sa.Integer(), server_default="0", nullable=False)
            )
            batch_op.add_column(
                sa.Column(
                    "location_checked_at",
                    mutualaid.models.base.UTCDateTime(timezone=True),
                    nullable=True,
                )
            )
    with op.batch_alter_table("needs", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("expired_at", mutualaid.models.base.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.create_index(
            "ix_needs_status_public_lat_lng", ["status", "public_lat", "public_lng"], unique=False
        )


def downgrade():
    with op.batch_alter_table("needs", schema=None) as batch_op:
        batch_op.drop_index("ix_needs_status_public_lat_lng")
        batch_op.drop_column("expired_at")
    for table in reversed(LOCATED):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column("location_checked_at")
            batch_op.drop_column("location_attempts")
