"""Group formation: create the pod, invite the best candidates in rounds (widening the
radius when nobody is left), and let a coordinator invite by hand. Answers to invitations
are ``mutualaid.pods.seating``."""

from __future__ import annotations

import math
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from mutualaid import areas, categories
from mutualaid.i18n import _, distance
from mutualaid.matching import Match, escalation_radii, find_matches
from mutualaid.models import Area, Membership, Need, Person, Pod, utcnow
from mutualaid.models import needs as need_status
from mutualaid.models.people import ROLE_ADMIN
from mutualaid.models.pods import (
    ACCEPTED,
    INVITED,
    MEMBER_HELPER,
    MEMBER_REQUESTER,
    POD_ACTIVE,
    POD_FORMING,
)
from mutualaid.need_records import record_first_invitation, set_status
from mutualaid.notify import URGENT, notify
from mutualaid.pods.config import pod_config
from mutualaid.pods.wording import pod_link, urgency_label


class PodError(ValueError):
    """A pod action that cannot happen now; the message is safe to show."""


def start_pod(
    session: Session, need: Need, *, now: datetime | None = None, invite: bool = True
) -> Pod:
    """Create the need's pod (once) and send the first round of invitations (unless
    ``invite`` is False: a coordinator picks the helpers by hand)."""
    now = now or utcnow()
    if not need.is_active:
        raise PodError(_("This need is no longer open."))
    pod = session.scalar(select(Pod).where(Pod.need_id == need.id))
    if pod is not None and pod.status not in (POD_FORMING, POD_ACTIVE):
        _reopen(session, pod, need)
    if pod is None:
        pod = Pod(need_id=need.id, code=need.code, seats=need.people_needed, status=POD_FORMING)
        session.add(pod)
        session.flush()
        session.add(
            Membership(
                pod_id=pod.id,
                person_id=need.requester_id,
                role=MEMBER_REQUESTER,
                status=ACCEPTED,
                invited_at=now,
                responded_at=now,
            )
        )
        session.flush()
    if pod.status == POD_FORMING and invite:
        invite_round(session, pod, now=now)
    return pod


def _reopen(session: Session, pod: Pod, need: Need) -> None:
    """A re-opened need (or a dissolved pod formed again) starts forming anew, keeping the
    helpers still seated."""
    lock_pod(session, pod)
    seated = session.scalar(
        select(func.count())
        .select_from(Membership)
        .where(
            Membership.pod_id == pod.id,
            Membership.status == ACCEPTED,
            Membership.role == MEMBER_HELPER,
        )
    )
    pod.status = POD_FORMING
    pod.code = need.code
    pod.seats = need.people_needed
    pod.seats_taken = min(seated or 0, pod.seats)
    pod.closed_at = None
    pod.close_reason = ""
    session.flush()


def outstanding_invitations(session: Session, pod: Pod, now: datetime) -> int:
    return session.execute(
        select(func.count())
        .select_from(Membership)
        .where(
            Membership.pod_id == pod.id,
            Membership.status == INVITED,
            Membership.invite_expires_at > now,
        )
    ).scalar_one()


def invite_round(session: Session, pod: Pod, *, now: datetime | None = None) -> list[Membership]:
    """Top up invitations to ``over_invite_factor`` times the free seats; widen the search radius
    when nobody is left nearby; mark the need unmatched (for coordinators) when the widest
    radius finds nobody either."""
    now = now or utcnow()
    need = pod.need
    if pod.status != POD_FORMING or not need.is_active:
        return []
    pod.last_round_at = now
    config = pod_config()
    free = pod.seats - pod.seats_taken
    wanted = math.ceil(free * config.over_invite_factor) - outstanding_invitations(
        session, pod, now
    )
    if wanted <= 0:
        return []
    invited: list[Membership] = []
    for radius in _radii_from_current(need):
        matches = find_matches(session, need, limit=wanted, now=now, radius_km=radius)
        if matches:
            if radius != need.search_radius_km:
                need.search_radius_km = radius
            invited = [_invite(session, pod, need, m, now) for m in matches]
            break
    if invited:
        need.unmatched_reason = ""
        if need.status in (need_status.STATUS_OPEN, need_status.STATUS_MATCHING):
            set_status(session, need, need_status.STATUS_FORMING, now)
        record_first_invitation(session, need, now)
    elif outstanding_invitations(session, pod, now) == 0 and pod.seats_taken < pod.seats:
        widest = _radii_from_current(need)[-1]
        need.search_radius_km = widest
        if need.status in (need_status.STATUS_OPEN, need_status.STATUS_FORMING):
            set_status(session, need, need_status.STATUS_MATCHING, now)
        with_label = categories.label(need.category).lower()
        first_time = not need.unmatched_reason
        need.unmatched_reason = _(
            "No %(category)s offers within %(km)s km",
            category=with_label,
            km=f"{widest:g}",
        )
        if first_time:
            _escalate(session, pod, need)
    session.flush()
    return invited


ESCALATION_TEXT_AFTER_MINUTES = 10


