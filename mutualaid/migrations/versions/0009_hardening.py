"""prove it holds: fixes found under load and faults (issue 10)

Adds ``login_throttles``: failed sign-in counters shared by every web process
(mutualaid.throttle).

Revision ID: 0009
Revises: 0008
"""

import sqlalchemy as sa
from alembic import op

import mutualaid.models.base

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "login_throttles",
        sa.Column("key", sa.String(length=80), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("window_start", mutualaid.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("locked_until", mutualaid.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_login_throttles")),
    )


def downgrade():
    op.drop_table("login_throttles")
