"""spatial indexes for matching (issue 4)

One spatial entry per (active, located offer, category), kept in sync with ``offers`` and
``offer_categories`` by triggers, carrying the few offer columns matching reads, so the
candidate query is answered from the index alone (see docs/decisions.md, "Matching: spatial
index per database"):

- SQLite: the R*Tree virtual table ``offer_rtree`` with three dimensions (lat, lng, and the
  category's code from ``offer_rtree_codes``) plus auxiliary columns. Its id is
  ``offer_id * 2**20 + category code`` (stable across VACUUM, unlike a rowid).
- PostgreSQL: the table ``offer_spots`` with a GiST index on ``(category, point)``
  (btree_gist for the text column) that INCLUDEs the read columns (index-only scans), and a
  covering index on people for the per-candidate exclusion checks.

Revision ID: 0004
Revises: 0003
"""

from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

# Names the schema comparison ignores: mutualaid/matching/schema.py. Entry ids are
# offer_id * 1048576 (2**20) + category code; codes stay far below 2**20. The category
# dimension is [code - 0.4, code + 0.4], not a zero-width point: with zero-width entries
# every one-category node has zero volume and the R*Tree's volume heuristics stop
# clustering by place (measured: bare box query p95 6.7 ms -> 0.09 ms at 200k offers).

_RTREE_COLUMNS = (
    "id, min_lat, max_lat, min_lng, max_lng, min_cat, max_cat, +offer_id, +helper_id, "
    "+lat, +lng, +radius_km, +capacity, +availability, +last_confirmed_at, +expires_at"
)
_ACTIVE_NEW = "new.status = 'active' AND new.lat IS NOT NULL AND new.lng IS NOT NULL"

