"""prove it holds: fixes found under load and faults (issue 10)

Reserved in the migration chain so work on separate rooms can land in any order without
forking Alembic's history; filled in by that work. An empty step changes nothing.

Revision ID: 0009
Revises: 0008
"""

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
