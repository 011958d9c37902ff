"""Where a need, offer or person is: applying a geocoded place to a row, privately.

The edge (a view or a job) geocodes and builds a :class:`Location`; domain functions apply it.
The exact point and the typed text stay on the row; the public point is the snapped grid
cell centre (mutualaid.geo.grid), which is all that non-authorised people ever see.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from mutualaid.geo.distance import haversine_km
from mutualaid.geo.geocoding import Place
from mutualaid.geo.grid import DEFAULT_CELL_M, snap
from mutualaid.models import Area
from mutualaid.models.base import utcnow
from mutualaid.models.places import (
    LOCATION_FAILED,
    LOCATION_NONE,
    LOCATION_OK,
    LOCATION_PENDING,
    Located,
)


@dataclass(frozen=True)
class Location:
    text: str
    status: str
    lat: float | None = None
    lng: float | None = None
    public_lat: float | None = None
    public_lng: float | None = None


def found(text: str, place: Place, cell_m: float = DEFAULT_CELL_M) -> Location:
    public_lat, public_lng = snap(place.lat, place.lng, cell_m)
    return Location(text.strip(), LOCATION_OK, place.lat, place.lng, public_lat, public_lng)


def pending(text: str) -> Location:
    """The geocoder was unreachable: keep the text, a job will retry."""
    return Location(text.strip(), LOCATION_PENDING)


def failed(text: str) -> Location:
    return Location(text.strip(), LOCATION_FAILED)


def apply_location(session: Session, row: Located, location: Location) -> None:
    row.address_text = location.text
    row.lat, row.lng = location.lat, location.lng
    row.public_lat, row.public_lng = location.public_lat, location.public_lng
    row.location_status = location.status if location.text else LOCATION_NONE
    row.location_checked_at = utcnow()
    if location.status != LOCATION_PENDING:
        row.location_attempts = 0
    if hasattr(row, "area_id") and location.lat is not None and location.lng is not None:
        area = area_for(session, location.lat, location.lng)
        row.area_id = area.id if area else None


def area_for(session: Session, lat: float, lng: float) -> Area | None:
    """The area whose centre is nearest among those whose radius contains the point."""
    best: tuple[float, Area] | None = None
    for area in session.scalars(select(Area)):
        km = haversine_km(lat, lng, area.center_lat, area.center_lng)
        if km <= area.radius_km and (best is None or km < best[0]):
            best = (km, area)
    return best[1] if best else None


def round_km(km: float) -> float:
    """Distances between snapped points are only good to about a cell: say so."""
    return max(0.5, round(km * 2) / 2)
