"""Where a need, offer or person is: finding a typed place, applying it to a row, privately.

:func:`locate` is the one edge that turns what a person typed into a :class:`Location` (web
forms, the API, CSV imports and texts all call it, before their write transaction: the
network call never runs while a lock is held); domain functions apply it.
The exact point and the typed text stay on the row; the public point is the snapped grid
cell centre (mutualaid.geo.grid), which is all that non-authorised people ever see.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import Session, scoped_session

from mutualaid.geo.distance import haversine_km
from mutualaid.geo.geocoding import (
    AmbiguousPlace,
    GeocodeError,
    GeocodeUnavailable,
    Place,
    current_geocoder,
)
from mutualaid.geo.grid import DEFAULT_CELL_M, snap
from mutualaid.i18n import _
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


@dataclass(frozen=True)
class LocateResult:
    """What :func:`locate` found: a usable ``location`` (found, or pending with a ``notice``
    for the person), or none and the ``error`` to show (with ``candidates`` when several
    places match)."""

    location: Location | None
    notice: str | None = None
    error: str | None = None
    candidates: tuple[str, ...] = ()

    @property
    def candidates_text(self) -> str | None:
        if not self.candidates:
            return None
        return _("Places that match: %(list)s", list="; ".join(self.candidates))


def end_read_transaction(session: Session) -> None:
    """Before a network call: end the caller's transaction if it wrote nothing, so no
    database lock (SQLite's writer lock in particular) is held while a service answers."""
    if isinstance(session, scoped_session):  # Flask-SQLAlchemy's db.session
        session = session()
    if session.in_transaction() and not (session.new or session.dirty or session.deleted):
        session.commit()


PRELOCATED = "mutualaid.prelocated"  # session.info key: outcomes found before a lock


def prelocate(session: Session, texts: list[str]) -> None:
    """Look these places up now, before the caller takes a lock, and remember the outcomes
    on the session, so a ``locate(..., network=False)`` inside the lock answers as if it
    had called the network (an unknown street is an error for the person, not pending).
    Ends the read transaction around each network call; the caller commits the cache."""
    memo: dict[str, LocateResult] = session.info.setdefault(PRELOCATED, {})
    for text in texts:
        key = (text or "").strip()
        if key and key not in memo:
            memo[key] = locate(session, key)


def forget_prelocated(session: Session) -> None:
    session.info.pop(PRELOCATED, None)


def locate(session: Session, text: str, *, network: bool = True) -> LocateResult:
    """Geocode ``text`` through the app's chain. The geocoder being down (or, with
    ``network=False``, a place only the network could find) keeps the text as pending for
    the retry job; an unknown or ambiguous place is an error for the person. A place looked
    up by :func:`prelocate` on this session is answered from there."""
    text = (text or "").strip()
    known: LocateResult | None = session.info.get(PRELOCATED, {}).get(text)
    if known is not None:
        return known
    try:
        place = current_geocoder().geocode(
            session, text, before_network=lambda: end_read_transaction(session), network=network
        )
    except GeocodeUnavailable:
        return LocateResult(
            pending(text),
            notice=_(
                "We saved it, but the map service is not answering right now. We will look up "
                "“%(place)s” again shortly; you do not need to do anything.",
                place=text,
            ),
        )
    except AmbiguousPlace as exc:
        return LocateResult(None, error=str(exc.message), candidates=tuple(exc.candidates))
    except GeocodeError as exc:
        return LocateResult(None, error=str(exc.message))
    return LocateResult(found(text, place, current_app.config["MUTUALAID"].grid_cell_m))
