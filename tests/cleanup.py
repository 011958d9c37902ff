"""Remove everything committed tests wrote about some people, children before parents."""

from __future__ import annotations

from sqlalchemy import delete, or_, select
from sqlalchemy.orm import Session

from mutualaid.models import (
    AuditEvent,
    ChecklistItem,
    Membership,
    Need,
    Notification,
    Offer,
    Person,
    Pod,
    PodFeedback,
    PodMessage,
    SmsMessage,
)


def purge_people(session: Session, person_ids: list[int]) -> None:
    ids = list(person_ids)
    need_ids = select(Need.id).where(Need.requester_id.in_(ids))
    pod_ids = list(
        session.scalars(
            select(Pod.id).where(
                or_(
                    Pod.need_id.in_(need_ids),
                    Pod.id.in_(select(Membership.pod_id).where(Membership.person_id.in_(ids))),
                )
            )
        )
    )
    for model in (PodMessage, ChecklistItem, PodFeedback, Membership, Notification):
        session.execute(delete(model).where(model.pod_id.in_(pod_ids)))
    session.execute(delete(Notification).where(Notification.person_id.in_(ids)))
    session.execute(delete(Membership).where(Membership.person_id.in_(ids)))
    session.execute(
        delete(SmsMessage).where(or_(SmsMessage.person_id.in_(ids), SmsMessage.pod_id.in_(pod_ids)))
    )
    session.execute(
        delete(AuditEvent).where(
            or_(
                AuditEvent.actor_id.in_(ids),
                (AuditEvent.target_type == "pod") & AuditEvent.target_id.in_(pod_ids),
            )
        )
    )
    session.execute(delete(Pod).where(Pod.id.in_(pod_ids)))
    session.execute(delete(Need).where(Need.requester_id.in_(ids)))
    session.execute(delete(Offer).where(Offer.helper_id.in_(ids)))
    session.execute(delete(Person).where(Person.id.in_(ids)))
    session.commit()
