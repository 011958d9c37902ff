"""security review (issue 16): revocable sessions, expiring and scoped API tokens

Adds ``people.session_epoch`` (bumped by "log out everywhere" and a password change),
``revoked_sessions`` (sessions ended by log-out), and ``api_tokens.expires_at`` / ``scope``.
Existing tokens keep working: they become "write" tokens expiring 90 days from the upgrade.

Revision ID: 0013
Revises: 0012
"""

from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from alembic import op

import mutualaid.models.base

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("people", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("session_epoch", sa.Integer(), server_default="0", nullable=False)
        )
    op.create_table(
        "revoked_sessions",
        sa.Column("sid", sa.String(length=64), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("expires_at", mutualaid.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["people.id"],
            name=op.f("fk_revoked_sessions_person_id_people"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("sid", name=op.f("pk_revoked_sessions")),
    )
    with op.batch_alter_table("revoked_sessions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_revoked_sessions_expires_at"), ["expires_at"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_revoked_sessions_person_id"), ["person_id"], unique=False
        )
    with op.batch_alter_table("api_tokens", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("expires_at", mutualaid.models.base.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(
            sa.Column("scope", sa.String(length=5), server_default="write", nullable=False)
        )
    tokens = sa.table(
        "api_tokens", sa.column("expires_at", mutualaid.models.base.UTCDateTime(timezone=True))
    )
    op.execute(tokens.update().values(expires_at=datetime.now(UTC) + timedelta(days=90)))
    with op.batch_alter_table("api_tokens", schema=None) as batch_op:
        batch_op.alter_column(
            "expires_at",
            existing_type=mutualaid.models.base.UTCDateTime(timezone=True),
            nullable=False,
        )


def downgrade():
    with op.batch_alter_table("api_tokens", schema=None) as batch_op:
        batch_op.drop_column("scope")
        batch_op.drop_column("expires_at")
    with op.batch_alter_table("revoked_sessions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_revoked_sessions_person_id"))
        batch_op.drop_index(batch_op.f("ix_revoked_sessions_expires_at"))
    op.drop_table("revoked_sessions")
    with op.batch_alter_table("people", schema=None) as batch_op:
        batch_op.drop_column("session_epoch")
