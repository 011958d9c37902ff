"""Who may see or do what: the one place for every access rule (needs, groups, people,
exact locations, exports), used by the web, the API, CSV, SMS and the authorization tests.

Needs: the requester, admins and the coordinators of the need's area (every coordinator
while a need is outside every area) manage it; seated helpers also see its private parts.

Groups (pods): members (the requester and seated helpers) see everything, coordinators of
the need's area (and admins) too. A person with an open invitation sees the invitation
summary but not the address. Everyone else: the group does not exist for them (404).

Areas: admins see every area, coordinators their own (plus needs outside every area); a
neighboring area's coordinators work on a need while it is escalated (:func:`escalated_to`).

People: a coordinator sees a person who
- lives in one of their areas (``home_area_id``), or
- asked for a need in one of their areas (or a need outside every area), or
- has a seat (any membership) in a pod for such a need, or
- offers help from a point inside one of their areas, or
- texted in and belongs to no area at all (no home area, need, offer or group): the SMS
  inbox shows those texts to every coordinator (mutualaid.workspace.inbox), so someone
  answers them.
A fresh web account that belongs nowhere yet is an admin's to see. Texts are read through
:func:`texts_filter`: a text about a need or group of another area is never shown.
Admins see everyone. The directory lists only these people; a person page, suspend or merge
for anyone else answers 404, so a coordinator cannot learn who exists elsewhere.
"""

from __future__ import annotations

import math
from typing import cast

from sqlalchemy import ColumnElement, Select, and_, exists, false, or_, select, true
from sqlalchemy.orm import InstrumentedAttribute, Session, object_session

from mutualaid.geo.distance import circles_near, haversine_km
from mutualaid.models import Area, AuditEvent, Membership, Need, Offer, Person, Pod, SmsMessage
from mutualaid.models.messages import INBOUND
from mutualaid.models.needs import ESCALATED_STATUSES, STATUS_FORMING, STATUS_MATCHING, STATUS_OPEN
from mutualaid.models.places import area_coordinators
from mutualaid.models.pods import ACCEPTED, INVITED, POD_ACTIVE, POD_FORMING

OPEN_POD_STATUSES = (POD_FORMING, POD_ACTIVE)

# The public board shows needs still looking for helpers.
BOARD_STATUSES = (STATUS_OPEN, STATUS_MATCHING, STATUS_FORMING)

# --- groups ------------------------------------------------------------------------------

ROLE_MEMBER = "member"
ROLE_STAFF = "staff"
ROLE_INVITED = "invited"


def membership_of(session: Session, pod: Pod, person: Person) -> Membership | None:
    return session.scalar(
        select(Membership).where(Membership.pod_id == pod.id, Membership.person_id == person.id)
    )


def is_seated(session: Session, pod: Pod, person: Person) -> bool:
    m = membership_of(session, pod, person)
    return m is not None and m.status == ACCEPTED


def coordinates_area(person: Person, area_id: int | None) -> bool:
    if person.is_admin:
        return True
    if not person.is_coordinator:
        return False
    if area_id is None:
        return True  # needs outside every area belong to every coordinator
    return any(a.id == area_id for a in person.areas)


def pod_role(session: Session, pod: Pod, person: Person | None) -> str | None:
    if person is None or not getattr(person, "is_authenticated", False):
        return None
    m = membership_of(session, pod, person)
    if m is not None and m.status == ACCEPTED:
        return ROLE_MEMBER
    if coordinates_need(person, pod.need):
        return ROLE_STAFF
    if m is not None and m.status == INVITED:
        return ROLE_INVITED
    return None


def can_see_address(role: str | None, pod: Pod, viewer: Person | None = None) -> bool:
    """Staff always; members while the group is open (forming or active); after it closes,
    only the requester (it is their own address), not the former helpers."""
    if role == ROLE_STAFF:
        return True
    if role != ROLE_MEMBER:
        return False
    if pod.status in OPEN_POD_STATUSES:
        return True
    return viewer is not None and viewer.id == pod.need.requester_id


