"""Needs: posting, editing, the status lifecycle, short codes, expiry and the open board.

Plain functions taking a session; they flush and never commit, and never do network I/O
(the edge geocodes and passes a mutualaid.locations.Location).

Lifecycle: open -> matching -> forming -> active -> resolved, or cancelled / expired from
any active status (expiry only while nobody is committed: open or matching). An expired or
cancelled need can be re-opened; it gets a fresh expiry and, if its code was taken
meanwhile, a new code.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from mutualaid import categories
from mutualaid.geo.distance import bounding_boxes, haversine_km
from mutualaid.i18n import _l
from mutualaid.locations import Location, apply_location, round_km
from mutualaid.models import Area, Need, Person, Pod
from mutualaid.models.base import utcnow
from mutualaid.models.needs import (
    ACTIVE_STATUSES,
    CONTACT_PREFERENCES,
    STATUS_ACTIVE,
    STATUS_CANCELLED,
    STATUS_EXPIRED,
    STATUS_FORMING,
    STATUS_MATCHING,
    STATUS_OPEN,
    STATUS_RESOLVED,
    URGENCIES,
)
from mutualaid.models.pods import POD_ACTIVE, POD_FORMING
from mutualaid.settings import DEFAULT_NEED_EXPIRY_HOURS

# No look-alikes: no 0/O/Q/D, 1/I/L, 2/Z, 5/S, 8/B, U/V (read aloud or typed on a phone).
CODE_ALPHABET = "ACEFGHJKMNPRTWXY34679"
CODE_TRIES_PER_LENGTH = 30
EXPIRABLE = (STATUS_OPEN, STATUS_MATCHING)
TRANSITIONS = {
    STATUS_OPEN: {STATUS_MATCHING, STATUS_FORMING, STATUS_RESOLVED, STATUS_CANCELLED},
    STATUS_MATCHING: {STATUS_OPEN, STATUS_FORMING, STATUS_RESOLVED, STATUS_CANCELLED},
    STATUS_FORMING: {
        STATUS_OPEN,
        STATUS_MATCHING,
        STATUS_ACTIVE,
        STATUS_RESOLVED,
        STATUS_CANCELLED,
    },
    # A helper leaving an active pod sends it back to forming; a dissolved pod, to open.
    STATUS_ACTIVE: {STATUS_OPEN, STATUS_FORMING, STATUS_RESOLVED, STATUS_CANCELLED},
    STATUS_RESOLVED: {STATUS_OPEN},
    STATUS_CANCELLED: {STATUS_OPEN},
    STATUS_EXPIRED: {STATUS_OPEN},
}

_rng = random.SystemRandom()


class NeedError(ValueError):
    """A rule about needs was broken; ``field`` says which input to point at."""

    def __init__(self, message: object, field: str | None = None):
        super().__init__(str(message))
        self.message = message
        self.field = field


@dataclass
class NeedInput:
    category: str
    urgency: str = "today"
    people_needed: int | None = None  # None: the category's default
    details: str = ""
    contact_preference: str = "web"


def expiry_hours(setting: tuple[tuple[str, int], ...] = DEFAULT_NEED_EXPIRY_HOURS) -> dict:
    return dict(setting)


def _validate(data: NeedInput, current: str | None = None) -> int:
    """People needed, or NeedError. ``current``: the need's own category, which stays
    allowed after an admin deactivated it."""
    if not (categories.is_offered(data.category) or (current and data.category == current)):
        raise NeedError(_l("Choose a category from the list."), "category")
    if data.urgency not in URGENCIES:
        raise NeedError(_l("Choose how soon you need help."), "urgency")
    if data.contact_preference not in CONTACT_PREFERENCES:
        raise NeedError(_l("Choose how we should reach you."), "contact_preference")
    people = data.people_needed or categories.default_people_needed(data.category)
    if not categories.MIN_PEOPLE <= people <= categories.MAX_PEOPLE:
        raise NeedError(_l("People needed must be between 1 and 15."), "people_needed")
    if len(data.details or "") > 2000:
        raise NeedError(_l("Keep the details under 2000 characters."), "details")
    return people


def new_code(session: Session, rng: random.Random = _rng) -> str:
    """A 3-character code (4 when 3 is crowded) not used by an active need or an open pod,
    and not a common word ("WAY", "MAY"): texts read those as words, so "CANCEL WAY" would
    not find the need."""
    from mutualaid.sms.vocabulary import NOT_CODES

    for length in (3, 4):
        for _ in range(CODE_TRIES_PER_LENGTH):
            code = "".join(rng.choice(CODE_ALPHABET) for _ in range(length))
            if code.lower() not in NOT_CODES and not code_in_use(session, code):
                return code
    raise RuntimeError("no free need code after many tries")  # 21^4 codes: not reachable


def code_in_use(session: Session, code: str) -> bool:
    need = session.scalar(
        select(Need.id).where(Need.code == code, Need.status.in_(ACTIVE_STATUSES)).limit(1)
    )
    if need is not None:
        return True
    query = select(Pod.id).where(Pod.code == code, Pod.status.in_((POD_FORMING, POD_ACTIVE)))
    return session.scalar(query.limit(1)) is not None


def _store_with_unique_code(
    session: Session, need: Need, apply: Callable[[], None] = lambda: None
) -> None:
    """Flush ``need`` in a savepoint; if another transaction took the same code since we
    drew it (the partial unique index says so), draw again. A savepoint rollback expires or
    expunges the row, so ``apply`` re-applies the caller's changes before each attempt."""
    code = need.code
    for _ in range(5):
        try:
            with session.begin_nested():  # flushes earlier changes, then opens the savepoint
                apply()
                need.code = code
                session.add(need)
                session.flush()
            return
        except IntegrityError:
            if not code_in_use(session, code):
                raise  # some other constraint: not ours to hide
            code = new_code(session)
    raise RuntimeError("could not store a unique need code")


