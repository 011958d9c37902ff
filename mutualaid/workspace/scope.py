"""Which areas and which people a staff member looks after. The one place for the rule.

Areas: admins see every area, coordinators their own (plus needs outside every area, as in
mutualaid.pods.access.coordinates_area).

People: a coordinator sees a person who
- lives in one of their areas (``home_area_id``), or
- asked for a need in one of their areas (or a need outside every area), or
- has a seat (any membership) in a pod for such a need, or
- offers help from a point inside one of their areas, or
- texted in and has no home area: the SMS inbox shows those texts to every coordinator
  (mutualaid.workspace.inbox), so the sender is shared too, or
- is not placed anywhere yet (no home area, no need, no offer, no pod seat: a fresh web
  account), like needs outside every area; so a phone-only record can be merged with the
  web account the same person just opened.
Admins see everyone. The directory lists only these people; a person page, suspend or merge
for anyone else answers 404, so a coordinator cannot learn who exists elsewhere.
"""

from __future__ import annotations

import math

from sqlalchemy import ColumnElement, and_, exists, false, or_, select, true
from sqlalchemy.orm import Session

from mutualaid.models import Area, Membership, Need, Offer, Person, Pod, SmsMessage
from mutualaid.models.messages import INBOUND

KM_PER_DEG = 111.32


def area_ids(viewer: Person) -> list[int] | None:
    """The viewer's area ids, or None for "all" (admins)."""
    if viewer.is_admin:
        return None
    return sorted(a.id for a in viewer.areas)


def area_filter(viewer: Person, column) -> ColumnElement[bool]:
    """A WHERE clause restricting ``column`` (an area_id column) to the viewer's areas."""
    ids = area_ids(viewer)
    if ids is None:
        return true()
    return or_(column.is_(None), column.in_(ids)) if ids else column.is_(None)


def sees_exact(viewer: Person, area_id: int | None) -> bool:
    """May the viewer see exact addresses, coordinates and phones for this area's rows?"""
    from mutualaid.pods.access import coordinates_area

    return coordinates_area(viewer, area_id)


def point_in_area(lat_col, lng_col, area: Area) -> ColumnElement[bool]:
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
    links = [exists().where(Need.requester_id == Person.id, area_filter(viewer, Need.area_id))]
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
        and_(
            Person.home_area_id.is_(None),
            or_(
                exists().where(SmsMessage.person_id == Person.id, SmsMessage.direction == INBOUND),
                and_(
                    ~exists().where(Need.requester_id == Person.id),
                    ~exists().where(Offer.helper_id == Person.id),
                    ~exists().where(Membership.person_id == Person.id),
                ),
            ),
        ),
    )


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
