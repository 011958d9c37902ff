"""Needs as people live them: posting and editing, closing (cancel, resolve, expire) and
re-opening, each carried to the need's group, and the open board.

Plain functions taking a session; they flush and never commit, and never do network I/O
(the edge locates and passes a mutualaid.locations.Location). The need's own record
(validation, codes, status transitions) is mutualaid.need_records; its group is
mutualaid.pods. Status changes flow one way: this module -> pods -> need_records.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from mutualaid.geo.distance import bounding_boxes, haversine_km
from mutualaid.geo.grid import DEFAULT_CELL_M, snap
from mutualaid.i18n import _, _l
from mutualaid.locations import Location, apply_location, round_km
from mutualaid.models import Area, Need, Offer, Person, Pod
from mutualaid.models.base import utcnow
from mutualaid.models.needs import (
    STATUS_CANCELLED,
    STATUS_EXPIRED,
    STATUS_OPEN,
    STATUS_RESOLVED,
)
from mutualaid.models.offers import OFFER_ACTIVE
from mutualaid.models.places import LOCATION_FAILED, LOCATION_PENDING
from mutualaid.need_records import (
    EXPIRABLE,
    NeedError,
    NeedInput,
    _store_with_unique_code,
    _validate,
    code_in_use,
    expiry_hours,
    new_code,
    set_status,
)
from mutualaid.notify import notify
from mutualaid.pods.formation import PodError, start_pod
from mutualaid.pods.lifecycle import OPEN_POD, need_closed
from mutualaid.policy import BOARD_STATUSES, can_see_private, people_visible_ids

DEFAULT_BOARD_RADIUS_KM = 5.0


def post_need(
    session: Session,
    requester: Person,
    data: NeedInput,
    location: Location,
    *,
    hours: Mapping[str, int] | None = None,
    now: datetime | None = None,
    per_hour_limit: int = 0,
) -> Need:
    """Post a need and start matching. ``per_hour_limit`` (the edges where a person posts
    for themselves: web, API, texts) caps how many one requester may post in an hour, so
    nobody floods the queue or uses up helpers' texts (issue 16)."""
    now = now or utcnow()
    people = _validate(data)
    if per_hour_limit and _posted_last_hour(session, requester, now) >= per_hour_limit:
        raise NeedError(
            _l(
                "You have asked for help %(num)d times in the last hour. A coordinator will "
                "look at your requests; please wait a little before asking again.",
                num=per_hour_limit,
            )
        )
    need = Need(
        code=new_code(session),
        requester_id=requester.id,
        category=data.category,
        urgency=data.urgency,
        people_needed=people,
        details=(data.details or "").strip(),
        contact_preference=data.contact_preference,
        status=STATUS_OPEN,
        created_at=now,
        updated_at=now,
        expires_at=now + timedelta(hours=(hours or expiry_hours())[data.urgency]),
    )
    apply_location(session, need, location)
    _store_with_unique_code(session, need)
    begin_matching(session, need, now)
    return need


def _posted_last_hour(session: Session, requester: Person, now: datetime) -> int:
    since = now - timedelta(hours=1)
    stmt = select(func.count(Need.id)).where(
        Need.requester_id == requester.id, Need.created_at >= since
    )
    return session.scalar(stmt) or 0


def edit_need(
    session: Session,
    need: Need,
    data: NeedInput,
    location: Location | None = None,
    *,
    hours: Mapping[str, int] | None = None,
    now: datetime | None = None,
) -> Need:
    """Change an active need. ``location`` None keeps the current one."""
    if not need.is_active:
        raise NeedError(_l("This need is closed. Re-open it to change it."))
    now = now or utcnow()
    people = _validate(data, need.category)
    if data.urgency != need.urgency:
        need.expires_at = now + timedelta(hours=(hours or expiry_hours())[data.urgency])
    need.category, need.urgency, need.people_needed = data.category, data.urgency, people
    need.details = (data.details or "").strip()
    need.contact_preference = data.contact_preference
    if location is not None:
        apply_location(session, need, location)
    need.updated_at = now
    session.flush()
    return need