def find_active_by_code(session: Session, code: str) -> Need | None:
    return session.scalar(
        select(Need).where(
            func.upper(Need.code) == (code or "").strip().upper(),
            Need.status.in_(ACTIVE_STATUSES),
        )
    )


def post_need(
    session: Session,
    requester: Person,
    data: NeedInput,
    location: Location,
    *,
    hours: Mapping[str, int] | None = None,
    now: datetime | None = None,
) -> Need:
    now = now or utcnow()
    people = _validate(data)
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


def set_status(session: Session, need: Need, status: str, now: datetime | None = None) -> Need:
    """Move a need along its lifecycle, recording the timestamps the metrics use."""
    if status not in TRANSITIONS.get(need.status, set()):
        raise NeedError(
            _l("A need that is %(old)s cannot become %(new)s.", old=need.status, new=status)
        )
    now = now or utcnow()
    need.status = status
    need.updated_at = now
    if status == STATUS_FORMING and need.first_invited_at is None:
        need.first_invited_at = now  # forming: the first invitations are out
    elif status == STATUS_ACTIVE and need.pod_formed_at is None:
        need.pod_formed_at = now
    elif status == STATUS_RESOLVED:
        need.resolved_at = now
    elif status == STATUS_CANCELLED:
        need.cancelled_at = now
    session.flush()
    return need


def record_first_invitation(session: Session, need: Need, now: datetime | None = None) -> None:
    """For the matching/pods work: the first invitation went out."""
    if need.first_invited_at is None:
        need.first_invited_at = now or utcnow()
        session.flush()


def cancel_need(
    session: Session, need: Need, now: datetime | None = None, actor: Person | None = None
) -> Need:
    """Cancel; the need's pod closes and everyone invited or seated is told."""
    from mutualaid.pods.lifecycle import need_closed

    set_status(session, need, STATUS_CANCELLED, now)
    need_closed(session, need, actor, now=now)
    return need


def resolve_need(
    session: Session, need: Need, now: datetime | None = None, actor: Person | None = None
) -> Need:
    """The need is met; the pod closes and its members are thanked."""
    from mutualaid.pods.lifecycle import need_closed

    set_status(session, need, STATUS_RESOLVED, now)
    need_closed(session, need, actor, now=now)
    return need


def begin_matching(session: Session, need: Need, now: datetime | None = None) -> None:
    """Form the need's pod and invite helpers, once its location is known."""
    if need.is_active and need.has_location and need.location_status == "ok":
        from mutualaid.pods.formation import start_pod

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
    from mutualaid.i18n import _
    from mutualaid.notify import notify
    from mutualaid.pods.lifecycle import need_closed

    for need in due:
        need.status = STATUS_EXPIRED
        need.expired_at = now
        need.updated_at = now
        need_closed(session, need, None, now=now)
        notify(
            session,
            need.requester,
            "need_expired",
            lambda need=need: _(
                "Your request %(code)s expired before neighbors could help. You can re-open it.",
                code=need.code,
            ),
            lambda need=need: _(
                "mutualaid: sorry, nobody could take %(code)s in time. Text NEED to ask again.",
                code=need.code,
            ),
            link="/needs/mine",
            need=need,
        )
    session.flush()
    return due


def needs_of(session: Session, person: Person) -> list[Need]:
    return list(
        session.scalars(
            select(Need).where(Need.requester_id == person.id).order_by(Need.created_at.desc())
        )
    )


def can_manage(viewer: Person | None, need: Need) -> bool:
    """Who may edit, cancel, resolve or re-open the need itself: the requester, admins and
    the area's coordinators (seated helpers see it, but it is not theirs to change; the pod
    lead marks it done from the pod)."""
    if viewer is None or not getattr(viewer, "is_authenticated", False):
        return False
    if viewer.id == need.requester_id or viewer.is_admin:
        return True
    return viewer.is_coordinator and (
        need.area_id is None or any(a.id == need.area_id for a in viewer.areas)
    )


def can_see_private(viewer: Person | None, need: Need) -> bool:
    """The requester, admins, and coordinators of the need's area (any coordinator when the
    need has no area yet), and the helpers seated in its pod."""
    if viewer is None or not getattr(viewer, "is_authenticated", False):
        return False
    if viewer.id == need.requester_id or viewer.is_admin:
        return True
    if viewer.is_coordinator and (
        need.area_id is None or any(a.id == need.area_id for a in viewer.areas)
    ):
        return True
    from mutualaid.pods.access import seated_in_need

    return seated_in_need(viewer, need)


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
    query = query.where(Need.status.in_((STATUS_OPEN, STATUS_MATCHING, STATUS_FORMING)))
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
        if origin is not None and need.public_lat is not None:
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
