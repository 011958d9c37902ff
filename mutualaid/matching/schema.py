"""Database objects that matching adds outside the models, and the filter that lets schema
comparisons (Alembic autogenerate, tests/integration/test_migrations.py) ignore them.

SQLite: the R*Tree virtual table ``offer_rtree`` (plus the ``_node``, ``_parent`` and
``_rowid`` tables SQLite keeps for it), the category code table ``offer_rtree_codes`` and
their triggers. PostgreSQL: the trigger-maintained table ``offer_spots`` with its GiST index,
and the covering index ``ix_people_matching``. All are created by migration 0004.
"""

from __future__ import annotations

from typing import Any

RTREE_TABLE = "offer_rtree"
RTREE_CODES = "offer_rtree_codes"
PG_SPOTS_TABLE = "offer_spots"
PG_PEOPLE_INDEX = "ix_people_matching"
RTREE_ID_SHIFT = 1 << 20  # entry id = offer_id * RTREE_ID_SHIFT + category code


def include_object(
    obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any
) -> bool:
    """Alembic ``include_object`` hook: skip the spatial index's own objects."""
    if (
        type_ == "table"
        and name
        and (name in (RTREE_TABLE, PG_SPOTS_TABLE) or name.startswith(RTREE_TABLE + "_"))
    ):
        return False
    return not (type_ == "index" and name == PG_PEOPLE_INDEX)


def include_name(name: str | None, type_: str, parent_names: Any) -> bool:
    """Alembic ``include_name`` hook: do not even reflect the spatial index's tables (their
    ``point`` column would make SQLAlchemy warn about an unknown type)."""
    return include_object(None, name, type_, True, None)
