"""admin-managed categories and site settings (issue 8)

Adds ``categories`` (seeded here from config/categories.toml, which stays the seed and the
default) and ``site_settings`` (admin overrides of environment defaults, e.g. the retention
period).

Revision ID: 0011
Revises: 0010
"""

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

import mutualaid.models.base

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade():
    categories = op.create_table(
        "categories",
        sa.Column("key", sa.String(length=30), nullable=False),
        sa.Column("name_en", sa.String(length=60), nullable=False),
        sa.Column("name_es", sa.String(length=60), nullable=False),
        sa.Column("people_needed", sa.Integer(), nullable=False),
        sa.Column("synonyms", sa.JSON(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("created_at", mutualaid.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", mutualaid.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_categories")),
    )
    op.create_table(
        "site_settings",
        sa.Column("key", sa.String(length=60), nullable=False),
        sa.Column("value", sa.String(length=200), nullable=False),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        sa.Column("updated_at", mutualaid.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["updated_by_id"],
            ["people.id"],
            name=op.f("fk_site_settings_updated_by_id_people"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_site_settings")),
    )
    from mutualaid.categories import load_categories

    now = datetime.now(UTC)
    op.bulk_insert(
        categories,
        [
            {
                "key": c.key,
                "name_en": c.en,
                "name_es": c.es,
                "people_needed": c.people_needed,
                "synonyms": list(c.synonyms),
                "active": True,
                "position": i,
                "created_at": now,
                "updated_at": now,
            }
            for i, c in enumerate(load_categories())
        ],
    )


def downgrade():
    op.drop_table("site_settings")
    op.drop_table("categories")
