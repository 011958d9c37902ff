"""JSON API: tokens, rate limits (issue 9)

Reserved in the migration chain so work on separate rooms can land in any order without
forking Alembic's history; filled in by that work. An empty step changes nothing.

Revision ID: 0008
Revises: 0007
"""

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
