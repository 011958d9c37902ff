"""Database objects that matching adds outside the models, and the filter that lets schema
comparisons (Alembic autogenerate, tests/integration/test_migrations.py) ignore them.

SQLite: the R*Tree virtual table ``offer_rtree`` (plus the ``_node``, ``_parent`` and
``_rowid`` tables SQLite keeps for it) and its triggers. PostgreSQL: the GiST expression
index ``ix_offers_active_point``. Both are created by migration 0004.
"""

from __future__ import annotations

from typing import Any

RTREE_TABLE = "offer_rtree"
PG_POINT_INDEX = "ix_offers_active_point"


def include_object(
    obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any
) -> bool:
    """Alembic ``include_object`` hook: skip the spatial index's own objects."""
    if type_ == "table" and name and (name == RTREE_TABLE or name.startswith(RTREE_TABLE + "_")):
        return False
    return not (type_ == "index" and name == PG_POINT_INDEX)
