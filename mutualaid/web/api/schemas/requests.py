"""What the API accepts: request bodies and query strings."""

from __future__ import annotations

from typing import Annotated

from pydantic import Discriminator, Field, Tag

from mutualaid import categories
from mutualaid.offers import MAX_CAPACITY, MAX_RADIUS_KM, MIN_CAPACITY, MIN_RADIUS_KM
from mutualaid.pods.thread import MAX_MESSAGE
from mutualaid.web.api.schemas.base import (
    ContactPreference,
    KnownCategory,
    NeedStatus,
    OfferStatus,
    OfferStatusIn,
    Text,
    Urgency,
    _In,
)

# --- requests --------------------------------------------------------------------------


class LatLngIn(_In):
    """An exact point."""

    lat: float = Field(ge=-90, le=90)
    lng: float = Field(ge=-180, le=180)


class PlaceQueryIn(_In):
    """An address, postal code or "lat,lng" text, geocoded like the web form."""

    query: Text = Field(min_length=1, max_length=300)


def _location_kind(value: object) -> str:
    if isinstance(value, PlaceQueryIn) or (isinstance(value, dict) and "query" in value):
        return "PlaceQuery"
    return "LatLng"


# Either a point or a text query; the keys choose which, so errors name the right fields.
LocationIn = Annotated[
    Annotated[LatLngIn, Tag("LatLng")] | Annotated[PlaceQueryIn, Tag("PlaceQuery")],
    Discriminator(_location_kind),
]

People = Annotated[int, Field(ge=categories.MIN_PEOPLE, le=categories.MAX_PEOPLE)]
Details = Annotated[Text, Field(max_length=2000)]


class NeedCreate(_In):
    category: KnownCategory
    urgency: Urgency = "today"
    people_needed: People | None = Field(
        default=None, description="Omit for the category's default."
    )
    details: Details = ""
    contact_preference: ContactPreference = "web"
    location: LocationIn


class NeedPatch(_In):
    """Only the fields given change; `location` is geocoded again when given."""

    category: KnownCategory | None = None
    urgency: Urgency | None = None
    people_needed: People | None = None
    details: Details | None = None
    contact_preference: ContactPreference | None = None
    location: LocationIn | None = None


class WindowIn(_In):
    days: list[Annotated[int, Field(ge=0, le=6)]] = Field(
        min_length=1, max_length=7, description="Monday is 0."
    )
    start: str = Field(pattern=r"^([01]\d|2[0-3]):[0-5]\d$", examples=["18:00"])
    end: str = Field(pattern=r"^([01]\d|2[0-3]):[0-5]\d$", examples=["21:00"])


class AvailabilityIn(_In):
    any_time: bool = True
    windows: list[WindowIn] = Field(default_factory=list, max_length=21)


Radius = Annotated[float, Field(ge=MIN_RADIUS_KM, le=MAX_RADIUS_KM)]
Capacity = Annotated[int, Field(ge=MIN_CAPACITY, le=MAX_CAPACITY)]
Notes = Annotated[Text, Field(max_length=2000)]
Categories = Annotated[list[KnownCategory], Field(min_length=1, max_length=20)]


class OfferCreate(_In):
    categories: Categories
    radius_km: Radius = 3.0
    availability: AvailabilityIn = Field(default_factory=AvailabilityIn)
    capacity: Capacity = 1
    notes: Notes = ""
    location: LocationIn


class OfferPatch(_In):
    """Only the fields given change. `status` pauses (`paused`) or resumes
    (`active`) the offer; any change also confirms it is still available."""

    categories: Categories | None = None
    radius_km: Radius | None = None
    availability: AvailabilityIn | None = None
    capacity: Capacity | None = None
    notes: Notes | None = None
    location: LocationIn | None = None
    status: OfferStatusIn | None = None


class AcceptIn(_In):
    note: Annotated[Text, Field(max_length=500)] = ""


class MessageIn(_In):
    body: Annotated[Text, Field(min_length=1, max_length=MAX_MESSAGE)]


class NearQuery(_In):
    """`near=lat,lng` with `radius_km`: compared with snapped (public) points only."""

    near: str | None = Field(
        default=None,
        pattern=r"^\s*-?\d{1,3}(\.\d+)?\s*,\s*-?\d{1,3}(\.\d+)?\s*$",
        description="lat,lng",
        examples=["40.7081,-73.9571"],
    )
    radius_km: float = Field(default=5.0, gt=0, le=50)
    limit: int = Field(default=20, ge=1, le=100)
    cursor: Annotated[Text, Field(max_length=200)] | None = None


class NeedListQuery(NearQuery):
    status: NeedStatus | None = None
    category: KnownCategory | None = None
    area: Annotated[Text, Field(max_length=60)] | None = Field(
        default=None, description="Area slug or id."
    )


class OfferListQuery(NearQuery):
    status: OfferStatus | None = None
    category: KnownCategory | None = None


class MatchQuery(_In):
    limit: int = Field(default=20, ge=1, le=50)
