"""The API edge of geocoding: ``{"lat", "lng"}`` or ``{"query": ...}`` into a Location.

Same chain and same outcomes as the web form (mutualaid.web.locating): an unreachable
geocoder keeps the text as "pending" with a notice; an unknown or ambiguous place is a
field error on ``location.query``.
"""

from __future__ import annotations

from flask import current_app

from mutualaid.extensions import db
from mutualaid.geo.geocoding import (
    AmbiguousPlace,
    GeocodeUnavailable,
    Place,
    PlaceNotFound,
    current_geocoder,
)
from mutualaid.i18n import _
from mutualaid.locations import Location, found, pending
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
    try:
        place = current_geocoder().geocode(db.session, text)
    except GeocodeUnavailable:
        return pending(text), _(
            "We saved it, but the map service is not answering right now. We will look up "
            "“%(place)s” again shortly; you do not need to do anything.",
            place=text,
        )
    except AmbiguousPlace as exc:
        errors = [field_error(["location", "query"], exc.message)]
        if exc.candidates:
            errors.append(
                field_error(
                    ["location", "query"],
                    _("Places that match: %(list)s", list="; ".join(exc.candidates)),
                )
            )
        raise ApiProblem(422, "validation-error", exc.message, errors=errors) from None
    except PlaceNotFound as exc:
        raise ApiProblem(
            422,
            "validation-error",
            exc.message,
            errors=[field_error(["location", "query"], exc.message)],
        ) from None
    return found(text, place, cell_m), None
