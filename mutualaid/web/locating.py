"""The web form's side of :func:`mutualaid.locations.locate`: a Location, or a field error.

Shared by the needs and offers blueprints. An unreachable geocoder never loses a post: the
text is kept with status "pending" and the person is told a job will look it up.
"""

from __future__ import annotations

from wtforms import Field

from mutualaid.extensions import db
from mutualaid.locations import Location, locate


def locate_field(field: Field) -> tuple[Location | None, str | None]:
    """(location, note) for the text in ``field``; on a permanent failure the field gets a
    specific error and the location is None. ``note`` tells the person about a pending
    look-up. Call it before the view writes anything."""
    result = locate(db.session, field.data or "")
    if result.error is not None:
        field.errors = [*field.errors, result.error]
        if result.candidates_text:
            field.errors.append(result.candidates_text)
    return result.location, result.notice