def seated_in_need(viewer: Person, need: Need) -> bool:
    """Is ``viewer`` seated (a helper, or the requester) in ``need``'s group while it is
    open?"""
    session = object_session(need)
    if session is None:
        return False
    return (
        session.scalar(
            select(Membership.id)
            .join(Pod, Pod.id == Membership.pod_id)
            .where(
                Pod.need_id == need.id,
                Membership.person_id == viewer.id,
                Membership.status == ACCEPTED,
                Pod.status.in_(OPEN_POD_STATUSES),  # former helpers lose the details
            )
        )
        is not None
    )


# --- needs -------------------------------------------------------------------------------


def can_manage(viewer: Person | None, need: Need) -> bool:
    """Who may edit, cancel, resolve or re-open the need itself: the requester, admins and
    the area's coordinators (seated helpers see it, but it is not theirs to change; the pod
    lead marks it done from the pod)."""
    if viewer is None or not getattr(viewer, "is_authenticated", False):
        return False
    if viewer.id == need.requester_id:
        return True
    return coordinates_need(viewer, need)


def can_see_private(viewer: Person | None, need: Need) -> bool:
    """The requester, admins, and coordinators of the need's area (any coordinator when the
    need has no area yet; a neighboring area's while it is escalated), and the helpers
    seated in its pod."""
    if viewer is None or not getattr(viewer, "is_authenticated", False):
        return False
    if viewer.id == need.requester_id or viewer.is_admin:
        return True
    if coordinates_need(viewer, need):
        return True
    return seated_in_need(viewer, need)


def on_board(need: Need) -> bool:
    """Open needs are on the public board (snapped place, first name, no details)."""
    return need.status in BOARD_STATUSES


def may_see_need(viewer: Person | None, need: Need) -> bool:
    """At all: privately (:func:`can_see_private`) or as its public board entry."""
    return can_see_private(viewer, need) or on_board(need)


def visible_needs_clause(viewer: Person) -> ColumnElement[bool] | None:
    """SQL for the needs :func:`may_see_need` allows (None: all of them, for admins)."""
    if viewer.is_admin:
        return None
    seated = (
        select(Pod.need_id)
        .join(Membership, Membership.pod_id == Pod.id)
        .where(Membership.person_id == viewer.id, Membership.status == ACCEPTED)
    )
    clauses = [
        Need.requester_id == viewer.id,
        Need.status.in_(BOARD_STATUSES),
        Need.id.in_(seated),
    ]
    if viewer.is_coordinator:
        clauses.append(area_filter(viewer, Need.area_id))
        clauses.append(escalated_here_clause(viewer))
    return or_(*clauses)


# --- escalated needs and neighboring areas ------------------------------------------------

# Areas are neighbors when their circles overlap or their edges are at most this far apart:
# about how far a helper goes for a "today" need (config/matching.toml's first step).
NEIGHBOR_GAP_KM = 5.0


def areas_neighbor(own: Area, other: Area) -> bool:
    return own.id != other.id and bool(circles_near(own, other, NEIGHBOR_GAP_KM))


def escalated_to(viewer: Person, need: Need) -> bool:
    """Does ``need`` reach ``viewer`` as an escalated need of a neighboring area?"""
    area = need.area
    if area is None or not viewer.is_coordinator or not need.escalated:
        return False
    mine = coordinates_area(viewer, area.id)
    return not mine and any(areas_neighbor(own, area) for own in viewer.areas)


def coordinates_need(viewer: Person, need: Need) -> bool:
    """Its page, group and exact address: its area's coordinators, admins, neighbors'."""
    return coordinates_area(viewer, need.area_id) or escalated_to(viewer, need)


def escalated_here_clause(viewer: Person) -> ColumnElement[bool]:
    """SQL for the needs :func:`escalated_to` ``viewer`` (none for admins: they see all)."""
    own = [] if viewer.is_admin or not viewer.is_coordinator else list(viewer.areas)
    if not own:
        return false()
    near = or_(*(cast(ColumnElement[bool], circles_near(a, Area, NEIGHBOR_GAP_KM)) for a in own))
    nearby = select(Area.id).where(near, Area.id.not_in([a.id for a in own]))
    return and_(
        Need.status.in_(ESCALATED_STATUSES), Need.unmatched_reason != "", Need.area_id.in_(nearby)
    )


