"""Who may see a pod and its exact address.

Members (the requester and seated helpers) see everything. Coordinators of the need's area
(and admins) see everything. A person with an open invitation sees the invitation summary but
not the address. Everyone else: the pod does not exist for them (404).
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from mutualaid.models import Membership, Person, Pod
from mutualaid.models.pods import ACCEPTED, INVITED

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
    if coordinates_area(person, pod.need.area_id):
        return ROLE_STAFF
    if m is not None and m.status == INVITED:
        return ROLE_INVITED
    return None


def can_see_address(role: str | None) -> bool:
    return role in (ROLE_MEMBER, ROLE_STAFF)


def seated_in_need(viewer: Person, need) -> bool:
    """Is ``viewer`` a seated helper (or the requester) in ``need``'s pod?"""
    from sqlalchemy.orm import object_session

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
            )
        )
        is not None
    )
