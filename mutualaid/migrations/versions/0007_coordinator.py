"""coordinator workspace: inbox, merges, imports (issue 8)

Reserved in the migration chain so work on separate rooms can land in any order without
forking Alembic's history; filled in by that work. An empty step changes nothing.

Revision ID: 0007
Revises: 0006
"""

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
