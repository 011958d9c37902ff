"""Which areas a staff member looks after: admins see every area, coordinators their own
(plus needs outside every area, as in mutualaid.pods.access.coordinates_area)."""

from __future__ import annotations

from sqlalchemy import ColumnElement, or_, true

from mutualaid.models import Person


def area_ids(viewer: Person) -> list[int] | None:
    """The viewer's area ids, or None for "all" (admins)."""
    if viewer.is_admin:
        return None
    return sorted(a.id for a in viewer.areas)


def area_filter(viewer: Person, column) -> ColumnElement[bool]:
    """A WHERE clause restricting ``column`` (an area_id column) to the viewer's areas."""
    ids = area_ids(viewer)
    if ids is None:
        return true()
    return or_(column.is_(None), column.in_(ids)) if ids else column.is_(None)


def sees_exact(viewer: Person, area_id: int | None) -> bool:
    """May the viewer see exact addresses, coordinates and phones for this area's rows?"""
    from mutualaid.pods.access import coordinates_area

    return coordinates_area(viewer, area_id)