SQLITE_UP = [
    "CREATE TABLE offer_rtree_codes ("
    " code INTEGER PRIMARY KEY, category VARCHAR(30) NOT NULL UNIQUE)",
    "CREATE VIRTUAL TABLE offer_rtree USING rtree(" + _RTREE_COLUMNS + ")",
    # A category row added: its entry, if the offer is active and located.
    """CREATE TRIGGER offer_rtree_category_insert AFTER INSERT ON offer_categories
    BEGIN
        INSERT OR IGNORE INTO offer_rtree_codes (category) VALUES (new.category);
        INSERT INTO offer_rtree
        SELECT o.id * 1048576 + c.code, o.lat, o.lat, o.lng, o.lng, c.code - 0.4, c.code + 0.4,
               o.id, o.helper_id, o.lat, o.lng, o.radius_km, o.capacity, o.availability,
               o.last_confirmed_at, o.expires_at
        FROM offers AS o, offer_rtree_codes AS c
        WHERE o.id = new.offer_id AND c.category = new.category
          AND o.status = 'active' AND o.lat IS NOT NULL AND o.lng IS NOT NULL;
    END""",
    """CREATE TRIGGER offer_rtree_category_delete AFTER DELETE ON offer_categories
    BEGIN
        DELETE FROM offer_rtree WHERE id = old.offer_id * 1048576
            + (SELECT code FROM offer_rtree_codes WHERE category = old.category);
    END""",
    """CREATE TRIGGER offer_rtree_category_update AFTER UPDATE ON offer_categories
    BEGIN
        DELETE FROM offer_rtree WHERE id = old.offer_id * 1048576
            + (SELECT code FROM offer_rtree_codes WHERE category = old.category);
        INSERT OR IGNORE INTO offer_rtree_codes (category) VALUES (new.category);
        INSERT INTO offer_rtree
        SELECT o.id * 1048576 + c.code, o.lat, o.lat, o.lng, o.lng, c.code - 0.4, c.code + 0.4,
               o.id, o.helper_id, o.lat, o.lng, o.radius_km, o.capacity, o.availability,
               o.last_confirmed_at, o.expires_at
        FROM offers AS o, offer_rtree_codes AS c
        WHERE o.id = new.offer_id AND c.category = new.category
          AND o.status = 'active' AND o.lat IS NOT NULL AND o.lng IS NOT NULL;
    END""",
    # Any change to an offer rewrites its entries (status, place, radius, schedule...).
    """CREATE TRIGGER offer_rtree_offer_insert AFTER INSERT ON offers
    WHEN new.status = 'active' AND new.lat IS NOT NULL AND new.lng IS NOT NULL
    BEGIN
        INSERT INTO offer_rtree
        SELECT new.id * 1048576 + c.code, new.lat, new.lat, new.lng, new.lng, c.code - 0.4, c.code + 0.4,
               new.id, new.helper_id, new.lat, new.lng, new.radius_km, new.capacity,
               new.availability, new.last_confirmed_at, new.expires_at
        FROM offer_categories AS oc JOIN offer_rtree_codes AS c ON c.category = oc.category
        WHERE oc.offer_id = new.id;
    END""",
    """CREATE TRIGGER offer_rtree_offer_update AFTER UPDATE ON offers
    BEGIN
        DELETE FROM offer_rtree WHERE id IN (
            SELECT old.id * 1048576 + c.code
            FROM offer_categories AS oc JOIN offer_rtree_codes AS c ON c.category = oc.category
            WHERE oc.offer_id IN (old.id, new.id));
        INSERT INTO offer_rtree
        SELECT new.id * 1048576 + c.code, new.lat, new.lat, new.lng, new.lng, c.code - 0.4, c.code + 0.4,
               new.id, new.helper_id, new.lat, new.lng, new.radius_km, new.capacity,
               new.availability, new.last_confirmed_at, new.expires_at
        FROM offer_categories AS oc JOIN offer_rtree_codes AS c ON c.category = oc.category
        WHERE oc.offer_id = new.id AND """
    + _ACTIVE_NEW
    + """;
    END""",
    """CREATE TRIGGER offer_rtree_offer_delete AFTER DELETE ON offers
    BEGIN
        DELETE FROM offer_rtree WHERE id IN (
            SELECT old.id * 1048576 + c.code
            FROM offer_categories AS oc JOIN offer_rtree_codes AS c ON c.category = oc.category
            WHERE oc.offer_id = old.id);
    END""",
    # Existing rows.
    "INSERT OR IGNORE INTO offer_rtree_codes (category) SELECT DISTINCT category FROM offer_categories",
    """INSERT INTO offer_rtree
    SELECT o.id * 1048576 + c.code, o.lat, o.lat, o.lng, o.lng, c.code - 0.4, c.code + 0.4,
           o.id, o.helper_id, o.lat, o.lng, o.radius_km, o.capacity, o.availability,
           o.last_confirmed_at, o.expires_at
    FROM offers AS o
    JOIN offer_categories AS oc ON oc.offer_id = o.id
    JOIN offer_rtree_codes AS c ON c.category = oc.category
    WHERE o.status = 'active' AND o.lat IS NOT NULL AND o.lng IS NOT NULL""",
]
SQLITE_DOWN = [
    "DROP TRIGGER IF EXISTS offer_rtree_offer_delete",
    "DROP TRIGGER IF EXISTS offer_rtree_offer_update",
    "DROP TRIGGER IF EXISTS offer_rtree_offer_insert",
    "DROP TRIGGER IF EXISTS offer_rtree_category_update",
    "DROP TRIGGER IF EXISTS offer_rtree_category_delete",
    "DROP TRIGGER IF EXISTS offer_rtree_category_insert",
    "DROP TABLE IF EXISTS offer_rtree",
    "DROP TABLE IF EXISTS offer_rtree_codes",
]