def cancel_need(
    session: Session, need: Need, now: datetime | None = None, actor: Person | None = None
) -> Need:
    """Cancel; the need's pod closes and everyone invited or seated is told."""
    set_status(session, need, STATUS_CANCELLED, now)
    need_closed(session, need, actor, now=now)
    return need


def resolve_need(
    session: Session, need: Need, now: datetime | None = None, actor: Person | None = None
) -> Need:
    """The need is met; the pod closes and its members are thanked."""
    set_status(session, need, STATUS_RESOLVED, now)
    need_closed(session, need, actor, now=now)
    return need


def cancel_from_pod(
    session: Session, pod: Pod, actor: Person, *, now: datetime | None = None
) -> None:
    """The requester (or a coordinator) cancels the need from its group; everybody involved
    is told."""
    if not (actor.id == pod.need.requester_id or actor.is_coordinator):
        raise PodError(_("Only the requester can cancel this need."))
    if not pod.need.is_active:
        raise PodError(_("This need is already closed."))
    cancel_need(session, pod.need, now, actor=actor)


def resolve_from_pod(
    session: Session, pod: Pod, actor: Person, *, now: datetime | None = None
) -> None:
    """The need is met: requester, lead or a coordinator closes it and everyone is thanked."""
    if pod.status not in OPEN_POD:
        raise PodError(_("This pod is already closed."))
    if not (actor.id in (pod.need.requester_id, pod.lead_id) or actor.is_coordinator):
        raise PodError(_("Only the requester, the pod lead or a coordinator can mark it done."))
    resolve_need(session, pod.need, now, actor=actor)


def begin_matching(session: Session, need: Need, now: datetime | None = None) -> None:
    """Form the need's pod and invite helpers, once its location is known."""
    if need.is_active and need.has_location and need.location_status == "ok":
        start_pod(session, need, now=now)


def reopen_need(
    session: Session,
    need: Need,
    *,
    hours: Mapping[str, int] | None = None,
    now: datetime | None = None,
) -> Need:
    if need.is_active:
        raise NeedError(_l("This need is still open."))
    now = now or utcnow()
    if code_in_use(session, need.code):
        need.code = new_code(session)
    expires = now + timedelta(hours=(hours or expiry_hours())[need.urgency])

    def apply() -> None:
        need.status = STATUS_OPEN
        need.expired_at = need.cancelled_at = need.resolved_at = None
        need.expires_at = expires
        need.updated_at = now

    _store_with_unique_code(session, need, apply)
    begin_matching(session, need, now)
    return need


def expire_due_needs(session: Session, now: datetime | None = None) -> list[Need]:
    """Close open/matching needs whose time is up. Idempotent: expired needs are skipped."""
    now = now or utcnow()
    due = list(
        session.scalars(
            select(Need).where(Need.status.in_(EXPIRABLE), Need.expires_at <= now).order_by(Need.id)
        )
    )
    for need in due:
        set_status(session, need, STATUS_EXPIRED, now)
        need_closed(session, need, None, now=now)
        _tell_expired(session, need)
    session.flush()
    return due


def _tell_expired(session: Session, need: Need) -> None:
    notify(
        session,
        need.requester,
        "need_expired",
        lambda: _(
            "Your request %(code)s expired before neighbors could help. You can re-open it.",
            code=need.code,
        ),
        lambda: _(
            "mutualaid: sorry, nobody could take %(code)s in time. Text NEED to ask again.",
            code=need.code,
        ),
        link="/needs/mine",
        need=need,
    )


def needs_of(session: Session, person: Person) -> list[Need]:
    return list(
        session.scalars(
            select(Need).where(Need.requester_id == person.id).order_by(Need.created_at.desc())
        )
    )


