"""SMS conversations, relay, phone verification (issue 7)

Conversation state uses the existing ``conversations`` table; this step adds the codes that
link a web account to a phone number (``phone_verifications``).

Revision ID: 0006
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op

import mutualaid.models.base

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "phone_verifications",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("phone", sa.String(length=20), nullable=False),
        sa.Column("code_hash", sa.String(length=128), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("created_at", mutualaid.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", mutualaid.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("verified_at", mutualaid.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["people.id"],
            name=op.f("fk_phone_verifications_person_id_people"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_phone_verifications")),
    )
    with op.batch_alter_table("phone_verifications", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_phone_verifications_person_id"), ["person_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_phone_verifications_phone"), ["phone"], unique=False)


def downgrade():
    with op.batch_alter_table("phone_verifications", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_phone_verifications_phone"))
        batch_op.drop_index(batch_op.f("ix_phone_verifications_person_id"))
    op.drop_table("phone_verifications")
