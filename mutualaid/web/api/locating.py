"""The API edge of geocoding: ``{"lat", "lng"}`` or ``{"query": ...}`` into a Location.

The same edge as the web form (mutualaid.locations.locate): an unreachable
geocoder keeps the text as "pending" with a notice; an unknown or ambiguous place is a
field error on ``location.query``.
"""

from __future__ import annotations

from flask import current_app

from mutualaid import locations
from mutualaid.extensions import db
from mutualaid.geo.geocoding import Place
from mutualaid.i18n import _
from mutualaid.locations import Location, found
from mutualaid.web.api.problems import ApiProblem, field_error
from mutualaid.web.api.schemas import LatLngIn, PlaceQueryIn


def locate(value: LatLngIn | PlaceQueryIn) -> tuple[Location, str | None]:
    """(location, notice). Raises a 422 problem for places that cannot be found."""
    cell_m = current_app.config["MUTUALAID"].grid_cell_m
    if isinstance(value, LatLngIn):
        text = f"{value.lat:.6f},{value.lng:.6f}"
        return found(text, Place(value.lat, value.lng, text, "latlng"), cell_m), None
    text = value.query.strip()
    if not text:
        raise ApiProblem(
            422,
            "validation-error",
            errors=[field_error(["location", "query"], _("Enter an address or postal code."))],
        )
    result = locations.locate(db.session, text)
    if result.error is not None:
        errors = [field_error(["location", "query"], result.error)]
        if result.candidates_text:
            errors.append(field_error(["location", "query"], result.candidates_text))
        raise ApiProblem(422, "validation-error", result.error, errors=errors)
    assert result.location is not None  # no error: found or pending
    return result.location, result.notice