# PostgreSQL ---------------------------------------------------------------------------
_SPOT_VALUES = (
    "{o}.id, {cat}, point({o}.lng, {o}.lat), {o}.helper_id, {o}.lat, {o}.lng, {o}.radius_km, "
    "{o}.capacity, CAST({o}.availability AS TEXT), {o}.last_confirmed_at, {o}.expires_at"
)
POSTGRES_SPOTS_INDEX = (
    "CREATE INDEX ix_offer_spots_category_pt ON offer_spots USING gist (category, pt) "
    "INCLUDE (offer_id, helper_id, lat, lng, radius_km, capacity, availability, "
    "last_confirmed_at, expires_at)"
)
POSTGRES_POPULATE = (
    "INSERT INTO offer_spots SELECT "
    + _SPOT_VALUES.format(o="o", cat="oc.category")
    + " FROM offers AS o JOIN offer_categories AS oc ON oc.offer_id = o.id"
    " WHERE o.status = 'active' AND o.lat IS NOT NULL AND o.lng IS NOT NULL"
)
POSTGRES_UP = [
    "CREATE EXTENSION IF NOT EXISTS btree_gist",
    """CREATE TABLE offer_spots (
        offer_id integer NOT NULL,
        category varchar(30) NOT NULL,
        pt point NOT NULL,
        helper_id integer NOT NULL,
        lat double precision NOT NULL,
        lng double precision NOT NULL,
        radius_km double precision NOT NULL,
        capacity integer NOT NULL,
        availability text NOT NULL,
        last_confirmed_at timestamptz NOT NULL,
        expires_at timestamptz,
        CONSTRAINT pk_offer_spots PRIMARY KEY (offer_id, category)
    )""",
    POSTGRES_SPOTS_INDEX,
    "CREATE INDEX ix_people_matching ON people (id) "
    "INCLUDE (language, paused_at, suspended_at, sms_preference, sms_consent)",
    """CREATE FUNCTION offer_spots_from_offer() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP <> 'INSERT' THEN
            DELETE FROM offer_spots WHERE offer_id = OLD.id;
        END IF;
        IF TG_OP <> 'DELETE' AND NEW.status = 'active'
                AND NEW.lat IS NOT NULL AND NEW.lng IS NOT NULL THEN
            INSERT INTO offer_spots SELECT """
    + _SPOT_VALUES.format(o="NEW", cat="oc.category")
    + """
            FROM offer_categories AS oc WHERE oc.offer_id = NEW.id;
        END IF;
        RETURN NULL;
    END $$""",
    """CREATE TRIGGER offer_spots_offer AFTER INSERT OR UPDATE OR DELETE ON offers
    FOR EACH ROW EXECUTE FUNCTION offer_spots_from_offer()""",
    """CREATE FUNCTION offer_spots_from_category() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP <> 'INSERT' THEN
            DELETE FROM offer_spots WHERE offer_id = OLD.offer_id AND category = OLD.category;
        END IF;
        IF TG_OP <> 'DELETE' THEN
            INSERT INTO offer_spots SELECT """
    + _SPOT_VALUES.format(o="o", cat="NEW.category")
    + """
            FROM offers AS o
            WHERE o.id = NEW.offer_id AND o.status = 'active'
              AND o.lat IS NOT NULL AND o.lng IS NOT NULL
            ON CONFLICT DO NOTHING;
        END IF;
        RETURN NULL;
    END $$""",
    """CREATE TRIGGER offer_spots_category AFTER INSERT OR UPDATE OR DELETE ON offer_categories
    FOR EACH ROW EXECUTE FUNCTION offer_spots_from_category()""",
    POSTGRES_POPULATE,
]
POSTGRES_DOWN = [
    "DROP TRIGGER IF EXISTS offer_spots_category ON offer_categories",
    "DROP TRIGGER IF EXISTS offer_spots_offer ON offers",
    "DROP FUNCTION IF EXISTS offer_spots_from_category()",
    "DROP FUNCTION IF EXISTS offer_spots_from_offer()",
    "DROP INDEX IF EXISTS ix_people_matching",
    "DROP TABLE IF EXISTS offer_spots",
]


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