def neighbor_area_ids(session: Session, need: Need) -> list[int]:
    """The areas whose coordinators an escalation of ``need`` reaches besides its own."""
    if need.area is None:
        return []
    others = session.scalars(select(Area).where(Area.id != need.area.id).order_by(Area.id))
    return [a.id for a in others if areas_neighbor(a, need.area)]


# --- areas and people --------------------------------------------------------------------

KM_PER_DEG = 111.32


def area_ids(viewer: Person) -> list[int] | None:
    """The viewer's area ids, or None for "all" (admins)."""
    if viewer.is_admin:
        return None
    return sorted(a.id for a in viewer.areas)


def area_filter(viewer: Person, column: InstrumentedAttribute[int | None]) -> ColumnElement[bool]:
    """A WHERE clause restricting ``column`` (an area_id column) to the viewer's areas."""
    ids = area_ids(viewer)
    if ids is None:
        return true()
    return or_(column.is_(None), column.in_(ids)) if ids else column.is_(None)


def sees_exact(viewer: Person, area_id: int | None) -> bool:
    """May the viewer see exact addresses, coordinates and phones for this area's rows?"""
    return coordinates_area(viewer, area_id)


def sees_offer_exact(own_areas: list[Area] | None, offer: Offer) -> bool:
    """May a viewer whose areas are ``own_areas`` (None: all, for admins) see this offer's
    exact place and contact? Only when the offer's point lies inside one of them."""
    if own_areas is None:
        return True
    if offer.lat is None or offer.lng is None:
        return False
    return any(
        haversine_km(offer.lat, offer.lng, a.center_lat, a.center_lng) <= a.radius_km
        for a in own_areas
    )


def audit_filter(viewer: Person) -> ColumnElement[bool]:
    """The audit events a viewer may read: admins all; a coordinator their team's (their
    own, and those of the people who coordinate one of their areas)."""
    ids = area_ids(viewer)
    if ids is None:
        return true()
    team = select(area_coordinators.c.person_id).where(area_coordinators.c.area_id.in_(ids))
    return or_(AuditEvent.actor_id == viewer.id, AuditEvent.actor_id.in_(team))


def point_in_area(
    lat_col: InstrumentedAttribute[float | None],
    lng_col: InstrumentedAttribute[float | None],
    area: Area,
) -> ColumnElement[bool]:
    """Is (lat_col, lng_col) within ``area``'s radius? A bounding box (index-friendly) and an
    equirectangular distance, exact to well under 1 % at neighborhood scale; plain arithmetic,
    so it runs on SQLite and PostgreSQL alike."""
    cos = max(0.01, math.cos(math.radians(area.center_lat)))
    dlat = area.radius_km / KM_PER_DEG
    dlng = area.radius_km / (KM_PER_DEG * cos)
    dy = (lat_col - area.center_lat) * KM_PER_DEG
    dx = (lng_col - area.center_lng) * (KM_PER_DEG * cos)
    return and_(
        lat_col.between(area.center_lat - dlat, area.center_lat + dlat),
        lng_col.between(area.center_lng - dlng, area.center_lng + dlng),
        dx * dx + dy * dy <= area.radius_km * area.radius_km,
    )


def _area_links(session: Session, viewer: Person, ids: list[int]) -> list[ColumnElement[bool]]:
    """The person lives, asked for help, or offers help in one of the viewer's areas."""
    own = list(session.scalars(select(Area).where(Area.id.in_(ids)))) if ids else []
    links: list[ColumnElement[bool]] = [
        exists().where(Need.requester_id == Person.id, area_filter(viewer, Need.area_id))
    ]
    if ids:
        links.append(Person.home_area_id.in_(ids))
    if own:
        links.append(
            exists().where(
                Offer.helper_id == Person.id,
                or_(*(point_in_area(Offer.lat, Offer.lng, a) for a in own)),
            )
        )
    return links


