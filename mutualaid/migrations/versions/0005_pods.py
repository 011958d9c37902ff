"""response pods (issue 5)

Reserved in the migration chain so work on separate rooms can land in any order without
forking Alembic's history; filled in by that work. An empty step changes nothing.

Revision ID: 0005
Revises: 0004
"""

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