def _escalate(session: Session, pod: Pod, need: Need) -> None:
    """The widest radius found nobody: the area's coordinators are told (admins when the need
    is in no area) and the requester gets an honest update instead of silence."""
    area = session.get(Area, need.area_id) if need.area_id is not None else None
    staff = (
        list(area.coordinators)
        if area is not None and area.coordinators
        else list(session.scalars(select(Person).where(Person.role == ROLE_ADMIN)))
    )
    for person in staff:
        notify(
            session,
            person,
            "need_unmatched",
            lambda: _(
                "Nobody nearby can take %(code)s yet: it needs a coordinator.", code=need.code
            ),
            lambda: _(
                "mutualaid: nobody nearby can take %(code)s yet. Please look at the queue.",
                code=need.code,
            ),
            link=f"/coordinate/needs/{need.id}",
            need=need,
        )
    # Coordinators of neighboring areas see it in their queue and get a quieter notice.
    areas.tell_neighbor_coordinators(session, need)
    # By text only once the need has waited (invitations expired unanswered): right after
    # posting, the reply to the post is the person's news, and a second text would be noise.
    waited = utcnow() - need.created_at >= timedelta(minutes=ESCALATION_TEXT_AFTER_MINUTES)
    notify(
        session,
        need.requester,
        "need_escalated",
        lambda: _(
            "We haven't found a neighbor for %(code)s yet. A coordinator is looking.",
            code=need.code,
        ),
        (
            lambda: _(
                "mutualaid: we haven't found a neighbor for %(code)s yet. A coordinator is "
                "looking; we'll text you when someone can help.",
                code=need.code,
            )
        )
        if waited
        else None,
        link=pod_link(pod),
        pod=pod,
        need=need,
    )


def _radii_from_current(need: Need) -> list[float]:
    """The need's current radius, then each wider escalation step."""
    steps = escalation_radii(need.urgency)
    current = need.search_radius_km or steps[0]
    return [current] + [r for r in steps if r > current]


def _invite(session: Session, pod: Pod, need: Need, match: Match, now: datetime) -> Membership:
    membership = session.scalar(
        select(Membership).where(
            Membership.pod_id == pod.id, Membership.person_id == match.person_id
        )
    )
    expires = now + pod_config().ttl_for(need.urgency)
    if membership is None:
        membership = Membership(pod_id=pod.id, person_id=match.person_id, role=MEMBER_HELPER)
        session.add(membership)
    membership.status = INVITED
    membership.invited_at = now
    membership.invite_expires_at = expires
    membership.responded_at = None
    details = getattr(match, "details", ())
    membership.reasons = [r.as_dict() for r in details] if details else list(match.reasons)
    session.flush()
    person = session.get(Person, match.person_id)
    assert person is not None, "a match's person_id is an offer's owner (foreign key)"
    # "0.7 km", or "0.4 mi" when the need's area counts in miles.
    how_far = distance(match.distance_km, need.area.units if need.area else "km")
    notify(
        session,
        person,
        "invitation",
        lambda: _(
            "You're invited to help: %(category)s, %(distance)s away (%(code)s).",
            category=categories.label(need.category),
            distance=how_far,
            code=pod.code,
        ),
        lambda: _(
            "mutualaid: can you help? %(category)s, %(distance)s away, %(urgency)s. "
            "Reply YES %(code)s or NO %(code)s",
            category=categories.label(need.category),
            distance=how_far,
            urgency=urgency_label(need.urgency),
            code=pod.code,
        ),
        link="/invitations",
        need=need,
        pod=pod,
        priority=URGENT,
    )
    return membership


def lock_pod(session: Session, pod: Pod) -> None:
    """Take the pod's row lock before touching its memberships.

    Every change to a pod's seats or invitations goes through this first (PostgreSQL row
    lock; SQLite has one writer), so concurrent accepts, declines, leaves and the expiry job
    queue on one lock in one order and never deadlock on each other's membership rows.
    """
    session.execute(select(Pod.id).where(Pod.id == pod.id).with_for_update())
    session.refresh(pod)


def seated_helpers(session: Session, pod: Pod) -> list[Person]:
    return list(
        session.scalars(
            select(Person)
            .join(Membership, Membership.person_id == Person.id)
            .where(
                Membership.pod_id == pod.id,
                Membership.status == ACCEPTED,
                Membership.role == MEMBER_HELPER,
            )
            .order_by(Membership.responded_at, Membership.id)
        )
    )


def invite_match(
    session: Session, pod: Pod, match: Match, *, now: datetime | None = None
) -> Membership:
    """Invite one matcher suggestion into ``pod`` now (a coordinator's one-click invite)."""
    now = now or utcnow()
    lock_pod(session, pod)
    need = pod.need
    if pod.status != POD_FORMING or not need.is_active:
        raise PodError(_("This pod is not looking for helpers."))
    if pod.seats_taken >= pod.seats:
        raise PodError(_("This pod is full."))
    membership = _invite(session, pod, need, match, now)
    need.unmatched_reason = ""
    if need.status in (need_status.STATUS_OPEN, need_status.STATUS_MATCHING):
        set_status(session, need, need_status.STATUS_FORMING, now)
    record_first_invitation(session, need, now)
    session.flush()
    return membership