def people_filter(session: Session, viewer: Person) -> ColumnElement[bool]:
    """A WHERE clause on ``Person`` keeping the people ``viewer`` may see (rule above)."""
    ids = area_ids(viewer)
    if ids is None:
        return true()
    if not viewer.is_coordinator:
        return false()
    return or_(
        *_area_links(session, viewer, ids),
        exists().where(
            Membership.person_id == Person.id,
            Pod.id == Membership.pod_id,
            Need.id == Pod.need_id,
            area_filter(viewer, Need.area_id),
        ),
        # A texter who never posted, offered or joined anything: the shared SMS inbox shows
        # their texts to every coordinator, so someone answers. Once they belong to an area
        # (home, need, offer, group) only that area's coordinators see them.
        and_(
            Person.home_area_id.is_(None),
            exists()
            .where(SmsMessage.person_id == Person.id, SmsMessage.direction == INBOUND)
            .correlate_except(SmsMessage),  # also inside queries over sms_messages
            ~exists().where(Need.requester_id == Person.id),
            ~exists().where(Offer.helper_id == Person.id),
            ~exists().where(Membership.person_id == Person.id),
        ),
    )


def texts_filter(session: Session, viewer: Person) -> ColumnElement[bool]:
    """A WHERE clause on ``SmsMessage`` (outer-joined to its ``Person``) keeping the texts a
    viewer may read: those of people they may see (:func:`people_filter`), and never a
    text about a need or group of another area (its body can hold an exact address)."""
    ids = area_ids(viewer)
    if ids is None:
        return true()
    if not viewer.is_coordinator:
        return false()
    elsewhere_need = select(Need.id).where(~area_filter(viewer, Need.area_id))
    elsewhere_pod = (
        select(Pod.id).join(Need, Need.id == Pod.need_id).where(~area_filter(viewer, Need.area_id))
    )
    # A text tied to no need or group ("Got it: need F7C near 12 Main St") can be about any
    # of the person's needs: shown only when the person belongs to no other area.
    belongs_elsewhere = or_(
        and_(Person.home_area_id.is_not(None), ~area_filter(viewer, Person.home_area_id)),
        exists().where(Need.requester_id == Person.id, Need.id.in_(elsewhere_need)),
        exists().where(
            Membership.person_id == Person.id,
            Membership.status == ACCEPTED,
            Membership.pod_id.in_(elsewhere_pod),
        ),
    )
    return and_(
        or_(SmsMessage.need_id.is_(None), SmsMessage.need_id.not_in(elsewhere_need)),
        or_(SmsMessage.pod_id.is_(None), SmsMessage.pod_id.not_in(elsewhere_pod)),
        or_(SmsMessage.person_id.is_(None), people_filter(session, viewer)),
        or_(
            SmsMessage.need_id.is_not(None),
            SmsMessage.pod_id.is_not(None),
            SmsMessage.person_id.is_(None),
            ~belongs_elsewhere,
        ),
    )


def people_visible_ids(session: Session, viewer: Person) -> Select[int]:
    """The ids of the people ``viewer`` may see, as a subquery (for ``.in_()``)."""
    return select(Person.id).where(people_filter(session, viewer))


def exact_people_filter(session: Session, viewer: Person) -> ColumnElement[bool]:
    """People whose phone, email and address the viewer may read in full: those who live,
    ask or offer in the viewer's areas (as in the needs and offers exports). Pod seats, the
    shared inbox and not being placed yet make a person visible with a masked phone only."""
    ids = area_ids(viewer)
    if ids is None:
        return true()
    if not viewer.is_coordinator:
        return false()
    return or_(*_area_links(session, viewer, ids))


def sees_person(session: Session, viewer: Person, person: Person) -> bool:
    """May ``viewer`` see and act on ``person`` in the workspace?"""
    if viewer.is_admin:
        return True
    stmt = select(Person.id).where(Person.id == person.id, people_filter(session, viewer))
    return session.scalar(stmt) is not None
