"""The API's request and response shapes (pydantic v2 models).

The same classes validate what comes in (`Model.model_validate`), serialise what goes
out, and feed `openapi.json` (mutualaid.web.api.openapi), so the document cannot drift
from the code. Limits mirror the domain's constants; the domain functions stay the
authority and their errors become field-level problem details too.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Discriminator, Field, Tag

from mutualaid import categories
from mutualaid.models.needs import CONTACT_PREFERENCES, STATUSES, URGENCIES
from mutualaid.models.offers import OFFER_ACTIVE, OFFER_PAUSED, OFFER_STATUSES
from mutualaid.offers import MAX_CAPACITY, MAX_RADIUS_KM, MIN_CAPACITY, MIN_RADIUS_KM
from mutualaid.pods.thread import MAX_MESSAGE

MAX_ID = 2**31 - 1  # ids are 32-bit integers in both databases


def _clean_text(value: str) -> str:
    """Text the databases can store: no NUL (PostgreSQL refuses it), no lone surrogates."""
    if "\x00" in value:
        raise ValueError("must not contain NUL characters")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError("must be valid Unicode text") from None
    return value


Text = Annotated[str, AfterValidator(_clean_text)]

# Admins add categories at run time (mutualaid.categories): responses only fix the key's
# shape; requests also check the key exists, and the domain that a new need or offer names an
# active category.
CategoryKey = Annotated[
    str, Field(pattern=r"^[a-z_]{2,30}$", examples=[categories.seed_categories()[0].key])
]


def _known_category(value: str) -> str:
    if categories.get(value) is None:
        raise ValueError("unknown category: see GET /categories")
    return value


KnownCategory = Annotated[CategoryKey, AfterValidator(_known_category)]
Urgency = Literal[URGENCIES]  # type: ignore[valid-type]
ContactPreference = Literal[CONTACT_PREFERENCES]  # type: ignore[valid-type]
NeedStatus = Literal[STATUSES]  # type: ignore[valid-type]
OfferStatus = Literal[OFFER_STATUSES]  # type: ignore[valid-type]


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)


class _Out(BaseModel):
    model_config = ConfigDict(allow_inf_nan=False)


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
    status: Literal[OFFER_ACTIVE, OFFER_PAUSED] | None = None  # type: ignore[valid-type]


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


# --- responses -------------------------------------------------------------------------


class Point(_Out):
    lat: float
    lng: float


class AreaRef(_Out):
    id: int
    slug: str
    name: str


class NeedPrivate(_Out):
    """Shown only to the requester, seated pod members, the area's coordinators, admins."""

    details: str
    address_text: str
    lat: float | None
    lng: float | None
    location_status: Literal["ok", "pending", "failed", "none"]
    contact_preference: ContactPreference
    expires_at: datetime | None
    pod_id: int | None


class NeedOut(_Out):
    id: int
    code: str
    category: CategoryKey
    urgency: Urgency
    people_needed: int
    status: NeedStatus
    first_name: str
    created_at: datetime
    area: AreaRef | None
    public_location: Point | None = Field(description="The snapped grid-cell centre.")
    private: NeedPrivate | None = Field(
        description="Null unless the caller may see the exact place and details."
    )
    notices: list[str] = Field(default_factory=list)


class NeedPage(_Out):
    items: list[NeedOut]
    next_cursor: str | None


class WindowOut(_Out):
    days: list[int]
    start: str
    end: str


class AvailabilityOut(_Out):
    any_time: bool
    windows: list[WindowOut] = Field(default_factory=list)


class OfferLocation(_Out):
    address_text: str
    lat: float | None
    lng: float | None
    public: Point | None
    status: Literal["ok", "pending", "failed", "none"]


class OfferOut(_Out):
    id: int
    categories: list[str]
    radius_km: float
    availability: AvailabilityOut
    capacity: int
    notes: str
    status: OfferStatus
    created_at: datetime
    updated_at: datetime
    last_confirmed_at: datetime
    confirm_asked_at: datetime | None
    location: OfferLocation
    notices: list[str] = Field(default_factory=list)


class OfferPage(_Out):
    items: list[OfferOut]
    next_cursor: str | None


class MatchOut(_Out):
    person_id: int
    first_name: str
    offer_id: int
    distance_km: float
    score: float
    reasons: list[str]


class MatchList(_Out):
    need_id: int
    items: list[MatchOut]


class PodNeed(_Out):
    id: int
    code: str
    category: CategoryKey
    urgency: Urgency
    status: NeedStatus
    details: str
    first_name: str
    public_location: Point | None


class PodAddress(_Out):
    text: str
    lat: float | None
    lng: float | None


class PodMember(_Out):
    first_name: str
    role: Literal["requester", "helper"]
    is_lead: bool


class MessageOut(_Out):
    id: int
    author: str
    channel: str
    body: str
    created_at: datetime


class Invitation(_Out):
    expires_at: datetime | None
    reasons: list[str]


class PodOut(_Out):
    id: int
    code: str
    status: Literal["forming", "active", "resolved", "dissolved"]
    seats: int
    seats_taken: int
    your_role: Literal["member", "staff", "invited"]
    need: PodNeed
    address: PodAddress | None = Field(description="Only for seated members and staff.")
    members: list[PodMember]
    messages: list[MessageOut]
    invitation: Invitation | None


class PodList(_Out):
    items: list[PodOut]


class AcceptOut(_Out):
    seated: bool
    reason: Literal["seated", "full", "expired", "not_invited"]
    pod: PodOut | None


class DeclineOut(_Out):
    declined: bool


class AreaOut(_Out):
    id: int
    slug: str
    name: str
    center: Point
    radius_km: float
    timezone: str
    units: str


class AreaList(_Out):
    items: list[AreaOut]


class CategoryOut(_Out):
    key: str
    name: str
    name_es: str
    default_people_needed: int
    active: bool = Field(
        True, description="False: deactivated by an admin; kept on old needs and offers only."
    )


class CategoryList(_Out):
    items: list[CategoryOut]


class TokenRef(_Out):
    id: int
    name: str
    prefix: str


class MeOut(_Out):
    id: int
    name: str
    email: str | None
    phone: str | None
    role: Literal["neighbor", "coordinator", "admin"]
    language: str
    sms_preference: str
    coordinator_of: list[AreaRef]
    token: TokenRef


class FieldError(_Out):
    pointer: str = Field(description="JSON Pointer into the request (RFC 6901).")
    field: str
    detail: str


class Problem(_Out):
    """RFC 9457 problem details."""

    type: str
    title: str
    status: int
    detail: str | None = None
    errors: list[FieldError] | None = None
