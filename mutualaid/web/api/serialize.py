"""Rows to response models, applying the privacy rules of the web.

Who sees what is decided by the domain's own checks (``policy.can_see_private``,
``policy.pod_role``/``can_see_address``); this module only leaves out what those
checks say the caller may not see. Exact coordinates and address text appear only in the
``private`` part of a need, in a pod's ``address`` and in the caller's own offers.
"""

from __future__ import annotations

from typing import cast, overload

from flask_babel import get_locale
from sqlalchemy import select

from mutualaid.extensions import db
from mutualaid.matching import Match
from mutualaid.matching.reasons import render_stored as reason_text
from mutualaid.models import Area, Membership, Need, Offer, Person, Pod
from mutualaid.pods import thread
from mutualaid.policy import can_see_address, can_see_private
from mutualaid.web.api import schemas as s

# Status and role columns are str holding the models' own words; cast() names them as the
# schema's Literals (pydantic still validates every value).


def _point(lat: float | None, lng: float | None) -> s.Point | None:
    return s.Point(lat=lat, lng=lng) if lat is not None and lng is not None else None


@overload
def area_ref(area: Area) -> s.AreaRef: ...
@overload
def area_ref(area: Area | None) -> s.AreaRef | None: ...
def area_ref(area: Area | None) -> s.AreaRef | None:
    return s.AreaRef(id=area.id, slug=area.slug, name=area.name) if area is not None else None


def need_out(need: Need, viewer: Person, notices: list[str] | None = None) -> s.NeedOut:
    private = None
    if can_see_private(viewer, need):
        pod_id = db.session.scalar(select(Pod.id).where(Pod.need_id == need.id))
        private = s.NeedPrivate(
            details=need.details or "",
            address_text=need.address_text or "",
            lat=need.lat,
            lng=need.lng,
            location_status=cast(s.LocationStatus, need.location_status),
            contact_preference=need.contact_preference,
            expires_at=need.expires_at,
            pod_id=pod_id,
        )
    return s.NeedOut(
        id=need.id,
        code=need.code,
        category=need.category,
        urgency=need.urgency,
        people_needed=need.people_needed,
        status=need.status,
        first_name=need.requester.first_name if need.requester else "Neighbor",
        created_at=need.created_at,
        area=area_ref(need.area),
        public_location=_point(need.public_lat, need.public_lng),
        private=private,
        notices=notices or [],
    )


def offer_out(offer: Offer, notices: list[str] | None = None) -> s.OfferOut:
    """Offers are only ever shown to their helper (as on the web)."""
    availability = offer.availability or {"any_time": True}
    return s.OfferOut(
        id=offer.id,
        categories=offer.categories,
        radius_km=offer.radius_km,
        availability=s.AvailabilityOut(
            any_time=bool(availability.get("any_time", True)),
            windows=[s.WindowOut(**w) for w in availability.get("windows") or []],
        ),
        capacity=offer.capacity,
        notes=offer.notes or "",
        status=offer.status,
        created_at=offer.created_at,
        updated_at=offer.updated_at,
        last_confirmed_at=offer.last_confirmed_at,
        confirm_asked_at=offer.confirm_asked_at,
        location=s.OfferLocation(
            address_text=offer.address_text or "",
            lat=offer.lat,
            lng=offer.lng,
            public=_point(offer.public_lat, offer.public_lng),
            status=cast(s.LocationStatus, offer.location_status),
        ),
        notices=notices or [],
    )


def _reason_text(reason: object) -> str:
    return reason_text(reason)


def pod_out(pod: Pod, role: str, viewer: Person) -> s.PodOut:
    need = pod.need
    invitation = None
    if role == "invited":
        membership = db.session.scalar(
            select(Membership).where(Membership.pod_id == pod.id, Membership.person_id == viewer.id)
        )
        if membership is not None:
            invitation = s.Invitation(
                expires_at=membership.invite_expires_at,
                reasons=[_reason_text(r) for r in membership.reasons or []],
            )
    address = None
    if can_see_address(role, pod, viewer):
        address = s.PodAddress(text=need.address_text or "", lat=need.lat, lng=need.lng)
    members, messages = [], []
    if role != "invited":
        members = [
            s.PodMember(
                first_name=p.first_name,
                role="requester" if p.id == need.requester_id else "helper",
                is_lead=p.id == pod.lead_id,
            )
            for p in thread.members(db.session, pod)
        ]
        messages = [message_out(m) for m in thread.thread(db.session, pod)]
    return s.PodOut(
        id=pod.id,
        code=pod.code,
        status=cast(s.PodStatus, pod.status),
        seats=pod.seats,
        seats_taken=pod.seats_taken,
        your_role=cast(s.PodRole, role),
        need=s.PodNeed(
            id=need.id,
            code=need.code,
            category=need.category,
            urgency=need.urgency,
            status=need.status,
            details=need.details or "",
            first_name=need.requester.first_name if need.requester else "Neighbor",
            public_location=_point(need.public_lat, need.public_lng),
        ),
        address=address,
        members=members,
        messages=messages,
        invitation=invitation,
    )


def message_out(message) -> s.MessageOut:
    return s.MessageOut(
        id=message.id,
        author=message.author.first_name if message.author else "mutualaid",
        channel=message.channel,
        body=message.body,
        created_at=message.created_at,
    )


def match_out(match: Match, person: Person | None) -> s.MatchOut:
    return s.MatchOut(
        person_id=match.person_id,
        first_name=person.first_name if person else "Neighbor",
        offer_id=match.offer_id,
        distance_km=match.distance_km,
        score=round(float(match.score), 4),
        reasons=list(match.reasons),
    )


def language() -> str:
    return str(get_locale() or "en")
