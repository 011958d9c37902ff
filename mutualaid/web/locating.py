"""The web edge of geocoding: turn a typed location into a Location or a form error.

Shared by the needs and offers blueprints. An unreachable geocoder never loses a post: the
text is kept with status "pending" and the person is told a job will look it up.
"""

from __future__ import annotations

from flask import current_app
from wtforms import Field

from mutualaid.extensions import db
from mutualaid.geo.geocoding import (
    AmbiguousPlace,
    GeocodeUnavailable,
    PlaceNotFound,
    current_geocoder,
)
from mutualaid.i18n import _
from mutualaid.locations import Location, found, pending


def locate_field(field: Field) -> tuple[Location | None, str | None]:
    """(location, note) for the text in ``field``; on a permanent failure the field gets a
    specific error and the location is None. ``note`` tells the person about a pending
    look-up."""
    text = (field.data or "").strip()
    try:
        place = current_geocoder().geocode(db.session, text)
    except GeocodeUnavailable:
        return pending(text), _(
            "We saved it, but the map service is not answering right now. We will look up "
            "“%(place)s” again shortly; you do not need to do anything.",
            place=text,
        )
    except AmbiguousPlace as exc:
        field.errors = [*field.errors, str(exc.message)]
        if exc.candidates:
            field.errors.append(_("Places that match: %(list)s", list="; ".join(exc.candidates)))
        return None, None
    except PlaceNotFound as exc:
        field.errors = [*field.errors, str(exc.message)]
        return None, None
    return found(text, place, current_app.config["MUTUALAID"].grid_cell_m), None
