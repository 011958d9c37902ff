"""What the API answers: response bodies and problem documents."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import Field

from mutualaid.web.api.schemas.base import (
    CategoryKey,
    ContactPreference,
    LocationStatus,
    NeedStatus,
    OfferStatus,
    PodRole,
    PodStatus,
    Role,
    Urgency,
    _Out,
)

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
    location_status: LocationStatus
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
    status: LocationStatus


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
    status: PodStatus
    seats: int
    seats_taken: int
    your_role: PodRole
    need: PodNeed
    address: PodAddress | None = Field(description="Only for seated members and staff.")
    members: list[PodMember]
    messages: list[MessageOut]
    invitation: Invitation | None


class PodList(_Out):
    items: list[PodOut]


class AcceptOut(_Out):
    seated: bool
    reason: Literal["seated", "full", "expired", "not_invited", "at_capacity"]
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
    role: Role
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
