"""spatial indexes for matching (issue 4)

SQLite: an R*Tree virtual table ``offer_rtree`` holding the point of every active, located
offer, kept in sync with ``offers`` by three triggers. PostgreSQL: a partial GiST index on
the expression ``point(lng, lat)`` of active offers (core types only: no extension, and a
dump/restore keeps it). See docs/decisions.md, "Matching: spatial index per database".

Revision ID: 0004
Revises: 0003
"""

from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

# Names the schema comparison ignores (tests/integration/test_migrations.py, env.py).
RTREE = "offer_rtree"
PG_INDEX = "ix_offers_active_point"

SQLITE_UP = [
    "CREATE VIRTUAL TABLE offer_rtree USING rtree(id, min_lat, max_lat, min_lng, max_lng)",
    """CREATE TRIGGER offers_rtree_insert AFTER INSERT ON offers
        WHEN new.status = 'active' AND new.lat IS NOT NULL AND new.lng IS NOT NULL
        BEGIN
            INSERT INTO offer_rtree VALUES (new.id, new.lat, new.lat, new.lng, new.lng);
        END""",
    """CREATE TRIGGER offers_rtree_update AFTER UPDATE OF id, lat, lng, status ON offers
        BEGIN
            DELETE FROM offer_rtree WHERE id = old.id;
            INSERT INTO offer_rtree SELECT new.id, new.lat, new.lat, new.lng, new.lng
                WHERE new.status = 'active' AND new.lat IS NOT NULL AND new.lng IS NOT NULL;
        END""",
    """CREATE TRIGGER offers_rtree_delete AFTER DELETE ON offers
        BEGIN
            DELETE FROM offer_rtree WHERE id = old.id;
        END""",
    """INSERT INTO offer_rtree SELECT id, lat, lat, lng, lng FROM offers
        WHERE status = 'active' AND lat IS NOT NULL AND lng IS NOT NULL""",
]
SQLITE_DOWN = [
    "DROP TRIGGER IF EXISTS offers_rtree_delete",
    "DROP TRIGGER IF EXISTS offers_rtree_update",
    "DROP TRIGGER IF EXISTS offers_rtree_insert",
    "DROP TABLE IF EXISTS offer_rtree",
]

POSTGRES_UP = [
    "CREATE INDEX ix_offers_active_point ON offers USING gist (point(lng, lat)) WHERE status = 'active'",
]
POSTGRES_DOWN = ["DROP INDEX IF EXISTS ix_offers_active_point"]


def _run(statements):
    for statement in statements:
        op.execute(statement)


def upgrade():
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        _run(SQLITE_UP)
    elif dialect == "postgresql":
        _run(POSTGRES_UP)


def downgrade():
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        _run(SQLITE_DOWN)
    elif dialect == "postgresql":
        _run(POSTGRES_DOWN)
