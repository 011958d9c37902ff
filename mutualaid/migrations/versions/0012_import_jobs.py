"""coordinator workspace: CSV imports run in the worker with progress (issue 8)

Adds ``import_jobs``: a stored upload, its progress counters and per-row errors.

Revision ID: 0012
Revises: 0011
"""

import sqlalchemy as sa
from alembic import op

import mutualaid.models.base

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "import_jobs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("filename", sa.String(length=200), nullable=False),
        sa.Column("data", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.Column("created", sa.Integer(), nullable=False),
        sa.Column("updated", sa.Integer(), nullable=False),
        sa.Column("unchanged", sa.Integer(), nullable=False),
        sa.Column("errors", sa.JSON(), nullable=False),
        sa.Column("failure", sa.Text(), nullable=False),
        sa.Column("created_at", mutualaid.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("started_at", mutualaid.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("finished_at", mutualaid.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["actor_id"],
            ["people.id"],
            name=op.f("fk_import_jobs_actor_id_people"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_import_jobs")),
    )
    with op.batch_alter_table("import_jobs", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_import_jobs_actor_id"), ["actor_id"], unique=False)


def downgrade():
    with op.batch_alter_table("import_jobs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_import_jobs_actor_id"))
    op.drop_table("import_jobs")
