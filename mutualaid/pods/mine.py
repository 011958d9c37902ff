"""A person's groups: the invitations waiting for their answer and the groups they are
seated in. The one place for these questions; the web pages, the API and texts ask here.

An open invitation: invited, not yet expired, in a group still forming (filling a group,
closing it or cancelling its need withdraws the invitations left, so no other group holds
one)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session, contains_eager, selectinload

from mutualaid.models import Membership, Person, Pod, utcnow
from mutualaid.models.pods import ACCEPTED, INVITED, MEMBER_HELPER, POD_ACTIVE, POD_FORMING

OPEN_POD = (POD_FORMING, POD_ACTIVE)


def _open_invitation(person_id: int, now: datetime) -> list[ColumnElement[bool]]:
    return [
        Membership.person_id == person_id,
        Membership.status == INVITED,
        Membership.invite_expires_at > now,
        Pod.status == POD_FORMING,
    ]


def open_invitations(
    session: Session,
    person: Person,
    *,
    now: datetime | None = None,
    order: Literal["asked", "expiring"] = "asked",
) -> list[Membership]:
    """The person's open invitations, each with its group and need loaded: in the order
    they were asked (texts number them so), or the soonest to expire first (the pages)."""
    now = now or utcnow()
    ordering = (
        (Membership.invited_at, Pod.id)
        if order == "asked"
        else (Membership.invite_expires_at, Pod.id)
    )
    return list(
        session.scalars(
            select(Membership)
            .join(Pod, Pod.id == Membership.pod_id)
            .where(*_open_invitation(person.id, now))
            .options(contains_eager(Membership.pod).selectinload(Pod.need))
            .order_by(*ordering)
        )
    )


def pending_invitations(session: Session, person: Person) -> list[Pod]:
    """The groups that are waiting for the person's answer, in the order they asked."""
    return [m.pod for m in open_invitations(session, person)]


def count_open_invitations(session: Session, person_id: int, now: datetime | None = None) -> int:
    stmt = (
        select(func.count())
        .select_from(Membership)
        .join(Pod, Pod.id == Membership.pod_id)
        .where(*_open_invitation(person_id, now or utcnow()))
    )
    return session.scalar(stmt) or 0


def seated_pods(
    session: Session,
    person: Person,
    *,
    helper_only: bool = False,
    newest_first: bool = False,
) -> list[Pod]:
    """Open groups (forming or active) the person is seated in, as a helper or (unless
    ``helper_only``) as the requester; oldest first, or newest first for the pages."""
    query = (
        select(Pod)
        .join(Membership, Membership.pod_id == Pod.id)
        .where(
            Membership.person_id == person.id,
            Membership.status == ACCEPTED,
            Pod.status.in_(OPEN_POD),
        )
        .options(selectinload(Pod.need))
        .order_by(*((Pod.created_at.desc(), Pod.id.desc()) if newest_first else (Pod.id,)))
    )
    if helper_only:
        query = query.where(Membership.role == MEMBER_HELPER)
    return list(session.scalars(query))
