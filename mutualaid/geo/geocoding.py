"""Geocoding: turn what a person typed into a point. The only module that talks to a geocoder.

The chain is configured by ``GEOCODER`` (default ``latlng,postal,nominatim``):

- ``latlng``: a literal "40.71,-74.00" (range-checked);
- ``postal``: offline postal-code centroids for ``DEFAULT_COUNTRY`` (mutualaid.geo.postal);
- ``nominatim``: geopy's Nominatim at ``NOMINATIM_URL`` with an identifying user agent, a
  timeout and geopy's ``RateLimiter`` (1 request/s, the public service's policy).

Answers from Nominatim are cached in ``geocode_cache`` by normalised query. Errors are typed:
:class:`GeocodeUnavailable` is retryable (the service is down or slow: save the post as
"pending" and let the job retry); :class:`PlaceNotFound` and :class:`AmbiguousPlace` are
permanent (ask the person again).
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol
from urllib.parse import urlsplit

from flask import current_app
from geopy.exc import GeopyError
from geopy.extra.rate_limiter import RateLimiter
from geopy.geocoders import Nominatim
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from mutualaid.geo import postal
from mutualaid.geo.distance import haversine_km
from mutualaid.i18n import _l
from mutualaid.models import GeocodeCache

if TYPE_CHECKING:
    from mutualaid.settings import Settings

log = logging.getLogger(__name__)

GEOCODERS = ("latlng", "postal", "nominatim")
USER_AGENT = "mutualaid/0.1 (neighborhood mutual aid; https://github.com/mutualaid)"
LATLNG = re.compile(r"^\s*([-+]?\d{1,3}(?:\.\d+)?)\s*[,;\s]\s*([-+]?\d{1,3}(?:\.\d+)?)\s*$")
AMBIGUOUS_KM = 2.0  # results of the same kind further apart than this are different places


class _GeopyLocation(Protocol):
    """What we read of a ``geopy.location.Location`` (geopy ships no types)."""

    @property
    def latitude(self) -> float: ...
    @property
    def longitude(self) -> float: ...
    @property
    def address(self) -> str: ...


# Nominatim.geocode(query, exactly_one=False, ...) behind geopy's RateLimiter.
_GeocodeMany = Callable[..., list[_GeopyLocation] | None]


class GeocodeError(Exception):
    """Base class. ``message`` is safe to show to the person who typed the query."""

    retryable = False

    def __init__(self, message: object, query: str = ""):
        super().__init__(str(message))
        self.message = message
        self.query = query


class GeocodeUnavailable(GeocodeError):
    """The geocoder is down, timed out or refused us (retryable)."""

    retryable = True


class GeocodeDeferred(GeocodeUnavailable):
    """Only a network look-up could answer and the caller asked for none (it holds a lock):
    kept as pending, the retry job looks it up (retryable)."""


class PlaceNotFound(GeocodeError):
    """No place matches (permanent: ask for another spelling, a postal code or lat,lng)."""


class AmbiguousPlace(PlaceNotFound):
    """Several different places match; ``candidates`` lists their names."""

    def __init__(self, message: object, query: str = "", candidates: list[str] | None = None):
        super().__init__(message, query)
        self.candidates = candidates or []


@dataclass(frozen=True)
class Place:
    lat: float
    lng: float
    display: str
    source: str  # latlng | postal | nominatim | cache


def normalise_query(text: str) -> str:
    """Lower case, single spaces, no space before commas, no trailing punctuation."""
    q = re.sub(r"\s+", " ", (text or "").strip().lower())
    q = re.sub(r"\s*,\s*", ", ", q)
    return q.strip(" ,.;")


def parse_latlng(text: str) -> tuple[float, float] | None:
    """(lat, lng) if ``text`` is a coordinate pair; raises PlaceNotFound if out of range."""
    match = LATLNG.match(text or "")
    if not match:
        return None
    lat, lng = float(match.group(1)), float(match.group(2))
    if not -90 <= lat <= 90 or not -180 <= lng <= 180:
        raise PlaceNotFound(
            _l(
                "Coordinates must be a latitude between -90 and 90 and a longitude between -180 "
                "and 180, like 40.71,-73.96."
            ),
            text,
        )
    return lat, lng


@dataclass
class Geocoder:
    """The configured chain. One instance per process (the rate limiter is shared)."""

    chain: tuple[str, ...] = GEOCODERS
    country: str = "US"
    nominatim_url: str = "https://nominatim.openstreetmap.org"
    timeout: float = 5.0
    min_delay_seconds: float = 1.0
    user_agent: str = USER_AGENT
    _limited: _GeocodeMany | None = field(default=None, init=False, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)

    def __post_init__(self) -> None:
        unknown = [g for g in self.chain if g not in GEOCODERS]
        if unknown or not self.chain:
            raise ValueError(f"GEOCODER must list some of {', '.join(GEOCODERS)}; got {unknown}")

    def geocode(
        self,
        session: Session,
        text: str,
        *,
        before_network: Callable[[], None] | None = None,
        network: bool = True,
    ) -> Place:
        """Resolve ``text`` through the chain. Raises a GeocodeError subclass.

        Offline links (coordinates, ZIP centroids, the cache) answer at once. Before a call
        over the network, ``before_network`` runs (the caller ends its read transaction there,
        so no lock is held while Nominatim answers); with ``network=False`` a place that only
        the network could find raises ``GeocodeDeferred`` (retryable: kept as pending and
        looked up by the retry job)."""
        query = normalise_query(text)
        if not query:
            raise PlaceNotFound(_l("Enter an address, a ZIP code or coordinates."), text)
        for name in self.chain:
            if name == "nominatim":
                place = self._nominatim(session, text, query, before_network, network)
            else:
                place = getattr(self, f"_{name}")(text)
            if place is not None:
                return place
        if postal.looks_like_postal_code(text, self.country):
            raise PlaceNotFound(
                _l(
                    "We do not know the ZIP code %(code)s. Check it, or enter a street address.",
                    code=text.strip(),
                ),
                text,
            )
        raise PlaceNotFound(
            _l(
                "We could not find that place. Try another spelling, a ZIP code, or coordinates "
                "like 40.71,-73.96."
            ),
            text,
        )

    # -- links of the chain: each returns a Place, returns None to pass, or raises --------

    def _latlng(self, text: str) -> Place | None:
        point = parse_latlng(text)
        if point is None:
            return None
        return Place(point[0], point[1], f"{point[0]:.5f}, {point[1]:.5f}", "latlng")

    def _postal(self, text: str) -> Place | None:
        found = postal.lookup(text, self.country)
        if found is None:
            return None
        return Place(found.lat, found.lng, found.display, "postal")

    def _nominatim(
        self,
        session: Session,
        text: str,
        query: str,
        before_network: Callable[[], None] | None,
        network: bool,
    ) -> Place | None:
        key = f"{self.country.lower()}|{query}"[:300]
        cached = session.scalar(select(GeocodeCache).where(GeocodeCache.query == key))
        if cached is not None:
            return Place(cached.lat, cached.lng, cached.display, "cache")
        if not network:
            raise GeocodeDeferred(_l("The map service is not answering right now."), text)
        if before_network is not None:
            before_network()
        results = self._call_nominatim(text)
        if not results:
            return None
        first = results[0]
        distinct = [first]
        for r in results[1:]:
            # Only rivals of the same kind count: "Main Street" in two boroughs is ambiguous;
            # a house and the long street it stands on are not.
            if _kind(r) == _kind(first) and all(
                haversine_km(r.latitude, r.longitude, d.latitude, d.longitude) > AMBIGUOUS_KM
                for d in distinct
            ):
                distinct.append(r)
        if len(distinct) > 1:
            raise AmbiguousPlace(
                _l(
                    "More than one place matches “%(query)s”. Add the city or ZIP code, or "
                    "enter coordinates.",
                    query=text.strip(),
                ),
                text,
                [d.address for d in distinct[:5]],
            )
        place = Place(first.latitude, first.longitude, first.address or "", "nominatim")
        self._remember(session, key, place)
        return place

    def _call_nominatim(self, text: str) -> list[_GeopyLocation]:
        try:
            found = self._rate_limited()(
                text.strip(),
                exactly_one=False,
                limit=5,
                country_codes=self.country.lower() or None,
                timeout=self.timeout,
            )
        except GeopyError as exc:  # timeouts, outages, quota, bad gateway: all retryable
            log.warning("nominatim unavailable: %s: %s", type(exc).__name__, exc)
            raise GeocodeUnavailable(
                _l("The map service is not answering right now."), text
            ) from exc
        return list(found or [])

    def _rate_limited(self) -> _GeocodeMany:
        with self._lock:
            if self._limited is None:
                parts = urlsplit(self.nominatim_url)
                geolocator = Nominatim(
                    user_agent=self.user_agent,
                    domain=parts.netloc + parts.path.rstrip("/"),
                    scheme=parts.scheme or "https",
                    timeout=self.timeout,
                )
                self._limited = RateLimiter(
                    geolocator.geocode,
                    min_delay_seconds=self.min_delay_seconds,
                    max_retries=0,
                    swallow_exceptions=False,
                )
            return self._limited

    @staticmethod
    def _remember(session: Session, key: str, place: Place) -> None:
        try:
            with session.begin_nested():
                session.add(
                    GeocodeCache(
                        query=key,
                        lat=place.lat,
                        lng=place.lng,
                        display=place.display,
                        source=place.source,
                    )
                )
        except IntegrityError:  # another request cached the same query first
            pass


def _kind(location: _GeopyLocation) -> tuple[str, str]:
    raw = getattr(location, "raw", None) or {}
    return str(raw.get("class", "")), str(raw.get("type", ""))


def geocoder_for(settings: Settings) -> Geocoder:
    """Build the chain from Settings."""
    return Geocoder(
        chain=tuple(g.strip() for g in settings.geocoder.split(",") if g.strip()),
        country=settings.default_country,
        nominatim_url=settings.nominatim_url,
        timeout=settings.geocoder_timeout,
    )


def current_geocoder() -> Geocoder:
    """The app's shared geocoder (one rate limiter per process)."""
    geocoder = current_app.extensions.get("geocoder")
    if geocoder is None:
        geocoder = current_app.extensions["geocoder"] = geocoder_for(
            current_app.config["MUTUALAID"]
        )
    return geocoder
