"""Areas: admins create and edit neighborhoods and choose their coordinators; neighboring
areas' coordinators hear of an escalated need (:func:`tell_neighbor_coordinators`).

Plain functions taking a session; they flush and never commit.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import select
from sqlalchemy.orm import Session

from mutualaid.audit import record_audit
from mutualaid.i18n import _
from mutualaid.models import Area, Need, Person
from mutualaid.models.places import area_coordinators
from mutualaid.notify import notify
from mutualaid.policy import neighbor_area_ids

SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,59}$")


class AreaError(ValueError):
    def __init__(self, message: str, field: str):
        super().__init__(message)
        self.field = field


@dataclass
class AreaInput:
    slug: str
    name: str
    center_lat: float
    center_lng: float
    radius_km: float
    timezone: str
    units: str


def _validate(session: Session, data: AreaInput, area: Area | None) -> None:
    if not SLUG.match(data.slug or ""):
        raise AreaError(_("Use lowercase letters, digits and dashes, like east-side."), "slug")
    clash = session.scalar(select(Area).where(Area.slug == data.slug))
    if clash is not None and (area is None or clash.id != area.id):
        raise AreaError(_("Another area already uses that short name."), "slug")
    if not (data.name or "").strip():
        raise AreaError(_("Give the area a name."), "name")
    if not -90 <= data.center_lat <= 90:
        raise AreaError(_("Latitude must be between -90 and 90."), "center_lat")
    if not -180 <= data.center_lng <= 180:
        raise AreaError(_("Longitude must be between -180 and 180."), "center_lng")
    if not 0.1 <= data.radius_km <= 100:
        raise AreaError(_("The radius must be between 0.1 and 100 km."), "radius_km")
    try:
        ZoneInfo(data.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise AreaError(_("Use a time zone name like America/New_York."), "timezone") from None
    if data.units not in ("km", "mi"):
        raise AreaError(_("Choose kilometres or miles."), "units")


def save_area(session: Session, actor: Person, data: AreaInput, area: Area | None = None) -> Area:
    """Create an area (``area`` None) or change one; audited."""
    _validate(session, data, area)
    created = area is None
    if area is None:
        area = Area(slug=data.slug, name=data.name.strip(), center_lat=0.0, center_lng=0.0)
        session.add(area)
    area.slug, area.name = data.slug, data.name.strip()
    area.center_lat, area.center_lng = data.center_lat, data.center_lng
    area.radius_km, area.timezone, area.units = data.radius_km, data.timezone, data.units
    session.flush()
    record_audit(
        session, actor, "area.created" if created else "area.changed", area, {"slug": area.slug}
    )
    return area


def set_coordinators(session: Session, actor: Person, area: Area, people: list[Person]) -> None:
    """The area's coordinators become exactly ``people`` (each must be a coordinator)."""
    for person in people:
        if not person.is_coordinator:
            raise AreaError(
                _("%(name)s is not a coordinator; change their role first.", name=person.name),
                "coordinators",
            )
    before = sorted(p.id for p in area.coordinators)
    area.coordinators = list(people)
    session.flush()
    after = sorted(p.id for p in people)
    if before != after:
        record_audit(
            session, actor, "area.coordinators_changed", area, {"from": before, "to": after}
        )


def staff(session: Session) -> list[Person]:
    return list(
        session.scalars(
            select(Person).where(Person.role.in_(("coordinator", "admin"))).order_by(Person.name)
        )
    )


def neighbor_coordinators(session: Session, need: Need) -> list[Person]:
    """Who coordinates an area neighboring ``need``'s (mutualaid.policy.neighbor_area_ids),
    leaving out those told first-hand: its area's coordinators (admins when it has none)."""
    ids = neighbor_area_ids(session, need)
    if not ids or need.area is None:
        return []
    own = {p.id for p in need.area.coordinators}
    in_neighbors = select(area_coordinators.c.person_id).where(area_coordinators.c.area_id.in_(ids))
    people = session.scalars(select(Person).where(Person.id.in_(in_neighbors)).order_by(Person.id))
    return [p for p in people if p.is_coordinator and p.id not in own and (own or not p.is_admin)]


def tell_neighbor_coordinators(session: Session, need: Need) -> list[Person]:
    """The widest radius found nobody for ``need``: neighboring areas' coordinators get a
    lower-priority notice than its own (on the web only, no text) and see it in their queue
    while it is escalated. Returns who was told."""
    people = neighbor_coordinators(session, need)
    area_name = need.area.name if need.area is not None else ""
    for person in people:
        notify(
            session,
            person,
            "need_unmatched_nearby",
            lambda: _(
                "From %(area)s: nobody nearby can take %(code)s yet. Can your people help?",
                area=area_name,
                code=need.code,
            ),
            link=f"/coordinate/needs/{need.id}",
            need=need,
        )
    return people
