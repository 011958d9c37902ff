"""The invitation cascade: expire overdue invitations and invite the next candidates; give
pods that found nobody another try now and then. Run every minute by the worker;
idempotent."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from mutualaid.models import Membership, Pod, utcnow
from mutualaid.models.pods import EXPIRED, INVITED, POD_FORMING
from mutualaid.pods.formation import invite_round, lock_pod, outstanding_invitations

RETRY_EVERY = timedelta(minutes=15)


def expire_invitations(session: Session, *, now: datetime | None = None) -> int:
    """Expire overdue invitations and invite the next candidates (idempotent)."""
    now = now or utcnow()
    pod_ids = session.scalars(
        select(Membership.pod_id)
        .where(Membership.status == INVITED, Membership.invite_expires_at <= now)
        .distinct()
        .order_by(Membership.pod_id)
    ).all()
    expired = 0
    pods: dict[int, Pod] = {}
    for pod_id in pod_ids:
        pod = session.get(Pod, pod_id)
        assert pod is not None, "a membership's pod_id is a foreign key"
        lock_pod(session, pod)
        overdue = session.scalars(
            select(Membership).where(
                Membership.pod_id == pod_id,
                Membership.status == INVITED,
                Membership.invite_expires_at <= now,
            )
        ).all()
        for m in overdue:
            m.status = EXPIRED
        expired += len(overdue)
        session.flush()
        pods[pod_id] = pod
        invite_round(session, pod, now=now)
    # Forming pods that found nobody earlier get another try, at most every RETRY_EVERY.
    idle = session.scalars(
        select(Pod).where(
            Pod.status == POD_FORMING,
            Pod.id.not_in(list(pods) or [0]),
            (Pod.last_round_at.is_(None)) | (Pod.last_round_at <= now - RETRY_EVERY),
        )
    ).all()
    for pod in idle:
        if outstanding_invitations(session, pod, now) == 0:
            lock_pod(session, pod)
            invite_round(session, pod, now=now)
    return expired
