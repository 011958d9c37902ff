"""After formation: leaving and backfill, cancelling, resolving, dissolving, the lead,
feedback, and "still need help?" check-ins."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from mutualaid.audit import record_audit
from mutualaid.i18n import _
from mutualaid.models import Membership, Need, Person, Pod, PodFeedback, utcnow
from mutualaid.models import needs as need_status
from mutualaid.models.pods import (
    ACCEPTED,
    FEEDBACK_GOOD,
    FEEDBACK_PROBLEM,
    INVITED,
    LEFT,
    MEMBER_HELPER,
    MEMBER_REQUESTER,
    POD_ACTIVE,
    POD_DISSOLVED,
    POD_FORMING,
    POD_RESOLVED,
    REMOVED,
    WITHDRAWN,
)
from mutualaid.need_records import set_status
from mutualaid.notify import notify
from mutualaid.offers import mark_helper_ready
from mutualaid.pods.config import pod_config
from mutualaid.pods.formation import PodError, invite_round, lock_pod, seated_helpers
from mutualaid.pods.thread import post_message
from mutualaid.pods.wording import pod_link
from mutualaid.policy import is_seated

OPEN_POD = (POD_FORMING, POD_ACTIVE)


def _everyone(session: Session, pod: Pod) -> list[Person]:
    """Requester and seated helpers."""
    return [pod.need.requester, *seated_helpers(session, pod)]


def leave(
    session: Session,
    pod: Pod,
    person: Person,
    *,
    reason: str = "",
    now: datetime | None = None,
    removed_by: Person | None = None,
) -> None:
    """A helper leaves (or is removed): free the seat and invite a replacement."""
    now = now or utcnow()
    lock_pod(session, pod)
    if pod.status not in OPEN_POD:
        raise PodError(_("This pod is closed."))
    membership = session.scalar(
        select(Membership).where(
            Membership.pod_id == pod.id,
            Membership.person_id == person.id,
            Membership.status == ACCEPTED,
            Membership.role == MEMBER_HELPER,
        )
    )
    if membership is None:
        raise PodError(_("You are not a helper in this pod."))
    membership.status = REMOVED if removed_by else LEFT
    membership.responded_at = now
    session.execute(
        update(Pod)
        .where(Pod.id == pod.id, Pod.seats_taken > 0)
        .values(seats_taken=Pod.seats_taken - 1, status=POD_FORMING)
        .execution_options(synchronize_session=False)
    )
    session.refresh(pod)
    need = pod.need
    if need.status == need_status.STATUS_ACTIVE:
        set_status(session, need, need_status.STATUS_FORMING, now)
    if pod.lead_id == person.id:
        remaining = seated_helpers(session, pod)
        pod.lead_id = remaining[0].id if remaining else None
    if removed_by is not None:
        record_audit(
            session,
            removed_by,
            "pod.member_removed",
            pod,
            {"person_id": person.id, "reason": reason},
        )
        text = _("%(name)s was removed from the pod.", name=person.first_name)
    else:
        text = _("%(name)s had to leave; we're inviting someone else.", name=person.first_name)
    post_message(session, pod, None, text, channel="system", relay=True)
    session.flush()
    invite_round(session, pod, now=now)


def need_closed(
    session: Session, need: Need, actor: Person | None, *, now: datetime | None = None
) -> None:
    """Called by the needs domain after a need was resolved, cancelled or expired: close its
    pod, withdraw open invitations and tell the people involved (not the one who acted)."""
    now = now or utcnow()
    pod = session.scalar(select(Pod).where(Pod.need_id == need.id))
    if pod is None or pod.status not in OPEN_POD:
        return
    lock_pod(session, pod)
    if need.status == need_status.STATUS_RESOLVED:
        people = _everyone(session, pod)
        _close(session, pod, POD_RESOLVED, now)
        if actor is not None:
            post_message(
                session,
                pod,
                None,
                _("%(name)s marked this done.", name=actor.first_name),
                channel="system",
                relay=False,
            )
        for person in people:
            notify(
                session,
                person,
                "pod_resolved",
                lambda: _("%(code)s is done. Thank you! How did it go?", code=pod.code),
                lambda: _(
                    "mutualaid: %(code)s is done. Thank you for helping each other!", code=pod.code
                ),
                link=pod_link(pod),
                pod=pod,
                need=need,
            )
    else:
        involved = _invited_and_seated(session, pod)
        _close(session, pod, POD_DISSOLVED, now, reason=need.status)
        for person in involved:
            if actor is not None and person.id == actor.id:
                continue
            notify(
                session,
                person,
                "need_cancelled",
                lambda: _(
                    "Need %(code)s was cancelled. Thank you for being ready to help.", code=pod.code
                ),
                lambda: _("mutualaid: %(code)s was cancelled. Thank you!", code=pod.code),
                pod=pod,
                need=need,
            )
    session.flush()


def dissolve(
    session: Session, pod: Pod, coordinator: Person, reason: str, *, now: datetime | None = None
) -> None:
    now = now or utcnow()
    if not coordinator.is_coordinator:
        raise PodError(_("Only coordinators can dissolve a pod."))
    if not reason.strip():
        raise PodError(_("Say why the pod is being dissolved."))
    lock_pod(session, pod)
    if pod.status not in OPEN_POD:
        raise PodError(_("This pod is already closed."))
    people = _invited_and_seated(session, pod)
    _close(session, pod, POD_DISSOLVED, now, reason=reason.strip())
    need = pod.need
    if need.is_active and need.status != need_status.STATUS_OPEN:
        set_status(session, need, need_status.STATUS_OPEN, now)
    record_audit(session, coordinator, "pod.dissolved", pod, {"reason": reason.strip()})
    for person in people:
        notify(
            session,
            person,
            "pod_dissolved",
            lambda: _(
                "A coordinator closed pod %(code)s: %(reason)s",
                code=pod.code,
                reason=reason.strip(),
            ),
            lambda: _("mutualaid: pod %(code)s was closed by a coordinator.", code=pod.code),
            pod=pod,
            need=need,
        )
    session.flush()


def _close(session: Session, pod: Pod, status: str, now: datetime, reason: str = "") -> None:
    pod.status = status
    pod.closed_at = now
    pod.close_reason = reason
    for m in session.scalars(
        select(Membership).where(Membership.pod_id == pod.id, Membership.status == INVITED)
    ):
        m.status = WITHDRAWN
    # Seated helpers have a seat free again: needs waiting near them may ask them now.
    for helper in seated_helpers(session, pod):
        mark_helper_ready(session, helper.id)


def _invited_and_seated(session: Session, pod: Pod) -> list[Person]:
    return list(
        session.scalars(
            select(Person)
            .join(Membership, Membership.person_id == Person.id)
            .where(Membership.pod_id == pod.id, Membership.status.in_((ACCEPTED, INVITED)))
        )
    )


def change_lead(session: Session, pod: Pod, actor: Person, new_lead: Person) -> None:
    if not (actor.id == pod.need.requester_id or actor.is_coordinator):
        raise PodError(_("Only the requester or a coordinator can change the lead."))
    if not is_seated(session, pod, new_lead) or new_lead.id == pod.need.requester_id:
        raise PodError(_("The lead must be a seated helper."))
    pod.lead_id = new_lead.id
    post_message(
        session,
        pod,
        None,
        _("%(name)s now leads the pod.", name=new_lead.first_name),
        channel="system",
        relay=True,
    )
    session.flush()


def leave_feedback(session: Session, pod: Pod, person: Person, rating: str, note: str = "") -> None:
    if rating not in (FEEDBACK_GOOD, FEEDBACK_PROBLEM):
        raise PodError(_("Choose 'went well' or 'there was a problem'."))
    member = session.scalar(
        select(Membership).where(
            Membership.pod_id == pod.id,
            Membership.person_id == person.id,
            Membership.status == ACCEPTED,
        )
    )
    if member is None:
        raise PodError(_("Only pod members can leave feedback."))
    existing = session.scalar(
        select(PodFeedback).where(PodFeedback.pod_id == pod.id, PodFeedback.person_id == person.id)
    )
    if existing is None:
        existing = PodFeedback(pod_id=pod.id, person_id=person.id, rating=rating)
        session.add(existing)
    existing.rating = rating
    existing.note = (note or "").strip()[:1000]
    session.flush()


def send_checkins(session: Session, *, now: datetime | None = None) -> int:
    """Ask requesters of long-active pods whether they still need help (once per pod)."""
    now = now or utcnow()
    cutoff = now - pod_config().checkin_after
    pods = session.scalars(
        select(Pod).where(
            Pod.status == POD_ACTIVE, Pod.formed_at <= cutoff, Pod.checkin_sent_at.is_(None)
        )
    ).all()
    for pod in pods:
        pod.checkin_sent_at = now
        _ask_checkin(session, pod)
    session.flush()
    return len(pods)


def _ask_checkin(session: Session, pod: Pod) -> None:
    notify(
        session,
        pod.need.requester,
        "checkin",
        lambda: _(
            "Do you still need help with %(code)s? If it's done, mark it done.", code=pod.code
        ),
        lambda: _(
            "mutualaid: still need help with %(code)s? Reply DONE %(code)s if it's sorted.",
            code=pod.code,
        ),
        link=pod_link(pod),
        pod=pod,
        need=pod.need,
    )


__all__ = [
    "MEMBER_REQUESTER",
    "change_lead",
    "dissolve",
    "leave",
    "leave_feedback",
    "need_closed",
    "send_checkins",
]
