"""spatial indexes for matching (issue 4)

Reserved in the migration chain so work on separate rooms can land in any order without
forking Alembic's history; filled in by that work. An empty step changes nothing.

Revision ID: 0004
Revises: 0003
"""

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