def board_origin(
    session: Session, person: Person, *, cell_m: float = DEFAULT_CELL_M
) -> tuple[tuple[float, float] | None, float]:
    """Where "near me" is, as a snapped point: my newest active offer, else my own location,
    else my home area's centre. Returns (origin, radius km)."""
    offer = session.scalar(
        select(Offer)
        .where(
            Offer.helper_id == person.id,
            Offer.status == OFFER_ACTIVE,
            Offer.public_lat.is_not(None),
        )
        .order_by(Offer.created_at.desc())
        .limit(1)
    )
    if offer is not None and offer.public_lat is not None and offer.public_lng is not None:
        return (offer.public_lat, offer.public_lng), max(offer.radius_km, 1.0)
    if person.public_lat is not None and person.public_lng is not None:
        return (person.public_lat, person.public_lng), DEFAULT_BOARD_RADIUS_KM
    if person.lat is not None and person.lng is not None:
        return snap(person.lat, person.lng, cell_m), DEFAULT_BOARD_RADIUS_KM
    if person.home_area is not None:
        area = person.home_area
        return snap(area.center_lat, area.center_lng, cell_m), max(area.radius_km, 1.0)
    return None, DEFAULT_BOARD_RADIUS_KM


def stuck_locations(session: Session, viewer: Person) -> tuple[list[Need], list[Offer]]:
    """Needs (those the viewer may see in full) and offers (of people the viewer may see)
    whose place is still pending or could not be found, newest first: the coordinators'
    list to fix by hand."""
    stuck = (LOCATION_PENDING, LOCATION_FAILED)
    needs = [
        need
        for need in session.scalars(
            select(Need).where(Need.location_status.in_(stuck)).order_by(Need.created_at.desc())
        )
        if can_see_private(viewer, need)
    ]
    offers = list(
        session.scalars(
            select(Offer)
            .where(
                Offer.location_status.in_(stuck),
                Offer.helper_id.in_(people_visible_ids(session, viewer)),
            )
            .order_by(Offer.created_at.desc())
        )
    )
    return needs, offers


@dataclass(frozen=True)
class BoardEntry:
    """What the public board may show about a need: nothing private."""

    id: int
    code: str
    category: str
    urgency: str
    people_needed: int
    first_name: str
    created_at: datetime
    public_lat: float | None
    public_lng: float | None
    distance_km: float | None
    units: str = "km"  # the need's area's display units: km | mi


def open_board(
    session: Session,
    *,
    origin: tuple[float, float] | None,
    radius_km: float = 5.0,
    category: str | None = None,
    limit: int = 100,
) -> list[BoardEntry]:
    """Open needs near ``origin`` (a snapped point), nearest first; newest first when there
    is no origin. Distances are between snapped points, rounded to half a kilometre."""
    query = select(Need, Person.name, Area.units).join(Person, Person.id == Need.requester_id)
    query = query.outerjoin(Area, Area.id == Need.area_id)
    query = query.where(Need.status.in_(BOARD_STATUSES))
    if category:
        query = query.where(Need.category == category)
    if origin is not None:
        boxes = bounding_boxes(origin[0], origin[1], radius_km)
        query = query.where(
            or_(
                *(
                    and_(
                        Need.public_lat.between(b.min_lat, b.max_lat),
                        Need.public_lng.between(b.min_lng, b.max_lng),
                    )
                    for b in boxes
                )
            )
        )
    rows = session.execute(query.order_by(Need.created_at.desc()).limit(limit * 3)).all()
    out = []
    for need, name, units in rows:
        distance = None
        if origin is not None and need.public_lat is not None and need.public_lng is not None:
            km = haversine_km(origin[0], origin[1], need.public_lat, need.public_lng)
            if km > radius_km:
                continue
            distance = round_km(km)
        out.append(
            BoardEntry(
                id=need.id,
                code=need.code,
                category=need.category,
                urgency=need.urgency,
                people_needed=need.people_needed,
                first_name=(name or "").split(" ")[0] or str(_l("Neighbor")),
                created_at=need.created_at,
                public_lat=need.public_lat,
                public_lng=need.public_lng,
                distance_km=distance,
                units=units or "km",
            )
        )
    if origin is not None:
        out.sort(key=lambda e: (e.distance_km or 0.0, -e.created_at.timestamp()))
    return out[:limit]
